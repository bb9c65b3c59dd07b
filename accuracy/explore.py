"""`run_explore(ExploreRequest(...), client)`: the cheapest core that meets an accuracy target.

Two stages. Accuracy: every point of a grid of configuration settings through the golden and float
models on the stream (`run_sweep`, here on this machine: well under a second a point). Cost: each
(point, placer seed) that meets the target is one synthesis task on a Dask cluster, unless its
outcome is in the cache; points below the target are kept in the results but not synthesized. The
request is checked when it is made, so a typo costs no waiting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from streamnorm.golden import NormConfig, ParameterError
from streamnorm.hw.synth import Family, SynthRequest, synthesize

from .explore_cache import SynthCache
from .explore_front import fronts, recommend
from .explore_result import ExplorePoint, ExploreResult, PointSynth
from .explore_tasks import RunStatus, SeedRun, SynthFunction, SynthJob, failed_task, run_job
from .explore_tools import tool_versions
from .progress import Progress
from .stimulus import check_stimulus_arguments, stimulus
from .sweep import SweepAxis, SweepPoint, TargetMetric, apply_setting, check_sweep, parse_sweep, run_sweep

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["CACHE_FOLDER", "MAX_SEEDS", "STREAM_SEED", "ExploreRequest", "parse_grid", "run_explore"]

#: Most placer seeds a point may have (a typo such as 300 should not queue days of synthesis).
MAX_SEEDS = 20
#: The synthetic streams' seed (the accuracy command's default): the grid is what varies.
STREAM_SEED = 1
#: The cache's folder inside the output folder.
CACHE_FOLDER = "cache"


def parse_grid(specs: Sequence[str], cfg: NormConfig) -> tuple[SweepAxis, ...]:
    """The grid ``FIELD=A:B[,FIELD=v1/v2/...]`` (the grammar of `parse_sweep`), errors named ``grid``."""
    try:
        return parse_sweep(specs, cfg)
    except ParameterError as exc:
        raise ParameterError("grid", exc.message) from None


@dataclass(frozen=True)
class ExploreRequest:
    """What to explore.

    Parameters
    ----------
    config:
        The base configuration; the grid sets fields of it.
    grid:
        The axes of the grid (`parse_grid`); at least one.
    target_sqnr, target_metric:
        The accuracy to meet, in dB, and which SQNR it is about (as ``accuracy --target-metric``).
    out_dir:
        Where explore.json, recommended.json, report.html and the cache go.
    stream, samples, warmup:
        The stream every point is measured on (as for `AccuracyRequest`).
    target, device, speed, freq_mhz:
        The FPGA and the clock: the constraint of every synthesis, and the Fmax a recommended
        point must reach (its median over the seeds).
    seeds:
        Placer seeds per point (1 .. seeds).
    synth:
        False: the accuracy stage only (no cluster needed, nothing recommended).
    command:
        How the caller spells this run, quoted in the report and explore.json.
    """

    config: NormConfig
    grid: tuple[SweepAxis, ...]
    target_sqnr: float
    out_dir: Path
    stream: str = "gaussian"
    samples: int | None = None
    warmup: int | None = None
    target_metric: TargetMetric = TargetMetric.DATAPATH
    target: Family = Family.ECP5
    device: str | None = None
    speed: int | None = None
    freq_mhz: float = 200.0
    seeds: int = 3
    synth: bool = True
    command: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check_stimulus_arguments(self.stream, self.samples, STREAM_SEED)
        if self.warmup is not None and self.warmup < 0:
            raise ParameterError("warmup", f"must be at least 0, not {self.warmup}")
        object.__setattr__(self, "grid", tuple(self.grid))
        if not self.grid:
            raise ParameterError("grid", "no fields to explore (for example out_fmt.frac=6:12)")
        try:
            check_sweep(self.config, self.grid)
        except ParameterError as exc:
            raise ParameterError("grid", exc.message) from None
        object.__setattr__(self, "target_metric", TargetMetric.parse(self.target_metric))
        if not math.isfinite(self.target_sqnr):
            raise ParameterError("target_sqnr", f"must be a finite number of dB, not {self.target_sqnr}")
        if not isinstance(self.seeds, int) or not 1 <= self.seeds <= MAX_SEEDS:
            raise ParameterError("seeds", f"{self.seeds!r}: must be 1 to {MAX_SEEDS}")
        out = Path(self.out_dir)
        if out.exists() and not out.is_dir():
            raise ParameterError("out_dir", f"{out} is a file, not a folder; name a folder (it is created)")
        # the synthesis request checks the family, device, speed grade and clock, in its words
        object.__setattr__(self, "target", self.probe().target)

    def probe(self, seed: int = 1) -> SynthRequest:
        """The synthesis request of the base configuration (the checks every task will pass)."""
        return SynthRequest(
            self.config, Path(self.out_dir), self.target, self.device, self.freq_mhz, self.speed, seed
        )

    @property
    def seed_list(self) -> tuple[int, ...]:
        return tuple(range(1, self.seeds + 1)) if self.synth else ()


def _point(sweep_point: SweepPoint, request: ExploreRequest, synth: PointSynth | None) -> ExplorePoint:
    figures = sweep_point.figures
    meets = figures is not None and figures.sqnr(request.target_metric) >= request.target_sqnr
    config = None if figures is None else apply_setting(request.config, sweep_point.settings)
    return ExplorePoint(
        settings=sweep_point.settings,
        config=config,
        figures=figures,
        refused=sweep_point.refused,
        meets_target=meets,
        synth=synth,
        metric=request.target_metric,
    )


def _synthesize(
    jobs: dict[tuple[int, int], SynthJob],
    labels: dict[int, str],
    cache: SynthCache,
    client: Client | None,
    synthesize: SynthFunction,
    progress: Progress | None,
) -> dict[tuple[int, int], SeedRun]:
    """Every job's outcome: from the cache, or run as a task on the cluster (and then cached)."""
    runs: dict[tuple[int, int], SeedRun] = {}
    for at, job in jobs.items():
        hit = cache.load(job)
        if hit is not None:
            runs[at] = hit
    todo = {at: job for at, job in jobs.items() if at not in runs}
    if progress is not None:
        progress.note(f"synthesis: {len(todo)} runs to do, {len(runs)} of {len(jobs)} found in the cache")
    if not todo:
        return runs
    if client is None:
        raise ParameterError("client", "synthesis needs a Dask client (open_client), or synth=False")
    from dask.distributed import as_completed

    futures = {
        client.submit(run_job, job, str(cache.folder(job)), synthesize, pure=False): at
        for at, job in todo.items()
    }
    done = 0
    if progress is not None:
        progress.advance(0, len(todo), "")
    for future in as_completed(futures):
        at = futures[future]
        try:
            run: SeedRun = future.result()
        except Exception as exc:  # the worker died: a recorded outcome, not the end of the run
            run = failed_task(todo[at], exc)
        if run.cacheable:
            cache.store(todo[at], run)
        runs[at] = run
        done += 1
        if progress is not None:
            progress.advance(done, len(todo), f"{labels[at[0]]}, seed {at[1]}")
            if run.status is RunStatus.FAILED:
                progress.note(f"failed: {labels[at[0]]}, seed {at[1]}: {run.message.splitlines()[0]}")
    return runs


