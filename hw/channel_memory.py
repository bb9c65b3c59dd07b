"""Per-channel storage: one word per channel, in LUT RAM when shallow and in block RAM when deep.

Every memory of the core is a `ChannelMemory`. Two kinds, chosen by depth:

* LUT RAM (depth <= `LUT_RAM_MAX_DEPTH`): `amaranth.lib.memory` with a synchronous read port, its
  data registered once more (`registered`), so the word arrives two cycles after its address;
* block RAM (deeper): three cycles, the second being the block's own output register (ECP5: a
  DP16KD in REGMODE "OUTREG", instantiated because Yosys cannot infer that register; a block RAM
  read without it takes 5.6 ns on ECP5 speed grade 6, more than a 200 MHz cycle) and the third a
  register in the fabric, because the blocks sit in columns away from the logic and the route
  from one takes another 2 ns or so. Where a
  word may be read on one port in the cycle it is written on the other (`collide`: the values in
  force), whose result the block does not define, the write lands one cycle later instead (its
  port registered), which no use can see: a deep memory's channel is read again only C/P >= 17
  cycles later.

The output register loads with `rd_en` and clears with `rd_clear` (both at stage s + 1), and
the last register before `rd_data` takes `rd_alt` instead of the word when `rd_alt_sel` (both at
``s + read_latency - 1``: the cycle before the data appears), so a choice between the word and
another value costs no stage of its own. A window's first sample clears the old sum with
`rd_clear`, on a flip-flop's synchronous reset or the block RAM's output-register reset, so no
selection follows the read.
"""

from __future__ import annotations

from amaranth.hdl import ClockSignal, Const, Instance, Module, Mux, Shape, ShapeLike, Signal, Value
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In, Out

from .primitives import DspStyle

__all__ = ["BLOCK_RAM_WIDTH", "LUT_RAM_MAX_DEPTH", "ChannelMemory", "ram_style"]

#: Memories up to this many words go to distributed (LUT) RAM, deeper ones to block RAM: 16
#: words are one ECP5 DPR16X4 per 4 bits with no read multiplexer; past that every 16 words add
#: another and each bit a multiplexer, while block RAM costs no LUTs (C = 64 with P = 2, 32
#: channels per lane, took ~800 LUTs more in LUT RAM than in block RAM).
LUT_RAM_MAX_DEPTH = 16

#: Bits per ECP5 DP16KD in its 1024 x 18 mode; words of a deeper memory span several.
BLOCK_RAM_WIDTH = 18
BLOCK_RAM_DEPTH = 1024


def ram_style(depth: int) -> dict[str, str]:
    """Synthesis attributes choosing LUT RAM or block RAM for a memory of `depth` words (the
    Verilog emitter puts them on every memory)."""
    return {"ram_style": "distributed" if depth <= LUT_RAM_MAX_DEPTH else "block"}


