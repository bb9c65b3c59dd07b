"""The streaming normalizer next to its alternatives, on the same stream.

* Offline normalization: each channel's whole-sequence mean and deviation, what a batch
  normalization over the recording would apply. The gap to it is the price of streaming
  (statistics from the recent past only), independent of fixed point.
* L1 against L2: the same configuration with ``p = 2`` (standard deviation: squares and a square
  root in hardware), its own fixed-against-float error, and how far the two normalizations differ.
* The quiet channel: a near-constant input whose deviation falls to ``eps``, so the core applies its
  largest gain; the error there, split by cause, is the bound the report states.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from streamnorm.golden import ConfigError, NormConfig

from .analysis import ModelRun, choose_warmup, error_budget, fixed_scale, run_models
from .json_ready import json_ready
from .metrics import ErrorStats, compare, sqnr_db
from .streams import make_stream

__all__ = [
    "QUIET_STEPS",
    "BoundParts",
    "DatapathFigures",
    "L1VsL2",
    "L1VsL2Refused",
    "QuietChannel",
    "StreamingVsOffline",
    "l1_vs_l2",
    "offline_normalize",
    "quiet_channel",
    "streaming_vs_offline",
]

#: Time steps of the quiet-channel check (enough for steady state at the default configuration).
QUIET_STEPS = 20000

#: Derived widths that show what L2 costs next to L1.
_COST_WIDTHS = ("mean_width", "dev_stat_width", "sum_dev_width", "sum_sq_width", "product_width")


def offline_normalize(cfg: NormConfig, x: np.ndarray) -> np.ndarray:
    """Whole-sequence normalization of (T, C) inputs (input units) to output units, in float64.

    The same formula as the streaming float reference, ``gamma*g*(x - mean)/(dev + eps) + beta``,
    with each channel's mean and deviation (mean absolute deviation for p = 1, standard
    deviation for p = 2) taken over the whole sequence.
    """
    c = cfg.channels
    gain = np.broadcast_to(np.asarray(cfg.gamma, dtype=np.float64), (c,)) * cfg.gaussian_factor
    beta = np.broadcast_to(np.asarray(cfg.beta, dtype=np.float64), (c,))
    mean = x.mean(axis=0)
    centred = x - mean
    dev = np.mean(np.abs(centred), axis=0) if cfg.p == 1 else np.sqrt(np.mean(centred * centred, axis=0))
    return centred * (gain / (dev + cfg.eps)) + beta


def _rms(v: np.ndarray) -> float:
    return float(np.sqrt(np.mean(v * v))) if v.size else math.nan


@dataclass(frozen=True)
class StreamingVsOffline:
    """The streaming float output against offline normalization (and the fixed output too)."""

    overall: ErrorStats
    steady: ErrorStats
    fixed_steady_sqnr_db: float
    offline_output_rms: float  #: steady state
    streaming_output_rms: float  #: steady state

    def to_json(self) -> dict[str, Any]:
        return json_ready(
            {
                "overall": self.overall.to_json(),
                "steady": self.steady.to_json(),
                "fixed_steady_sqnr_db": self.fixed_steady_sqnr_db,
                "output_rms": {"offline": self.offline_output_rms, "streaming": self.streaming_output_rms},
            }
        )


def streaming_vs_offline(run: ModelRun, warmup: int) -> tuple[StreamingVsOffline, np.ndarray]:
    """The figures, and the offline output (T, C) they compare with."""
    offline = offline_normalize(run.cfg, run.inputs)
    lsb = run.cfg.out_fmt.lsb
    w = warmup
    figures = StreamingVsOffline(
        overall=compare(offline, run.ref, lsb),
        steady=compare(offline[w:], run.ref[w:], lsb),
        fixed_steady_sqnr_db=sqnr_db(offline[w:], run.fixed[w:]),
        offline_output_rms=_rms(offline[w:]),
        streaming_output_rms=_rms(run.ref[w:]),
    )
    return figures, offline


@dataclass(frozen=True)
class DatapathFigures:
    """One side of L1 against L2: its own fixed-against-float error, distance from offline, cost."""

    steady_sqnr_db: float
    steady_floor_sqnr_db: float
    max_error_lsb_in_range: float
    overflow_words: int
    offline_steady_sqnr_db: float
    output_rms: float
    widths: dict[str, int]  #: derived register widths that show what L2 costs next to L1


@dataclass(frozen=True)
class L1VsL2:
    """The L1 and L2 datapaths on the same stream, and how far apart their normalizations are.

    The SQNR of L1 against L2 (float) counts a difference of overall scale as error (L2 weights
    outliers more); the correlation ignores scale.
    """

    l1: DatapathFigures
    l2: DatapathFigures
    l1_float_against_l2_float_sqnr_db: float
    l1_l2_correlation: float
    l1_over_l2_output_rms: float

    def to_json(self) -> dict[str, Any]:
        return json_ready(asdict(self))


@dataclass(frozen=True)
class L1VsL2Refused:
    """The configuration refuses the other `p`: why."""

    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"refused": self.reason}


def _datapath_figures(r: ModelRun, w: int) -> DatapathFigures:
    steady = compare(r.ref[w:], r.fixed[w:], r.cfg.out_fmt.lsb, r.overflow[w:])
    derived = r.cfg.derived()
    return DatapathFigures(
        steady_sqnr_db=steady.sqnr_db,
        steady_floor_sqnr_db=steady.floor_sqnr_db,
        max_error_lsb_in_range=steady.max_error_lsb_in_range,
        overflow_words=int(np.count_nonzero(r.overflow)),
        offline_steady_sqnr_db=sqnr_db(offline_normalize(r.cfg, r.inputs)[w:], r.ref[w:]),
        output_rms=_rms(r.ref[w:]),
        widths={k: derived[k] for k in _COST_WIDTHS if k in derived},
    )


def l1_vs_l2(run: ModelRun, warmup: int) -> tuple[L1VsL2 | L1VsL2Refused, ModelRun | None]:
    """The other datapath (``p = 2`` for L1, 1 for L2) on the same stream: figures, and its run."""
    cfg = run.cfg
    other_p = 2 if cfg.p == 1 else 1
    try:
        other_cfg = cfg.replace(p=other_p)
    except ConfigError as exc:
        return L1VsL2Refused(f"p = {other_p}: {exc}"), None
    other = run_models(other_cfg, run.values)
    l1, l2 = (run, other) if cfg.p == 1 else (other, run)
    w = warmup
    a, b = l1.ref[w:].ravel(), l2.ref[w:].ravel()
    corr = float(np.corrcoef(a, b)[0, 1]) if a.size > 1 and a.std() > 0 and b.std() > 0 else math.nan
    figures = L1VsL2(
        l1=_datapath_figures(l1, w),
        l2=_datapath_figures(l2, w),
        l1_float_against_l2_float_sqnr_db=sqnr_db(b, a),
        l1_l2_correlation=corr,
        l1_over_l2_output_rms=_rms(a) / _rms(b) if _rms(b) > 0 else math.nan,
    )
    return figures, other


@dataclass(frozen=True)
class BoundParts:
    """The largest error of each part of the error budget, in output LSBs."""

    rounding: float
    mean: float
    scale: float


@dataclass(frozen=True)
class QuietChannel:
    """Fixed against float where the deviation falls to eps (the largest gain), and the bound there."""

    stream: str
    deviation_over_eps_median: float
    gain_lsb_per_input_lsb_median: float
    max_gain_lsb_per_input_lsb: float
    steady: ErrorStats
    bound_parts_lsb: BoundParts
    bound_lsb: float  #: the sum of the parts: no word in range errs by more
    rounding_limit_lsb: float  #: the most the output rounding alone may contribute

    def to_json(self) -> dict[str, Any]:
        return json_ready(asdict(self))


def quiet_channel(cfg: NormConfig, seed: int, steps: int = QUIET_STEPS) -> QuietChannel:
    """Fixed against float on the synthetic quiet stream, and the error bound there.

    Always the same length whatever the stream under study: the deviation statistic needs a few
    decay time constants to fall from its first window (measured from the initial mean 0) to eps.

    The bound adds the largest error of each part of the error budget (output rounding, mean
    statistic, scale) over the words in range: every word's error is at most that sum.
    """
    run = run_models(cfg, make_stream("quiet", steps, cfg.channels, cfg.in_fmt, seed))
    w = choose_warmup(cfg, steps).steps
    lsb = cfg.out_fmt.lsb
    budget = error_budget(run)
    in_range = ~run.overflow[w:]
    parts = BoundParts(
        *(
            float(np.max(np.abs(getattr(budget, name)[w:][in_range]), initial=0.0))
            for name in ("rounding", "mean", "scale")
        )
    )
    gain = fixed_scale(cfg, run.fixed_trace)[w:] * cfg.in_fmt.lsb / lsb
    return QuietChannel(
        stream=f"synthetic quiet, seed {seed}, {steps} time steps",
        deviation_over_eps_median=float(np.median(run.float_trace.dev_stat[w:]) / cfg.eps),
        gain_lsb_per_input_lsb_median=float(np.median(gain)),
        max_gain_lsb_per_input_lsb=float(cfg.max_gain),
        steady=compare(run.ref[w:], run.fixed[w:], lsb, run.overflow[w:]),
        bound_parts_lsb=parts,
        bound_lsb=parts.rounding + parts.mean + parts.scale,
        rounding_limit_lsb=1.0 if cfg.rounding.value == "truncate" else 0.5,
    )
