"""`window_sums`: the per-sample deviation term and the per-channel window accumulators."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig

from .arith import abs_value
from .channel_memory import ChannelMemory
from .pipeline import enable_chain, load_when

__all__ = ["Deviation", "WindowSum"]


class WindowSum(wiring.Component):
    """One window accumulator per channel: ``S = v`` on a window's first sample, else ``S + v``.

    Timing: `addr` (the channel) at stage s; `start`, `active` and `value` at s + 1, where `sum`
    (the updated sum) appears combinationally and is written back. A read-modify-write in one
    cycle with a transparent read, so the same channel may come back on the very next cycle.

    Parameters
    ----------
    value_shape, sum_shape:
        Shapes of one summand and of the sum (``log2 N`` bits wider, from the configuration).
    channels:
        C.
    """

    def __init__(self, value_shape: unsigned | signed, sum_shape: unsigned | signed, channels: int) -> None:
        self._channels = channels
        self._sum_shape = sum_shape
        super().__init__(
            {
                "addr": In(range(max(2, channels))),
                "start": In(1),
                "active": In(1),
                "value": In(value_shape),
                "sum": Out(sum_shape),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.mem = mem = ChannelMemory(self._sum_shape, self._channels, transparent=True)
        wr_addr = Signal.like(self.addr, reset_less=True)
        m.d.sync += wr_addr.eq(self.addr)
        m.d.comb += [
            mem.rd_addr.eq(self.addr),
            self.sum.eq(Mux(self.start, self.value, mem.rd_data + self.value)),
            mem.wr_addr.eq(wr_addr),
            mem.wr_data.eq(self.sum),
            mem.wr_en.eq(self.active),
        ]
        return m


class Deviation(wiring.Component):
    """The per-sample summand of the deviation sum: ``|X*2^G - Mu|`` (p = 1) or the square (p = 2).

    p = 1, latency 2: the centred sample, then its magnitude.

    p = 2, latency 3: with ``Mu2 = Mu2_hi*2^G2 + Mu2_lo`` (the mean on the squares' grid, computed once
    per window) and ``u = X - Mu2_hi``, the square ``(X*2^G2 - Mu2)^2`` is
    ``u^2 * 2^(2 G2) - u*Mu2_lo * 2^(G2+1) + Mu2_lo^2``: two (Wi+1)-bit products per sample, each one
    multiplier block, instead of one 2(Wi+G2)-bit square.
    """

    def __init__(self, cfg: NormConfig) -> None:
        self._cfg = cfg
        wi, g = cfg.in_fmt.width, cfg.guard_bits
        ports: dict[str, object] = {"en": In(1), "x": In(signed(wi)), "mean": In(signed(cfg.mean_width))}
        self.latency = self.latency_for(cfg)
        if cfg.p == 1:
            ports["dev"] = Out(unsigned(cfg.dev_width))
        else:
            g2 = cfg.square_guard_bits
            ports |= {
                "mean2_hi": In(signed(wi)),
                "mean2_lo": In(unsigned(g2)),
                "mean2_lo_sq": In(unsigned(2 * g2)),
                "dev": Out(unsigned(cfg.square_width)),
            }
        self._g = g
        super().__init__(ports)

    @staticmethod
    def latency_for(cfg: NormConfig) -> int:
        return 2 if cfg.p == 1 else 3

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self._cfg
        en = enable_chain(m, self.en, 2)
        if cfg.p == 1:
            centered = load_when(m, en[0], (self.x << self._g) - self.mean, name="centered")
            m.d.sync += self.dev.eq(Mux(en[1], abs_value(centered)[: cfg.dev_width], self.dev))
            return m
        g2 = cfg.square_guard_bits
        u = load_when(m, en[0], self.x - self.mean2_hi, name="u")
        lo = load_when(m, en[0], self.mean2_lo, name="lo")
        lo_sq = load_when(m, en[0], self.mean2_lo_sq, name="lo_sq")
        u_sq = load_when(m, en[1], u * u, name="u_sq")
        u_lo = load_when(m, en[1], u * lo, name="u_lo")
        lo_sq2 = load_when(m, en[1], lo_sq, name="lo_sq2")
        square = (u_sq << (2 * g2)) - (u_lo << (g2 + 1)) + lo_sq2
        m.d.sync += self.dev.eq(Mux(en[2], square[: cfg.square_width], self.dev))
        return m
