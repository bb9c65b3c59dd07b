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
    "leading_zeros_chunks",
    "leading_zeros_combine",
    "overflow_select",
    "shift_round",
    "shift_round_mirrored",
    "toward_finish",
    "toward_parts",
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


def _signed(v: ValueLike) -> Value:
    """`v` as a signed value of the same number (an unsigned one gains a zero sign bit)."""
    v = Value.cast(v)
    return v if v.shape().signed else Cat(v, Const(0, 1)).as_signed()


def toward_parts(long: ValueLike, short: ValueLike, s: int, rounding: Rounding) -> tuple[Value, Value, Value]:
    """First stage of ``long + rnd_s(short - long)`` (the long-term update, the mix) as one sum:
    since ``long`` is an integer, that is ``floor(((long << s) - long + short + c) / 2^s)`` with
    the rounding's addend ``c`` (0; ``2^(s-1)``; or ``2^(s-1) - 1`` plus bit s of
    ``short - long`` for half-even, from a subtraction of s + 1 bits only). Returns the two terms
    and the carry-in, each one adder or none: register them and finish with `toward_finish`."""
    long, short = _signed(long), _signed(short)
    a = (long << s) - long
    if s == 0 or rounding is Rounding.TRUNCATE:
        return a, short, Const(0, 1)
    half = 1 << (s - 1)
    if rounding is Rounding.HALF_UP:
        return a, short + half, Const(0, 1)
    low = (short[: s + 1] - long[: s + 1])[s]  # bit s of short - long
    return a, short + (half - 1), low


def toward_finish(a: ValueLike, b: ValueLike, carry: ValueLike, s: int, width: int) -> Value:
    """Second stage: ``(a + b + carry) >> s`` at `width` bits (the result lies between the two
    statistics, so it fits their width)."""
    # Only the sum's low width + s bits reach the result, so the adder works at that width
    # (modular addition): no sign extension, which Verilator also reads as a combinational loop.
    n = width + s
    return (_bits(a, n) + _bits(b, n) + carry)[s:n]


def _bits(v: ValueLike, n: int) -> Value:
    """The low `n` bits of `v`, extended by its sign (or zeros) where `v` is narrower."""
    v = Value.cast(v)
    if len(v) >= n:
        return v[:n]
    fill = v[-1] if v.shape().signed else Const(0, 1)
    return Cat(v, fill.replicate(n - len(v)))


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


def leading_zeros_chunks(v: ValueLike, chunk: int = 4) -> tuple[list[Value], list[Value]]:
    """First level of a leading-zero count: per `chunk`-bit group of `v` from the top (`v`'s width
    a multiple of `chunk`, a power of two), whether it has a set bit and, if it has, the zeros
    above that bit (log2(chunk) bits: one look-up table per bit)."""
    v = Value.cast(v)
    bits = (chunk - 1).bit_length()
    anys, counts = [], []
    for top in range(len(v), 0, -chunk):
        group = v[top - chunk : top]
        count: Value = Const(0, bits)
        for i in range(chunk):  # the highest set bit wins: scan from the bottom
            count = Mux(group[i], chunk - 1 - i, count)
        anys.append(group.any())
        counts.append(count)
    return anys, counts


def leading_zeros_combine(
    anys: list[Value], counts: list[Value], fan: int = 4
) -> tuple[list[Value], list[Value]]:
    """Next level: `fan` neighbouring groups (from the top) at a time; within a group of them,
    the first with a set bit decides, and its index goes above its count (a concatenation: the
    groups are a power of two wide, so no addition). Two levels of logic for ``fan = 4``."""
    out_any, out_count = [], []
    index_bits = (fan - 1).bit_length()
    for g in range(0, len(anys), fan):
        a, c = anys[g : g + fan], counts[g : g + fan]
        total: Value = Cat(c[-1], Const(len(a) - 1, index_bits))
        for k in reversed(range(len(a) - 1)):
            total = Mux(a[k], Cat(c[k], Const(k, index_bits)), total)
        out_any.append(Cat(*a).any())
        out_count.append(total)
    return out_any, out_count


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


def overflow_select(
    low: Value, negative: Value, top_any: Value, top_all: Value, fmt: QFormat, overflow: Overflow
) -> tuple[Value, Value]:
    """Bring a signed value into `fmt` by saturation or wrap-around, from its parts: its low
    `fmt.width` bits, its sign, and whether any and whether all of its bits from the format's sign
    bit up are set (it is in range exactly when those bits are all equal). Also the out-of-range
    flag. The reductions come from the stage before, so this is one multiplexer per bit."""
    shape = signed(fmt.width)
    out_of_range = top_any & ~top_all
    low = Value.cast(low)[: fmt.width].as_signed()
    if overflow is Overflow.SATURATE:
        rail = Mux(negative, Const(fmt.min_code, shape), Const(fmt.max_code, shape))
        return Mux(out_of_range, rail, low), out_of_range
    return low, out_of_range
