"""`FixedStreamNorm`: the bit-accurate fixed-point model. It defines the arithmetic (docs/spec.md)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import stages
from .formats import Rounding
from .params import Params
from .stream import StreamNormBase

__all__ = ["FixedStreamNorm"]


class FixedStreamNorm(StreamNormBase):
    """Stateful fixed-point streaming normalizer.

    `process(codes)` takes int codes of `cfg.in_fmt`, shape (T, C), and returns int64 codes of
    `cfg.out_fmt`, shape (T, C). `overflow` is the sticky output-overflow flag (`overflow_count`
    counts the words that saturated or wrapped); `reset()` clears it with the statistics.
    `set_params`, `set_stats` and `stats` are the run-time registers' view (spec §4).
    """

    def _use_params(self, params: Params) -> None:
        self._beta = np.array(params.beta_codes, dtype=np.int64)

    def _from_stat_codes(
        self, mean: np.ndarray | None, dev_stat: np.ndarray | None
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        if dev_stat is None or self.cfg.p == 1:
            return mean, dev_stat
        root = dev_stat >> (self.cfg.guard_bits - self.cfg.square_guard_bits)  # exact: checked
        return mean, root * root

    def _prepare(self, x: npt.ArrayLike) -> np.ndarray:
        codes = np.asarray(x)
        c = self.cfg.channels
        if codes.ndim != 2 or codes.shape[1] != c:
            raise ValueError(
                f"codes must have shape (T, {c}) (T time steps, C = channels), not {codes.shape}"
            )
        return self.cfg.in_fmt.check_codes(codes, "codes")

    def _to_grid(self, x: np.ndarray) -> np.ndarray:
        return x << self.cfg.guard_bits

    def _initial_stats(self) -> tuple[np.ndarray, np.ndarray]:
        cfg = self.cfg
        one = (cfg.in_fmt.frac + cfg.square_guard_bits) * 2 if cfg.p == 2 else cfg.stat_frac
        return (
            np.zeros(cfg.channels, dtype=np.int64),
            np.full(cfg.channels, 1 << one, dtype=np.int64),
        )

    def _center(self, x_grid: np.ndarray, mean: np.ndarray) -> np.ndarray:
        return stages.center(x_grid, mean)

    def _deviation(self, centered: np.ndarray) -> np.ndarray:
        return stages.deviation(self.cfg, centered)

    def _short_term_mean(self, sum_x_grid: np.ndarray) -> np.ndarray:
        return stages.short_term_mean(self.cfg, sum_x_grid)

    def _short_term_dev(self, sum_dev: np.ndarray) -> np.ndarray:
        return stages.short_term_dev(self.cfg, sum_dev)

    def _long_term(self, long: np.ndarray, short: np.ndarray) -> np.ndarray:
        return stages.long_term(self.cfg, long, short, self._params.decay)

    def _long_term_run(self, short: np.ndarray, long: np.ndarray) -> np.ndarray:
        # Same arithmetic as stages.long_term, unrolled into in-place operations: this loop over
        # windows is the model's only per-window Python loop, so each NumPy call counts.
        cfg = self.cfg
        decay = self._params.decay
        assert decay is not None
        code, d = decay.code, decay.frac
        hist = np.empty_like(short)
        hist[0] = self._first_long_term(long, short[0])
        odd = np.empty_like(short[0])
        half = 1 << (d - 1)
        prev = hist[0]
        for w in range(1, short.shape[0]):
            row = hist[w]
            np.subtract(short[w], prev, out=row)
            if code != 1:
                row *= code
            if cfg.rounding is Rounding.HALF_UP:
                row += half
            elif cfg.rounding is Rounding.HALF_EVEN:
                np.right_shift(row, d, out=odd)
                odd &= 1
                odd += half - 1
                row += odd
            row >>= d
            row += prev
            prev = row
        return hist

    def _mix(self, long: np.ndarray | None, short: np.ndarray) -> np.ndarray:
        return stages.mix(self.cfg, long, short, self._params.mix)

    def _to_dev_stat(self, stat: np.ndarray) -> np.ndarray:
        return stages.to_dev_stat(self.cfg, stat)

    def _scale(self, dev_stat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return stages.scale(self.cfg, dev_stat, self._params.gains)

    def _output(
        self, centered: np.ndarray, mantissa: np.ndarray, shift: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return stages.output(self.cfg, centered, mantissa, shift, self._beta)
