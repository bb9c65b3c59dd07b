"""Combinational arithmetic building blocks, the hardware twins of `golden.formats`' primitives.

Each function builds Amaranth expressions (no registers); the components decide where pipeline
registers go. Rounding follows docs/spec.md §1 exactly.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Mux, Value, ValueLike, signed

from streamnorm.golden import Overflow, QFormat, Rounding

__all__ = [
    "abs_value",
    "any_bits_below",
    "leading_zeros_by_chunk",
    "leading_zeros_from_chunks",
    "overflow_to",
    "shift_round",
    "shift_round_mirrored",
]


def shift_round(v: ValueLike, s: int, rounding: Rounding) -> Value:
    """``rnd_s(v)``: `v` / 2^s rounded by `rounding`, for a constant shift ``s >= 0``.

    The result keeps `v`'s signedness; it is one bit wider than ``len(v) - s`` at most.
    """
    v = Value.cast(v)
    if s == 0:
        return v
    if rounding is Rounding.TRUNCATE:
        return v >> s
    half = 1 << (s - 1)
    if rounding is Rounding.HALF_UP:
        return (v + half) >> s
    # half-even: add half - 1, plus the bit that becomes the quotient's LSB; choosing the addend
    # with a multiplexer keeps it one adder (one carry chain) rather than two.
    return (v + Mux(v[s], half, half - 1)) >> s


def shift_round_mirrored(v: ValueLike, s: int, rounding: Rounding) -> Value:
    """``-rnd_s(-v)`` with a single adder: rounding that mirrors `rounding` (floor becomes
    ceiling, ties toward plus infinity become ties toward minus infinity; half-even is symmetric)."""
    v = Value.cast(v)
    if s == 0:
        return v
    if rounding is Rounding.TRUNCATE:
        return (v + ((1 << s) - 1)) >> s
    if rounding is Rounding.HALF_UP:
        return (v + ((1 << (s - 1)) - 1)) >> s
    return shift_round(v, s, rounding)


def abs_value(v: ValueLike) -> Value:
    """|v| of a signed value, as an unsigned value of the same width (|min| fits)."""
    v = Value.cast(v)
    width = len(v)
    return Mux(v[-1], -v, v)[:width].as_unsigned()


def leading_zeros_by_chunk(v: ValueLike, chunk: int = 8) -> tuple[list[Value], list[Value]]:
    """First half of a two-stage leading-zero count: per `chunk`-bit group from the top, whether it
    has a set bit and its own leading-zero count (small, shallow logic; register the results)."""
    v = Value.cast(v)
    width = len(v)
    anys, counts = [], []
    for top in range(width, 0, -chunk):
        group = v[max(0, top - chunk) : top]
        g = len(group)
        count: Value = Const(g, range(g + 1))
        for i in range(g):  # the highest set bit wins: scan from the bottom
            count = Mux(group[i], g - 1 - i, count)
        anys.append(group.any())
        counts.append(count)
    return anys, counts


def leading_zeros_from_chunks(anys: list[Value], counts: list[Value], width: int, chunk: int = 8) -> Value:
    """Second half: the first group (from the top) with a set bit decides; all zero gives `width`."""
    total: Value = Const(width, range(width + 1))
    for k in reversed(range(len(anys))):
        total = Mux(anys[k], k * chunk + counts[k], total)
    return total


def any_bits_below(v: ValueLike, n: ValueLike, max_n: int) -> Value:
    """OR of the low `n` bits of `v` for a variable ``0 <= n <= max_n`` (the sticky bit of a shift)."""
    v = Value.cast(v)
    n = Value.cast(n)
    span = min(max_n, len(v))
    if span == 0:
        return Const(0, 1)
    # bit i counts when i < n: compare each index once rather than building a variable mask.
    terms = [v[i] & (n > Const(i, len(n))) for i in range(span)]
    return Cat(*terms).any()


def overflow_to(v: ValueLike, fmt: QFormat, overflow: Overflow) -> tuple[Value, Value]:
    """Bring `v` into `fmt` by saturation or wrap-around; also return the out-of-range flag."""
    v = Value.cast(v)
    lo, hi = fmt.min_code, fmt.max_code
    out_of_range = (v < lo) | (v > hi)
    shape = signed(fmt.width)
    if overflow is Overflow.SATURATE:
        clamped = Mux(v < lo, Const(lo, shape), Mux(v > hi, Const(hi, shape), v[: fmt.width].as_signed()))
        return clamped, out_of_range
    return v[: fmt.width].as_signed(), out_of_range
