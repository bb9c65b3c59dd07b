"""Accuracy metrics of the fixed-point model against the float reference."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["ErrorStats", "compare", "sqnr_db"]


def sqnr_db(reference: np.ndarray, test: np.ndarray) -> float:
    """Signal-to-quantization-noise ratio of `test` against `reference`, in dB (inf if equal)."""
    ref = np.asarray(reference, dtype=np.float64)
    err = np.asarray(test, dtype=np.float64) - ref
    noise = float(np.mean(err * err))
    signal = float(np.mean(ref * ref))
    if noise == 0:
        return math.inf
    if signal == 0:
        return -math.inf
    return 10 * math.log10(signal / noise)


@dataclass(frozen=True)
class ErrorStats:
    """Error of a fixed-point output against the float reference, in output LSBs.

    `floor_sqnr_db` is the SQNR an ideal rounding to the output grid would give (error power
    LSB^2/12); `sqnr_db` approaching it means the datapath adds nothing to the output rounding.
    """

    samples: int
    sqnr_db: float
    floor_sqnr_db: float
    rms_error_lsb: float
    max_error_lsb: float
    mean_error_lsb: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compare(reference: np.ndarray, fixed: np.ndarray, lsb: float) -> ErrorStats:
    """Error statistics of `fixed` (real values) against `reference`, with output LSB `lsb`."""
    ref = np.asarray(reference, dtype=np.float64)
    err = (np.asarray(fixed, dtype=np.float64) - ref) / lsb
    signal = float(np.mean(ref * ref)) if ref.size else 0.0
    floor = lsb * lsb / 12
    return ErrorStats(
        samples=int(ref.size),
        sqnr_db=sqnr_db(ref, fixed) if ref.size else math.nan,
        floor_sqnr_db=10 * math.log10(signal / floor) if signal > 0 else math.nan,
        rms_error_lsb=float(np.sqrt(np.mean(err * err))) if ref.size else math.nan,
        max_error_lsb=float(np.max(np.abs(err))) if ref.size else math.nan,
        mean_error_lsb=float(np.mean(err)) if ref.size else math.nan,
    )
