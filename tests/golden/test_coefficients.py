"""Coefficients (spec §1–§2): the decay and mix weights as unsigned fractions, and their shift forms."""

from __future__ import annotations

import math
from fractions import Fraction

import apytypes as apy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamnorm.golden import FixedStreamNorm, NormConfig, ParameterError, Rounding
from streamnorm.golden.coefficients import Coefficient

ROUNDINGS = pytest.mark.parametrize("rounding", list(Rounding), ids=lambda r: r.value)
APY_QUANTIZATION = {
    Rounding.TRUNCATE: apy.QuantizationMode.TRN,
    Rounding.HALF_UP: apy.QuantizationMode.RND,
    Rounding.HALF_EVEN: apy.QuantizationMode.RND_CONV,
}

#: Weights in [2^-16, 1): any, the paper's, and exact ties at 16 significant bits.
weights = (
    st.floats(2.0**-16, 1.0, exclude_max=True)
    | st.sampled_from([0.3, 0.5, 0.7, 2.0**-16, 1 - 2.0**-17, 1 / 3])
    | st.builds(
        lambda m, e: (m + 0.5) * 2.0 ** -(15 + e), st.integers(1 << 15, (1 << 16) - 2), st.integers(1, 16)
    )
)


def apy_code(value: float, frac: int, rounding: Rounding) -> int:
    exact = apy.APyFixed.from_float(value, int_bits=2, frac_bits=90)
    return int(exact.cast(int_bits=2, frac_bits=frac, quantization=APY_QUANTIZATION[rounding]).to_bits())


@ROUNDINGS
@settings(max_examples=300, deadline=None)
@given(value=weights)
def test_a_weight_gets_16_significant_bits_rounded_as_apytypes_rounds(
    rounding: Rounding, value: float
) -> None:
    try:
        c = Coefficient.for_value("decay", value, rounding)
    except ParameterError as exc:  # only a value that rounds up to 1.0 is refused here
        assert "rounds to 1" in str(exc) and apy_code(value, 16, rounding) == 1 << 16
        return
    assert c.frac == 15 - math.floor(math.log2(value))
    assert c.code == apy_code(value, c.frac, rounding)
    assert 1 << 15 <= c.code <= 1 << 16 and c.code < 1 << c.frac
    error = abs(Fraction(c.code, 1 << c.frac) - Fraction(value)) / Fraction(value)
    assert error <= (Fraction(1, 2**15) if rounding is Rounding.TRUNCATE else Fraction(1, 2**16))


@ROUNDINGS
@settings(max_examples=200, deadline=None)
@given(configured=weights, written=st.floats(2.0**-30, 1.0, exclude_max=True))
def test_a_run_time_weight_is_quantized_to_the_configured_register(
    rounding: Rounding, configured: float, written: float
) -> None:
    try:
        register = Coefficient.for_value("mix", configured, rounding)
    except ParameterError:
        return
    code = apy_code(written, register.frac, rounding)
    if 1 <= code < 1 << register.frac:
        assert register.requantize("mix", written, rounding) == Coefficient(code, register.frac)
    else:
        with pytest.raises(ParameterError, match=r"^mix: .* rounds to [01] at"):
            register.requantize("mix", written, rounding)


@settings(max_examples=300, deadline=None)
@given(code=st.integers(1, (1 << 31) - 1), frac=st.integers(1, 31))
def test_guard_bits_are_the_ceiling_of_log2_of_one_over_the_weight(code: int, frac: int) -> None:
    code = code % (1 << frac) or 1
    d = Coefficient(code, frac).guard_bits
    assert 2 ** (d - 1) < Fraction(1 << frac, code) <= 2**d  # 1/c, the recurrence's error bound
    assert Coefficient.shift(frac).guard_bits == frac


@pytest.mark.parametrize("d", [1, 3, 6])
@pytest.mark.parametrize("rounding", ["truncate", "half_up", "half_even"])
def test_a_power_of_two_given_as_a_value_gives_the_words_of_its_shift_form(d: int, rounding: str) -> None:
    # p = 1: rnd_Fc(2^15 * x) with Fc = 15 + d is rnd_d(x), and d' = d, so the two spellings are one core
    shift = NormConfig(channels=3, window_log2=2, decay_log2=d, mix_log2=1, rounding=rounding)
    value = NormConfig(channels=3, window_log2=2, decay=2.0**-d, mix=0.5, rounding=rounding)
    assert value.guard_bits == shift.guard_bits
    rng = np.random.default_rng(d)
    x = rng.integers(shift.in_fmt.min_code, shift.in_fmt.max_code + 1, (3000, 3))
    y_shift, t_shift = FixedStreamNorm(shift).process_traced(x)
    y_value, t_value = FixedStreamNorm(value).process_traced(x)
    assert (y_shift == y_value).all() and (t_shift.mean == t_value.mean).all()
    assert (t_shift.dev_stat == t_value.dev_stat).all()


def test_for_p2_the_value_spelling_keeps_fewer_square_guard_bits() -> None:
    # spec §2: a coefficient's product on the second moment needs room, so G2 shrinks and the
    # p = 2 words of mix = 0.5 and mix_log2 = 1 can differ (docs/config.md says so)
    shift = NormConfig(p=2)
    value = NormConfig(p=2, mix=0.5)
    assert value.guard_bits == shift.guard_bits
    assert value.square_guard_bits < shift.square_guard_bits
    assert value.coefficient_product_bits == 17 and shift.coefficient_product_bits == 0
