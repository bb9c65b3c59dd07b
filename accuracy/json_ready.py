"""`json_ready`: a result's fields as plain JSON data.

JSON has no NumPy scalars, tuples or non-finite numbers. An SQNR of an exact match is infinite; it
is written as ``null`` (docs/accuracy.md says so), never as the ``Infinity`` that strict readers
refuse.
"""

from __future__ import annotations

import enum
import math
from typing import Any

import numpy as np

__all__ = ["json_ready"]


def json_ready(value: Any) -> Any:
    """`value` with NumPy scalars made plain, tuples made lists, enums their values, and
    non-finite floats made None."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    return value
