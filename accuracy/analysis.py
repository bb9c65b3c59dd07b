"""Fixed point against float on one stream: the models' outputs, the error and where it comes from.

`run_models` runs the bit-accurate model and the float reference on the same input codes (so the
comparison measures the core's arithmetic), and the float reference once more on the unquantized
values (so the end-to-end figure includes input quantization and input saturation).
`error_budget` splits every word's error into the output rounding, the mean statistic and the
scale, from the statistics each model had in force for that word. `fixed_vs_float` sums it all up
as a `FixedVsFloat`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from streamnorm.golden import FixedStreamNorm, FloatStreamNorm, NormConfig, ParameterError, StatsTrace, stages

from .json_ready import json_ready
from .metrics import ErrorStats, compare, compare_channels

__all__ = [
    "BudgetPart",
    "BudgetSummary",
    "ChannelFigures",
    "EndToEnd",
    "ErrorBudget",
    "FixedVsFloat",
    "ModelRun",
    "Warmup",
    "choose_warmup",
    "default_warmup",
    "error_budget",
    "fixed_scale",
    "fixed_vs_float",
    "run_models",
]


def default_warmup(cfg: NormConfig) -> int:
    """Time steps until the statistics have settled: one window, plus 3 time constants of decay
    (``1/decay`` windows each)."""
    weight = cfg.decay_coefficient
    decay_windows = 0 if weight is None else -(-3 * (1 << weight.frac) // weight.code)
    return cfg.window * (1 + decay_windows)


@dataclass(frozen=True)
class Warmup:
    """The time steps left out of the steady-state figures, and why that many."""

    steps: int
    default: int  #: `default_warmup` of the configuration
    given: bool  #: the caller chose `steps`; otherwise the default, at most half the stream

    @property
    def capped(self) -> bool:
        """The default was more than half the stream, so half was used."""
        return not self.given and self.steps < self.default

    def describe(self) -> str:
        """How many and why, in words."""
        if self.given:
            return f"{self.steps} time steps, as given"
        if self.capped:
            return f"{self.steps} time steps, half the stream: the default, {self.default}, is longer"
        return f"{self.steps} time steps, the default: one window plus three decay time constants"


def choose_warmup(cfg: NormConfig, steps: int, requested: int | None = None) -> Warmup:
    """`requested`, or the default but never more than half the stream: a steady state must remain.

    A requested warm-up that leaves no steady state is refused, not shortened.
    """
    default = default_warmup(cfg)
    if requested is None:
        return Warmup(min(default, steps // 2), default, given=False)
    if requested < 0:
        raise ParameterError("warmup", f"must be at least 0, not {requested}")
    if requested >= steps:
        raise ParameterError(
            "warmup",
            f"{requested} time steps leave no steady state in a stream of {steps}; give at most {steps - 1}",
        )
    return Warmup(requested, default, given=True)


@dataclass
class ModelRun:
    """One stream through both models. Arrays are (T, C); outputs in output units."""

    cfg: NormConfig
    values: np.ndarray  #: the stream as given, input units (before quantization)
    codes: np.ndarray  #: in_fmt codes
    clipped: np.ndarray  #: bool, input values saturated by quantization
    fixed_codes: np.ndarray  #: out_fmt codes of the bit-accurate model
    overflow: np.ndarray  #: bool, output words that saturated or wrapped
    fixed: np.ndarray  #: the fixed-point output as real values
    ref: np.ndarray  #: float reference on the same input codes
    ref_unquantized: np.ndarray  #: float reference on `values`
    fixed_trace: StatsTrace[Any]
    float_trace: StatsTrace[Any]

    @property
    def inputs(self) -> np.ndarray:
        """The quantized inputs as real values (what both models see)."""
        return self.cfg.in_fmt.to_float(self.codes)

    @property
    def error_lsb(self) -> np.ndarray:
        return (self.fixed - self.ref) / self.cfg.out_fmt.lsb


def run_models(cfg: NormConfig, values: np.ndarray) -> ModelRun:
    """Quantize `values` (input units, (T, C)) to `cfg.in_fmt` and run both models on them."""
    codes, clipped = cfg.in_fmt.quantize_report(values, cfg.rounding)
    fixed_model = FixedStreamNorm(cfg)
    y, ftrace = fixed_model.process_traced(codes)
    x = cfg.in_fmt.to_float(codes)
    ref, rtrace = FloatStreamNorm(cfg).process_traced(x)
    # The model counts overflows in total only; re-running its output stage on the statistics it
    # had in force gives the per-word mask (exact: the same stage on the same operands).
    centered = stages.center(codes.astype(np.int64) << cfg.guard_bits, ftrace.mean)
    _, overflow = stages.output(
        cfg, centered, ftrace.scale_mantissa, ftrace.scale_shift, np.array(cfg.beta_codes, dtype=np.int64)
    )
    if int(np.count_nonzero(overflow)) != fixed_model.overflow_count:
        raise AssertionError("per-word overflow mask disagrees with the model's overflow count")
    return ModelRun(
        cfg=cfg,
        values=np.asarray(values, dtype=np.float64),
        codes=codes,
        clipped=clipped,
        fixed_codes=y,
        overflow=overflow,
        fixed=cfg.out_fmt.to_float(y),
        ref=ref,
        ref_unquantized=FloatStreamNorm(cfg).process(values),
        fixed_trace=ftrace,
        float_trace=rtrace,
    )


@dataclass
class ErrorBudget:
    """Each word's error (output LSBs) split by cause; the three parts add up to the whole error.

    * `rounding`: the output stage's rounding, saturation and beta's quantization;
    * `mean`: the fixed mean statistic's distance from the float one, times the gain;
    * `scale`: the fixed scale (deviation statistic, reciprocal, mantissa rounding) against the
      float one, times the centred sample.
    """

    rounding: np.ndarray
    mean: np.ndarray
    scale: np.ndarray


def fixed_scale(cfg: NormConfig, trace: StatsTrace[Any]) -> np.ndarray:
    """The fixed model's scale in force, as output units per input unit: ``ms * 2^(S - t - Fo)``."""
    exponent = cfg.stat_frac - trace.scale_shift.astype(np.float64) - cfg.out_fmt.frac
    return trace.scale_mantissa.astype(np.float64) * np.exp2(exponent)


