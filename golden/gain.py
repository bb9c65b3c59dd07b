"""The gain: gamma as its register holds it, and the gain numerator Kc from it by integer arithmetic.

Spec §2: ``Kc = normalize_round(|gamma_code| * g_code)``, once per channel whenever gamma changes,
with the configured rounding; the float64 product of earlier versions is gone, so a core whose gamma
registers nobody writes computes what the same configuration without registers computes.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import ParameterError
from .formats import QFormat, Rounding, quantize_real

__all__ = ["MAX_GAMMA_LOG2", "Gain", "check_gamma", "gamma_code", "gamma_format", "gaussian_code"]

#: |gamma| must lie in 2**-8 .. 2**8 (spec §2: a wider range would not fit gamma_fmt in 62 bits).
MAX_GAMMA_LOG2 = 8
#: floor(sqrt(2/pi) * 2**64). tests/golden/test_gain.py checks it against a 60-digit computation.
SQRT_2_OVER_PI_Q64 = 0xCC42299EA1B28468
#: Fraction bits of g beyond the MK of Kc: its quantization stays below 1/6 of a unit of kk.
GAUSSIAN_EXTRA_BITS = 3

Gain = tuple[int, int, int]  #: ``(sign, kk, ek)``: ``gamma * g = sign * kk * 2**ek``


def gamma_format(gain_bits: int) -> QFormat:
    """``Q(Wg, Fg)``: MK significant bits at the smallest gamma, room for the largest and a sign."""
    frac = gain_bits + MAX_GAMMA_LOG2 + 1
    return QFormat(frac + MAX_GAMMA_LOG2 + 2, frac)


def gaussian_code(gaussian: bool, gain_bits: int, rounding: Rounding) -> tuple[int, int]:
    """``(gq, Fq)``: g = sqrt(2/pi) quantized to ``MK + 3`` fraction bits, or ``(1, 0)`` for g = 1."""
    if not gaussian:
        return 1, 0
    frac = gain_bits + GAUSSIAN_EXTRA_BITS
    s = 64 - frac
    code = SQRT_2_OVER_PI_Q64 >> s
    # g is irrational, so its remainder is never exactly half and both nearest modes round a
    # remainder >= half up; the truncated constant's remainder is >= half exactly when g's is.
    if rounding is not Rounding.TRUNCATE:
        code += (SQRT_2_OVER_PI_Q64 >> (s - 1)) & 1
    return code, frac


def check_gamma(where: str, value: Any) -> float:
    """A gain as given: a finite, nonzero number with ``2**-8 <= |gamma| <= 2**8``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParameterError(where, f"must be a finite number, not {value!r}")
    if value == 0 or not 2.0**-MAX_GAMMA_LOG2 <= abs(value) <= 2.0**MAX_GAMMA_LOG2:
        raise ParameterError(
            where,
            f"{value!r} is out of range; |gamma| must be 2^-{MAX_GAMMA_LOG2}..2^{MAX_GAMMA_LOG2} "
            "(a zero gain makes the output constant)",
        )
    return float(value)


def gamma_code(value: float, fmt: QFormat, rounding: Rounding) -> int:
    """gamma in `fmt`, sign-magnitude: the magnitude is rounded, the sign kept (spec §2)."""
    magnitude = quantize_real(abs(value), fmt.frac, rounding)
    return magnitude if value > 0 else -magnitude


def gain_numerator(
    code: int, gamma_frac: int, gaussian: tuple[int, int], bits: int, rounding: Rounding
) -> Gain:
    """``Kc = normalize_round(|code| * gq)``: the top `bits` bits of the exact product, rounded once."""
    gq, fq = gaussian
    product = abs(code) * gq
    s = product.bit_length() - bits
    kk = quantize_real(product, -s, rounding)
    if kk == 1 << bits:  # rounded up out of the mantissa
        kk, s = kk >> 1, s + 1
    return (1 if code > 0 else -1), kk, s - gamma_frac - fq
