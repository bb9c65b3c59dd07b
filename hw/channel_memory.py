"""Per-channel storage: one word per channel in `amaranth.lib.memory`, so many channels cost block RAM."""

from __future__ import annotations

from amaranth.hdl import Module, ShapeLike
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["DISTRIBUTED_MAX_DEPTH", "ChannelMemory", "ram_style"]

#: Memories up to this many words go to distributed (LUT) RAM, deeper ones to block RAM. Block RAM
#: outputs are slow without their output register (5.6 ns clock-to-out on ECP5, which Yosys cannot
#: infer), so a shallow memory is faster in LUTs, and still far cheaper than flip-flops.
DISTRIBUTED_MAX_DEPTH = 128


def ram_style(depth: int) -> dict[str, str]:
    """Synthesis attributes choosing LUT RAM or block RAM for a memory of `depth` words (the
    Verilog emitter puts them on every memory)."""
    return {"ram_style": "distributed" if depth <= DISTRIBUTED_MAX_DEPTH else "block"}


class ChannelMemory(wiring.Component):
    """A C-word memory with one synchronous read port and one write port.

    The read data appears one cycle after the address. Two uses, chosen by `transparent`:

    * read-modify-write state (a window sum, a long-term statistic): the read is transparent, so a
      word written in the cycle its channel is read again is forwarded, never stale (C = 1 included);
    * values *in force* (the mean, the scale): written by a window's last sample and read by every
      sample in the same stage, non-transparently, so the writer itself still sees the old value
      and every later sample the new one (the golden model's timing contract).

    Parameters
    ----------
    shape:
        Shape of one word.
    channels:
        Depth C.
    transparent:
        Whether a read sees a write to the same address in the same cycle.
    """

    def __init__(self, shape: ShapeLike, channels: int, *, transparent: bool) -> None:
        self._shape = shape
        self._channels = channels
        self._transparent = transparent
        addr = range(max(2, channels))
        super().__init__(
            {
                "rd_addr": In(addr),
                "rd_data": Out(shape),
                "wr_addr": In(addr),
                "wr_data": In(shape),
                "wr_en": In(1),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.mem = mem = memory.Memory(shape=self._shape, depth=self._channels, init=[])
        wp = mem.write_port()
        rp = mem.read_port(transparent_for=(wp,) if self._transparent else ())
        m.d.comb += [
            rp.addr.eq(self.rd_addr),
            self.rd_data.eq(rp.data),
            wp.addr.eq(self.wr_addr),
            wp.data.eq(self.wr_data),
            wp.en.eq(self.wr_en),
        ]
        return m
