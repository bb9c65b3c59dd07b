"""The stream engine shared by the fixed-point model and its float twin.

It owns everything that is about *time*: windows, the statistics in force for each sample, freeze,
reset, chunking, and when run-time parameters and statistics writes take effect (spec §4). The
arithmetic of each stage is supplied by the subclass, so the fixed-point and float models cannot
drift apart in their timing.

Vectorization: the only Python loop runs over completed windows (the long-term recurrences);
sums, deviations and outputs are whole-array operations.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from .config import NormConfig
from .params import Params, stat_codes

__all__ = ["StatsTrace", "StreamNormBase"]

A = TypeVar("A", bound=np.ndarray)

#: Channel-samples per internal block: bounds memory and keeps the working set in cache.
BLOCK_SAMPLES = 1 << 17


@dataclass
class StatsTrace(Generic[A]):
    """The statistics in force for each sample, shape (T, C) each.

    For the fixed-point model: `mean` on the statistics grid (``2^-stat_frac``), `dev_stat` the
    deviation statistic A on the same grid, and the scale as `scale_mantissa`/`scale_shift`
    (``r = ms * 2^-t``). For the float model: `mean` and `dev_stat` in input units, `scale_mantissa`
    the scale r itself and `scale_shift` zeros.
    """

    mean: A
    dev_stat: A
    scale_mantissa: A
    scale_shift: A

    @staticmethod
    def concat(parts: list[StatsTrace[Any]]) -> StatsTrace[Any]:
        return StatsTrace(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("mean", "dev_stat", "scale_mantissa", "scale_shift")
            )
        )


class StreamNormBase(ABC):
    """Stateful streaming normalizer over (T, C) arrays; subclasses supply each stage's arithmetic."""

    def __init__(self, cfg: NormConfig) -> None:
        if not isinstance(cfg, NormConfig):
            raise TypeError(f"expected a NormConfig, not {type(cfg).__name__}")
        self.cfg = cfg
        self.reset()

    # ---- the stages, supplied by the subclass ----------------------------------------------
    @abstractmethod
    def _prepare(self, x: npt.ArrayLike) -> np.ndarray:
        """Validate a (T, C) input array."""

    @abstractmethod
    def _to_grid(self, x: np.ndarray) -> np.ndarray:
        """Bring a block of validated input onto the statistics grid."""

    @abstractmethod
    def _center(self, x_grid: np.ndarray, mean: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _deviation(self, centered: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _short_term_mean(self, sum_x: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _short_term_dev(self, sum_dev: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _long_term(self, long: np.ndarray, short: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _mix(self, long: np.ndarray | None, short: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _to_dev_stat(self, stat: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _scale(self, dev_stat: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    @abstractmethod
    def _output(
        self, centered: np.ndarray, mantissa: np.ndarray, shift: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]: ...

    @abstractmethod
    def _initial_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, scale statistic) in force before the first window: 0 and 1.0 in input units."""

    @abstractmethod
    def _use_params(self, params: Params) -> None:
        """Take the run-time parameters in force (gains, offsets, coefficients) for the stages."""

    @abstractmethod
    def _from_stat_codes(
        self, mean: np.ndarray | None, dev_stat: np.ndarray | None
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Statistics-grid codes (mean, A) to this model's mean and scale statistic (V for p = 2)."""

    # ---- state -------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the initial state (spec §4): no completed window, no long-term state, initial
        statistics, the configuration's parameters, flag clear."""
        self._params = self.cfg.initial_params
        self._use_params(self._params)
        mean, stat = self._initial_stats()
        self._mean = mean
        self._stat = stat
        self._mantissa, self._shift = self._scale_in_force(stat)
        # Long-term statistics per channel, meaningful where `_long_ready` (a window has ended or
        # a statistics write gave them): elsewhere the next window end initialises them.
        self._long_mean = np.zeros_like(mean)
        self._long_stat = np.zeros_like(stat)
        self._long_ready = np.zeros(self.cfg.channels, dtype=bool)
        self._sum_x = np.zeros_like(mean)
        self._sum_dev = np.zeros_like(stat)
        self._pos = 0
        self.windows_completed = 0
        self.overflow = False
        self.overflow_count = 0

    def _scale_in_force(self, stat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mantissa, shift = self._scale(self._to_dev_stat(stat[None]))
        return mantissa[0], shift[0]

    @property
    def window_position(self) -> int:
        """Active time steps in the current, unfinished window."""
        return self._pos

    # ---- run-time parameters and statistics (spec §4); each applies from the next time step ----
    @property
    def params(self) -> Params:
        """The run-time parameters in force, as the registers hold them."""
        return self._params

    def set_params(self, **fields: Any) -> None:
        """Set `gamma`, `beta` (a scalar or one per channel), `decay`, `mix` (where configured as
        values) from the next time step on, quantized as the registers hold them.

        All fields are checked before any is taken; a ParameterError names the first refused one.
        A gamma change recomputes the scale in force from the deviation statistic in force.
        """
        self._params = self._params.updated(self.cfg, **fields)
        self._use_params(self._params)
        if "gamma" in fields:
            self._mantissa, self._shift = self._scale_in_force(self._stat)

    def set_stats(
        self,
        mean: npt.ArrayLike | None = None,
        dev_stat: npt.ArrayLike | None = None,
        channels: npt.ArrayLike | None = None,
    ) -> None:
        """Load statistics-grid codes (`mean` Mu, `dev_stat` A; a scalar or one per listed channel)
        into every channel or the listed `channels`, from the next time step on.

        The loaded values are in force and are the long-term state, and the channel counts as
        having completed a window; the window being accumulated is kept (spec §4).
        """
        ch, mean_codes, dev_codes = stat_codes(self.cfg, mean, dev_stat, channels)
        mean_new, stat_new = self._from_stat_codes(mean_codes, dev_codes)
        if self.cfg.long_term:
            # A statistic left out keeps its long-term state, or starts it from its value in force.
            fresh = ~self._long_ready[ch]
            self._long_mean = self._long_mean.copy()
            self._long_stat = self._long_stat.copy()
            self._long_mean[ch] = (
                np.where(fresh, self._mean[ch], self._long_mean[ch]) if mean_new is None else mean_new
            )
            self._long_stat[ch] = (
                np.where(fresh, self._stat[ch], self._long_stat[ch]) if stat_new is None else stat_new
            )
            self._long_ready = self._long_ready.copy()
            self._long_ready[ch] = True
        if mean_new is not None:
            self._mean = self._mean.copy()
            self._mean[ch] = mean_new
        if stat_new is not None:
            self._stat = self._stat.copy()
            self._stat[ch] = stat_new
            self._mantissa, self._shift = self._scale_in_force(self._stat)

    def stats(self) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, dev_stat)`` in force per channel: what the next sample is normalized with, as the
        trace gives them (fixed: int64 codes of the statistics grid; float: input units)."""
        return self._mean.copy(), self._to_dev_stat(self._stat[None])[0].copy()

    # ---- public API --------------------------------------------------------------------------
    def process(self, x: npt.ArrayLike, freeze: npt.ArrayLike | bool | None = None) -> np.ndarray:
        """Normalize a (T, C) block; state carries over, so any chunking gives the same output.

        `freeze`: None/False, True, or a (T,) bool array; a frozen time step is normalized with the
        statistics in force and leaves them untouched.
        """
        return self._run(x, freeze, trace=False)[0]

    def process_traced(
        self, x: npt.ArrayLike, freeze: npt.ArrayLike | bool | None = None
    ) -> tuple[np.ndarray, StatsTrace[Any]]:
        """As `process`, also returning the statistics in force for every sample."""
        y, tr = self._run(x, freeze, trace=True)
        assert tr is not None
        return y, tr

    # ---- the engine --------------------------------------------------------------------------
    def _run(
        self, x: npt.ArrayLike, freeze: npt.ArrayLike | bool | None, trace: bool
    ) -> tuple[np.ndarray, StatsTrace[Any] | None]:
        xv = self._prepare(x)
        steps = xv.shape[0]
        if steps == 0:
            empty = np.zeros((0, self.cfg.channels), dtype=self._to_grid(xv).dtype)
            return empty, (StatsTrace(empty, empty, empty, empty) if trace else None)
        if freeze is None or freeze is False:
            frozen = None
        elif freeze is True:
            frozen = np.ones(steps, dtype=bool)
        else:
            frozen = np.asarray(freeze)
            if frozen.dtype != bool or frozen.shape != (steps,):
                raise ValueError(
                    f"freeze must be a bool or a bool array of shape ({steps},), "
                    f"not {frozen.dtype} {frozen.shape}"
                )
            if not frozen.any():
                frozen = None
        block = max(1, BLOCK_SAMPLES // self.cfg.channels)
        y = None
        traces = []
        for lo in range(0, steps, block):
            hi = min(steps, lo + block)
            y_blk, tr = self._run_block(
                self._to_grid(xv[lo:hi]), None if frozen is None else frozen[lo:hi], trace
            )
            if y is None:
                y = np.empty((steps, y_blk.shape[1]), dtype=y_blk.dtype)
            y[lo:hi] = y_blk
            if tr is not None:
                traces.append(tr)
        assert y is not None
        return y, (StatsTrace.concat(traces) if trace else None)

    def _run_block(
        self, xg: np.ndarray, frozen: np.ndarray | None, trace: bool
    ) -> tuple[np.ndarray, StatsTrace[Any] | None]:
        cfg = self.cfg
        steps = xg.shape[0]
        window = cfg.window
        active = np.arange(steps) if frozen is None else np.flatnonzero(~frozen)
        n_act = active.size
        # Ordinals (among active steps) that end a window, and the time steps they fall on.
        ends = np.arange(window - self._pos - 1, n_act, window)
        n_end = ends.size
        end_steps = active[ends]
        # Window index in force at each step: windows that ended strictly before it.
        seg = np.zeros(steps + 1, dtype=np.intp)
        np.add.at(seg, end_steps + 1, 1)
        seg = np.cumsum(seg[:steps])
        starts = np.concatenate(([0], ends + 1))
        starts = starts[starts < n_act]
        xa = xg if frozen is None else xg[active]

        # window_sums (inputs) and short-term means; the mean recurrence over completed windows.
        sum_x = self.window_sums(xa, starts, self._sum_x)
        mean_hist = self._mean_history(sum_x[:n_end])

        # window_sums (deviations from the mean in force) and the deviation recurrence.
        mean_t = mean_hist[seg]
        centered = self._center(xg, mean_t)
        dev = self._deviation(centered if frozen is None else centered[active])
        sum_dev = self.window_sums(dev, starts, self._sum_dev)
        stat_hist = self._stat_history(sum_dev[:n_end])

        # scale, once per completed window, then output for every step.
        dev_stat_new = self._to_dev_stat(stat_hist[1:])
        mant_new, shift_new = self._scale(dev_stat_new)
        mant_hist = np.concatenate((self._mantissa[None], mant_new))
        shift_hist = np.concatenate((self._shift[None], shift_new))
        y, out_of_range = self._output(centered, mant_hist[seg], shift_hist[seg])
        if out_of_range is not None:
            count = int(np.count_nonzero(out_of_range))
            self.overflow_count += count
            self.overflow |= count > 0

        tr = None
        if trace:
            dev_stat_hist = np.concatenate((self._to_dev_stat(self._stat[None]), dev_stat_new))
            tr = StatsTrace(mean_t, dev_stat_hist[seg], mant_hist[seg], shift_hist[seg])

        # Carry the state: partial sums of an unfinished window, statistics in force.
        if n_act and sum_x.shape[0] > n_end:
            self._sum_x, self._sum_dev = sum_x[-1], sum_dev[-1]
        elif n_end:
            self._sum_x, self._sum_dev = np.zeros_like(self._sum_x), np.zeros_like(self._sum_dev)
        self._pos = (self._pos + n_act) % window
        self.windows_completed += n_end
        if n_end and self.cfg.long_term:
            self._long_ready = np.ones(cfg.channels, dtype=bool)
        self._mean, self._stat = mean_hist[-1], stat_hist[-1]
        self._mantissa, self._shift = mant_hist[-1], shift_hist[-1]
        return y, tr

    @staticmethod
    def window_sums(values: np.ndarray, starts: np.ndarray, carried: np.ndarray) -> np.ndarray:
        """Sums over consecutive windows of the active samples; the first continues `carried`.

        Returns one row per window touched: complete windows first, then (if any) the unfinished one.
        """
        if values.shape[0] == 0:
            return carried[None]
        sums = np.add.reduceat(values, starts, axis=0)
        sums[0] += carried
        return sums

    def _first_long_term(self, long: np.ndarray, short: np.ndarray) -> np.ndarray:
        """The first window end of a run: update where a channel has long-term state, else start it."""
        ready = self._long_ready
        if ready.all():
            return self._long_term(long, short)
        if not ready.any():
            return short.copy()
        return np.where(ready, self._long_term(long, short), short)

    def _long_term_run(self, short: np.ndarray, long: np.ndarray) -> np.ndarray:
        """long_term over a run of completed windows: one row per window (the only per-window loop)."""
        hist = np.empty_like(short)
        hist[0] = self._first_long_term(long, short[0])
        for w in range(1, short.shape[0]):
            hist[w] = self._long_term(hist[w - 1], short[w])
        return hist

    def _recurrence(self, short: np.ndarray, long: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """long_term and mix over a run of completed windows; returns (in-force history, last long)."""
        if not self.cfg.long_term or short.shape[0] == 0:
            return short, long
        long_hist = self._long_term_run(short, long)
        return self._mix(long_hist, short), long_hist[-1]

    def _mean_history(self, sum_x: np.ndarray) -> np.ndarray:
        """Means in force: the current one, then one after each completed window."""
        hist, self._long_mean = self._recurrence(self._short_term_mean(sum_x), self._long_mean)
        return np.concatenate((self._mean[None], hist))

    def _stat_history(self, sum_dev: np.ndarray) -> np.ndarray:
        """Scale statistics in force (A, or V for p = 2), as `_mean_history`."""
        hist, self._long_stat = self._recurrence(self._short_term_dev(sum_dev), self._long_stat)
        return np.concatenate((self._stat[None], hist))
