"""Sweeps: the accuracy over a grid of configuration settings, and the first setting that meets a target.

A field is a configuration key by dotted path (``out_fmt.frac``, ``window_log2``); its values are
an integer range ``A:B`` or ``A:B:STEP`` (both ends included) or a list ``v1/v2/...`` (numbers,
``null``, or words such as ``pow2``). Several fields make a grid, walked with the first field
varying slowest. A value the configuration refuses wherever it appears (a typo such as
``scale=foo``) is refused before any work; a setting refused only in combination with the others
is recorded with the reason, and the rest still run. `choose_target` picks the first point, in
grid order, that meets a target SQNR: for one field swept upwards, the smallest setting that does.
"""

from __future__ import annotations

import enum
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from streamnorm.golden import ConfigError, NormConfig, ParameterError

from .analysis import choose_warmup, run_models
from .json_ready import json_ready
from .metrics import compare
from .progress import Progress
from .stimulus import stimulus
from .text import settings_text, value_text

__all__ = [
    "MAX_POINTS",
    "SweepAxis",
    "SweepFigures",
    "SweepPoint",
    "SweepResult",
    "TargetChoice",
    "TargetMetric",
    "apply_setting",
    "check_sweep",
    "choose_target",
    "config_fields",
    "parse_sweep",
    "run_sweep",
]

#: Most points a sweep may have (a typo such as 0:1000 should not run for an hour).
MAX_POINTS = 2000

#: How metrics.json states the grid order.
GRID_ORDER = "grid order, the first field varying slowest"


class TargetMetric(str, enum.Enum):
    """Which SQNR a target is about."""

    @classmethod
    def parse(cls, value: object) -> TargetMetric:
        """`value` as a metric, or a ParameterError("target_metric", ...) naming the choices."""
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise ParameterError("target_metric", f"{json.dumps(value)} is not one of {choices}") from None

    #: the core against float on the same input codes, steady state
    DATAPATH = "datapath"
    #: the same over the whole stream: a burst during warm-up counts
    OVERALL = "overall"
    #: against float on the unquantized stream, steady state: input quantization and saturation count
    END_TO_END = "end_to_end"

    @property
    def key(self) -> str:
        """The `SweepFigures` field (and metrics.json key) that holds this SQNR."""
        return _TARGET_KEYS[self]


_TARGET_KEYS = {
    TargetMetric.DATAPATH: "steady_sqnr_db",
    TargetMetric.OVERALL: "sqnr_db",
    TargetMetric.END_TO_END: "end_to_end_steady_sqnr_db",
}


@dataclass(frozen=True)
class SweepAxis:
    field: str  #: dotted path
    values: tuple[Any, ...]


@dataclass(frozen=True)
class SweepFigures:
    """One setting's accuracy: the three SQNRs a target may be about, the floor, errors, widths."""

    sqnr_db: float
    steady_sqnr_db: float
    end_to_end_steady_sqnr_db: float
    steady_floor_sqnr_db: float
    rms_error_lsb: float
    max_error_lsb_in_range: float
    overflow_words: int
    input_saturated: int
    widths: dict[str, int]

    def sqnr(self, metric: TargetMetric) -> float:
        return float(getattr(self, metric.key))


@dataclass(frozen=True)
class SweepPoint:
    settings: dict[str, Any]  #: field -> value
    figures: SweepFigures | None  #: None when refused
    refused: str | None = None

    def label(self) -> str:
        return settings_text(self.settings)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"settings": self.settings, "ok": self.refused is None}
        if self.figures is not None:
            out.update(asdict(self.figures))
        if self.refused is not None:
            out["refused"] = self.refused
        return json_ready(out)


@dataclass(frozen=True)
class TargetChoice:
    """A target SQNR and the first setting, in grid order, that meets it (None: none does)."""

    sqnr_db: float
    metric: TargetMetric
    chosen: SweepPoint | None

    @property
    def met(self) -> bool:
        return self.chosen is not None

    def chosen_sqnr_db(self) -> float | None:
        return (
            None
            if self.chosen is None or self.chosen.figures is None
            else self.chosen.figures.sqnr(self.metric)
        )

    def to_json(self) -> dict[str, Any]:
        chosen = (
            None
            if self.chosen is None
            else {"settings": self.chosen.settings, "sqnr_db": self.chosen_sqnr_db()}
        )
        return json_ready(
            {
                "sqnr_db": self.sqnr_db,
                "metric": self.metric,
                "key": self.metric.key,
                "met": self.met,
                "chosen": chosen,
            }
        )


