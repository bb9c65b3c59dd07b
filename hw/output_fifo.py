"""The output FIFO: every beat in flight has a place, on block RAM with its output register when deep.

A first-word-fall-through FIFO built on `ChannelMemory` (reads of two or three cycles, block RAM
past 16 words, so a P-lane core's wide FIFO costs block RAM, not LUT RAM) with a prefetch buffer
in front of the output, a word for each cycle of the read and one for the output: reads are
issued while the buffer, counting the reads still in flight, has room, so with the consumer
always ready one beat leaves every clock. The writer is never refused:
the core's credit count keeps the words in flight within `depth`.
"""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .channel_memory import ChannelMemory
from .primitives import DspStyle

__all__ = ["OutputFifo"]



class OutputFifo(wiring.Component):
    """`depth` words of `width` bits; ``r_data`` is valid while ``r_rdy``, taken by ``r_en``.

    Attributes
    ----------
    latency:
        Cycles from writing a word into an empty FIFO to ``r_rdy``.
    """

    def __init__(self, width: int, depth: int, style: DspStyle = DspStyle.GENERIC) -> None:
        self._width, self.depth, self._style = width, depth, style
        self.latency = self.latency_for(depth)
        super().__init__(
            {"w_en": In(1), "w_data": In(width), "r_rdy": Out(1), "r_data": Out(width), "r_en": In(1)}
        )

    #: Cycles before a written word may be read: the cycle after its write, so the read never
    #: meets the write of the same word (a block RAM's two ports do not define that).
    COMMIT_DELAY = 1

    @staticmethod
    def latency_for(depth: int) -> int:
        # commit, then the memory's read, then the buffer's register
        return OutputFifo.COMMIT_DELAY + ChannelMemory.read_latency_for(depth + 1) + 1

    def elaborate(self, platform: object) -> Module:
        m = Module()
        # one word more than `depth`, so a full memory's pointers never meet (empty and full alike)
        depth = self.depth + 1
        m.submodules.mem = mem = ChannelMemory(self._width, depth, style=self._style)
        wr_ptr = Signal(range(depth))
        rd_ptr = Signal(range(depth))
        m.d.comb += [mem.wr_addr.eq(wr_ptr), mem.wr_data.eq(self.w_data), mem.wr_en.eq(self.w_en)]
        with m.If(self.w_en):
            m.d.sync += wr_ptr.eq(Mux(wr_ptr == depth - 1, 0, wr_ptr + 1))

        # Every decision the read side takes each cycle comes from registered flags (is the
        # memory empty, is the buffer full, is it empty), kept up to date from counters a cycle
        # ahead, so the path from the consumer's ready to the read is a gate or two, not a compare.
        stored = Signal(range(depth + 1))  # words written and not yet read out of the memory
        stored_none, stored_one = Signal(init=1), Signal()
        size = mem.read_latency + 1  # the prefetch buffer: buf[0] is the word on the output
        count = Signal(range(size + 1))
        count_none = Signal(init=1)
        # places of the buffer not taken by a word or claimed by a read in flight
        free = Signal(range(size + 1), init=size)
        free_none, free_one = Signal(), Signal(init=size == 1)
        buf = [Signal(self._width, name=f"buf{i}", reset_less=True) for i in range(size)]
        issued = [Signal(name=f"issued{i + 1}") for i in range(mem.read_latency)]
        pop = ~count_none & self.r_en
        # a word written in the last cycle may be read now (COMMIT_DELAY = 1)
        issue = ~stored_none & (~free_none | pop)
        m.d.comb += [
            mem.rd_addr.eq(rd_ptr),
            mem.rd_en.eq(issued[0]),
            self.r_rdy.eq(~count_none),
            self.r_data.eq(buf[0]),
        ]
        m.d.sync += issued[0].eq(issue)
        m.d.sync += [issued[i].eq(issued[i - 1]) for i in range(1, len(issued))]
        with m.If(issue):
            m.d.sync += rd_ptr.eq(Mux(rd_ptr == depth - 1, 0, rd_ptr + 1))
        # the counters move by at most one a cycle: the flags follow from the old value and the move
        w, i_ = self.w_en, issue
        m.d.sync += [
            stored.eq(stored + w - i_),
            stored_none.eq(Mux(w, 0, Mux(i_, stored_one, stored_none))),
            stored_one.eq(Mux(w & ~i_, stored_none, Mux(~w & i_, stored == 2, stored_one))),
            free.eq(free - i_ + pop),
            free_none.eq(Mux(pop & ~i_, 0, Mux(i_ & ~pop, free_one, free_none))),
            free_one.eq(Mux(pop & ~i_, free_none, Mux(i_ & ~pop, free == 2, free_one))),
        ]

        arrive = issued[-1]
        m.d.sync += [
            count.eq(count + arrive - pop),
            count_none.eq(Mux(arrive, 0, Mux(pop, count == 1, count_none))),
        ]
        # after a pop the words move down one place; an arriving word goes behind the last one
        for i in range(size):
            kept = buf[i + 1] if i + 1 < size else buf[i]
            here_after_pop = Mux(pop, kept, buf[i])
            slot = count - pop  # where an arriving word lands
            m.d.sync += buf[i].eq(Mux(arrive & (slot == i), mem.rd_data, here_after_pop))
        return m
