"""The core's ports, declared once: the Amaranth signature, and the port list that follows from it.

`core_signature` is what `StreamNorm` is built with; the emitted Verilog's port list, the
manifest's ``ports``, the simulation harness's instance and the port table of docs/hardware.md
are all derived from `ports` (which reads the signature), never written out again.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import Shape
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig

__all__ = ["CLOCK_PORTS", "Port", "core_signature", "ports"]

#: What each port means (docs/hardware.md's table takes its text from here).
_MEANING = {
    "clk": "clock",
    "rst": "synchronous reset, active high: restarts the statistics, empties the pipeline and the "
    "output FIFO, clears `overflow`",
    "freeze": "hold the statistics; sampled with each channel-0 word and applied to that whole time step",
    "s_axis_tdata": "input beat: `lanes` words, signed two's complement, lane i in bits "
    "`[i*in_fmt.width +: in_fmt.width]`",
    "s_axis_tvalid": "AXI4-Stream handshake: a beat is offered",
    "s_axis_tready": "AXI4-Stream handshake: the core takes it",
    "s_axis_tlast": "accepted and ignored: the channel is the core's own counter",
    "m_axis_tdata": "output beat: `lanes` words, signed two's complement, lane i in bits "
    "`[i*out_fmt.width +: out_fmt.width]`",
    "m_axis_tvalid": "AXI4-Stream handshake: a beat is offered",
    "m_axis_tready": "AXI4-Stream handshake: the consumer takes it",
    "m_axis_tlast": "high on the output beat that carries channel C-1",
    "overflow": "sticky: an output word saturated (or wrapped) since reset",
}

#: Ports the `sync` domain adds to every emitted module (Amaranth names them so).
CLOCK_PORTS = ("clk", "rst")


@dataclass(frozen=True)
class Port:
    """One top-level port of the emitted Verilog."""

    name: str
    direction: str  #: "input" or "output"
    width: int  #: bits, for this configuration
    width_text: str  #: the width as a formula of the configuration ("in_fmt.width"), for docs
    meaning: str


def _data_widths(cfg: NormConfig) -> dict[str, tuple[int, str]]:
    return {
        "s_axis_tdata": (cfg.lanes * cfg.in_fmt.width, "lanes*in_fmt.width"),
        "m_axis_tdata": (cfg.lanes * cfg.out_fmt.width, "lanes*out_fmt.width"),
    }


def core_signature(cfg: NormConfig) -> wiring.Signature:
    """The core's flat signature: exact AXI4-Stream names in the emitted Verilog."""
    widths = _data_widths(cfg)
    return wiring.Signature(
        {
            "freeze": In(1),
            "s_axis_tdata": In(widths["s_axis_tdata"][0]),
            "s_axis_tvalid": In(1),
            "s_axis_tready": Out(1),
            "s_axis_tlast": In(1),
            "m_axis_tdata": Out(widths["m_axis_tdata"][0]),
            "m_axis_tvalid": Out(1),
            "m_axis_tready": In(1),
            "m_axis_tlast": Out(1),
            "overflow": Out(1),
        }
    )


def ports(cfg: NormConfig) -> list[Port]:
    """Every top-level port in order: the clock and reset, then the signature's members."""
    widths = _data_widths(cfg)
    out = [Port(name, "input", 1, "1", _MEANING[name]) for name in CLOCK_PORTS]
    for name, member in core_signature(cfg).members.items():
        shape_width = Shape.cast(member.shape).width
        width, text = widths.get(name, (shape_width, str(shape_width)))
        direction = "input" if member.flow is wiring.In else "output"
        out.append(Port(name, direction, width, text, _MEANING[name]))
    return out