@dataclass(frozen=True)
class SweepResult:
    axes: tuple[SweepAxis, ...]
    points: tuple[SweepPoint, ...]  #: in grid order
    target: TargetChoice | None

    @property
    def fields(self) -> list[str]:
        return [a.field for a in self.axes]

    def to_json(self) -> dict[str, Any]:
        return json_ready(
            {
                "fields": self.fields,
                "values": {a.field: list(a.values) for a in self.axes},
                "order": GRID_ORDER,
                "points": [p.to_json() for p in self.points],
                "target": None if self.target is None else self.target.to_json(),
            }
        )


def config_fields(cfg: NormConfig) -> list[str]:
    """Every sweepable field, by dotted path (nested formats spelt out)."""
    out = []
    for key, value in cfg.to_dict().items():
        if isinstance(value, dict):
            out.extend(f"{key}.{sub}" for sub in value)
        else:
            out.append(key)
    return out


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # a bare word such as pow2 or half_even


def _parse_values(field: str, text: str) -> tuple[Any, ...]:
    if ":" in text:
        parts = text.split(":")
        try:
            nums = [int(p) for p in parts]
        except ValueError:
            raise ParameterError(
                "sweep",
                f"{field}={text}: a range is A:B or A:B:STEP with integers; list other values as v1/v2/...",
            ) from None
        if len(nums) not in (2, 3):
            raise ParameterError("sweep", f"{field}={text}: a range is A:B or A:B:STEP")
        lo, hi, step = nums[0], nums[1], nums[2] if len(nums) == 3 else 1
        if step < 1 or hi < lo:
            raise ParameterError("sweep", f"{field}={text}: a range needs A <= B and STEP >= 1")
        return tuple(range(lo, hi + 1, step))
    values = tuple(_parse_value(v) for v in text.split("/") if v != "")
    if not values:
        raise ParameterError("sweep", f"{field}=: no values")
    return values


def parse_sweep(specs: Sequence[str], cfg: NormConfig) -> tuple[SweepAxis, ...]:
    """Parse sweep specs (each ``FIELD=VALUES[,FIELD=VALUES...]``) and `check_sweep` them against `cfg`."""
    axes: list[SweepAxis] = []
    for spec in specs:
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            if "=" not in item:
                raise ParameterError(
                    "sweep", f"{json.dumps(item)}: expected FIELD=A:B (for example out_fmt.frac=6:12)"
                )
            field, text = (s.strip() for s in item.split("=", 1))
            axes.append(SweepAxis(field, _parse_values(field, text)))
    check_sweep(cfg, axes)
    return tuple(axes)


def apply_setting(cfg: NormConfig, settings: dict[str, Any]) -> NormConfig:
    """`cfg` with each dotted-path field set; raises ConfigError if the result is refused."""
    data = cfg.to_dict()
    for path, value in settings.items():
        keys = path.split(".")
        node = data
        for k in keys[:-1]:
            child = dict(node[k])
            node[k] = child
            node = child
        node[keys[-1]] = value
    return NormConfig.from_dict(data)


def _grid(axes: Sequence[SweepAxis]) -> list[dict[str, Any]]:
    return [
        {a.field: v for a, v in zip(axes, combo, strict=True)}
        for combo in itertools.product(*(a.values for a in axes))
    ]


def _configs(cfg: NormConfig, grid: Sequence[dict[str, Any]]) -> list[NormConfig | ConfigError]:
    out: list[NormConfig | ConfigError] = []
    for settings in grid:
        try:
            out.append(apply_setting(cfg, settings))
        except ConfigError as exc:
            out.append(exc)
    return out


