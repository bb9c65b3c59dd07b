"""`long_term`: the decaying average ``l += rnd_d(s - l)`` per channel, kept in memory."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Shape, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import Rounding

from .arith import shift_round
from .channel_memory import ChannelMemory
from .pipeline import load_when

__all__ = ["LongTerm"]


class LongTerm(wiring.Component):
    """Long-term statistic per channel, updated at window ends.

    Timing: `addr` at stage s; `short`, `first` and `update` at s + 1; the new value is written
    back at ``s + span`` and appears, registered, on `long` at ``s + span + 1``. The update reads
    the old value, takes the difference, shifts it with rounding and adds; ``span - 1`` registers
    cut that chain, first after the memory read, then after the difference, then after the
    rounding, then after the sum (so the write into LUT RAM, far from the adder, has a cycle of
    its own), so each stage holds one carry chain at most.
    Between two updates of one channel there are at least ``N*C`` cycles (one window of every
    channel), so `span` may be anything up to ``N*C``: the generator picks ``min(5, N*C)`` (k = 0
    with C = 1 leaves one cycle for the whole update).
    On a channel's first window since reset the long-term value is initialised to the short-term one.

    Parameters
    ----------
    shape:
        Shape of the statistic (signed for the mean, unsigned for the deviation).
    channels, decay_log2, rounding:
        C, d and the rounding mode.
    span:
        1 to 5: cycles from reading the old value to writing the new one.
    """

    MAX_SPAN = 5  #: read, difference, rounding, sum, write: one register after each

    def __init__(self, shape: Shape, channels: int, decay_log2: int, rounding: Rounding, span: int) -> None:
        if not 1 <= span <= self.MAX_SPAN:
            raise ValueError(f"LongTerm span must be 1 to {self.MAX_SPAN}, not {span}")
        self._shape = Shape.cast(shape)
        self._channels = channels
        self._d = decay_log2
        self._rounding = rounding
        self.span = span
        super().__init__(
            {
                "addr": In(range(max(2, channels))),
                "short": In(shape),
                "first": In(1),
                "update": In(1),
                "long": Out(shape),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.mem = mem = ChannelMemory(self._shape, self._channels, transparent=True)
        m.d.comb += mem.rd_addr.eq(self.addr)
        addr = Signal.like(self.addr, reset_less=True)
        m.d.sync += addr.eq(self.addr)  # follows the channel every cycle, like the read
        # Values of the step at stage s+1; `step` registers them when the span allows a cut (the
        # data only on an update, so an idle statistic does not toggle).
        cuts = self.span - 1

        def step(update: Value, *values: Value) -> tuple[Value, list[Value]]:
            nonlocal cuts
            if cuts == 0:
                return update, list(values)
            cuts -= 1
            update_next = Signal(name="update_next")
            m.d.sync += update_next.eq(update)
            return update_next, [load_when(m, update, v) for v in values]

        short, old, first, update, wa = self.short, mem.rd_data, self.first, self.update, addr
        update, (short, old, first, wa) = step(update, short, old, first, wa)
        diff = short - old  # signed, one bit wider, for signed and unsigned statistics alike
        update, (diff, short, old, first, wa) = step(update, diff, short, old, first, wa)
        delta = shift_round(diff, self._d, self._rounding)
        update, (delta, short, old, first, wa) = step(update, delta, short, old, first, wa)
        new = Mux(first, short, old + delta)
        update, (new, wa) = step(update, new, wa)
        m.d.sync += self.long.eq(Mux(update, new, self.long))
        m.d.comb += [
            mem.wr_addr.eq(wa),
            mem.wr_data.eq(new),
            mem.wr_en.eq(update),
        ]
        return m
