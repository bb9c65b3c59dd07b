"""`short_term`: a window's sums turned into its statistics, by shifts (spec §3)."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig

from .arith import shift_round
from .pipeline import retime

__all__ = ["ShortTermDev", "ShortTermMean"]


class ShortTermMean(wiring.Component):
    """``m_s = Sx * 2^(G-k)``: exact, no logic (latency 0)."""

    latency = 0

    def __init__(self, cfg: NormConfig) -> None:
        self._shift = cfg.guard_bits - cfg.window_log2
        super().__init__({"sum": In(signed(cfg.sum_x_width)), "short": Out(signed(cfg.mean_width))})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.d.comb += self.short.eq(self.sum << self._shift)
        return m


class ShortTermDev(wiring.Component):
    """``a_s = rnd_k(Sa)`` (or ``v_s`` for p = 2): one rounding adder, registered when `en`
    (latency 1, plus `extra` register stages: see `timing.Retiming`)."""

    def __init__(self, cfg: NormConfig, extra: int = 0) -> None:
        self._cfg = cfg
        self._extra = extra
        self.latency = self.latency_for(extra)
        width = cfg.dev_stat_width if cfg.p == 1 else cfg.second_moment_width
        super().__init__({"en": In(1), "sum": In(unsigned(cfg.sum_dev_width)), "short": Out(unsigned(width))})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self._cfg
        rounded = shift_round(self.sum, cfg.window_log2, cfg.rounding)
        short = Signal.like(self.short, name="short_stat")
        m.d.sync += short.eq(Mux(self.en, rounded, short))
        en1 = Signal(name="en1")
        m.d.sync += en1.eq(self.en)
        m.d.comb += self.short.eq(retime(m, en1, short, self._extra, "short"))
        return m

    @staticmethod
    def latency_for(extra: int = 0) -> int:
        return 1 + extra