def run_explore(
    request: ExploreRequest,
    client: Client | None = None,
    progress: Progress | None = None,
    synthesize: SynthFunction = synthesize,
) -> ExploreResult:
    """Both stages. `client` runs the synthesis tasks (not needed with ``synth=False``, nor when
    every run is in the cache); `progress` hears the points, then the tasks, as they finish;
    `synthesize` performs one run on a worker (the tests put a stand-in there)."""
    cfg = request.config
    samples = len(stimulus(cfg, request.stream, request.samples, STREAM_SEED).values)
    swept = run_sweep(
        cfg, request.grid, request.stream, request.samples, STREAM_SEED, request.warmup, progress=progress
    )
    points = [_point(p, request, None) for p in swept]
    family = request.target
    tools = tool_versions(family)
    probe = request.probe()
    if request.synth:
        jobs = {
            (i, seed): SynthJob(
                config=p.config.to_dict(),
                target=family.value,
                device=probe.device_name,
                speed=probe.speed_grade,
                freq_mhz=float(request.freq_mhz),
                seed=seed,
                tools=tools,
            )
            for i, p in enumerate(points)
            if p.meets_target and p.config is not None
            for seed in request.seed_list
        }
        labels = {i: p.label() for i, p in enumerate(points)}
        cache = SynthCache(Path(request.out_dir) / CACHE_FOLDER)
        runs = _synthesize(jobs, labels, cache, client, synthesize, progress)
        out = Path(request.out_dir).resolve()
        synths = {
            i: PointSynth(
                tuple(runs[(i, seed)] for seed in request.seed_list),
                tuple(str(cache.folder(jobs[(i, seed)]).relative_to(out)) for seed in request.seed_list),
            )
            for i in range(len(points))
            if (i, request.seed_list[0]) in runs
        }
        points = [_point(s, request, synths.get(i)) for i, s in enumerate(swept)]
    lut_front, fmax_front = fronts(points)
    return ExploreResult(
        base_config=cfg,
        grid=request.grid,
        stream=request.stream,
        samples=samples,
        target_sqnr=request.target_sqnr,
        metric=request.target_metric,
        family=family.value,
        device=probe.target_info.devices[probe.device_name].name,
        speed_grade=probe.speed_grade,
        freq_mhz=float(request.freq_mhz),
        seeds=request.seed_list,
        points=tuple(points),
        pareto_lut=tuple(lut_front),
        pareto_fmax=tuple(fmax_front),
        recommended=recommend(points, request.freq_mhz) if request.synth else None,
        tools=tools,
        command=request.command,
    )
