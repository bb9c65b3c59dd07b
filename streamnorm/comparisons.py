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
from typing import Any

import numpy as np

from streamnorm.golden import ConfigError, NormConfig
from streamnorm.golden.metrics import compare, sqnr_db
from streamnorm.golden.streams import make_stream

from .analysis import ModelRun, error_budget, fixed_scale, run_models, warmup_steps

__all__ = ["QUIET_STEPS", "l1_vs_l2", "offline_normalize", "quiet_channel", "streaming_vs_offline"]

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


def streaming_vs_offline(run: ModelRun, warmup: int) -> tuple[dict[str, Any], np.ndarray]:
    """The streaming float output against offline normalization (and the fixed output too)."""
    cfg = run.cfg
    offline = offline_normalize(cfg, run.inputs)
    lsb = cfg.out_fmt.lsb
    w = warmup
    out = {
        "overall": compare(offline, run.ref, lsb).to_dict(),
        "steady": compare(offline[w:], run.ref[w:], lsb).to_dict(),
        "fixed_steady_sqnr_db": sqnr_db(offline[w:], run.fixed[w:]),
        "output_rms": {"offline": _rms(offline[w:]), "streaming": _rms(run.ref[w:])},
    }
    return out, offline


def l1_vs_l2(run: ModelRun, warmup: int) -> tuple[dict[str, Any], ModelRun | None]:
    """The L2 datapath on the same stream. Returns (figures, its run or None if refused)."""
    cfg = run.cfg
    other_p = 2 if cfg.p == 1 else 1
    try:
        other_cfg = cfg.replace(p=other_p)
    except ConfigError as exc:
        return {"refused": f"p = {other_p}: {exc}"}, None
    other = run_models(other_cfg, run.values)
    l1, l2 = (run, other) if cfg.p == 1 else (other, run)
    lsb = cfg.out_fmt.lsb
    w = warmup

    def side(r: ModelRun) -> dict[str, Any]:
        steady = compare(r.ref[w:], r.fixed[w:], lsb, r.overflow[w:])
        derived = r.cfg.derived()
        return {
            "steady_sqnr_db": steady.sqnr_db,
            "steady_floor_sqnr_db": steady.floor_sqnr_db,
            "max_error_lsb_in_range": steady.max_error_lsb_in_range,
            "overflow_words": int(np.count_nonzero(r.overflow)),
            "offline_steady_sqnr_db": sqnr_db(offline_normalize(r.cfg, r.inputs)[w:], r.ref[w:]),
            "output_rms": _rms(r.ref[w:]),
            "widths": {k: derived[k] for k in _COST_WIDTHS if k in derived},
        }

    a, b = l1.ref[w:].ravel(), l2.ref[w:].ravel()
    corr = float(np.corrcoef(a, b)[0, 1]) if a.size > 1 and a.std() > 0 and b.std() > 0 else math.nan
    figures = {
        "l1": side(l1),
        "l2": side(l2),
        # How different the two normalizations are, in float. The SQNR counts a difference of
        # overall scale (L2 weights outliers more) as error; the correlation ignores scale.
        "l1_float_against_l2_float_sqnr_db": sqnr_db(b, a),
        "l1_l2_correlation": corr,
        "l1_over_l2_output_rms": _rms(a) / _rms(b) if _rms(b) > 0 else math.nan,
    }
    return figures, other


def quiet_channel(cfg: NormConfig, seed: int, steps: int = QUIET_STEPS) -> dict[str, Any]:
    """Fixed against float on the synthetic quiet stream, and the error bound there.

    Always the same length whatever the stream under study: the deviation statistic needs a few
    decay time constants to fall from its first window (measured from the initial mean 0) to eps.

    The bound adds the largest error of each part of the error budget (output rounding, mean
    statistic, scale) over the words in range: every word's error is at most that sum.
    """
    run = run_models(cfg, make_stream("quiet", steps, cfg.channels, cfg.in_fmt, seed))
    w = warmup_steps(cfg, steps)
    lsb = cfg.out_fmt.lsb
    steady = compare(run.ref[w:], run.fixed[w:], lsb, run.overflow[w:])
    budget = error_budget(run)
    in_range = ~run.overflow[w:]
    parts = {
        name: float(np.max(np.abs(getattr(budget, name)[w:][in_range]), initial=0.0))
        for name in ("rounding", "mean", "scale")
    }
    gain = fixed_scale(cfg, run.fixed_trace)[w:] * cfg.in_fmt.lsb / lsb
    return {
        "stream": f"synthetic quiet, seed {seed}, {steps} time steps",
        "deviation_over_eps_median": float(np.median(run.float_trace.dev_stat[w:]) / cfg.eps),
        "gain_lsb_per_input_lsb_median": float(np.median(gain)),
        "max_gain_lsb_per_input_lsb": float(cfg.max_gain),
        "steady": steady.to_dict(),
        "bound_parts_lsb": parts,
        "bound_lsb": sum(parts.values()),
        "rounding_limit_lsb": 1.0 if cfg.rounding.value == "truncate" else 0.5,
    }
