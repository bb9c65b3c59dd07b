"""What a cocotb test is asked to do (`SimJob`) and what a simulation found (`SimResult`).

The runner writes the job as JSON into the test folder; the cocotb test, running inside the
simulator's Python, reads it, checks every word through the scoreboard and writes the result back
as JSON (`conclude`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["JOB_ENV", "Mismatch", "SimJob", "SimResult", "conclude"]

#: Environment variable that carries the job file's path into the cocotb test.
JOB_ENV = "STREAMNORM_JOB"


@dataclass
class SimJob:
    config: dict[str, Any]
    stimulus: str  #: .npy of (T, C) input codes
    results: str  #: where the test writes its SimResult
    producer_pauses: str  #: pause pattern specs (sim.pauses.parse_pauses)
    consumer_pauses: str
    seed: int = 0
    freeze: str | None = None  #: .npy of (T,) bools
    reset_after_words: int | None = None  #: axi: pulse rst after this many accepted words ...
    restart_stimulus: str | None = None  #: ... then stream this (T2, C) from channel 0
    timeout_cycles: int = 0

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, path: str | Path) -> SimJob:
        return cls(**json.loads(Path(path).read_text()))


@dataclass
class Mismatch:
    """One output word that differs from the golden model, with the statistics in force for it."""

    index: int  #: word index in its stream segment (time step * C + channel)
    time_step: int
    channel: int
    got: int
    expected: int
    input_code: int
    mean: float  #: mean in force, input units
    deviation: float  #: deviation statistic in force, input units
    scale: float  #: r in force (output per input unit)
    scale_mantissa: int
    scale_shift: int
    after_reset: bool = False  #: in the stream sent after a reset mid-stream

    def describe(self) -> str:
        where = " after the reset" if self.after_reset else ""
        return (
            f"word {self.index}{where} (time step {self.time_step}, channel {self.channel}): got {self.got}, "
            f"expected {self.expected} (input {self.input_code}; statistics in force: "
            f"mean {self.mean:.6g}, deviation {self.deviation:.6g}, "
            f"scale {self.scale:.6g} = {self.scale_mantissa}*2^-{self.scale_shift})"
        )


@dataclass
class SimResult:
    passed: bool
    words_expected: int
    words_checked: int
    mismatch_count: int
    mismatches: list[Mismatch] = field(default_factory=list)  #: the first few, in detail
    tlast_errors: int = 0
    overflow_flag: bool = False
    overflow_expected: bool = False
    sim_seconds: float = 0.0
    cycles: int = 0
    # The handshakes as the driver counted them (a beat is `lanes` words): without pauses, a beat
    # every clock on each side is the core's II = 1, which a word count alone cannot show.
    input_beats: int = 0
    input_cycles: int = 0  #: from the first accepted input beat to the last, both included
    output_beats: int = 0
    output_cycles: int = 0  #: from the first delivered output beat to the last, both included
    notes: list[str] = field(default_factory=list)

    @property
    def words_per_second(self) -> float:
        return self.words_checked / self.sim_seconds if self.sim_seconds > 0 else 0.0

    @property
    def one_beat_per_clock(self) -> bool:
        """A beat crossed each side on every clock from its first beat to its last."""
        return (
            self.input_beats > 0
            and self.output_beats > 0
            and self.input_cycles == self.input_beats
            and self.output_cycles == self.output_beats
        )

    def summary(self, mismatches: int = 3) -> str:
        """One line: the counts, the first `mismatches` mismatches and every note."""
        lines = [m.describe() for m in self.mismatches[:mismatches]] + self.notes
        head = f"{self.mismatch_count} mismatches, {self.words_checked}/{self.words_expected} words checked"
        return "; ".join([head, *lines])

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["words_per_second"] = self.words_per_second
        d["one_beat_per_clock"] = self.one_beat_per_clock
        return d

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2))

    @classmethod
    def load(cls, path: str | Path) -> SimResult:
        d = json.loads(Path(path).read_text())
        for derived in ("words_per_second", "one_beat_per_clock"):
            d.pop(derived, None)
        d["mismatches"] = [Mismatch(**m) for m in d["mismatches"]]
        return cls(**d)


def conclude(result: SimResult, path: Path) -> None:
    """Save the result where the runner reads it, and fail the cocotb test if anything differed."""
    result.save(path)
    assert result.passed, result.summary(mismatches=1)
