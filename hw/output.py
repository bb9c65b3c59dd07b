"""`output`: ``Y = overflow(rnd_t((X*2^G - Mu) * ms) + B)`` for every sample (spec §3)."""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig, Rounding, Scale

from .arith import any_bits_below, overflow_select
from .pipeline import enable_chain, retime
from .primitives import DspStyle, ecp5_registered_multiply

__all__ = ["Output"]


#: Bits of the unsigned low part of the centred sample that go into one 18 x 18 block.
DSP_LOW_BITS = 18


class Output(wiring.Component):
    """The per-sample path: the centred sample, one multiply, a rounded variable shift, beta, overflow.

    ``Z = (X*2^G - Mu) * ms`` exactly: the centred sample ``u`` has ``Wi + G + 1`` bits, so with
    ``dsp = ECP5`` the product is two MULT18X18D blocks (the low 18 bits of ``u`` unsigned, the rest
    signed) and one adder; with ``pow2`` the mantissa is +-1 and the product a negation.

    The shift ``t`` varies per channel and window in ``[t_min, t_max]``: a fixed shift by
    ``t_min - 1``, then a variable one; the last bit shifted out is the rounding bit and everything
    below it the sticky bit. Beta is added, then the rounding increment, then the result is brought
    into the output format (saturated or wrapped), its range judged by its top bits alone.

    Latency: u | product (exact: 3 stages, the block's input and output registers and the sum of
    the partial products; pow2: 1) | shift (two stages) | beta | increment | range | saturation,
    one carry chain
    or two levels of logic per stage at most (plus `extra` register stages, see `timing.Retiming`).
    """

    def __init__(self, cfg: NormConfig, dsp: DspStyle = DspStyle.GENERIC, extra: int = 0) -> None:
        dsp = DspStyle(dsp)
        self._cfg = cfg
        self._extra = extra
        self.latency = self.latency_for(cfg, extra)
        self._base = self.latency - extra
        u_width = cfg.in_fmt.width + cfg.guard_bits + 1
        # two ECP5 multiplier blocks with their own input and output registers, where they apply
        self._ecp5 = (
            dsp is DspStyle.ECP5
            and cfg.scale is Scale.EXACT
            and u_width <= DSP_LOW_BITS + 18
            and cfg.scale_mantissa_bits + 1 <= 18
        )
        _, t_max = cfg.shift_range
        super().__init__(
            {
                "en": In(1),
                "x": In(signed(cfg.in_fmt.width)),
                "mean": In(signed(cfg.mean_width)),
                "mantissa": In(signed(cfg.scale_mantissa_bits + 1)),
                "shift": In(range(t_max + 1)),
                "beta": In(signed(cfg.out_fmt.width)),
                "y": Out(signed(cfg.out_fmt.width)),
                "overflow": Out(1),
            }
        )

    @staticmethod
    def product_latency(cfg: NormConfig) -> int:
        return 3 if cfg.scale is Scale.EXACT else 1

    @staticmethod
    def latency_for(cfg: NormConfig, extra: int = 0) -> int:
        return 1 + Output.product_latency(cfg) + 6 + extra

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self._cfg
        g, wi = cfg.guard_bits, cfg.in_fmt.width
        t_min, t_max = cfg.shift_range
        en = enable_chain(m, self.en, self._base)
        stage = 0

        def reg(value: object, shape: object, name: str, at: int | None = None) -> Signal:
            r = Signal(shape, reset_less=True, name=name)
            m.d.sync += r.eq(Mux(en[stage if at is None else at], value, r))
            return r

        def delay(sig: Value, n: int, name: str) -> Value:
            for i in range(n):
                sig = reg(sig, sig.shape(), f"{name}_d{i + 1}", at=i)
            return sig

        u_width = wi + g + 1
        u = reg((self.x << g) - self.mean, signed(u_width), "u")
        ms1 = reg(self.mantissa, self.mantissa.shape(), "ms1")
        stage += 1
        z_width = cfg.product_width + 1
        fixed = t_min - 1  # bits shifted out whatever the shift: they only matter as sticky
        # Alongside Z, whether any of its lowest bits is set, from bits that are final before Z is:
        # the sticky bit of the fixed shift is then a short OR in the next stage, not a wide one.
        if cfg.scale is Scale.POW2:
            z = reg(Mux(ms1[-1], -u, u), signed(z_width), "z")  # ms = +-1: a negation
            early = fixed  # -u has its lowest set bit where u has it
            low_any = reg(u[:early].any(), unsigned(1), "z_low_any")
            stage += 1
        elif self._ecp5 and u_width <= DSP_LOW_BITS:  # one block does it
            prod = ecp5_registered_multiply(m, u, ms1, en[1], en[2], name="mult")
            stage += 2
            z = reg(prod[:z_width].as_signed(), signed(z_width), "z")
            early = fixed
            low_any = reg(prod[:early].any(), unsigned(1), "z_low_any")
            stage += 1
        elif self._ecp5:
            low = ecp5_registered_multiply(m, u[:DSP_LOW_BITS], ms1, en[1], en[2], False, "mult_lo")
            high = ecp5_registered_multiply(
                m, u[DSP_LOW_BITS:].as_signed(), ms1, en[1], en[2], name="mult_hi"
            )
            stage += 2
            # the low block's bits below 2^18 are final; the rest is one addition
            top = (high + low[DSP_LOW_BITS:].as_signed())[: z_width - DSP_LOW_BITS]
            z = reg(Cat(low[:DSP_LOW_BITS], top).as_signed(), signed(z_width), "z")
            early = min(fixed, DSP_LOW_BITS)
            low_any = reg(low[:early].any(), unsigned(1), "z_low_any")
            stage += 1
        else:
            prod = reg(u * ms1, signed(z_width), "prod")
            stage += 1
            prod2 = reg(prod, signed(z_width), "prod2")
            stage += 1
            z = reg(prod2, signed(z_width), "z")
            early = fixed
            low_any = reg(prod2[:early].any(), unsigned(1), "z_low_any")
            stage += 1
        # fixed part of the shift: t_min - 1 >= 0 bits; the rest, up to t_max - t_min, is variable,
        # in two stages (a 4:1 multiplexer per bit each): whole groups of four bits, then the bits
        # within one. The sticky bit ORs what falls off, by groups of four in the first stage.
        span = t_max - t_min
        var_in = Signal(range(span + 1), name="var_shift")
        m.d.comb += var_in.eq(self.shift - t_min)
        var = delay(var_in, stage, "var")
        z1 = z >> fixed
        sticky1 = low_any | z[early:fixed].any() if fixed > early else low_any
        coarse = var >> 2
        groups = [z1[4 * j : 4 * j + 4].any() for j in range((span + 3) // 4)]
        dropped = Cat(*(g & (coarse > j) for j, g in enumerate(groups))).any() if groups else Const(0, 1)
        s1 = reg(z1 >> (coarse << 2), signed(len(z1)), "shift_coarse")
        st1 = reg(sticky1 | dropped, unsigned(1), "sticky_coarse")
        fine = reg(var[:2], unsigned(2), "shift_fine")
        stage += 1
        shifted = reg(s1 >> fine, signed(len(z1)), "shifted")
        sticky = reg(st1 | any_bits_below(s1, fine, min(3, span)), unsigned(1), "sticky")
        stage += 1
        half = shifted[0]
        quot = shifted >> 1
        if cfg.rounding is Rounding.TRUNCATE:
            up = 0
        elif cfg.rounding is Rounding.HALF_UP:
            up = half
        else:
            up = half & (sticky | quot[0])
        beta_at = delay(self.beta, stage, "beta")
        with_beta = reg(quot + beta_at, signed(len(quot) + 2), "with_beta")
        up_r = reg(up, unsigned(1), "up")
        stage += 1
        pre = reg(with_beta + up_r, signed(len(quot) + 3), "pre")
        stage += 1
        # the range, judged by the top bits (all equal: in range), in a stage of its own, then the
        # saturation or wrap-around a multiplexer per bit
        top = pre[cfg.out_fmt.width - 1 :]
        top_any, top_all = reg(top.any(), unsigned(1), "top_any"), reg(top.all(), unsigned(1), "top_all")
        low = reg(pre[: cfg.out_fmt.width], unsigned(cfg.out_fmt.width), "low")
        negative = reg(pre[-1], unsigned(1), "negative")
        stage += 1
        y, out_of_range = overflow_select(low, negative, top_any, top_all, cfg.out_fmt, cfg.overflow)
        y_r = reg(y, self.y.shape(), "y_out")
        ovf_r = reg(out_of_range, unsigned(1), "overflow_out")
        stage += 1
        assert stage == self._base, "Output.latency_for disagrees with the stages built"
        m.d.comb += [
            self.y.eq(retime(m, en[stage], y_r, self._extra, "y")),
            self.overflow.eq(retime(m, en[stage], ovf_r, self._extra, "overflow")),
        ]
        return m
