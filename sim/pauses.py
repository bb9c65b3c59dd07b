"""Pause patterns: when a stream's producer withholds `tvalid`, or its consumer `tready`, as data.

As cocotbext-axi's pause generators, a pattern is a sequence of booleans, one per clock cycle,
True = paused. Every pattern is periodic: `period` gives one period (what the bulk harness loads
from a memory file and repeats), `iterator` repeats it for ever (what cocotbext-axi's
`set_pause_generator` and the Amaranth bench read), so every driver sees the same cycles.

The text form (`spec`, parsed by `parse_pauses`) is what the command line takes and results.json
records: ``random:0.3``, ``periodic:1110`` (1 = may transfer, 0 = paused), ``bursts:20:5``.
"""

from __future__ import annotations

import itertools
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from streamnorm.golden import ParameterError

__all__ = [
    "MAX_PERIOD",
    "NO_PAUSES",
    "BurstPauses",
    "Pauses",
    "PeriodicPauses",
    "RandomPauses",
    "parse_pauses",
    "side_seeds",
]

#: Longest period a pattern may have: the bulk harness's pattern memories hold this many bits.
#: Prime, so a random pattern does not lock to the channel count.
MAX_PERIOD = 8191


class Pauses(ABC):
    """A periodic pause pattern for one side of a stream."""

    @abstractmethod
    def period(self, seed: int) -> np.ndarray:
        """One period, a bool per cycle (True = paused); it always has a cycle that may transfer."""

    @property
    @abstractmethod
    def spec(self) -> str:
        """The text form, as `parse_pauses` reads it."""

    @property
    @abstractmethod
    def duty(self) -> float:
        """Fraction of cycles that may transfer."""

    def iterator(self, seed: int) -> Iterator[bool]:
        """The pattern for ever, from cycle 0."""
        return itertools.cycle(self.period(seed).tolist())

    def __str__(self) -> str:
        return self.spec


@dataclass(frozen=True)
class RandomPauses(Pauses):
    """Each cycle paused with `probability`, independently (a period of `MAX_PERIOD` cycles)."""

    probability: float

    def __post_init__(self) -> None:
        p = self.probability
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p < 1.0:
            raise ParameterError("probability", f"must be in [0, 1), not {p!r}")

    def period(self, seed: int) -> np.ndarray:
        paused = np.random.default_rng(seed).random(MAX_PERIOD) < self.probability
        # the first cycle of each period may always transfer, so no draw can stall a stream for good
        paused[0] = False
        return paused

    @property
    def spec(self) -> str:
        return f"random:{self.probability:g}"

    @property
    def duty(self) -> float:
        return 1.0 - self.probability


@dataclass(frozen=True)
class PeriodicPauses(Pauses):
    """A fixed cycle of bits, repeated: ``"1110"`` transfers three cycles, pauses the fourth."""

    pattern: str

    def __post_init__(self) -> None:
        bits = self.pattern
        if not isinstance(bits, str) or not re.fullmatch(r"[01]+", bits):
            raise ParameterError("pattern", f"must be a string of 0s and 1s (1 = may transfer), not {bits!r}")
        if "1" not in bits:
            raise ParameterError("pattern", f"{bits!r} pauses every cycle; it needs at least one 1")
        if len(bits) > MAX_PERIOD:
            raise ParameterError("pattern", f"is {len(bits)} cycles long; at most {MAX_PERIOD}")

    def period(self, seed: int) -> np.ndarray:
        return np.array([b == "0" for b in self.pattern], dtype=bool)

    @property
    def spec(self) -> str:
        return f"periodic:{self.pattern}"

    @property
    def duty(self) -> float:
        return self.pattern.count("1") / len(self.pattern)


@dataclass(frozen=True)
class BurstPauses(Pauses):
    """`run` cycles that may transfer, then `pause` cycles paused, repeated."""

    run: int
    pause: int

    def __post_init__(self) -> None:
        for name, value, low in (("run", self.run, 1), ("pause", self.pause, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ParameterError(name, f"must be an integer of at least {low}, not {value!r}")
        if self.run + self.pause > MAX_PERIOD:
            raise ParameterError(
                "pause", f"run + pause is {self.run + self.pause} cycles; at most {MAX_PERIOD}"
            )

    def period(self, seed: int) -> np.ndarray:
        return np.arange(self.run + self.pause) >= self.run

    @property
    def spec(self) -> str:
        return f"bursts:{self.run}:{self.pause}"

    @property
    def duty(self) -> float:
        return self.run / (self.run + self.pause)


#: Never paused.
NO_PAUSES = RandomPauses(0.0)

_SYNTAX = "random:P (0 <= P < 1), periodic:BITS (1 = may transfer, 0 = paused) or bursts:RUN:PAUSE"


def parse_pauses(spec: str, parameter: str) -> Pauses:
    """The pattern that `spec` writes; a ParameterError names `parameter` if it is not one."""
    kind, _, rest = spec.partition(":")
    fields = rest.split(":")
    try:
        if kind == "random" and len(fields) == 1:
            return RandomPauses(float(fields[0]))
        if kind == "periodic" and len(fields) == 1:
            return PeriodicPauses(fields[0])
        if kind == "bursts" and len(fields) == 2:
            return BurstPauses(int(fields[0]), int(fields[1]))
    except ParameterError as exc:
        raise ParameterError(parameter, f"{spec!r}: {exc}") from None
    except ValueError:
        pass  # a number that does not parse: the syntax message below says what is expected
    raise ParameterError(parameter, f"{spec!r} is not a pause pattern; write {_SYNTAX}")


def side_seeds(seed: int) -> tuple[int, int]:
    """Seeds of the producer's and the consumer's pattern: independent draws from one seed."""
    producer, consumer = np.random.SeedSequence(seed).generate_state(2)
    return int(producer), int(consumer)
