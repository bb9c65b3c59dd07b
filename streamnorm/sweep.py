"""`--sweep FIELD=A:B[,FIELD=...]`: the accuracy over a grid of configuration settings.

A field is a configuration key by dotted path (``out_fmt.frac``, ``window_log2``); its values are
an integer range ``A:B`` or ``A:B:STEP`` (both ends included) or a list ``v1/v2/...`` (numbers,
``null``, or words such as ``pow2``). Several fields make a grid, walked with the first field
varying slowest. A setting the configuration refuses is recorded with the reason, not fatal.
`choose_target` picks the first point, in that order, that meets a target SQNR: for one field
swept upwards, the smallest setting that does.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm import tqdm

from streamnorm.golden import ConfigError, NormConfig
from streamnorm.golden.metrics import compare

from .analysis import run_models, warmup_steps
from .stimulus import stimulus

__all__ = [
    "TARGET_METRICS",
    "SweepAxis",
    "SweepPoint",
    "apply_setting",
    "choose_target",
    "config_fields",
    "parse_sweep",
    "run_sweep",
]

#: What `--target-sqnr` compares with: the key of a point's figures, by `--target-metric` name.
#: datapath: the core against float on the same input codes, steady state; overall: the same over
#: the whole stream (a burst during warm-up counts); end_to_end: against float on the unquantized
#: stream, steady state (input quantization and saturation count).
TARGET_METRICS = {
    "datapath": "steady_sqnr_db",
    "overall": "sqnr_db",
    "end_to_end": "end_to_end_steady_sqnr_db",
}

#: Most points a sweep may have (a typo such as 0:1000 should not run for an hour).
MAX_POINTS = 2000


@dataclass(frozen=True)
class SweepAxis:
    field: str  #: dotted path
    values: tuple[Any, ...]


@dataclass
class SweepPoint:
    settings: dict[str, Any]
    figures: dict[str, Any] | None  #: None when refused
    refused: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"settings": self.settings, "ok": self.refused is None}
        if self.figures is not None:
            out.update(self.figures)
        if self.refused is not None:
            out["refused"] = self.refused
        return out


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
            raise ValueError(
                f"--sweep {field}={text}: a range is A:B or A:B:STEP with integers; "
                "list other values as v1/v2/..."
            ) from None
        if len(nums) not in (2, 3):
            raise ValueError(f"--sweep {field}={text}: a range is A:B or A:B:STEP")
        lo, hi, step = nums[0], nums[1], nums[2] if len(nums) == 3 else 1
        if step < 1 or hi < lo:
            raise ValueError(f"--sweep {field}={text}: a range needs A <= B and STEP >= 1")
        return tuple(range(lo, hi + 1, step))
    values = tuple(_parse_value(v) for v in text.split("/") if v != "")
    if not values:
        raise ValueError(f"--sweep {field}=: no values")
    return values


def parse_sweep(specs: Sequence[str], cfg: NormConfig) -> list[SweepAxis]:
    """Parse ``--sweep`` arguments (each ``FIELD=VALUES[,FIELD=VALUES...]``) against `cfg`'s fields."""
    fields = config_fields(cfg)
    axes: list[SweepAxis] = []
    for spec in specs:
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            if "=" not in item:
                raise ValueError(f"--sweep {item!r}: expected FIELD=A:B (for example out_fmt.frac=6:12)")
            field, text = (s.strip() for s in item.split("=", 1))
            if field not in fields:
                raise ValueError(
                    f"--sweep: unknown configuration field {field!r}; sweepable fields: {', '.join(fields)}"
                )
            if any(a.field == field for a in axes):
                raise ValueError(f"--sweep: field {field!r} is given twice")
            axes.append(SweepAxis(field, _parse_values(field, text)))
    n = math.prod(len(a.values) for a in axes)
    if n > MAX_POINTS:
        raise ValueError(f"--sweep: {n} settings is more than the {MAX_POINTS} a sweep may have")
    return axes


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


def _point_figures(
    cfg: NormConfig, stream: str, samples: int | None, seed: int, warmup: int | None
) -> dict[str, Any]:
    # The stimulus follows the setting: synthetic streams and the bundled recording are sized
    # to its input format, a user's file is quantized to it.
    stim = stimulus(cfg, stream, samples, seed)
    run = run_models(cfg, stim.values)
    w = warmup_steps(cfg, len(stim.values), warmup)
    lsb = cfg.out_fmt.lsb
    overall = compare(run.ref, run.fixed, lsb, run.overflow)
    steady = compare(run.ref[w:], run.fixed[w:], lsb, run.overflow[w:])
    end_to_end = compare(run.ref_unquantized[w:], run.fixed[w:], lsb, run.overflow[w:])
    derived = cfg.derived()
    return {
        "sqnr_db": overall.sqnr_db,
        "steady_sqnr_db": steady.sqnr_db,
        "end_to_end_steady_sqnr_db": end_to_end.sqnr_db,
        "steady_floor_sqnr_db": steady.floor_sqnr_db,
        "rms_error_lsb": steady.rms_error_lsb,
        "max_error_lsb_in_range": steady.max_error_lsb_in_range,
        "overflow_words": int(np.count_nonzero(run.overflow)),
        "input_saturated": stim.saturated,
        "widths": {k: derived[k] for k in ("guard_bits", "mean_width", "product_width")},
    }


def run_sweep(
    cfg: NormConfig,
    axes: Sequence[SweepAxis],
    stream: str,
    samples: int | None,
    seed: int,
    warmup: int | None = None,
    progress: bool = True,
    on_refused: Callable[[SweepPoint], None] | None = None,
) -> list[SweepPoint]:
    """Every grid point's figures (or refusal), in grid order, with a progress bar on stderr."""
    grid = list(itertools.product(*(a.values for a in axes)))
    points: list[SweepPoint] = []
    bar = tqdm(grid, desc="sweep", unit="setting", file=sys.stderr, disable=not progress, leave=True)
    for combo in bar:
        settings = {a.field: v for a, v in zip(axes, combo, strict=True)}
        bar.set_postfix_str(", ".join(f"{k}={v}" for k, v in settings.items()), refresh=False)
        try:
            point_cfg = apply_setting(cfg, settings)
            point = SweepPoint(settings, _point_figures(point_cfg, stream, samples, seed, warmup))
        except ConfigError as exc:
            point = SweepPoint(settings, None, refused=f"bad configuration: {exc}")
        except ValueError as exc:  # e.g. a file whose shape does not fit a swept channel count
            point = SweepPoint(settings, None, refused=str(exc))
        if point.refused is not None and on_refused is not None:
            on_refused(point)
        points.append(point)
    return points


def choose_target(
    points: Sequence[SweepPoint], target_db: float, metric: str = "datapath"
) -> SweepPoint | None:
    """The first point in sweep order whose `metric` SQNR is at or above `target_db`, or None."""
    key = TARGET_METRICS[metric]
    for p in points:
        if p.figures is not None and p.figures[key] >= target_db:
            return p
    return None
