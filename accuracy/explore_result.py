"""`ExploreResult`: what `streamnorm explore` found, as types; `to_json()` is explore.json.

Each point of the grid has its accuracy (or the configuration's refusal) and, if it met the target
and synthesis was asked for, one `SeedRun` per placer seed, summed up by `PointSynth`: the area of
the design and the median Fmax over the seeds.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Any

from streamnorm.golden import NormConfig

from .explore_tasks import RunStatus, SeedRun
from .json_ready import json_ready
from .sweep import SweepAxis, SweepFigures, TargetMetric
from .text import settings_text

__all__ = ["EXPLORE_FILE", "RECOMMENDED_FILE", "REPORT_FILE", "ExplorePoint", "ExploreResult", "PointSynth"]

EXPLORE_FILE = "explore.json"
RECOMMENDED_FILE = "recommended.json"
REPORT_FILE = "report.html"


@dataclass(frozen=True)
class PointSynth:
    """One point's synthesis over the seeds."""

    runs: tuple[SeedRun, ...]  #: in seed order
    folders: tuple[str, ...]  #: each run's cache folder (netlist, logs, synth.json), from the output folder

    @property
    def status(self) -> RunStatus:
        """Failed if any seed failed, does not fit if any seed did not fit, else fits."""
        statuses = {r.status for r in self.runs}
        for status in (RunStatus.FAILED, RunStatus.DOES_NOT_FIT):
            if status in statuses:
                return status
        return RunStatus.FITS

    @property
    def fits(self) -> bool:
        return self.status is RunStatus.FITS

    @property
    def message(self) -> str:
        """The first seed's message that is not fitting (empty if every seed fits)."""
        return next((r.message for r in self.runs if r.status is not RunStatus.FITS), "")

    @property
    def area(self) -> tuple[int, int, int, int] | None:
        """(LUT, FF, DSP, BRAM), or None if a seed did not fit or failed."""
        if not self.fits:
            return None
        # nextpnr packs before it places, so the seeds agree; the largest is the safe figure
        lut, ff, dsp, bram = (max(getattr(r, n) for r in self.runs) for n in ("lut", "ff", "dsp", "bram"))
        return lut, ff, dsp, bram

    @property
    def fmax_by_seed(self) -> dict[int, float | None]:
        return {r.seed: r.fmax_mhz for r in self.runs if r.status is RunStatus.FITS}

    @property
    def fmax_mhz(self) -> float | None:
        """The median Fmax over the seeds (None unless every seed fits and reports one)."""
        values = list(self.fmax_by_seed.values())
        if not self.fits or not values or None in values:
            return None
        return float(statistics.median(v for v in values if v is not None))

    @property
    def cached(self) -> int:
        """How many of the seeds were read from the cache."""
        return sum(r.cached for r in self.runs)

    def to_json(self) -> dict[str, Any]:
        area = self.area
        return json_ready(
            {
                "lut": None if area is None else area[0],
                "ff": None if area is None else area[1],
                "dsp": None if area is None else area[2],
                "bram": None if area is None else area[3],
                "fits": self.fits,
                "fmax_mhz": self.fmax_mhz,
                "fmax_by_seed": {str(s): f for s, f in self.fmax_by_seed.items()},
                "status": self.status.value,
                "message": self.message,
                "runs": [
                    {**r.to_json(), "cached": r.cached, "folder": f}
                    for r, f in zip(self.runs, self.folders, strict=True)
                ],
            }
        )


@dataclass(frozen=True)
class ExplorePoint:
    """One grid setting: its configuration and accuracy (or refusal), and its synthesis."""

    settings: dict[str, Any]  #: field -> value
    config: NormConfig | None  #: None when the configuration refused the setting
    figures: SweepFigures | None
    refused: str | None
    meets_target: bool
    synth: PointSynth | None  #: None unless the point met the target and synthesis was asked for
    metric: TargetMetric

    @property
    def sqnr_db(self) -> float | None:
        """The SQNR the target is about (`metric`)."""
        return None if self.figures is None else self.figures.sqnr(self.metric)

    def label(self) -> str:
        return settings_text(self.settings)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "settings": self.settings,
            "config": None if self.config is None else self.config.to_dict(),
            "sqnr_db": self.sqnr_db,
            "meets_target": self.meets_target,
            "synth": None if self.synth is None else self.synth.to_json(),
            "figures": None if self.figures is None else asdict(self.figures),
        }
        if self.refused is not None:
            out["refused"] = self.refused
        return json_ready(out)


@dataclass(frozen=True)
class ExploreResult:
    """The whole exploration: the request as run, every point, the fronts and the recommendation."""

    base_config: NormConfig
    grid: tuple[SweepAxis, ...]
    stream: str
    samples: int  #: time steps of the stream (of the base configuration's stimulus)
    target_sqnr: float
    metric: TargetMetric
    family: str
    device: str  #: as the vendor calls it (LFE5U-85F)
    speed_grade: int | None
    freq_mhz: float
    seeds: tuple[int, ...]  #: placer seeds (empty without synthesis)
    points: tuple[ExplorePoint, ...]  #: in grid order, the first field varying slowest
    pareto_lut: tuple[int, ...]  #: indices into `points`
    pareto_fmax: tuple[int, ...]
    recommended: int | None
    tools: dict[str, str]
    command: str | None

    @property
    def synthesized(self) -> bool:
        return bool(self.seeds)

    @property
    def recommended_point(self) -> ExplorePoint | None:
        return None if self.recommended is None else self.points[self.recommended]

    def task_counts(self) -> tuple[int, int]:
        """(synthesis runs, of which read from the cache)."""
        runs = [r for p in self.points if p.synth is not None for r in p.synth.runs]
        return len(runs), sum(r.cached for r in runs)

    def to_json(self) -> dict[str, Any]:
        runs, cached = self.task_counts()
        return json_ready(
            {
                "base_config": self.base_config.to_dict(),
                "grid": {a.field: list(a.values) for a in self.grid},
                "order": "grid order, the first field varying slowest",
                "stream": self.stream,
                "samples": self.samples,
                "target": {
                    "sqnr_db": self.target_sqnr,
                    "metric": self.metric,
                    "key": self.metric.key,
                    "family": self.family,
                    "device": self.device,
                    "speed_grade": self.speed_grade,
                    "freq_mhz": self.freq_mhz,
                },
                "seeds": list(self.seeds),
                "synthesis_runs": {"total": runs, "from_cache": cached},
                "points": [p.to_json() for p in self.points],
                "pareto": {"lut": list(self.pareto_lut), "fmax": list(self.pareto_fmax)},
                "recommended": self.recommended,
                "tools": self.tools,
                "files": {"report": REPORT_FILE, "recommended": RECOMMENDED_FILE},
                "command": self.command,
            }
        )
