"""The scoreboard every driver checks through: the expected words from `FixedStreamNorm`, and
every received word, its tlast and the overflow flag compared with them, no tolerance.

It imports only the golden model, so the Amaranth-simulator bench (tests/hw) uses it as the
cocotb tests do.
"""

from __future__ import annotations

import numpy as np

from streamnorm.golden import FixedStreamNorm, NormConfig

from .job import Mismatch, SimResult

__all__ = ["REPORTED", "Scoreboard"]

#: How many mismatches a result lists in detail (all are counted).
REPORTED = 10


class _Segment:
    """The golden output of one stream from reset (to the next reset or the end)."""

    def __init__(
        self, cfg: NormConfig, codes: np.ndarray, freeze: np.ndarray | None, after_reset: bool
    ) -> None:
        self.cfg = cfg
        self.codes = np.asarray(codes, dtype=np.int64)
        self.after_reset = after_reset
        model = FixedStreamNorm(cfg)
        y, self.trace = model.process_traced(self.codes, freeze)
        self.expected = y.reshape(-1)
        self.overflow = bool(model.overflow)

    def mismatch(self, index: int, got: int) -> Mismatch:
        cfg, tr = self.cfg, self.trace
        t, c = divmod(index, cfg.channels)
        ms, sh = int(tr.scale_mantissa[t, c]), int(tr.scale_shift[t, c])
        return Mismatch(
            index=index,
            time_step=t,
            channel=c,
            got=int(got),
            expected=int(self.expected[index]),
            input_code=int(self.codes[t, c]),
            mean=float(tr.mean[t, c]) * 2.0**-cfg.stat_frac,
            deviation=float(tr.dev_stat[t, c]) * 2.0**-cfg.stat_frac,
            scale=ms * 2.0 ** (cfg.stat_frac - sh - cfg.out_fmt.frac),
            scale_mantissa=ms,
            scale_shift=sh,
            after_reset=self.after_reset,
        )


class Scoreboard:
    """Expected output of a stream, and of the restart stream after a reset mid-stream.

    Parameters
    ----------
    cfg, codes, freeze
        The configuration, the (T, C) input codes and the (T,) freeze bits of the stream.
    restart
        With a reset mid-stream: the (T2, C) codes sent after it (no freeze). The words delivered
        before the reset must then be a prefix of the stream's golden output, the words after it
        the restart stream's golden output in full.
    """

    def __init__(
        self,
        cfg: NormConfig,
        codes: np.ndarray,
        freeze: np.ndarray | None = None,
        restart: np.ndarray | None = None,
    ) -> None:
        self.cfg = cfg
        self.first = _Segment(cfg, codes, freeze, after_reset=False)
        self.second = None if restart is None else _Segment(cfg, restart, None, after_reset=True)

    @property
    def expected(self) -> np.ndarray:
        """The golden output of the stream (of the first one, with a reset)."""
        return self.first.expected

    def check(
        self,
        words: np.ndarray | list[int],
        lasts: np.ndarray | list[int],
        overflow: bool,
        words_before_reset: int | None = None,
    ) -> SimResult:
        """Compare the received `words` and their `lasts` (tlast per word) in order, and the
        core's sticky `overflow` flag at the end; with a reset, `words_before_reset` of them came
        before it."""
        words = np.asarray(words, dtype=np.int64)
        lasts = np.asarray(lasts, dtype=bool)
        if len(lasts) != len(words):
            raise ValueError(f"{len(words)} words but {len(lasts)} tlast values")
        if (self.second is None) != (words_before_reset is None):
            raise ValueError("words_before_reset goes with a restart stream, and only with one")
        if self.second is None:
            parts = [(self.first, words, lasts, False)]
        else:
            cut = words_before_reset
            parts = [
                (self.first, words[:cut], lasts[:cut], True),
                (self.second, words[cut:], lasts[cut:], False),
            ]
        result = SimResult(passed=True, words_expected=0, words_checked=0, mismatch_count=0)
        counts_right = all([self._check_segment(result, *part) for part in parts])  # every part checked
        last = self.second or self.first
        result.overflow_flag, result.overflow_expected = bool(overflow), last.overflow
        if result.overflow_flag != result.overflow_expected:
            result.notes.append(f"overflow flag {result.overflow_flag}, the golden model's {last.overflow}")
        result.passed = (
            counts_right
            and result.mismatch_count == 0
            and result.tlast_errors == 0
            and result.overflow_flag == result.overflow_expected
        )
        return result

    def _check_segment(
        self, result: SimResult, segment: _Segment, got: np.ndarray, lasts: np.ndarray, prefix_only: bool
    ) -> bool:
        """Add one segment's comparison to `result`; False if it delivered the wrong number of words."""
        expected = segment.expected
        n = min(len(got), len(expected))
        bad = np.flatnonzero(got[:n] != expected[:n])
        result.words_checked += n
        result.words_expected += n if prefix_only else len(expected)
        result.mismatch_count += int(bad.size)
        room = max(0, REPORTED - len(result.mismatches))
        result.mismatches += [segment.mismatch(int(i), int(got[i])) for i in bad[:room]]
        where = " after the reset" if segment.after_reset else " before the reset" if prefix_only else ""
        channels = self.cfg.channels
        wrong = np.flatnonzero(lasts[:n] != (np.arange(n) % channels == channels - 1))
        result.tlast_errors += int(wrong.size)
        if wrong.size:
            t, c = divmod(int(wrong[0]), channels)
            result.notes.append(
                f"tlast wrong on {wrong.size} words{where}, the first at word {wrong[0]} "
                f"(time step {t}, channel {c})"
            )
        if prefix_only and len(got) == 0:
            result.notes.append("no word was delivered before the reset: the prefix check saw nothing")
        count_right = len(got) <= len(expected) if prefix_only else len(got) == len(expected)
        if not count_right:
            result.notes.append(f"received {len(got)} words{where}, expected {len(expected)}")
        return count_right
