"""Coefficients: the decay and mix weights in (0, 1) as unsigned fractions (spec §1–§2).

A weight ``c`` is held as a code ``cc`` with ``frac`` fraction bits, ``c = cc * 2**-frac``. The shift
forms (``decay_log2 = d``) are the coefficient ``(1, d)``, so one update formula covers both.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from .errors import ParameterError
from .formats import Rounding, quantize_real

__all__ = ["COEFFICIENT_BITS", "MIN_COEFFICIENT_LOG2", "Coefficient"]

#: Significant bits of a coefficient given as a value: relative error <= 2**-16 when rounding to
#: nearest. 16 bits keep the once-per-window product on one 18-bit multiplier port.
COEFFICIENT_BITS = 16
#: The smallest coefficient given as a value is 2**-16, so its register (frac bits) fits 32 bits.
MIN_COEFFICIENT_LOG2 = 16


@dataclass(frozen=True)
class Coefficient:
    """A weight ``code * 2**-frac`` in (0, 1): the register's code and its fraction bits."""

    code: int
    frac: int

    @classmethod
    def shift(cls, log2: int) -> Coefficient:
        """The shift form ``2**-log2``: multiplying by code 1 leaves ``rnd_log2`` alone."""
        return cls(1, log2)

    @classmethod
    def for_value(cls, name: str, value: Any, rounding: Rounding) -> Coefficient:
        """A configured weight, with the `frac` that gives it 16 significant bits
        (``2**15 <= c * 2**frac < 2**16``)."""
        c = _check_weight(name, value)
        if c < 2.0**-MIN_COEFFICIENT_LOG2:
            raise ParameterError(
                name,
                f"{value!r} is below the smallest coefficient 2^-{MIN_COEFFICIENT_LOG2}; "
                f"a longer decay is a shift ({name}_log2 up to 24)",
            )
        frac = COEFFICIENT_BITS - 1 - math.floor(math.log2(c))
        return cls(_quantized(name, c, frac, rounding), frac)

    def requantize(self, name: str, value: Any, rounding: Rounding) -> Coefficient:
        """A run-time weight, quantized to this register's `frac` bits."""
        return Coefficient(_quantized(name, _check_weight(name, value), self.frac, rounding), self.frac)

    @property
    def is_shift(self) -> bool:
        return self.code == 1

    @property
    def value(self) -> float:
        """The weight the register holds (exact in float64: at most 31 fraction bits)."""
        return math.ldexp(self.code, -self.frac)

    @property
    def guard_bits(self) -> int:
        """``d' = ceil(log2(1/c))``: the long-term recurrence's steady rounding error is below ``2**d'``."""
        return self.frac + 1 - self.code.bit_length()

    @property
    def product_bits(self) -> int:
        """Bits ``code * (s - l)`` needs beyond the width of s and l: the difference's sign and the
        code's `frac` bits; 0 for a shift, whose product is the difference itself."""
        return 0 if self.is_shift else self.frac + 1

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "frac": self.frac, "value": self.value}


def _check_weight(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        # spelt as the JSON configuration spells it (true, null, "0.5"), not as Python would
        raise ParameterError(name, f"must be a number in (0, 1), not {json.dumps(value, default=repr)}")
    if not 0 < value < 1:
        raise ParameterError(name, f"{value!r} is out of range; must be in (0, 1)")
    return float(value)


def _quantized(name: str, c: float, frac: int, rounding: Rounding) -> int:
    code = quantize_real(c, frac, rounding)
    if code == 0:
        smallest = math.ldexp(1, -frac)
        raise ParameterError(
            name, f"{c!r} rounds to 0 at {frac} fraction bits; the smallest is 2^-{frac} = {smallest!r}"
        )
    if code == 1 << frac:
        largest = math.ldexp((1 << frac) - 1, -frac)
        raise ParameterError(
            name, f"{c!r} rounds to 1 at {frac} fraction bits; the largest is 1 - 2^-{frac} = {largest!r}"
        )
    return code
