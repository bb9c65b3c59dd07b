"""The six stages of the fixed-point datapath (spec §3), as vectorized integer functions.

`FixedStreamNorm` wires them together; `hw/` has one component per function, under the same name.
Every function is exact integer arithmetic on int64 arrays; rounding happens only where `rnd` is
called, with the configuration's rounding mode.
"""

from __future__ import annotations

import numpy as np

from .config import NormConfig
from .formats import IntArray, apply_overflow, isqrt, shift_round

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


def long_term(cfg: NormConfig, long: IntArray, short: IntArray) -> IntArray:
    """Window end, after the first window: ``l + rnd_d(s - l)`` (same for mean and deviation)."""
    assert cfg.decay_log2 is not None
    return long + shift_round(short - long, cfg.decay_log2, cfg.rounding)


def mix(cfg: NormConfig, long: IntArray | None, short: IntArray) -> IntArray:
    """The statistic in force: short-term alone, long-term alone, or ``l + rnd_j(s - l)``."""
    if long is None:
        return short
    if cfg.mix_log2 is None:
        return long
    return long + shift_round(short - long, cfg.mix_log2, cfg.rounding)


def to_dev_stat(cfg: NormConfig, stat: IntArray) -> IntArray:
    """The deviation statistic A on the statistics grid: as is for p = 1, ``isqrt(V) << (G-G2)`` for p = 2."""
    if cfg.p == 1:
        return np.asarray(stat)
    return isqrt(stat, cfg.rounding) << (cfg.guard_bits - cfg.square_guard_bits)


def scale(cfg: NormConfig, dev_stat: IntArray) -> tuple[IntArray, IntArray]:
    """Per-window reciprocal: ``(ms, t)`` with ``r = gamma*g/(A + eps)`` ~ ``ms * 2^-t`` (spec §3)."""
    return cfg.scale_for(dev_stat)


def output(
    cfg: NormConfig, centered: IntArray, mantissa: IntArray, shift: IntArray, beta: IntArray
) -> tuple[IntArray, np.ndarray]:
    """``Y = overflow(rnd_t((X*2^G - Mu) * ms) + B)``; also returns the out-of-range mask."""
    y = shift_round(centered * mantissa, shift, cfg.rounding) + beta
    return apply_overflow(y, cfg.out_fmt, cfg.overflow)
