"""`mix`: the statistic in force, ``l + rnd_j(s - l)`` (or the long- or short-term value alone)."""

from __future__ import annotations

from amaranth.hdl import Module, Shape, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import Rounding

from .arith import shift_round

__all__ = ["Mix"]


class Mix(wiring.Component):
    """Weight ``2^-j`` on the short-term value and the rest on the long-term one.

    Feed-forward: three steps (difference, rounded shift, sum), a register after each (latency 3).
    With ``j = None`` the long-term value passes through (latency 0).
    """

    def __init__(self, shape: Shape, mix_log2: int | None, rounding: Rounding) -> None:
        self._shape = Shape.cast(shape)
        self._j = mix_log2
        self._rounding = rounding
        self.latency = 0 if mix_log2 is None else 3
        super().__init__({"long": In(shape), "short": In(shape), "mixed": Out(shape)})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        if self._j is None:
            m.d.comb += self.mixed.eq(self.long)
            return m
        diff = Signal(range(-(1 << self._shape.width), 1 << self._shape.width), reset_less=True)
        long1 = Signal(self._shape, reset_less=True)
        m.d.sync += [
            diff.eq(self.short - self.long),
            long1.eq(self.long),
        ]
        delta = Signal(diff.shape(), reset_less=True)
        long2 = Signal(self._shape, reset_less=True)
        m.d.sync += [delta.eq(shift_round(diff, self._j, self._rounding)), long2.eq(long1)]
        m.d.sync += self.mixed.eq(long2 + delta)
        return m
