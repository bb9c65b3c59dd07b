"""A long fixed delay held in a small memory instead of a chain of registers."""

from __future__ import annotations

from amaranth.hdl import Module, Shape, ShapeLike, Signal
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["DelayLine"]


class DelayLine(wiring.Component):
    """``q`` is ``d`` as it was `depth` cycles ago (``depth >= 2``), every cycle.

    A ring of ``2**ceil(log2 depth)`` words written every cycle and read, synchronously, at a fixed
    distance behind the write pointer: one write and one read per cycle whatever the depth, where a
    register chain would move every stage. On an FPGA it maps to distributed RAM or block RAM
    rather than `depth` x width flip-flops. Not reset: it carries data, whose valid bits travel in
    registers beside it.
    """

    def __init__(self, shape: ShapeLike, depth: int) -> None:
        if depth < 2:
            raise ValueError(f"DelayLine depth must be at least 2, not {depth}")
        self._shape = Shape.cast(shape)
        self.depth = depth
        super().__init__({"d": In(shape), "q": Out(shape)})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        size = 1 << (self.depth - 1).bit_length()
        m.submodules.ring = ring = memory.Memory(shape=self._shape, depth=size, init=[])
        wp, rp = ring.write_port(), ring.read_port()
        # two pointers rather than one and an adder: nothing but a counter before the RAM address
        wr = Signal(range(size))
        rd = Signal(range(size), init=(1 - self.depth) % size)
        m.d.sync += [wr.eq(wr + 1), rd.eq(rd + 1)]
        # the read port is synchronous, so it reads (one cycle early) the word written depth - 1 ago
        m.d.comb += [
            wp.addr.eq(wr),
            wp.data.eq(self.d),
            wp.en.eq(1),
            rp.addr.eq(rd),
            self.q.eq(rp.data),
        ]
        return m
