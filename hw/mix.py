"""`mix`: the statistic in force, ``l + rnd_j(s - l)`` (or the long- or short-term value alone)."""

from __future__ import annotations

from amaranth.hdl import Module, Shape
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig, Rounding

from .arith import toward_finish, toward_parts
from .pipeline import enable_chain, load_when, retime

__all__ = ["Mix"]


class Mix(wiring.Component):
    """Weight ``2^-j`` on the short-term value and the rest on the long-term one.

    Feed-forward, as one sum (`arith.toward_parts`): its terms, then the sum, a register after each
    (latency 2), loaded only for a sample with `en` set.
    With ``j = None`` the long-term value passes through (latency 0). Either way plus `extra`
    register stages (see `timing.Retiming`).
    """

    def __init__(self, shape: Shape, mix_log2: int | None, rounding: Rounding, extra: int = 0) -> None:
        self._shape = Shape.cast(shape)
        self._j = mix_log2
        self._rounding = rounding
        self._extra = extra
        self.latency = self.latency_for_log2(mix_log2, extra)
        super().__init__({"en": In(1), "long": In(shape), "short": In(shape), "mixed": Out(shape)})

    @staticmethod
    def latency_for_log2(mix_log2: int | None, extra: int = 0) -> int:
        return (0 if mix_log2 is None else 2) + extra

    @staticmethod
    def latency_for(cfg: NormConfig, extra: int = 0) -> int:
        return Mix.latency_for_log2(cfg.mix_log2, extra)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        base = self.latency - self._extra
        en = enable_chain(m, self.en, base)
        if self._j is None:
            mixed = self.long
        else:
            a, b, carry = toward_parts(self.long, self.short, self._j, self._rounding)
            a = load_when(m, en[0], a, name="term_long")
            b = load_when(m, en[0], b, name="term_short")
            carry = load_when(m, en[0], carry, name="term_carry")
            finish = toward_finish(a, b, carry, self._j, self._shape.width)
            mixed = load_when(m, en[1], finish, name="mixed_sum")
        m.d.comb += self.mixed.eq(retime(m, en[base], mixed, self._extra, "mixed"))
        return m
