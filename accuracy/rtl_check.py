"""`rtl`: the generated Verilog on the same input codes, every word against the golden model.

The simulation (`streamnorm simulate`'s runner) compares each output word of the Verilog with
`FixedStreamNorm` on the same codes, so a pass means the accuracy figures, which are the golden
model's, are the hardware's too.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from streamnorm.golden import NormConfig, ParameterError, require
from streamnorm.sim.request import Simulator

from .json_ready import json_ready
from .progress import Progress

__all__ = ["RtlCheck", "RtlOptions", "rtl_check"]


@dataclass(frozen=True)
class RtlOptions:
    """How to check the Verilog: where to build and run it, on which simulator, how much backpressure."""

    out_dir: Path
    simulator: str = "icarus"
    backpressure: float = 0.3

    def __post_init__(self) -> None:
        require("cocotb_tools")  # the `sim` extra: refuse here, before the run the check would end
        simulators = [s.value for s in Simulator]
        if self.simulator not in simulators:
            raise ParameterError(
                "simulator", f"{json.dumps(str(self.simulator))} is not one of {', '.join(simulators)}"
            )
        if not 0.0 <= self.backpressure < 1.0:
            raise ParameterError("backpressure", f"must be in [0, 1), not {self.backpressure}")


@dataclass(frozen=True)
class RtlCheck:
    """What the simulation found: passed, words checked, the first mismatch."""

    passed: bool
    simulator: str
    driver: str
    backpressure: float
    words_checked: int
    words_expected: int
    mismatch_count: int
    first_mismatch: str | None
    notes: tuple[str, ...]
    verilog: str
    out_dir: str

    def to_json(self) -> dict[str, Any]:
        return json_ready({"ran": True, **asdict(self)})


def rtl_check(
    cfg: NormConfig,
    codes: np.ndarray,
    out_dir: Path,
    seed: int,
    simulator: str = "icarus",
    backpressure: float = 0.3,
    verilog: Path | None = None,
    progress: Progress | None = None,
) -> RtlCheck:
    """Simulate `codes` through the Verilog (generated, or `verilog`) and check every word."""
    # the simulation stack (cocotb's runner) takes most of a second to import: only this needs it
    from streamnorm.sim.pauses import RandomPauses
    from streamnorm.sim.request import SimRequest
    from streamnorm.sim.runner import run_simulation

    def say(msg: str) -> None:
        if progress is not None:
            progress.note(f"[rtl] {msg}")

    pauses = RandomPauses(backpressure)
    request = SimRequest(
        cfg,
        codes,
        out_dir,
        simulator=simulator,
        producer_pauses=pauses,
        consumer_pauses=pauses,
        seed=seed,
        verilog=verilog,
    )
    report = run_simulation(request, progress=say)
    res = report.result
    return RtlCheck(
        passed=bool(res.passed),
        simulator=str(report.simulator),
        driver=str(report.driver),
        backpressure=backpressure,
        words_checked=int(res.words_checked),
        words_expected=int(res.words_expected),
        mismatch_count=int(res.mismatch_count),
        first_mismatch=res.mismatches[0].describe() if res.mismatches else None,
        notes=tuple(res.notes),
        verilog=str(verilog) if verilog else str(Path(out_dir) / "src" / "streamnorm.v"),
        out_dir=str(out_dir),
    )
