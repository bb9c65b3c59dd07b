"""`run_accuracy(AccuracyRequest(...))`: fixed point against float on one stream, and everything around it.

The request is checked when it is made, so a typo costs no waiting: a bad sample count, seed,
warm-up, stream name, sweep or target is refused before any model runs, naming the request
field (``ParameterError("samples", ...)``). What needs the stream (a warm-up longer than it, a
file's shape) is refused once the stream is read, still before any model runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from streamnorm.golden import NormConfig, ParameterError

from .analysis import choose_warmup, fixed_vs_float, run_models
from .comparisons import l1_vs_l2, quiet_channel, streaming_vs_offline
from .progress import Progress
from .result import AccuracyResult, Signals, StreamDescription
from .rtl_check import RtlOptions, rtl_check
from .stimulus import check_stimulus_arguments, stimulus, stream_name
from .sweep import SweepAxis, SweepResult, TargetMetric, check_sweep, choose_target, run_sweep

__all__ = ["AccuracyRequest", "run_accuracy"]


@dataclass(frozen=True)
class AccuracyRequest:
    """What to measure.

    Parameters
    ----------
    config:
        The core's configuration.
    stream:
        A synthetic kind (`STREAM_KINDS`), a bundled recording (`RECORDINGS`) or a file.
    samples:
        Time steps; None: 20000 for a synthetic stream, the whole recording or file otherwise.
    seed:
        Seed of the synthetic streams (and of the backpressure with `rtl`), at least 0.
    warmup:
        Time steps left out of the steady-state figures; None: one window plus three decay time
        constants, at most half the stream.
    sweep:
        Axes of a grid of configuration settings to repeat the comparison over (`parse_sweep`).
    target_sqnr, target_metric:
        With `sweep`: choose the first setting whose SQNR of that kind is at or above this, in dB.
    rtl:
        Also simulate the generated Verilog on the same input codes and check every word.
    command:
        How the caller spells this run (the command line), quoted in the report and metrics.json.
    """

    config: NormConfig = field(default_factory=NormConfig)
    stream: str = "gaussian"
    samples: int | None = None
    seed: int = 1
    warmup: int | None = None
    sweep: tuple[SweepAxis, ...] = ()
    target_sqnr: float | None = None
    target_metric: TargetMetric = TargetMetric.DATAPATH
    rtl: RtlOptions | None = None
    command: str | None = None

    def __post_init__(self) -> None:
        check_stimulus_arguments(self.stream, self.samples, self.seed)
        if self.warmup is not None and self.warmup < 0:
            raise ParameterError("warmup", f"must be at least 0, not {self.warmup}")
        object.__setattr__(self, "sweep", tuple(self.sweep))
        check_sweep(self.config, self.sweep)
        object.__setattr__(self, "target_metric", TargetMetric.parse(self.target_metric))
        if self.target_sqnr is not None:
            if not self.sweep:
                raise ParameterError(
                    "target_sqnr", "needs a sweep to choose from (for example out_fmt.frac=6:14)"
                )
            if not math.isfinite(self.target_sqnr):
                raise ParameterError("target_sqnr", f"must be a finite number of dB, not {self.target_sqnr}")


def _sweep(request: AccuracyRequest, progress: Progress | None) -> SweepResult:
    points = run_sweep(
        request.config,
        request.sweep,
        request.stream,
        request.samples,
        request.seed,
        request.warmup,
        progress=progress,
    )
    target = (
        None
        if request.target_sqnr is None
        else choose_target(points, request.target_sqnr, request.target_metric)
    )
    return SweepResult(request.sweep, tuple(points), target)


def run_accuracy(request: AccuracyRequest, progress: Progress | None = None) -> AccuracyResult:
    """Both models on the request's stream, the comparisons, the sweep and the RTL check if asked.

    `progress` hears the sweep's settings as they run, refusals, and the simulation's stages.
    """
    cfg = request.config
    stim = stimulus(cfg, request.stream, request.samples, request.seed)
    warmup = choose_warmup(cfg, len(stim.values), request.warmup)
    run = run_models(cfg, stim.values)
    w = warmup.steps
    offline_figures, offline = streaming_vs_offline(run, w)
    l12, other = l1_vs_l2(run, w)
    sweep = _sweep(request, progress) if request.sweep else None
    opts = request.rtl
    rtl = (
        None
        if opts is None
        else rtl_check(
            cfg,
            stim.codes,
            opts.out_dir,
            request.seed,
            simulator=opts.simulator,
            backpressure=opts.backpressure,
            progress=progress,
        )
    )
    return AccuracyResult(
        config=cfg,
        stream=StreamDescription(
            name=stream_name(request.stream),
            source=stim.source,
            samples=int(run.codes.shape[0]),
            channels=cfg.channels,
            seed=request.seed,
            input_saturated_per_channel=tuple(int(n) for n in np.count_nonzero(run.clipped, axis=0)),
        ),
        warmup=warmup,
        fixed_vs_float=fixed_vs_float(run, w),
        output_overflow_words=int(np.count_nonzero(run.overflow)),
        streaming_vs_offline=offline_figures,
        l1_vs_l2=l12,
        quiet_channel=quiet_channel(cfg, request.seed),
        sweep=sweep,
        rtl=rtl,
        command=request.command,
        signals=Signals(
            run=run, offline=offline, l2=other if other is not None and other.cfg.p == 2 else None
        ),
    )
