"""Figures and settings as people read them: dB to one decimal, errors in LSBs, 2^-10 for eps.

The command line's summary and the HTML report spell every figure through these, so the two say
the same thing the same way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from streamnorm.golden import Coefficient

__all__ = [
    "db",
    "eps_text",
    "lsb",
    "settings_text",
    "value_text",
    "weight_text",
]


def db(v: float | None) -> str:
    """A dB figure: one decimal, ∞ for an exact match, — for nothing to measure."""
    if v is None or math.isnan(v):
        return "—"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    return f"{v:.1f} dB"


def lsb(v: float | None, digits: int = 3) -> str:
    """An error in output LSBs: `digits` decimals, three significant digits past 1000."""
    if v is None or math.isnan(v):
        return "—"
    return f"{v:.{digits}f} LSB" if abs(v) < 1000 else f"{v:.3g} LSB"


def eps_text(eps: float) -> str:
    """eps as people write it: 2^-10 for a power of two."""
    m, e = math.frexp(eps)
    return f"2^{e - 1}" if m == 0.5 else f"{eps:g}"


def weight_text(weight: Coefficient | None) -> str:
    """A decay or mix weight as people write it: 2^-6 for a shift, the value the register holds
    otherwise, "off" for none."""
    if weight is None:
        return "off"
    return f"2^-{weight.frac}" if weight.is_shift else f"{weight.value:.6g}"


def value_text(v: Any) -> str:
    """A configuration value as a sweep spec takes it: words bare (pow2), the rest as JSON (null)."""
    return v if isinstance(v, str) else json.dumps(v)


def settings_text(settings: Mapping[str, Any], sep: str = "=") -> str:
    """``out_fmt.frac=9, scale=pow2``: one sweep setting."""
    return ", ".join(f"{k}{sep}{value_text(v)}" for k, v in settings.items())
