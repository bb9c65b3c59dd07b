"""`FloatStreamNorm`: the same algorithm in float64 with no quantization (spec §6)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .params import Params
from .stream import StreamNormBase

__all__ = ["FloatStreamNorm"]


class FloatStreamNorm(StreamNormBase):
    """Float64 twin of `FixedStreamNorm`: same timing, no rounding, no saturation.

    `process(x)` takes (T, C) values in input units and returns (T, C) values in output units.
    The scale is the exact ``gamma*g/(a + eps)`` even when the configuration says ``pow2``, so the
    price of ``pow2`` shows up when the two models are compared. The decay and mix weights are the
    coefficients as quantized (the registers' values), so the comparison measures the arithmetic.
    `set_params` and `set_stats` take what the fixed-point model takes (stat codes are read as
    ``code * 2**-stat_frac``); `stats` returns input units.
    """

    def _use_params(self, params: Params) -> None:
        self._gain = np.array(params.gamma) * self.cfg.gaussian_factor
        self._beta = np.array(params.beta)
        self._decay = None if params.decay is None else params.decay.value
        self._mix_weight = None if params.mix is None else params.mix.value

    def _from_stat_codes(
        self, mean: np.ndarray | None, dev_stat: np.ndarray | None
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        lsb = 2.0**-self.cfg.stat_frac
        m = None if mean is None else mean * lsb
        a = None if dev_stat is None else dev_stat * lsb
        return m, (a if a is None or self.cfg.p == 1 else a * a)

    def _prepare(self, x: npt.ArrayLike) -> np.ndarray:
        v = np.asarray(x, dtype=np.float64)
        c = self.cfg.channels
        if v.ndim != 2 or v.shape[1] != c:
            raise ValueError(f"x must have shape (T, {c}) (T time steps, C = channels), not {v.shape}")
        if not np.isfinite(v).all():
            raise ValueError("x holds a NaN or infinite value")
        return v

    def _to_grid(self, x: np.ndarray) -> np.ndarray:
        return x

    def _initial_stats(self) -> tuple[np.ndarray, np.ndarray]:
        c = self.cfg.channels
        return np.zeros(c), np.ones(c)

    def _center(self, x_grid: np.ndarray, mean: np.ndarray) -> np.ndarray:
        return x_grid - mean

    def _deviation(self, centered: np.ndarray) -> np.ndarray:
        return np.abs(centered) if self.cfg.p == 1 else centered * centered

    def _short_term_mean(self, sum_x: np.ndarray) -> np.ndarray:
        return sum_x / self.cfg.window

    def _short_term_dev(self, sum_dev: np.ndarray) -> np.ndarray:
        return sum_dev / self.cfg.window

    def _long_term(self, long: np.ndarray, short: np.ndarray) -> np.ndarray:
        assert self._decay is not None
        return long + (short - long) * self._decay

    def _mix(self, long: np.ndarray | None, short: np.ndarray) -> np.ndarray:
        if long is None:
            return short
        if self._mix_weight is None:
            return long
        return long + (short - long) * self._mix_weight

    def _to_dev_stat(self, stat: np.ndarray) -> np.ndarray:
        return stat if self.cfg.p == 1 else np.sqrt(stat)

    def _scale(self, dev_stat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = self._gain / (dev_stat + self.cfg.eps)
        return r, np.zeros_like(r)

    def _output(
        self, centered: np.ndarray, mantissa: np.ndarray, shift: np.ndarray
    ) -> tuple[np.ndarray, None]:
        return centered * mantissa + self._beta, None