class ChannelMemory(wiring.Component):
    """A `depth`-word memory with one read port and one write port.

    Timing: `rd_addr` at stage s; `rd_en` and `rd_clear` at s + 1; `rd_data` at
    ``s + read_latency`` (`read_latency_for`: 3 for block RAM, 2 for registered LUT RAM, 1 for an
    unregistered one). Two uses:

    * read-modify-write state (a window sum, a long-term statistic), read again for the same
      channel only after its new value is written; `transparent` when a write may land in the cycle
      the same word is read (the update takes every cycle between two reads: tiny C only);
    * values *in force* (the mean, the scale): written by a window's last sample and read by every
      sample in the same stage, non-transparently, so the writer itself still sees the old value
      and every later sample the new one.

    Parameters
    ----------
    shape:
        Shape of one word (a layout is fine).
    depth:
        Words (channels per lane).
    transparent:
        Whether a read sees a write to the same address in the same cycle (LUT RAM only).
    registered:
        Register the read data (two-cycle read); block RAM always is.
    collide:
        A word may be read in the very cycle it is written, and must read its old value.
    style:
        `DspStyle.ECP5` instantiates block RAM as DP16KD with its output register.
    """

    def __init__(
        self,
        shape: ShapeLike,
        depth: int,
        *,
        transparent: bool = False,
        registered: bool = True,
        collide: bool = False,
        style: DspStyle = DspStyle.GENERIC,
    ) -> None:
        self._shape = shape
        self.depth = depth
        self.block = depth > LUT_RAM_MAX_DEPTH
        if self.block and (transparent or not registered):
            raise ValueError(
                f"a {depth}-word memory is block RAM: its read is registered and not transparent"
            )
        self._transparent = transparent
        self._registered = registered
        self._delay_write = self.block and collide
        self._style = DspStyle(style)
        self.read_latency = self.read_latency_for(depth, registered)
        addr = range(max(2, depth))
        members: dict[str, object] = {
            "rd_addr": In(addr),
            "rd_data": Out(shape),
            "wr_addr": In(addr),
            "wr_data": In(shape),
            "wr_en": In(1),
        }
        if registered:
            members |= {"rd_en": In(1, init=1), "rd_clear": In(1), "rd_alt": In(shape), "rd_alt_sel": In(1)}
        super().__init__(members)

    @staticmethod
    def read_latency_for(depth: int, registered: bool = True) -> int:
        """Cycles from the address to the data (see the class docstring)."""
        if depth > LUT_RAM_MAX_DEPTH:
            return 3
        return 2 if registered else 1

    def elaborate(self, platform: object) -> Module:
        m = Module()
        width = Shape.cast(self._shape).width
        rd_data = Value.cast(self.rd_data)
        wr_data = Value.cast(self.wr_data)
        if self.block and self._style is DspStyle.ECP5 and self.depth <= BLOCK_RAM_DEPTH:
            near = Signal(width, name="rd_data_b")
            self._ecp5_block(m, width, near, wr_data)
            self._fabric_register(m, near, rd_data)
            return m
        wr_addr, wr_en, wr_value = self._write_port(m, wr_data)
        m.submodules.mem = mem = memory.Memory(shape=width, depth=self.depth, init=[])
        wp = mem.write_port()
        rp = mem.read_port(transparent_for=(wp,) if self._transparent else ())
        m.d.comb += [
            rp.addr.eq(self.rd_addr),
            wp.addr.eq(wr_addr),
            wp.data.eq(wr_value),
            wp.en.eq(wr_en),
        ]
        if not self._registered:
            m.d.comb += rd_data.eq(rp.data)
            return m
        out = Signal(width, name="rd_data_r")
        if self.block:
            m.d.sync += out.eq(Mux(self.rd_clear, 0, Mux(self.rd_en, rp.data, out)))
            self._fabric_register(m, out, rd_data)
        else:
            alt = Value.cast(self.rd_alt)
            m.d.sync += out.eq(
                Mux(self.rd_alt_sel, alt, Mux(self.rd_clear, 0, Mux(self.rd_en, rp.data, out)))
            )
            m.d.comb += rd_data.eq(out)
        return m

    def _fabric_register(self, m: Module, near: Value, rd_data: Value) -> None:
        """A block RAM's data registered once more, in the fabric, a cycle after the output register
        (so it loads with `rd_en` one cycle late)."""
        en = Signal(name="rd_en_r")
        m.d.sync += en.eq(self.rd_en)
        far = Signal(len(near), name="rd_data_f", reset_less=True)
        m.d.sync += far.eq(Mux(self.rd_alt_sel, Value.cast(self.rd_alt), Mux(en, near, far)))
        m.d.comb += rd_data.eq(far)

    def _write_port(self, m: Module, wr_data: Value) -> tuple[Value, Value, Value]:
        """The write's address, enable and data, a cycle late where a read may meet it."""
        if not self._delay_write:
            return Value.cast(self.wr_addr), Value.cast(self.wr_en), wr_data
        return (
            _delayed(m, self.wr_addr, "wr_addr_r"),
            _delayed(m, self.wr_en, "wr_en_r", reset=True),
            _delayed(m, wr_data, "wr_data_r"),
        )

    def _ecp5_block(self, m: Module, width: int, rd_data: Value, wr_data: Value) -> None:
        """DP16KD blocks side by side, 18 bits each: port A writes, port B reads through its
        output register (REGMODE_B "OUTREG", enabled by `rd_en`, reset by `rd_clear`)."""
        abits = max(1, (self.depth - 1).bit_length())
        wr_addr, wr_en, wr_value = self._write_port(m, wr_data)
        for k, lo in enumerate(range(0, width, BLOCK_RAM_WIDTH)):
            bits = min(BLOCK_RAM_WIDTH, width - lo)
            ports: dict[str, object] = {
                "p_DATA_WIDTH_A": BLOCK_RAM_WIDTH,
                "p_DATA_WIDTH_B": BLOCK_RAM_WIDTH,
                "p_REGMODE_A": "NOREG",
                "p_REGMODE_B": "OUTREG",
                "p_RESETMODE": "SYNC",
                "p_ASYNC_RESET_RELEASE": "SYNC",
                "p_CSDECODE_A": "0b000",
                "p_CSDECODE_B": "0b000",
                "p_WRITEMODE_A": "NORMAL",
                "p_WRITEMODE_B": "NORMAL",
                "p_GSR": "DISABLED",
                "i_CLKA": ClockSignal(),
                "i_CEA": 1,
                "i_OCEA": 1,
                "i_WEA": wr_en,
                "i_RSTA": 0,
                "i_CLKB": ClockSignal(),
                "i_CEB": 1,
                "i_OCEB": self.rd_en,
                "i_WEB": 0,
                "i_RSTB": self.rd_clear,
            }
            for i in range(3):
                ports[f"i_CSA{i}"] = 0
                ports[f"i_CSB{i}"] = 0
            # x18 mode: the address in bits 13..4; bits 1..0 of port A are its byte enables
            for i in range(14):
                a = i - 4
                ports[f"i_ADA{i}"] = wr_addr[a] if 0 <= a < abits else Const(1 if i < 2 else 0, 1)
                ports[f"i_ADB{i}"] = self.rd_addr[a] if 0 <= a < abits else Const(0, 1)
            for i in range(BLOCK_RAM_WIDTH):
                ports[f"i_DIA{i}"] = wr_value[lo + i] if i < bits else Const(0, 1)
                ports[f"i_DIB{i}"] = 0
                if i < bits:
                    ports[f"o_DOB{i}"] = rd_data[lo + i]
            m.submodules[f"bram{k}"] = Instance("DP16KD", **ports)


def _delayed(m: Module, v: Value, name: str, reset: bool = False) -> Signal:
    """`v` one cycle later (a write port's input register); `reset`: cleared by `rst`."""
    r = Signal(Value.cast(v).shape(), name=name, reset_less=not reset)
    m.d.sync += r.eq(v)
    return r
