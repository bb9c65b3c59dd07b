"""Fixed-point formats, rounding and overflow modes, and the exact integer primitives of the datapath.

Everything here works on int64 NumPy arrays (scalars are accepted too) and is exact: values are
kept below 2**62 in magnitude, which `NormConfig` guarantees by refusing configurations whose
derived widths would exceed `MAX_INTERNAL_WIDTH`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_FORMAT_WIDTH",
    "MAX_INTERNAL_WIDTH",
    "Overflow",
    "QFormat",
    "Rounding",
    "apply_overflow",
    "bit_length",
    "div_round",
    "isqrt",
    "mul_shift_round",
    "norm_reciprocal",
    "quantize_real",
    "shift_round",
]

#: Widest signed value any intermediate may need: int64 minus one bit of headroom for a carry.
MAX_INTERNAL_WIDTH = 62
#: Widest user-visible format (input and output words).
MAX_FORMAT_WIDTH = 32

IntArray = npt.NDArray[np.int64]
IntLike = int | np.integer | IntArray


class Rounding(enum.Enum):
    """How a value that falls between two codes is rounded (one mode for the whole datapath)."""

    TRUNCATE = "truncate"  #: floor, toward minus infinity (plain arithmetic shift)
    HALF_UP = "half_up"  #: nearest; ties toward plus infinity
    HALF_EVEN = "half_even"  #: nearest; ties to the even code (convergent rounding)


class Overflow(enum.Enum):
    """What happens to a value outside a format's range."""

    SATURATE = "saturate"  #: clamp to the nearest representable code
    WRAP = "wrap"  #: keep the low bits (two's complement wrap-around)


@dataclass(frozen=True)
class QFormat:
    """Signed two's-complement fixed-point format: `width` bits in all, `frac` of them fractional.

    Code ``c`` stands for ``c * 2**-frac``; codes run from ``-2**(width-1)`` to ``2**(width-1) - 1``.

    Parameters
    ----------
    width:
        Total bits including the sign, 1 to `MAX_INTERNAL_WIDTH`.
    frac:
        Fraction bits; may be negative (coarser than 1) or exceed `width` (all-fraction formats).
    """

    width: int
    frac: int

    def __post_init__(self) -> None:
        if not isinstance(self.width, int) or isinstance(self.width, bool):
            raise TypeError(f"QFormat width must be an integer, not {self.width!r}")
        if not isinstance(self.frac, int) or isinstance(self.frac, bool):
            raise TypeError(f"QFormat frac must be an integer, not {self.frac!r}")
        if not 1 <= self.width <= MAX_INTERNAL_WIDTH:
            raise ValueError(f"QFormat width must be between 1 and {MAX_INTERNAL_WIDTH}, not {self.width}")
        if abs(self.frac) > MAX_INTERNAL_WIDTH:
            raise ValueError(
                f"QFormat frac must be between {-MAX_INTERNAL_WIDTH} and {MAX_INTERNAL_WIDTH}, "
                f"not {self.frac}"
            )

    def __str__(self) -> str:
        return f"Q({self.width},{self.frac})"

    @property
    def min_code(self) -> int:
        return -(1 << (self.width - 1))

    @property
    def max_code(self) -> int:
        return (1 << (self.width - 1)) - 1

    @property
    def lsb(self) -> float:
        """Value of one code step."""
        return 2.0**-self.frac

    @property
    def min_value(self) -> float:
        return self.min_code * self.lsb

    @property
    def max_value(self) -> float:
        return self.max_code * self.lsb

    def contains(self, codes: IntLike) -> npt.NDArray[np.bool_]:
        """Element-wise: does the code fit this format?"""
        c = np.asarray(codes)
        return (c >= self.min_code) & (c <= self.max_code)

    def check_codes(self, codes: npt.ArrayLike, what: str = "codes") -> IntArray:
        """Return `codes` as int64, or raise ValueError naming the first code that does not fit."""
        c = np.asarray(codes)
        if c.dtype.kind not in "iu":
            raise TypeError(f"{what} must be integer codes of {self}, got dtype {c.dtype}")
        if c.dtype.kind == "u" and c.size and c.max() > np.iinfo(np.int64).max:
            raise ValueError(f"{what} holds values too large for int64")
        c = c.astype(np.int64, copy=False)
        if c.size == 0 or (c.min() >= self.min_code and c.max() <= self.max_code):
            return c
        bad = ~self.contains(c)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"{what}[{', '.join(map(str, idx))}] = {int(c[idx])} does not fit {self} "
                f"(codes {self.min_code}..{self.max_code})"
            )
        return c

    def to_float(self, codes: IntLike) -> npt.NDArray[np.float64]:
        """Codes to real values (exact in float64 for widths up to 53 bits)."""
        return np.asarray(codes, dtype=np.int64).astype(np.float64) * self.lsb

    def quantize_report(
        self,
        x: npt.ArrayLike,
        rounding: Rounding = Rounding.HALF_EVEN,
        overflow: Overflow = Overflow.SATURATE,
    ) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        """Quantize reals to codes; also return which values were out of range (saturated or wrapped)."""
        v = np.asarray(x, dtype=np.float64)
        if not np.isfinite(v).all():
            idx = tuple(int(i) for i in np.argwhere(~np.isfinite(v))[0])
            raise ValueError(f"cannot quantize a non-finite value ({v[idx]}) at index {idx} to {self}")
        with np.errstate(over="ignore"):
            scaled = np.ldexp(v, self.frac)  # exact, except where it underflows (handled below)
        limit = float(2**MAX_INTERNAL_WIDTH)
        if np.abs(scaled).max(initial=0.0) >= limit:
            if overflow is Overflow.WRAP:
                raise ValueError(f"value {v.flat[np.abs(scaled).argmax()]} is too large to wrap into {self}")
            # still outside every format of at most MAX_INTERNAL_WIDTH bits, so still flagged
            scaled = np.clip(scaled, -limit, limit)
        codes = _round_float(scaled, rounding)
        if rounding is Rounding.TRUNCATE:
            # a negative value that underflowed to -0.0 (or a subnormal) still floors to -1
            codes = np.where((v < 0) & (scaled > -1.0), -1, codes)
        return apply_overflow(codes, self, overflow)

    def quantize(
        self,
        x: npt.ArrayLike,
        rounding: Rounding = Rounding.HALF_EVEN,
        overflow: Overflow = Overflow.SATURATE,
    ) -> IntArray:
        """Quantize reals to int64 codes of this format."""
        return self.quantize_report(x, rounding, overflow)[0]