def check_sweep(cfg: NormConfig, axes: Sequence[SweepAxis]) -> None:
    """Refuse, before any work, a sweep that could only waste time.

    Unknown or repeated fields, more than `MAX_POINTS` settings, and a value that is wrong on its
    own: one the configuration refuses, naming that value's own field, in every setting that has
    it (``scale=foo``). A value refused only next to certain others stays in the grid, recorded
    as refused where it fails.
    """
    fields = config_fields(cfg)
    seen: set[str] = set()
    for a in axes:
        if a.field not in fields:
            raise ParameterError(
                "sweep",
                f"unknown configuration field {json.dumps(a.field)}; sweepable fields: {', '.join(fields)}",
            )
        if a.field in seen:
            raise ParameterError("sweep", f"field {json.dumps(a.field)} is given twice")
        if not a.values:
            raise ParameterError("sweep", f"{a.field}=: no values")
        seen.add(a.field)
    n = math.prod(len(a.values) for a in axes)
    if n > MAX_POINTS:
        raise ParameterError("sweep", f"{n} settings is more than the {MAX_POINTS} a sweep may have")
    if not axes:
        return
    configs = _configs(cfg, _grid(axes))
    # the grid is row-major over the axes (the first slowest): each point's index along each axis
    along = np.unravel_index(np.arange(len(configs)), [len(a.values) for a in axes])
    for a, index in zip(axes, along, strict=True):
        for j, v in enumerate(a.values):
            here = [configs[k] for k in np.flatnonzero(index == j)]
            own = [c for c in here if isinstance(c, ConfigError) and c.field == a.field]
            if len(own) == len(here):
                raise ParameterError("sweep", f"{a.field}={value_text(v)}: {own[0].message}")


def _point_figures(
    cfg: NormConfig, stream: str, samples: int | None, seed: int, warmup: int | None
) -> SweepFigures:
    # The stimulus follows the setting: synthetic streams and the bundled recording are sized
    # to its input format, a user's file is quantized to it.
    stim = stimulus(cfg, stream, samples, seed)
    run = run_models(cfg, stim.values)
    w = choose_warmup(cfg, len(stim.values), warmup).steps
    lsb = cfg.out_fmt.lsb
    overall = compare(run.ref, run.fixed, lsb, run.overflow)
    steady = compare(run.ref[w:], run.fixed[w:], lsb, run.overflow[w:])
    end_to_end = compare(run.ref_unquantized[w:], run.fixed[w:], lsb, run.overflow[w:])
    derived = cfg.derived()
    return SweepFigures(
        sqnr_db=overall.sqnr_db,
        steady_sqnr_db=steady.sqnr_db,
        end_to_end_steady_sqnr_db=end_to_end.sqnr_db,
        steady_floor_sqnr_db=steady.floor_sqnr_db,
        rms_error_lsb=steady.rms_error_lsb,
        max_error_lsb_in_range=steady.max_error_lsb_in_range,
        overflow_words=int(np.count_nonzero(run.overflow)),
        input_saturated=stim.saturated,
        widths={k: derived[k] for k in ("guard_bits", "mean_width", "product_width")},
    )


def run_sweep(
    cfg: NormConfig,
    axes: Sequence[SweepAxis],
    stream: str,
    samples: int | None,
    seed: int,
    warmup: int | None = None,
    progress: Progress | None = None,
) -> list[SweepPoint]:
    """Every grid point's figures (or refusal), in grid order.

    `progress` hears each point as it starts and each refusal as it happens.
    """
    check_sweep(cfg, axes)
    grid = _grid(axes)
    points: list[SweepPoint] = []
    for i, (settings, point_cfg) in enumerate(zip(grid, _configs(cfg, grid), strict=True)):
        if progress is not None:
            progress.advance(i, len(grid), settings_text(settings))
        if isinstance(point_cfg, ConfigError):
            point = SweepPoint(settings, None, refused=f"bad configuration: {point_cfg}")
        else:
            try:
                point = SweepPoint(settings, _point_figures(point_cfg, stream, samples, seed, warmup))
            except ParameterError as exc:  # e.g. a file whose columns do not fit a swept channel count
                point = SweepPoint(settings, None, refused=str(exc))
        if point.refused is not None and progress is not None:
            progress.note(f"refused: {point.label()}: {point.refused}")
        points.append(point)
    if progress is not None and grid:
        progress.advance(len(grid), len(grid), settings_text(grid[-1]))
    return points


def choose_target(
    points: Sequence[SweepPoint], target_db: float, metric: TargetMetric = TargetMetric.DATAPATH
) -> TargetChoice:
    """The first point in sweep order whose `metric` SQNR is at or above `target_db`."""
    chosen = next((p for p in points if p.figures is not None and p.figures.sqnr(metric) >= target_db), None)
    return TargetChoice(target_db, metric, chosen)
