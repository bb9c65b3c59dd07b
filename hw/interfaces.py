"""The bus interfaces of the core's ports, read from their names as Vivado reads them.

A port called ``<bus>_<signal>`` with an AXI4-Stream signal name (``tdata``, ``tvalid`` ...) belongs
to the AXI4-Stream interface ``<bus>``; one with an AXI4-Lite signal name (``awaddr`` ... ``rready``)
to the AXI4-Lite interface ``<bus>``. The IP-XACT description and the instantiation template both
group `ports(cfg)` with `bus_interfaces`, so an interface the core gains (the register port) appears
in both without being declared a second time.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from streamnorm.golden import ParameterError

from .ports import Port

__all__ = ["AXIS_SIGNALS", "AXI_LITE_SIGNALS", "BusInterface", "Protocol", "bus_interfaces"]

#: AXI4-Stream signals in the order of the AMBA specification.
AXIS_SIGNALS = ("tdata", "tstrb", "tkeep", "tlast", "tid", "tdest", "tuser", "tvalid", "tready")

#: AXI4-Lite signals, channel by channel (write address, write data, write response, read address,
#: read data).
AXI_LITE_SIGNALS = (
    "awaddr", "awprot", "awvalid", "awready",
    "wdata", "wstrb", "wvalid", "wready",
    "bresp", "bvalid", "bready",
    "araddr", "arprot", "arvalid", "arready",
    "rdata", "rresp", "rvalid", "rready",
)  # fmt: skip


class Protocol(str, enum.Enum):
    AXI4_STREAM = "AXI4-Stream"
    AXI4_LITE = "AXI4-Lite"


#: Per protocol: its signal names and the one whose direction says who drives the interface (a
#: master drives tvalid / awvalid).
_PROTOCOLS = {
    Protocol.AXI4_STREAM: (AXIS_SIGNALS, "tvalid"),
    Protocol.AXI4_LITE: (AXI_LITE_SIGNALS, "awvalid"),
}


@dataclass(frozen=True)
class BusInterface:
    """One bus interface: its name (the ports' common prefix), protocol, side, and its ports by
    signal (``{"tdata": Port(...)}``) in the protocol's order."""

    name: str
    protocol: Protocol
    master: bool
    signals: dict[str, Port]

    @property
    def mode(self) -> str:
        return "master" if self.master else "slave"


def _split(port: Port) -> tuple[str, Protocol, str] | None:
    for protocol, (signals, _) in _PROTOCOLS.items():
        mo = re.fullmatch(rf"(\w+?)_({'|'.join(signals)})", port.name)
        if mo:
            return mo[1], protocol, mo[2]
    return None


def bus_interfaces(ports: Sequence[Port]) -> list[BusInterface]:
    """The AXI interfaces among `ports`, in the order their first port appears; ports that belong
    to none (clock, reset, sideband signals) are left out."""
    grouped: dict[tuple[str, Protocol], dict[str, Port]] = {}
    for port in ports:
        split = _split(port)
        if split is not None:
            bus, protocol, signal = split
            grouped.setdefault((bus, protocol), {})[signal] = port
    out = []
    for (bus, protocol), found in grouped.items():
        signals, driver = _PROTOCOLS[protocol]
        if driver not in found:
            raise ParameterError(
                "ports", f"bus interface {bus} has no {bus}_{driver} port (its signals: {', '.join(found)})"
            )
        ordered = {s: found[s] for s in signals if s in found}
        out.append(BusInterface(bus, protocol, found[driver].direction == "output", ordered))
    return out
