"""The scoreboard: expected words from `FixedStreamNorm`, and every received word checked against them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from streamnorm.golden import FixedStreamNorm, NormConfig

from .job import Mismatch, SimResult

__all__ = ["Scoreboard", "conclude"]

#: How many mismatches a result lists in detail (all are counted).
REPORTED = 10


class Scoreboard:
    """Expected output of one stream segment (from reset to the next reset or the end)."""

    def __init__(self, cfg: NormConfig, codes: np.ndarray, freeze: np.ndarray | None = None) -> None:
        self.cfg = cfg
        self.codes = np.asarray(codes, dtype=np.int64)
        model = FixedStreamNorm(cfg)
        y, self.trace = model.process_traced(self.codes, freeze)
        self.expected = y.reshape(-1)
        self.overflow = model.overflow

    def mismatch(self, index: int, got: int) -> Mismatch:
        cfg = self.cfg
        t, c = divmod(index, cfg.channels)
        tr = self.trace
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
        )

    def check(self, got: np.ndarray, *, prefix_only: bool = False) -> SimResult:
        """Compare `got` word for word; `prefix_only`: a reset cut the stream, fewer words are fine."""
        got = np.asarray(got, dtype=np.int64)
        n = min(len(got), len(self.expected))
        bad = np.flatnonzero(got[:n] != self.expected[:n])
        count_ok = len(got) == len(self.expected) or (prefix_only and len(got) <= len(self.expected))
        notes = []
        if not count_ok:
            notes.append(f"received {len(got)} words, expected {len(self.expected)}")
        return SimResult(
            passed=bad.size == 0 and count_ok,
            words_expected=len(self.expected),
            words_checked=n,
            mismatch_count=int(bad.size),
            mismatches=[self.mismatch(int(i), int(got[i])) for i in bad[:REPORTED]],
            overflow_expected=bool(self.overflow),
            notes=notes,
        )


def conclude(result: SimResult, overflow_flag: bool, path: Path) -> None:
    """Record the core's sticky overflow flag (it must equal the golden model's), save the result
    where the runner reads it, and fail the cocotb test if anything differed."""
    result.overflow_flag = overflow_flag
    if overflow_flag != result.overflow_expected:
        result.passed = False
        result.notes.append(f"overflow flag {overflow_flag}, golden model says {result.overflow_expected}")
    result.save(path)
    assert result.passed, result.mismatches[0].describe() if result.mismatches else "; ".join(result.notes)
