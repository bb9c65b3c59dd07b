"""The gain as registers hold it (spec §2): gamma_fmt, the constant g, and Kc by integer arithmetic.

Cross-checked against APyTypes (an independent bit-accurate fixed-point library) and against
exact oracles from `reference.py` (the 60-digit sqrt(2/pi) and the spec's normalize_round).
"""

from __future__ import annotations

import math
from fractions import Fraction

import apytypes as apy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import gain_numerator as spec_gain_numerator
from reference import quantize, sqrt_2_over_pi

from streamnorm.golden import NormConfig, Rounding
from streamnorm.golden.gain import (
    MAX_GAMMA_LOG2,
    SQRT_2_OVER_PI_Q64,
    gain_numerator,
    gamma_code,
    gamma_format,
    gaussian_code,
)

ROUNDINGS = pytest.mark.parametrize("rounding", list(Rounding), ids=lambda r: r.value)
APY_QUANTIZATION = {
    Rounding.TRUNCATE: apy.QuantizationMode.TRN,
    Rounding.HALF_UP: apy.QuantizationMode.RND,
    Rounding.HALF_EVEN: apy.QuantizationMode.RND_CONV,
}
G = Fraction(sqrt_2_over_pi())


def apy_cast(value: apy.APyFixed, int_bits: int, frac_bits: int, rounding: Rounding) -> int:
    """The code APyTypes gives `value` cast to `frac_bits` fraction bits (unsigned, no overflow)."""
    out = value.cast(
        int_bits=int_bits,
        frac_bits=frac_bits,
        quantization=APY_QUANTIZATION[rounding],
        overflow=apy.OverflowMode.WRAP,
    )
    return int(out.to_bits())


def test_the_64_bit_constant_is_sqrt_2_over_pi_truncated() -> None:
    assert SQRT_2_OVER_PI_Q64 == math.floor(G * 2**64)


@ROUNDINGS
def test_the_gaussian_code_is_g_rounded_to_mk_plus_3_bits(rounding: Rounding) -> None:
    for mk in range(5, 36):
        code, frac = gaussian_code(True, mk, rounding)
        assert frac == mk + 3
        assert code == quantize(G, frac, rounding.value)
        # APyTypes from 100 bits of g (g is irrational: the bits below cannot make a tie)
        fine = apy.APyFixed(math.floor(G * 2**100), int_bits=2, frac_bits=100)
        assert code == apy_cast(fine, 2, frac, rounding)
    assert gaussian_code(False, 19, rounding) == (1, 0)


@pytest.mark.parametrize("wo", [2, 16, 32])
def test_gamma_fmt_holds_every_allowed_gamma_with_mk_significant_bits(wo: int) -> None:
    mk = wo + 3
    fmt = gamma_format(mk)
    assert (fmt.width, fmt.frac) == (wo + 22, wo + 12)
    top = 2**MAX_GAMMA_LOG2
    assert -fmt.max_code <= -top * 2**fmt.frac and top * 2**fmt.frac <= fmt.max_code
    smallest = gamma_code(2.0**-MAX_GAMMA_LOG2, fmt, Rounding.TRUNCATE)
    assert smallest.bit_length() == mk + 2  # the smallest gamma still has MK (+2) significant bits


@ROUNDINGS
@settings(max_examples=300, deadline=None)
@given(
    magnitude=st.floats(2.0**-MAX_GAMMA_LOG2, 2.0**MAX_GAMMA_LOG2)
    | st.sampled_from([2.0**-8, 2.0**8, 1.0, 1 + 2**-30, 0.3]),
    negative=st.booleans(),
    wo=st.integers(6, 32),
    gaussian=st.booleans(),
)
def test_gamma_codes_and_gain_numerators_agree_with_apytypes(
    rounding: Rounding, magnitude: float, negative: bool, wo: int, gaussian: bool
) -> None:
    mk = wo + 3
    fmt = gamma_format(mk)
    value = -magnitude if negative else magnitude
    code = gamma_code(value, fmt, rounding)
    # sign-magnitude: |gamma| rounded (from 70 exact fraction bits), the sign applied after
    exact = apy.APyFixed.from_float(magnitude, int_bits=10, frac_bits=70)
    assert abs(code) == apy_cast(exact, 10, fmt.frac, rounding) and (code < 0) == negative
    g = gaussian_code(gaussian, mk, rounding)
    sign, kk, ek = gain_numerator(code, fmt.frac, g, mk, rounding)
    assert (sign, kk, ek) == spec_gain_numerator(code, fmt.frac, g, mk, rounding.value)
    # APyTypes: the exact product of the two registers, then one cast to kk's last place
    gamma_register = apy.APyFixed(abs(code), int_bits=fmt.width - fmt.frac, frac_bits=fmt.frac)
    product = gamma_register * apy.APyFixed(g[0], int_bits=2, frac_bits=g[1])
    s = (abs(code) * g[0]).bit_length() - mk
    apy_kk = apy_cast(product, mk + 2, fmt.frac + g[1] - s, rounding)
    if apy_kk == 1 << mk:
        apy_kk, s = apy_kk >> 1, s + 1
    assert (kk, ek) == (apy_kk, s - fmt.frac - g[1])
    assert 1 << (mk - 1) <= kk < 1 << mk


def test_the_configuration_states_the_register_formats() -> None:
    cfg = NormConfig(gamma=[1.5, -0.25, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    d = cfg.derived()
    assert d["gamma_fmt"] == {"width": 38, "frac": 28}
    assert d["gamma_codes"][:2] == [3 << 27, -(1 << 26)]
    assert d["gaussian_code"] == {"code": cfg.gaussian_code[0], "frac": 22}
