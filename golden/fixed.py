"""`FixedStreamNorm`: the bit-accurate fixed-point model. It defines the arithmetic (docs/spec.md)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import stages
from .config import NormConfig
from .formats import Rounding
from .stream import StreamNormBase

__all__ = ["FixedStreamNorm"]


class FixedStreamNorm(StreamNormBase):
    """Stateful fixed-point streaming normalizer.

    `process(codes)` takes int codes of `cfg.in_fmt`, shape (T, C), and returns int64 codes of
    `cfg.out_fmt`, shape (T, C). `overflow` is the sticky output-overflow flag (`overflow_count`
    counts the words that saturated or wrapped); `reset()` clears it with the statistics.
    """

    def __init__(self, cfg: NormConfig) -> None:
        self._beta = np.array(cfg.beta_codes, dtype=np.int64)
        super().__init__(cfg)

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
        return stages.long_term(self.cfg, long, short)

    def _long_term_run(self, short: np.ndarray, long: np.ndarray | None) -> np.ndarray:
        # Same arithmetic as stages.long_term, unrolled into in-place operations: this loop over
        # windows is the model's only per-window Python loop, so each NumPy call counts.
        cfg = self.cfg
        d = cfg.decay_log2
        assert d is not None
        hist = np.empty_like(short)
        if self.windows_completed == 0:
            hist[0] = short[0]
        else:
            hist[0] = self._long_term(np.asarray(long), short[0])
        odd = np.empty_like(short[0])
        half = 1 << (d - 1)
        prev = hist[0]
        for w in range(1, short.shape[0]):
            row = hist[w]
            np.subtract(short[w], prev, out=row)
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
        return stages.mix(self.cfg, long, short)

    def _to_dev_stat(self, stat: np.ndarray) -> np.ndarray:
        return stages.to_dev_stat(self.cfg, stat)

    def _scale(self, dev_stat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return stages.scale(self.cfg, dev_stat)

    def _output(
        self, centered: np.ndarray, mantissa: np.ndarray, shift: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return stages.output(self.cfg, centered, mantissa, shift, self._beta)
