"""`mix`: the statistic in force, ``l + rnd_j(s - l)`` (or the long- or short-term value alone)."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Shape
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import Rounding

from .arith import shift_round
from .pipeline import enable_chain, load_when

__all__ = ["Mix"]


class Mix(wiring.Component):
    """Weight ``2^-j`` on the short-term value and the rest on the long-term one.

    Feed-forward: three steps (difference, rounded shift, sum), a register after each (latency 3),
    loaded only for a sample with `en` set.
    With ``j = None`` the long-term value passes through (latency 0).
    """

    def __init__(self, shape: Shape, mix_log2: int | None, rounding: Rounding) -> None:
        self._shape = Shape.cast(shape)
        self._j = mix_log2
        self._rounding = rounding
        self.latency = 0 if mix_log2 is None else 3
        super().__init__({"en": In(1), "long": In(shape), "short": In(shape), "mixed": Out(shape)})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        if self._j is None:
            m.d.comb += self.mixed.eq(self.long)
            return m
        en = enable_chain(m, self.en, 2)
        diff = load_when(m, en[0], self.short - self.long, name="diff")
        long1 = load_when(m, en[0], self.long, name="long1")
        delta = load_when(m, en[1], shift_round(diff, self._j, self._rounding), name="delta")
        long2 = load_when(m, en[1], long1, name="long2")
        m.d.sync += self.mixed.eq(Mux(en[2], long2 + delta, self.mixed))
        return m
