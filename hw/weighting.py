"""``l + rnd_F(cc * (s - l))``: the weighted step of the long-term update and the mix, as stages.

The golden model's `stages.weighted_step`. For a shift (``cc = 1``) it is one sum of two terms
(`arith.toward_parts`). For a coefficient given as a value the weight is a constant of the core,
so its product is a sum of shifted copies of the difference, one per nonzero digit of the code
in canonical signed-digit form (at most 9 for a 16-bit code): an adder tree in LUTs, no
multiplier block, since it runs once per window. The long-term value enters the tree as one more
term, ``l * 2^F``, so the rounding and the final addition are one adder:

    l + rnd_F(P) = floor((l*2^F + P + c) / 2^F)

with the rounding's addend ``c`` (0; ``2^(F-1)``; or ``2^(F-1) - 1`` plus bit F of P for
half-even). Bit F of P is bit F of the tree's sum T = l*2^F + P xor bit 0 of l: the low F bits of
``l*2^F`` are zero, so nothing carries into bit F from below.

The sums are modular at ``width + F`` bits: only those bits reach the result, which lies between
l and s and so fits their width.

The stages are separated by calls to `cut`, which a component turns into registers (or not, where
it has fewer cycles than stages: `LongTerm` with few channels and a short window).
"""

from __future__ import annotations

from collections.abc import Callable

from amaranth.hdl import Value, ValueLike

from streamnorm.golden import Coefficient, Rounding

from .arith import _bits, _signed, toward_finish, toward_parts

__all__ = ["Cut", "signed_digits", "weighted_step", "weighted_step_cuts"]

#: Registers (or passes through) the values of one stage: ``cut(*values) -> values``.
Cut = Callable[..., list[Value]]


def signed_digits(code: int) -> list[tuple[int, int]]:
    """`code` (> 0) in canonical signed-digit (non-adjacent) form: ``[(position, +1 or -1), ...]``,
    lowest first; the fewest nonzero digits of any signed-digit form."""
    if code <= 0:
        raise ValueError(f"signed_digits takes a positive code, not {code}")
    digits, pos = [], 0
    while code:
        if code & 1:
            d = 2 - (code & 3)  # +1 if code = 1 (mod 4), -1 if code = 3 (mod 4)
            digits.append((pos, d))
            code -= d
        code >>= 1
        pos += 1
    return digits


def _tree_levels(terms: int) -> int:
    return max(0, (terms - 1).bit_length())


def weighted_step_cuts(weight: Coefficient) -> int:
    """How many times `weighted_step` calls `cut` for `weight`: after the terms and after the sum
    for a shift; after the difference, after each level of the adder tree and after the final
    sum for a coefficient."""
    if weight.is_shift:
        return 2
    return 1 + _tree_levels(len(signed_digits(weight.code)) + 1) + 1


def weighted_step(
    long: ValueLike, short: ValueLike, weight: Coefficient, rounding: Rounding, width: int, cut: Cut
) -> Value:
    """``long + rnd_F(cc * (short - long))`` at `width` bits, with `weighted_step_cuts(weight)`
    calls to `cut`, the last one on the result."""
    if weight.is_shift:
        a, b, carry = toward_parts(long, short, weight.frac, rounding)
        a, b, carry = cut(a, b, carry)
        (new,) = cut(toward_finish(a, b, carry, weight.frac, width))
        return new
    f = weight.frac
    n = width + f
    long, short = _signed(long), _signed(short)
    diff = short - long
    diff, long = cut(diff, long)
    # (sign, value) pairs whose signed sum is T = l*2^F + cc*(s - l), modulo 2^n
    terms: list[tuple[int, Value]] = [(1, _bits(long, n - f).shift_left(f)[:n])]
    terms += [(sign, _bits(diff, n - pos).shift_left(pos)[:n]) for pos, sign in signed_digits(weight.code)]
    low = Value.cast(long)[0]  # bit 0 of l: bit F of the product is bit F of T xor this
    while len(terms) > 1:
        terms, low = _tree_level(terms, n, cut, low)
    sign, total = terms[0]
    assert sign == 1  # `_tree_level` keeps a positive term at the root (l*2^F is one)
    half = 1 << (f - 1)
    if rounding is Rounding.TRUNCATE:
        rounded = total
    elif rounding is Rounding.HALF_UP:
        rounded = total + half
    else:
        rounded = total + (half - 1) + (total[f] ^ low)
    (new,) = cut(rounded[f:n])
    return new


def _tree_level(
    terms: list[tuple[int, Value]], n: int, cut: Cut, low: Value
) -> tuple[list[tuple[int, Value]], Value]:
    """One level of the adder tree: a positive term with a negative one first (a subtraction whose
    result is positive), then the rest in pairs of one sign; an odd one out passes through. So the
    root is a positive term whenever one of the terms is."""
    pos = [v for s, v in terms if s > 0]
    neg = [v for s, v in terms if s < 0]
    out: list[tuple[int, Value]] = []
    while pos and neg:
        out.append((1, (pos.pop() - neg.pop())[:n]))
    for sign, rest in ((1, pos), (-1, neg)):
        while len(rest) >= 2:
            out.append((sign, (rest.pop() + rest.pop())[:n]))
        out.extend((sign, v) for v in rest)
    *values, low = cut(*(v for _, v in out), low)
    return [(s, Value.cast(v)) for (s, _), v in zip(out, values, strict=True)], low
