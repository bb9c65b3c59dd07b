"""`long_term`: the decaying average ``l += rnd_Fd(cd * (s - l))`` per channel, kept in memory."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Shape, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import Coefficient, Rounding

from .channel_memory import ChannelMemory
from .pipeline import load_when
from .primitives import DspStyle
from .weighting import weighted_step, weighted_step_cuts

__all__ = ["LongTerm"]


class LongTerm(wiring.Component):
    """Long-term statistic per channel, updated at window ends.

    Timing: `addr` at stage s; `short`, `first` and `update` at ``s + lead`` (the memory's read,
    `ChannelMemory.read_latency_for`, unregistered when the span is 1); the new value is written
    back at ``s + span`` and appears, registered, on `long` at ``s + span + 1``. The update is the
    weighted step (`weighting.weighted_step`: for a shift one sum of two terms, for a coefficient
    the difference and an adder tree), taken from the old value (replaced by the short-term one on
    a first window, so the update adds rnd(0) = 0); ``span - lead`` registers cut it, after the
    choice of the old value and after each of the step's stages (the last one before the write
    into memory, far from the adder, so it has a cycle of its own), so each stage holds one carry
    chain at most and nothing in front of it.
    Between two updates of one channel there are at least ``N*C`` cycles (one window of every
    channel), so `span` may be anything up to ``N*C`` (`span_for`; k = 0 with C = 1 leaves one
    cycle for the whole update).
    On a channel's first window since reset the long-term value is initialised to the short-term one.

    Parameters
    ----------
    shape:
        Shape of the statistic (signed for the mean, unsigned for the deviation).
    channels, weight, rounding:
        C, the decay coefficient ``(cd, Fd)`` (``(1, d)`` for the shift form) and the rounding mode.
    span:
        1 to `span_for`: cycles from reading the old value to writing the new one.
    apart:
        The fewest cycles between two updates of one channel (N*C for the core).
    """

    @staticmethod
    def span_for(channels: int, apart: int, weight: Coefficient) -> int:
        """Cycles from the read to the write: the read and the weighted step's stages (a register
        after each where the channel leaves the cycles), or all the cycles between two updates of
        a channel when there are fewer."""
        return min(ChannelMemory.read_latency_for(channels) + weighted_step_cuts(weight), apart)

    @staticmethod
    def lead_for(channels: int, span: int) -> int:
        """Stages the address comes before `short`, `first` and `update`: the memory's read
        (registered, unless the whole update must fit one cycle), less the cycle in which the
        read's last register chooses the short-term value instead on a first window."""
        if span >= 2:
            return ChannelMemory.read_latency_for(channels) - 1
        return ChannelMemory.read_latency_for(channels, registered=False)

    @staticmethod
    def latency_for(span: int) -> int:
        """Cycles from the address to `long`: the update's span, then its output register."""
        return span + 1

    def __init__(
        self,
        shape: Shape,
        channels: int,
        weight: Coefficient,
        rounding: Rounding,
        span: int,
        apart: int,
        style: DspStyle = DspStyle.GENERIC,
    ) -> None:
        self._style = style
        longest = self.span_for(channels, apart, weight)
        # a registered read takes one cycle after `short` arrives (its last register's choice)
        if not self.lead_for(channels, span) + (span >= 2) <= span <= longest:
            raise ValueError(f"LongTerm span must be at most {longest} (and cover the read), not {span}")
        # a channel is read again for its next update only `apart` cycles later: the read must see
        # a write of that same cycle only when the update takes all of them
        self._transparent = apart <= span
        self._shape = Shape.cast(shape)
        self._channels = channels
        self._weight = weight
        self._rounding = rounding
        self.span = span
        self.lead = self.lead_for(channels, span)
        self.latency = self.latency_for(span)
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
        m.submodules.mem = mem = ChannelMemory(
            self._shape,
            self._channels,
            transparent=self._transparent,
            registered=self.span >= 2,
            style=self._style,
        )
        m.d.comb += mem.rd_addr.eq(self.addr)
        addr = Value.cast(self.addr)
        for i in range(self.lead):  # follows the channel every cycle, like the read
            nxt = Signal.like(self.addr, reset_less=True, name=f"addr{i + 1}")
            m.d.sync += nxt.eq(addr)
            addr = nxt
        # Values of the step at stage s + lead; `step` registers them where the span allows a cut
        # (the data only on an update, so an idle statistic does not toggle).
        cuts = self.span - self.lead

        def step(update: Value, *values: Value) -> tuple[Value, list[Value]]:
            nonlocal cuts
            if cuts == 0:
                return update, list(values)
            cuts -= 1
            update_next = Signal(name="update_next")
            m.d.sync += update_next.eq(update)
            return update_next, [load_when(m, update, v) for v in values]

        update = self.update
        short, wa = self.short, addr
        # the weighted step from the old value, or from the short-term one on a first window (the
        # update then adds rnd(0) = 0): the read's last register makes that choice, so no
        # multiplexer stands in front of the step
        if self.span >= 2:
            m.d.comb += [mem.rd_alt.eq(short), mem.rd_alt_sel.eq(self.first)]
            update, (short, wa) = step(update, short, wa)
            old = mem.rd_data
        else:
            old = Mux(self.first, short, mem.rd_data)

        def cut(*values: Value) -> list[Value]:
            nonlocal update, wa
            update, (*values, wa) = step(update, *values, wa)
            return values

        new = weighted_step(old, short, self._weight, self._rounding, self._shape.width, cut)
        m.d.sync += self.long.eq(Mux(update, new, self.long))
        m.d.comb += [
            mem.wr_addr.eq(wa),
            mem.wr_data.eq(new),
            mem.wr_en.eq(update),
        ]
        return m
