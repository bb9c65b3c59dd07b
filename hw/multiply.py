"""A pipelined shift-and-add multiplier built from adders, for per-window products.

Per-sample products go to a multiplier block (one per sample is the budget); a product that is
needed once per window must not take another block, so it is built from LUT adders here. Written
with `Mux`, never `*`, so synthesis cannot map it to a DSP block behind our back.
"""

from __future__ import annotations

from amaranth.hdl import Module, Mux, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .pipeline import enable_chain, load_when

__all__ = ["ShiftAddMultiplier"]


class ShiftAddMultiplier(wiring.Component):
    """``product = a * b`` for unsigned `a` and signed `b`, one bit of `a` per stage.

    Latency ``a_width`` cycles (a register after each partial sum); accepts a new pair every cycle.

    Parameters
    ----------
    a_width:
        Bits of the unsigned operand (one pipeline stage each).
    b_width:
        Bits of the signed operand.
    """

    def __init__(self, a_width: int, b_width: int) -> None:
        self._wa = a_width
        self._wb = b_width
        self.latency = self.latency_for(a_width)
        super().__init__(
            {
                "en": In(1),
                "a": In(unsigned(a_width)),
                "b": In(signed(b_width)),
                "product": Out(signed(a_width + b_width)),
            }
        )

    @staticmethod
    def latency_for(a_width: int) -> int:
        """One stage per bit of the unsigned operand."""
        return a_width

    def elaborate(self, platform: object) -> Module:
        m = Module()
        en = enable_chain(m, self.en, self._wa)
        total, a_rest, b = 0, self.a, self.b
        for i in range(self._wa):
            partial = total + Mux(a_rest[i], b << i, 0)
            total = load_when(m, en[i], partial.as_signed(), name=f"partial{i}")
            a_rest = load_when(m, en[i], a_rest, name=f"a{i}")
            b = load_when(m, en[i], b, name=f"b{i}")
        m.d.comb += self.product.eq(total)
        return m
