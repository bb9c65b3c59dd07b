"""`window_sums`: the per-sample deviation term and the per-channel window accumulators."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, Shape, Signal, Value, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig

from .arith import abs_value
from .channel_memory import ChannelMemory
from .pipeline import enable_chain, load_when, retime
from .primitives import DspStyle

__all__ = ["Deviation", "WindowSum"]


class WindowSum(wiring.Component):
    """One window accumulator per channel: ``S = v`` on a window's first sample, else ``S + v``.

    Timing: `addr` (the channel) at stage s; `start` at s + 1; `valid`, `active` and `value` at
    ``s + value_offset``; `sum` (the updated sum) at ``s + span`` (`span_for`; two samples of one
    channel are at least C cycles apart). Each stage holds one adder, nothing after it: a
    window's first sample clears the old sum as it is read (`ChannelMemory.rd_clear`: a
    flip-flop's synchronous reset, or the block RAM's output-register reset), it does not select
    after the addition.

    * C > 3: the sums live in memory (LUT RAM, or block RAM past 32 channels); the low half of the
      sum is added, with its carry, as the old sum arrives, the high half a stage later, and the new
      sum is written back then, before the channel is read again (C > span), so the read need not
      be transparent.
    * C <= 3: the sums live in C registers that rotate with every beat (`valid`), the oldest, the
      channel's own, coming round to the adder as the channel's next beat arrives: the loop holds
      the adder and nothing else, at C = 1 included.

    Parameters
    ----------
    value_shape, sum_shape:
        Shapes of one summand and of the sum (``log2 N`` bits wider, from the configuration).
    channels:
        C (per lane).
    style:
        Vendor primitives for a deep memory (`channel_memory.ChannelMemory`).
    """

    #: Channels up to which the sums are registers rather than memory.
    MAX_REGISTERS = 3

    @staticmethod
    def span_for(channels: int) -> int:
        """Cycles from the read address to the updated sum: C for the registers, else the memory's
        read and then the high half of the adder."""
        if channels <= WindowSum.MAX_REGISTERS:
            return channels
        return ChannelMemory.read_latency_for(channels) + 1

    @staticmethod
    def latency_for(span: int) -> int:
        """Cycles from the address to the updated sum: the span itself."""
        return span

    @staticmethod
    def value_offset_for(channels: int) -> int:
        """Cycles from the address to the summand: the low half is added as the old sum arrives."""
        if channels <= WindowSum.MAX_REGISTERS:
            return min(channels, 2)
        return ChannelMemory.read_latency_for(channels)

    def __init__(
        self,
        value_shape: unsigned | signed,
        sum_shape: unsigned | signed,
        channels: int,
        style: DspStyle = DspStyle.GENERIC,
    ) -> None:
        self._channels = channels
        self._style = style
        self._sum_shape = Shape.cast(sum_shape)
        self.span = self.span_for(channels)
        self.value_offset = self.value_offset_for(channels)
        self.latency = self.latency_for(self.span)
        super().__init__(
            {
                "addr": In(range(max(2, channels))),
                "start": In(1),
                "valid": In(1),
                "active": In(1),
                "value": In(value_shape),
                "sum": Out(sum_shape),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        shape = self._sum_shape
        value = self.value.as_signed() if shape.signed else self.value

        def delayed(v: Value, n: int) -> Value:
            for _ in range(n):
                r = Signal(Value.cast(v).shape(), reset_less=True)
                m.d.sync += r.eq(v)
                v = r
            return v

        # `start` arrives at s + 1; the adder sees it at s + value_offset
        start = delayed(self.start, self.value_offset - 1)
        if self._channels <= self.MAX_REGISTERS:
            regs = [Signal(shape, reset_less=True, name=f"sum{i}") for i in range(self._channels)]
            head = regs[-1]
            new = Mux(start, 0, head) + value
            with m.If(self.valid):
                m.d.sync += regs[0].eq(Mux(self.active, new, head))
                m.d.sync += [regs[i].eq(regs[i - 1]) for i in range(1, self._channels)]
            m.d.comb += self.sum.eq(delayed(new, self.span - self.value_offset))
            return m

        m.submodules.mem = mem = ChannelMemory(shape, self._channels, style=self._style)
        m.d.comb += [mem.rd_addr.eq(self.addr), mem.rd_clear.eq(self.start)]
        old = mem.rd_data
        half = shape.width // 2
        low = old[:half] + value[:half]  # half + 1 bits: the carry
        carry, low_r = delayed(low[half], 1), delayed(low[:half], 1)
        high = delayed(old[half:], 1) + delayed(value >> half, 1) + carry
        new = Cat(low_r, high[: shape.width - half])
        # a block RAM sits far from the adder: its write gets a register of its own (and lands a
        # cycle later, long before the channel is read again)
        late = int(mem.block)
        m.d.comb += [
            self.sum.eq(new),
            mem.wr_addr.eq(delayed(self.addr, self.span + late)),
            mem.wr_data.eq(delayed(new, late)),
            mem.wr_en.eq(delayed(self.active, self.span - self.value_offset + late)),
        ]
        return m


class Deviation(wiring.Component):
    """The per-sample summand of the deviation sum: ``|X*2^G - Mu|`` (p = 1) or the square (p = 2).

    p = 1, latency 2: the centred sample, then its magnitude. p = 2, latency 3 (either plus `extra`
    register stages, see `timing.Retiming`): with ``Mu2 = Mu2_hi*2^G2 + Mu2_lo`` (the mean on the
    squares' grid, computed once per window) and ``u = X - Mu2_hi``, the square ``(X*2^G2 - Mu2)^2`` is
    ``u^2 * 2^(2 G2) - u*Mu2_lo * 2^(G2+1) + Mu2_lo^2``: two (Wi+1)-bit products per sample, each one
    multiplier block, instead of one 2(Wi+G2)-bit square.
    """

    def __init__(self, cfg: NormConfig, extra: int = 0) -> None:
        self._cfg = cfg
        self._extra = extra
        wi, g = cfg.in_fmt.width, cfg.guard_bits
        ports: dict[str, object] = {"en": In(1), "x": In(signed(wi)), "mean": In(signed(cfg.mean_width))}
        self.latency = self.latency_for(cfg, extra)
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
    def latency_for(cfg: NormConfig, extra: int = 0) -> int:
        return (2 if cfg.p == 1 else 3) + extra

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self._cfg
        en = enable_chain(m, self.en, 3)
        dev = Signal.like(self.dev, name="dev_term")
        m.d.comb += self.dev.eq(retime(m, en[self.latency - self._extra], dev, self._extra, "dev"))
        if cfg.p == 1:
            centered = load_when(m, en[0], (self.x << self._g) - self.mean, name="centered")
            m.d.sync += dev.eq(Mux(en[1], abs_value(centered)[: cfg.dev_width], dev))
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
        m.d.sync += dev.eq(Mux(en[2], square[: cfg.square_width], dev))
        return m
