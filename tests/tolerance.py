"""The one place the suite states how closely floating-point results must agree.

Exact results (codes, words, counts, widths, keys, types, strings) are compared exactly, and every
RTL word against the golden model stays bit-exact. A float computed by a NumPy or SciPy reduction
(a correlation, an RMS, an SQNR) may move by a few ulp with the NumPy release, the BLAS it links
and the processor's vector width, so a float pinned in a file, or recomputed another way, is
compared with these.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

#: Relative tolerance of a float against a pinned or recomputed value: a few thousand ulp of
#: float64, far below any figure a report prints (4 significant digits).
FLOAT_RTOL = 1e-12
#: Absolute tolerance next to it, for values that are zero or nearly so (a mean error).
FLOAT_ATOL = 1e-15
#: A figure in dB recomputed independently (another formula for the same ratio).
DB_ATOL = 1e-9


def close(expected: float, got: float) -> bool:
    """`got` agrees with `expected` to `FLOAT_RTOL` (inf and nan only with themselves)."""
    if math.isnan(expected) or math.isnan(got):
        return math.isnan(expected) and math.isnan(got)
    return math.isclose(expected, got, rel_tol=FLOAT_RTOL, abs_tol=FLOAT_ATOL)


def approx(expected: Any) -> Any:
    """`pytest.approx` at the suite's float tolerance."""
    return pytest.approx(expected, rel=FLOAT_RTOL, abs=FLOAT_ATOL)
