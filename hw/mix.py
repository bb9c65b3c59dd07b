"""`mix`: the statistic in force, ``l + rnd_Fm(cm * (s - l))`` (or the long- or short-term value alone)."""

from __future__ import annotations

from amaranth.hdl import Module, Shape, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import Coefficient, NormConfig, Rounding

from .pipeline import enable_chain, load_when, retime
from .weighting import weighted_step, weighted_step_cuts

__all__ = ["Mix"]


class Mix(wiring.Component):
    """Weight ``cm * 2^-Fm`` (``2^-j`` for the shift form) on the short-term value and the rest on
    the long-term one.

    Feed-forward, the weighted step (`weighting.weighted_step`) with a register after each of its
    stages (latency 2 for a shift, more for a coefficient), loaded only for a sample with `en` set.
    With no weight the long-term value passes through (latency 0). Either way plus `extra`
    register stages (see `timing.Retiming`).
    """

    def __init__(self, shape: Shape, weight: Coefficient | None, rounding: Rounding, extra: int = 0) -> None:
        self._shape = Shape.cast(shape)
        self._weight = weight
        self._rounding = rounding
        self._extra = extra
        self.latency = self.latency_for_weight(weight, extra)
        super().__init__({"en": In(1), "long": In(shape), "short": In(shape), "mixed": Out(shape)})

    @staticmethod
    def latency_for_weight(weight: Coefficient | None, extra: int = 0) -> int:
        return (0 if weight is None else weighted_step_cuts(weight)) + extra

    @staticmethod
    def latency_for(cfg: NormConfig, extra: int = 0) -> int:
        return Mix.latency_for_weight(cfg.mix_coefficient, extra)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        base = self.latency - self._extra
        en = enable_chain(m, self.en, base)
        if self._weight is None:
            mixed = self.long
        else:
            stage = 0

            def cut(*values: Value) -> list[Value]:
                nonlocal stage
                out = [load_when(m, en[stage], v, name=f"mix{stage}_{i}") for i, v in enumerate(values)]
                stage += 1
                return out

            mixed = weighted_step(self.long, self.short, self._weight, self._rounding, self._shape.width, cut)
        m.d.comb += self.mixed.eq(retime(m, en[base], mixed, self._extra, "mixed"))
        return m
