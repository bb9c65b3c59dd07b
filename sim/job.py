"""What one simulation run is asked to do (`SimJob`) and what it found (`SimResult`).

The runner writes the job as JSON into the test folder; the cocotb test, running inside the
simulator's Python, reads it, checks every word and writes the result back as JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["JOB_ENV", "Mismatch", "SimJob", "SimResult"]

#: Environment variable that carries the job file's path into the cocotb test.
JOB_ENV = "STREAMNORM_JOB"


@dataclass
class SimJob:
    config: dict[str, Any]
    driver: str  #: "bulk" (memory-file harness) or "axi" (cocotbext-axi)
    stimulus: str  #: .npy of (T, C) input codes
    results: str  #: where the test writes its SimResult
    stall_probability: float = 0.0
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

    index: int  #: word index in the stream (time step * C + channel)
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

    def describe(self) -> str:
        return (
            f"word {self.index} (time step {self.time_step}, channel {self.channel}): got {self.got}, "
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
    mismatches: list[Mismatch] = field(default_factory=list)
    tlast_errors: int = 0
    overflow_flag: bool = False
    overflow_expected: bool = False
    sim_seconds: float = 0.0
    cycles: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def words_per_second(self) -> float:
        return self.words_checked / self.sim_seconds if self.sim_seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["words_per_second"] = self.words_per_second
        return d

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2))

    @classmethod
    def load(cls, path: str | Path) -> SimResult:
        d = json.loads(Path(path).read_text())
        d.pop("words_per_second", None)
        d["mismatches"] = [Mismatch(**m) for m in d["mismatches"]]
        return cls(**d)