def quantize_real(v: float | Fraction, frac: int, rounding: Rounding) -> int:
    """One exact real to an integer code with `frac` fraction bits (a Python int, any size).

    For the constants and run-time parameters (gamma, Kc, beta, coefficients), quantized once each.
    """
    q = Fraction(v) * Fraction(2) ** frac
    floor, rem = divmod(q.numerator, q.denominator)
    if rounding is Rounding.TRUNCATE or 2 * rem < q.denominator:
        return floor
    if 2 * rem > q.denominator or rounding is Rounding.HALF_UP:
        return floor + 1
    return floor + (floor & 1)


def _round_float(v: npt.NDArray[np.float64], rounding: Rounding) -> IntArray:
    # floor() and v - floor(v) are exact in float64, so the tie tests below are exact too.
    fl = np.floor(v)
    frac = v - fl
    if rounding is Rounding.TRUNCATE:
        up = np.zeros(v.shape, dtype=bool)
    elif rounding is Rounding.HALF_UP:
        up = frac >= 0.5
    else:
        odd = np.fmod(fl, 2.0) != 0
        up = (frac > 0.5) | ((frac == 0.5) & odd)
    return fl.astype(np.int64) + up


def apply_overflow(v: IntLike, fmt: QFormat, overflow: Overflow) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Bring integers into `fmt` by saturation or wrap-around; also return the out-of-range mask."""
    a = np.asarray(v, dtype=np.int64)
    if overflow is Overflow.SATURATE:
        clipped = np.clip(a, fmt.min_code, fmt.max_code)
        return clipped, clipped != a
    out_of_range = ~fmt.contains(a)
    span = np.int64(1) << np.int64(fmt.width)
    wrapped = ((a - fmt.min_code) & (span - 1)) + fmt.min_code
    return wrapped, out_of_range


def shift_round(v: IntLike, s: IntLike, rounding: Rounding) -> IntArray:
    """``v / 2**s`` rounded to an integer (``s >= 0``, scalar or per element): the shift-based division."""
    a = np.asarray(v, dtype=np.int64)
    if isinstance(s, (int, np.integer)):
        if s < 0:
            raise ValueError(f"shift_round needs a non-negative shift, got {s}")
        if s == 0 or rounding is Rounding.TRUNCATE:
            return a >> s
        half = 1 << (int(s) - 1)
        if rounding is Rounding.HALF_UP:
            return (a + half) >> s
        # half-even: add half - 1, plus one more when the truncated quotient is odd.
        return (a + (half - 1) + ((a >> s) & 1)) >> s
    sh = np.asarray(s, dtype=np.int64)
    lowest = sh.min(initial=1)
    if lowest < 0:
        raise ValueError(f"shift_round needs a non-negative shift, got {lowest}")
    if rounding is Rounding.TRUNCATE:
        return a >> sh
    # half = 2^(s-1) for s >= 1 and 0 for s = 0 (no rounding): (1 << s) >> 1 gives both.
    half = (np.int64(1) << sh) >> 1
    if rounding is Rounding.HALF_UP:
        out = a + half
        out >>= sh
        return out
    # half-even: add half - 1, plus one more when the truncated quotient is odd (nothing at s = 0).
    out = a >> sh
    out &= 1
    if lowest >= 1:
        out -= 1
    else:
        rounds = (sh > 0).astype(np.int64)
        out &= rounds
        out -= rounds
    out += a
    out += half
    out >>= sh
    return out


def mul_shift_round(a: IntLike, b: IntLike, s: IntLike, rounding: Rounding) -> IntArray:
    """``a * b / 2**s`` rounded: a multiply rounded back to a coarser grid (product must fit int64)."""
    return shift_round(np.asarray(a, dtype=np.int64) * np.asarray(b, dtype=np.int64), s, rounding)


def div_round(num: IntLike, den: IntLike, rounding: Rounding) -> IntArray:
    """The exact quotient ``num / den`` of non-negative `num` and positive `den`, rounded."""
    n = np.asarray(num, dtype=np.int64)
    d = np.asarray(den, dtype=np.int64)
    if (d <= 0).any() or (n < 0).any():
        raise ValueError("div_round needs num >= 0 and den > 0")
    q, r = np.divmod(n, d)
    if rounding is Rounding.TRUNCATE:
        return q
    if rounding is Rounding.HALF_UP:
        return q + (2 * r >= d)
    return q + ((2 * r > d) | ((2 * r == d) & ((q & 1) == 1)))


def bit_length(v: IntLike) -> IntArray:
    """Element-wise ``int.bit_length`` of non-negative int64 values (exact, no float)."""
    a = np.asarray(v, dtype=np.int64).copy()
    if (a < 0).any():
        raise ValueError("bit_length needs non-negative values")
    n = np.zeros(a.shape, dtype=np.int64)
    for step in (32, 16, 8, 4, 2, 1):
        big = (a >> step) > 0
        n += np.where(big, step, 0)
        a = np.where(big, a >> step, a)
    return n + (a > 0)


def norm_reciprocal(
    numer: IntLike, numer_exp: IntLike, den: IntLike, mant_bits: int, rounding: Rounding
) -> tuple[IntArray, IntArray]:
    """Normalized rounded quotient: ``(m, e)`` with ``m * 2**(e - mant_bits + 1)`` nearest to
    ``numer * 2**numer_exp / den`` and ``2**(mant_bits-1) <= m < 2**mant_bits``.

    `numer` is a positive mantissa (any width up to 31 bits), `den` positive. This is the integer
    reciprocal of the scale stage: the mantissa is the exact quotient rounded once with `rounding`;
    a carry out of the mantissa renormalizes (``m = 2**(mant_bits-1)``, ``e + 1``).
    """
    k = np.asarray(numer, dtype=np.int64)
    d = np.asarray(den, dtype=np.int64)
    if (k <= 0).any() or (d <= 0).any():
        raise ValueError("norm_reciprocal needs a positive numerator and denominator")
    pk = bit_length(k) - 1
    pd = bit_length(d) - 1
    # Compare the normalized numerator and denominator to find the quotient's leading bit.
    lift = np.maximum(pd - pk, 0)
    below = (k << lift) < (d << np.maximum(pk - pd, 0))
    e = np.asarray(numer_exp, dtype=np.int64) + pk - pd - below
    sh = mant_bits - 1 + pd - pk + below
    num = k << np.maximum(sh, 0)
    dd = d << np.maximum(-sh, 0)
    m = div_round(num, dd, rounding)
    carry = m == (np.int64(1) << mant_bits)
    m = np.where(carry, np.int64(1) << (mant_bits - 1), m)
    return m, e + carry


def isqrt(v: IntLike, rounding: Rounding) -> IntArray:
    """Integer square root of non-negative values: floor for TRUNCATE, nearest otherwise.

    An integer's square root is never exactly halfway between two integers, so HALF_UP and
    HALF_EVEN agree.
    """
    a = np.asarray(v, dtype=np.int64)
    if (a < 0).any():
        raise ValueError("isqrt needs non-negative values")
    q = np.floor(np.sqrt(a.astype(np.float64))).astype(np.int64)
    # float sqrt is within one of the truth for values below 2**62; fix it exactly.
    for _ in range(2):
        q = np.where(q * q > a, q - 1, q)
        q = np.where((q + 1) * (q + 1) <= a, q + 1, q)
    if rounding is Rounding.TRUNCATE:
        return q
    return q + (a - q * q > q)
