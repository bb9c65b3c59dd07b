"""The core's ports as a testbench uses them, read from `streamnorm.hw.ports.ports` (never written
out again): which is the clock, the reset, freeze, overflow, and the prefixes of the two streams.

Ports a testbench has no use for (ones added later: lanes, a register interface) are listed as
`other_inputs` / `other_outputs`: the harness ties such inputs to 0 and leaves such outputs open.
"""

from __future__ import annotations

from dataclasses import dataclass

from streamnorm.golden import NormConfig
from streamnorm.hw.ports import CLOCK_PORTS, Port, ports

__all__ = ["STREAM_MEMBERS", "BenchPorts", "bench_ports"]

#: The AXI4-Stream signals a testbench drives or watches, after the stream's prefix.
STREAM_MEMBERS = ("tdata", "tvalid", "tready", "tlast")


@dataclass(frozen=True)
class BenchPorts:
    clock: Port
    reset: Port
    freeze: Port
    overflow: Port
    source: str  #: prefix of the input stream ("s_axis")
    sink: str  #: prefix of the output stream ("m_axis")
    by_name: dict[str, Port]  #: every port, in declaration order

    def stream(self, prefix: str, member: str) -> Port:
        return self.by_name[f"{prefix}_{member}"]

    @property
    def data_in(self) -> Port:
        return self.stream(self.source, "tdata")

    @property
    def data_out(self) -> Port:
        return self.stream(self.sink, "tdata")

    def _known(self) -> set[str]:
        streams = {f"{prefix}_{m}" for prefix in (self.source, self.sink) for m in STREAM_MEMBERS}
        return {self.clock.name, self.reset.name, self.freeze.name, self.overflow.name, *streams}

    @property
    def other_inputs(self) -> list[Port]:
        known = self._known()
        return [p for p in self.by_name.values() if p.direction == "input" and p.name not in known]

    @property
    def other_outputs(self) -> list[Port]:
        known = self._known()
        return [p for p in self.by_name.values() if p.direction == "output" and p.name not in known]


def _stream_prefix(declared: list[Port], direction: str) -> str:
    found = [
        p.name.removesuffix("_tdata")
        for p in declared
        if p.name.endswith("_tdata") and p.direction == direction
    ]
    if len(found) != 1:
        raise RuntimeError(f"expected one {direction} stream (a *_tdata port) in hw.ports, found {found}")
    return found[0]


def bench_ports(cfg: NormConfig) -> BenchPorts:
    declared = ports(cfg)
    by_name = {p.name: p for p in declared}
    clock, reset = (by_name[name] for name in CLOCK_PORTS)
    return BenchPorts(
        clock=clock,
        reset=reset,
        freeze=by_name["freeze"],
        overflow=by_name["overflow"],
        source=_stream_prefix(declared, "input"),
        sink=_stream_prefix(declared, "output"),
        by_name=by_name,
    )