def error_budget(run: ModelRun) -> ErrorBudget:
    cfg = run.cfg
    lsb = cfg.out_fmt.lsb
    mean_fixed = run.fixed_trace.mean.astype(np.float64) * 2.0**-cfg.stat_frac
    r_fixed = fixed_scale(cfg, run.fixed_trace)
    # y_fixed - y_float = rounding + (mu_float - mu_fixed) * r_fixed + (x - mu_float) * (r_fixed - r_float)
    mean = (run.float_trace.mean - mean_fixed) * r_fixed / lsb
    scale = (run.inputs - run.float_trace.mean) * (r_fixed - run.float_trace.scale_mantissa) / lsb
    return ErrorBudget(rounding=run.error_lsb - mean - scale, mean=mean, scale=scale)


@dataclass(frozen=True)
class BudgetPart:
    """One part of the error budget over the steady-state words in range, in output LSBs."""

    max_lsb: float
    rms_lsb: float


@dataclass(frozen=True)
class BudgetSummary:
    """`ErrorBudget` summed up: each part's RMS and largest magnitude."""

    rounding: BudgetPart
    mean: BudgetPart
    scale: BudgetPart

    def parts(self) -> dict[str, BudgetPart]:
        return {"rounding": self.rounding, "mean": self.mean, "scale": self.scale}


def _budget_summary(budget: ErrorBudget, rows: slice, in_range: np.ndarray) -> BudgetSummary:
    def part(name: str) -> BudgetPart:
        v = getattr(budget, name)[rows][in_range[rows]]
        if not v.size:
            return BudgetPart(max_lsb=float("nan"), rms_lsb=float("nan"))
        return BudgetPart(max_lsb=float(np.max(np.abs(v))), rms_lsb=float(np.sqrt(np.mean(v * v))))

    return BudgetSummary(rounding=part("rounding"), mean=part("mean"), scale=part("scale"))


@dataclass(frozen=True)
class ChannelFigures:
    """One channel, fixed against float: SQNR overall and steady, errors, saturation."""

    channel: int
    sqnr_db: float
    steady_sqnr_db: float
    steady_floor_sqnr_db: float
    rms_error_lsb: float
    max_error_lsb: float
    max_error_lsb_in_range: float
    overflow_words: int
    input_saturated: int


@dataclass(frozen=True)
class EndToEnd:
    """The fixed output against the float reference fed the unquantized stream."""

    overall: ErrorStats
    steady: ErrorStats


@dataclass(frozen=True)
class FixedVsFloat:
    """Every fixed-against-float figure of one run: the whole stream, warm-up and steady state."""

    overall: ErrorStats
    warmup: ErrorStats
    steady: ErrorStats
    per_channel: tuple[ChannelFigures, ...]
    error_budget_steady: BudgetSummary
    end_to_end: EndToEnd

    def worst_channel(self) -> ChannelFigures:
        """The channel with the lowest steady-state SQNR (one with nothing to measure is not)."""
        return min(self.per_channel, key=lambda c: np.inf if np.isnan(c.steady_sqnr_db) else c.steady_sqnr_db)

    def to_json(self) -> dict[str, Any]:
        return json_ready(asdict(self))


def fixed_vs_float(run: ModelRun, warmup: int) -> FixedVsFloat:
    """Every fixed-against-float figure of `run`, the first `warmup` time steps counted apart."""
    lsb = run.cfg.out_fmt.lsb
    w = warmup
    overall_ch = compare_channels(run.ref, run.fixed, lsb, run.overflow)
    steady_ch = compare_channels(run.ref[w:], run.fixed[w:], lsb, run.overflow[w:])
    per_channel = tuple(
        ChannelFigures(
            channel=c,
            sqnr_db=o.sqnr_db,
            steady_sqnr_db=s.sqnr_db,
            steady_floor_sqnr_db=s.floor_sqnr_db,
            rms_error_lsb=o.rms_error_lsb,
            max_error_lsb=o.max_error_lsb,
            max_error_lsb_in_range=o.max_error_lsb_in_range,
            overflow_words=o.overflow_words,
            input_saturated=int(np.count_nonzero(run.clipped[:, c])),
        )
        for c, (o, s) in enumerate(zip(overall_ch, steady_ch, strict=True))
    )
    return FixedVsFloat(
        overall=compare(run.ref, run.fixed, lsb, run.overflow),
        warmup=compare(run.ref[:w], run.fixed[:w], lsb, run.overflow[:w]),
        steady=compare(run.ref[w:], run.fixed[w:], lsb, run.overflow[w:]),
        per_channel=per_channel,
        error_budget_steady=_budget_summary(error_budget(run), slice(w, None), ~run.overflow),
        end_to_end=EndToEnd(
            overall=compare(run.ref_unquantized, run.fixed, lsb, run.overflow),
            steady=compare(run.ref_unquantized[w:], run.fixed[w:], lsb, run.overflow[w:]),
        ),
    )
