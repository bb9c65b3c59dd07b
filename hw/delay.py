"""A long fixed delay of a gated value, held in a small memory instead of a chain of registers."""

from __future__ import annotations

from amaranth.hdl import Module, Shape, ShapeLike, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .channel_memory import ChannelMemory
from .primitives import DspStyle

__all__ = ["DelayLine"]


class DelayLine(wiring.Component):
    """``q`` is ``d`` as it was `depth` cycles ago, for the tokens a valid bit marks.

    The value comes with a valid bit, seen at both ends: `put` when it enters (stage s), `fetch`
    `read_latency` cycles before it leaves (the memory's read: `ChannelMemory.read_latency_for`)
    and `hold` the cycle after that (when the read's output register loads). Since the pipeline
    never stalls, the k-th token to enter is the k-th to leave, so a ring written at one pointer
    and read at another, each advancing only with a token, hands every token its own value: a
    write and a read per token, nothing on an idle cycle (no toggling, and nothing for an
    event-driven simulator to do), and on an FPGA distributed or block RAM rather than `depth` x
    width flip-flops. Pointers restart with `rst`, as the valid bits do.
    """

    def __init__(self, shape: ShapeLike, depth: int, style: DspStyle = DspStyle.GENERIC) -> None:
        self._shape = Shape.cast(shape)
        self.depth = depth
        self._style = style
        # at most `depth` tokens are between the two ends
        self._size = 1 << (depth - 1).bit_length()
        self.read_latency = self.read_latency_for(depth)
        if depth < self.read_latency + 2:
            raise ValueError(f"DelayLine depth must be at least {self.read_latency + 2}, not {depth}")
        super().__init__({"d": In(shape), "put": In(1), "fetch": In(1), "hold": In(1), "q": Out(shape)})

    @staticmethod
    def read_latency_for(depth: int) -> int:
        return ChannelMemory.read_latency_for(1 << (depth - 1).bit_length())

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.ring = ring = ChannelMemory(self._shape, self._size, style=self._style)
        wr = Signal(range(self._size))
        rd = Signal(range(self._size))
        with m.If(self.put):
            m.d.sync += wr.eq(wr + 1)
        with m.If(self.fetch):
            m.d.sync += rd.eq(rd + 1)
        m.d.comb += [
            ring.wr_addr.eq(wr),
            ring.wr_data.eq(self.d),
            ring.wr_en.eq(self.put),
            ring.rd_addr.eq(rd),
            ring.rd_en.eq(self.hold),
            self.q.eq(ring.rd_data),
        ]
        return m


class BitDelay(wiring.Component):
    """``q`` is the bit ``d`` as it was `depth` cycles ago: a valid bit's long delay.

    A ring in memory, written and read every cycle, instead of `depth` flip-flops. Unlike
    registers, memory is not cleared by reset, so for `depth` cycles after reset (until every
    place of the ring has been written anew) ``q`` is held at 0, as a chain of reset registers
    would be.
    """

    def __init__(self, depth: int, style: DspStyle = DspStyle.GENERIC) -> None:
        self._size = 1 << (depth - 1).bit_length()
        self._read = ChannelMemory.read_latency_for(self._size)
        if depth < self._read + 2:
            raise ValueError(f"BitDelay depth must be at least {self._read + 2}, not {depth}")
        self.depth = depth
        self._style = style
        super().__init__({"d": In(1), "q": Out(1)})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        size, depth = self._size, self.depth
        m.submodules.ring = ring = ChannelMemory(1, size, style=self._style)
        wr = Signal(range(size))
        # the bit comes out of a register of its own (it gates much), so the ring gives the bit
        # written depth - 1 cycles ago, and its read is `read latency` cycles ahead of its data
        rd = Signal(range(size), init=(self._read + 1 - depth) % size)
        count = Signal(range(depth))
        armed = Signal()  # the ring has been written through since reset
        m.d.sync += [wr.eq(wr + 1), rd.eq(rd + 1)]
        with m.If(~armed):
            m.d.sync += count.eq(count + 1)
            with m.If(count == depth - 2):
                m.d.sync += armed.eq(1)
        m.d.comb += [
            ring.wr_addr.eq(wr),
            ring.wr_data.eq(self.d),
            ring.wr_en.eq(1),
            ring.rd_addr.eq(rd),
        ]
        m.d.sync += self.q.eq(ring.rd_data & armed)
        return m
