"""Accuracy metrics of the fixed-point model against the float reference.

Errors are counted in output LSBs, the unit an FPGA engineer reasons in: an ideal rounding to the
output grid leaves a uniform error of at most ½ LSB, whose power is LSB²/12 (the *floor*).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from streamnorm.golden import ParameterError

from .json_ready import json_ready

__all__ = ["ErrorStats", "compare", "compare_channels", "floor_sqnr_db", "sqnr_db"]

#: Error power of an ideal rounding to the output grid, in LSB² (uniform on ±½ LSB).
FLOOR_LSB2 = 1.0 / 12.0


def sqnr_db(reference: npt.ArrayLike, test: npt.ArrayLike) -> float:
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


def floor_sqnr_db(reference: npt.ArrayLike, lsb: float) -> float:
    """The SQNR an ideal rounding of `reference` to a grid of step `lsb` would give (nan if silent)."""
    ref = np.asarray(reference, dtype=np.float64)
    signal = float(np.mean(ref * ref)) if ref.size else 0.0
    return 10 * math.log10(signal / (lsb * lsb * FLOOR_LSB2)) if signal > 0 else math.nan


@dataclass(frozen=True)
class ErrorStats:
    """Error of a fixed-point output against the float reference, in output LSBs.

    `floor_sqnr_db` is the SQNR an ideal rounding to the output grid would give (error power
    LSB²/12); `noise_over_floor_db` is how far the error power lies above that floor (0 dB: the
    datapath adds nothing to the output rounding). `overflow_words` counts the words that left the
    output range; the `*_in_range` figures leave them out, so that a few saturated words do not hide
    how the arithmetic behaves everywhere else.
    """

    samples: int
    sqnr_db: float
    floor_sqnr_db: float
    noise_over_floor_db: float
    rms_error_lsb: float
    max_error_lsb: float
    mean_error_lsb: float
    overflow_words: int
    rms_error_lsb_in_range: float
    max_error_lsb_in_range: float

    def to_json(self) -> dict[str, Any]:
        return json_ready(asdict(self))


def _rms(v: np.ndarray) -> float:
    return float(np.sqrt(np.mean(v * v))) if v.size else math.nan


def _max_abs(v: np.ndarray) -> float:
    return float(np.max(np.abs(v))) if v.size else math.nan


def compare(
    reference: npt.ArrayLike,
    fixed: npt.ArrayLike,
    lsb: float,
    overflow: npt.ArrayLike | None = None,
) -> ErrorStats:
    """Error statistics of `fixed` (real values) against `reference`, with output LSB `lsb`.

    `overflow` (same shape, bool) marks the words that saturated or wrapped.
    """
    ref = np.asarray(reference, dtype=np.float64)
    fix = np.asarray(fixed, dtype=np.float64)
    if ref.shape != fix.shape:
        raise ParameterError("fixed", f"reference and fixed differ in shape: {ref.shape} and {fix.shape}")
    err = (fix - ref) / lsb
    ovf = np.zeros(ref.shape, dtype=bool) if overflow is None else np.asarray(overflow, dtype=bool)
    in_range = err[~ovf]
    mse = float(np.mean(err * err)) if err.size else math.nan
    return ErrorStats(
        samples=int(ref.size),
        sqnr_db=sqnr_db(ref, fix) if ref.size else math.nan,
        floor_sqnr_db=floor_sqnr_db(ref, lsb),
        noise_over_floor_db=(10 * math.log10(mse / FLOOR_LSB2) if mse > 0 else -math.inf)
        if err.size
        else math.nan,
        rms_error_lsb=_rms(err),
        max_error_lsb=_max_abs(err),
        mean_error_lsb=float(np.mean(err)) if err.size else math.nan,
        overflow_words=int(np.count_nonzero(ovf)),
        rms_error_lsb_in_range=_rms(in_range),
        max_error_lsb_in_range=_max_abs(in_range),
    )


def compare_channels(
    reference: npt.ArrayLike,
    fixed: npt.ArrayLike,
    lsb: float,
    overflow: npt.ArrayLike | None = None,
) -> list[ErrorStats]:
    """`compare` for each channel (column) of (T, C) arrays."""
    ref = np.asarray(reference, dtype=np.float64)
    fix = np.asarray(fixed, dtype=np.float64)
    if ref.ndim != 2:
        raise ParameterError("reference", f"expected (T, C) arrays, not shape {ref.shape}")
    ovf = np.zeros(ref.shape, dtype=bool) if overflow is None else np.asarray(overflow, dtype=bool)
    return [compare(ref[:, c], fix[:, c], lsb, ovf[:, c]) for c in range(ref.shape[1])]
