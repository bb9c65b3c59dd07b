"""`window_sums`: the per-sample deviation term and the per-channel window accumulators."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, Shape, Signal, Value, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig

from .arith import abs_value
from .channel_memory import ChannelMemory
from .pipeline import enable_chain, load_when

__all__ = ["Deviation", "WindowSum"]


class WindowSum(wiring.Component):
    """One window accumulator per channel: ``S = v`` on a window's first sample, else ``S + v``.

    Timing: `addr` (the channel) at stage s; `start`, `active` and `value` at ``s + value_offset``;
    `sum` (the updated sum, written back) at ``s + span``. The read is transparent, so a channel
    may be read again in the cycle its new sum is written; two samples of one channel are at least
    C cycles apart, so `span` may be up to C:

    * ``span = 1`` (C = 1): read, add and write back in one cycle;
    * ``span = 2``: the read data is registered before the adder;
    * ``span = 3``: also the adder is split, the low half (with its carry) one stage before the
      high half, so no stage holds a carry chain wider than half the sum.

    Parameters
    ----------
    value_shape, sum_shape:
        Shapes of one summand and of the sum (``log2 N`` bits wider, from the configuration).
    channels:
        C.
    span:
        1, 2 or 3 (at most C): cycles from the read address to the write-back.
    """

    MAX_SPAN = 3

    @staticmethod
    def value_offset_for(span: int) -> int:
        """Cycles from the address to the summand for a given `span`."""
        return min(span, 2)

    def __init__(
        self, value_shape: unsigned | signed, sum_shape: unsigned | signed, channels: int, span: int = 1
    ) -> None:
        if not 1 <= span <= self.MAX_SPAN or span > max(channels, 1):
            limit = f"1 to {self.MAX_SPAN} and at most C = {channels}"
            raise ValueError(f"WindowSum span must be {limit}, not {span}")
        self._channels = channels
        self._sum_shape = Shape.cast(sum_shape)
        self.span = span
        self.value_offset = self.value_offset_for(span)
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
        shape = self._sum_shape
        m.submodules.mem = mem = ChannelMemory(shape, self._channels, transparent=True)
        m.d.comb += mem.rd_addr.eq(self.addr)

        def delayed(v: Value, n: int) -> Value:
            for _ in range(n):
                r = Signal(Value.cast(v).shape(), reset_less=True)
                m.d.sync += r.eq(v)
                v = r
            return v

        old = mem.rd_data if self.span == 1 else delayed(mem.rd_data, 1)
        value = self.value.as_signed() if shape.signed else self.value
        if self.span < 3:
            new = Mux(self.start, value, old + value)
            start, active = self.start, self.active
        else:
            half = shape.width // 2
            low = Mux(self.start, value[:half], old[:half] + value[:half])  # half + 1 bits: carry
            carry = delayed(low[half], 1)
            low_r = delayed(low[:half], 1)
            old_hi, value_hi = delayed(old[half:], 1), delayed((value >> half), 1)
            start, active = delayed(self.start, 1), delayed(self.active, 1)
            high = Mux(start, value_hi, old_hi + value_hi + carry)
            new = Cat(low_r, high[: shape.width - half])
        m.d.comb += [
            self.sum.eq(new),
            mem.wr_addr.eq(delayed(self.addr, self.span)),
            mem.wr_data.eq(self.sum),
            mem.wr_en.eq(active),
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
        # u^2 * 2^(2 G2) + Mu2_lo^2 is a concatenation (Mu2_lo^2 < 2^(2 G2)): one subtraction left
        square = Cat(lo_sq2, u_sq) - (u_lo << (g2 + 1))
        m.d.sync += self.dev.eq(Mux(en[2], square[: cfg.square_width], self.dev))
        return m
