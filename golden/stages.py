"""The six stages of the fixed-point datapath (spec §3), as vectorized integer functions.

`FixedStreamNorm` wires them together; `hw/` has one component per function, under the same name.
Every function is exact integer arithmetic on int64 arrays; rounding happens only where `rnd` is
called, with the configuration's rounding mode.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .coefficients import Coefficient
from .config import NormConfig
from .formats import IntArray, apply_overflow, isqrt, shift_round
from .gain import Gain

__all__ = [
    "center",
    "deviation",
    "long_term",
    "mix",
    "output",
    "scale",
    "short_term_dev",
    "short_term_mean",
    "to_dev_stat",
    "weighted_step",
]


def center(x_grid: IntArray, mean: IntArray) -> IntArray:
    """The sample relative to the mean in force, on the statistics grid: ``X*2^G - Mu`` (exact).

    Shared by `window_sums` (the deviation) and `output` (the normalized value).
    """
    return x_grid - mean


def deviation(cfg: NormConfig, centered: IntArray) -> IntArray:
    """`window_sums`' per-sample term: ``|X*2^G - Mu|`` (p = 1) or ``rnd_(G-G2)(X*2^G - Mu)^2`` (p = 2)."""
    if cfg.p == 1:
        return np.abs(centered)
    d2 = shift_round(centered, cfg.guard_bits - cfg.square_guard_bits, cfg.rounding)
    return d2 * d2


def short_term_mean(cfg: NormConfig, sum_x_grid: IntArray) -> IntArray:
    """`short_term` at a window end, mean: ``m_s = Sx * 2^(G-k)``, exact since G >= k.

    Takes the window sum of inputs on the statistics grid (``Sx * 2^G``, which is what summing
    `X << G` gives); the hardware sums the raw inputs in fewer bits and shifts by ``G - k``.
    """
    return np.asarray(sum_x_grid) >> cfg.window_log2


def short_term_dev(cfg: NormConfig, sum_dev: IntArray) -> IntArray:
    """`short_term` at a window end, deviation: ``a_s = rnd_k(Sa)`` (``v_s`` for p = 2)."""
    return shift_round(sum_dev, cfg.window_log2, cfg.rounding)


def weighted_step(cfg: NormConfig, long: IntArray, short: IntArray, weight: Coefficient) -> IntArray:
    """``l + rnd_Fc(cc*(s - l))``: one exact product, one rounding (for a shift, ``l + rnd_d(s - l)``)."""
    diff = np.asarray(short) - long
    if not weight.is_shift:
        diff = diff * weight.code
    return long + shift_round(diff, weight.frac, cfg.rounding)


def long_term(cfg: NormConfig, long: IntArray, short: IntArray, decay: Coefficient | None = None) -> IntArray:
    """Window end, with long-term state: ``l + rnd_Fd(cd*(s - l))`` (same for mean and deviation),
    with the decay in force (the configuration's unless given)."""
    weight = cfg.decay_coefficient if decay is None else decay
    assert weight is not None
    return weighted_step(cfg, long, short, weight)


def mix(
    cfg: NormConfig, long: IntArray | None, short: IntArray, weight: Coefficient | None = None
) -> IntArray:
    """The statistic in force: short-term alone, long-term alone, or ``l + rnd_Fm(cm*(s - l))`` with
    the mix in force (the configuration's unless given)."""
    if long is None:
        return short
    weight = cfg.mix_coefficient if weight is None else weight
    if weight is None:
        return long
    return weighted_step(cfg, long, short, weight)


def to_dev_stat(cfg: NormConfig, stat: IntArray) -> IntArray:
    """The deviation statistic A on the statistics grid: as is for p = 1, ``isqrt(V) << (G-G2)`` for p = 2."""
    if cfg.p == 1:
        return np.asarray(stat)
    return isqrt(stat, cfg.rounding) << (cfg.guard_bits - cfg.square_guard_bits)


def scale(
    cfg: NormConfig, dev_stat: IntArray, gains: Sequence[Gain] | None = None
) -> tuple[IntArray, IntArray]:
    """Per-window reciprocal: ``(ms, t)`` with ``r = Kc/(A + eps)`` ~ ``ms * 2^-t`` (spec §3), with
    the gains in force (the configuration's unless given)."""
    return cfg.scale_for(dev_stat, gains)


def output(
    cfg: NormConfig, centered: IntArray, mantissa: IntArray, shift: IntArray, beta: IntArray
) -> tuple[IntArray, np.ndarray]:
    """``Y = overflow(rnd_t((X*2^G - Mu) * ms) + B)``; also returns the out-of-range mask."""
    y = shift_round(centered * mantissa, shift, cfg.rounding) + beta
    return apply_overflow(y, cfg.out_fmt, cfg.overflow)
