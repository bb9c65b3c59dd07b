"""`output`: ``Y = overflow(rnd_t((X*2^G - Mu) * ms) + B)`` for every sample (spec §3)."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig, Rounding

from .arith import any_bits_below, overflow_to
from .pipeline import enable_chain

__all__ = ["Output"]


class Output(wiring.Component):
    """The per-sample path: one multiply, one subtraction, a rounded variable shift, beta, overflow.

    The mean in force is split as ``Mu = Mu_hi*2^G + Mu_lo``; with ``u = X - Mu_hi`` (Wi+1 bits),
    ``(X*2^G - Mu)*ms = (u*ms)*2^G - Mu_lo*ms``. The second product, `q`, changes once per window and
    comes precomputed, so the per-sample multiply is (Wi+1) x (M+1) bits: one 18x18 block at 16 bits,
    and none for ``pow2`` (``ms = +-1``).

    The shift ``t`` varies per channel and window in ``[t_min, t_max]``: a fixed shift by
    ``t_min - 1``, then a variable one; the last bit shifted out is the rounding bit and everything
    below it the sticky bit.

    Latency 6: u | product | Z | shift | round and beta | overflow.
    """

    latency = 6

    def __init__(self, cfg: NormConfig) -> None:
        self._cfg = cfg
        wi, g, mb = cfg.in_fmt.width, cfg.guard_bits, cfg.scale_mantissa_bits
        _, t_max = cfg.shift_range
        super().__init__(
            {
                "en": In(1),
                "x": In(signed(wi)),
                "mean_hi": In(signed(wi)),
                "mantissa": In(signed(mb + 1)),
                "q": In(signed(g + mb + 1)),
                "shift": In(range(t_max + 1)),
                "beta": In(signed(cfg.out_fmt.width)),
                "y": Out(signed(cfg.out_fmt.width)),
                "overflow": Out(1),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self._cfg
        wi, g, mb = cfg.in_fmt.width, cfg.guard_bits, cfg.scale_mantissa_bits
        t_min, t_max = cfg.shift_range
        pw = cfg.product_width

        en = enable_chain(m, self.en, self.latency)

        def reg(stage: int, value: object, shape: object, name: str) -> Signal:
            r = Signal(shape, reset_less=True, name=name)
            m.d.sync += r.eq(Mux(en[stage], value, r))
            return r

        def delay(sig: object, n: int, name: str) -> object:
            for i in range(n):
                sig = reg(i, sig, sig.shape(), f"{name}_d{i + 1}")
            return sig

        u = reg(0, self.x - self.mean_hi, signed(wi + 1), "u")
        ms1 = reg(0, self.mantissa, signed(mb + 1), "ms1")
        if cfg.scale == "pow2":
            prod_value = Mux(ms1[-1], -u, u)  # ms = +-1: a negation, no multiplier
        else:
            prod_value = u * ms1
        prod = reg(1, prod_value, signed(wi + mb + 2), "prod")
        q2 = delay(self.q, 2, "q")
        z = reg(2, (prod << g) - q2, signed(pw + 1), "z")
        # fixed part of the shift: t_min - 1 >= 0 bits, the rest is variable
        t3 = delay(self.shift, 3, "t")
        fixed = t_min - 1
        z1 = z >> fixed
        sticky1 = z[:fixed].any() if fixed else 0
        var = Signal(range(t_max - t_min + 1), name="var_shift")
        m.d.comb += var.eq(t3 - t_min)
        shifted = reg(3, z1 >> var, signed(len(z1)), "shifted")
        sticky = reg(3, sticky1 | any_bits_below(z1, var, t_max - t_min), unsigned(1), "sticky")
        half = shifted[0]
        quot = shifted >> 1
        if cfg.rounding is Rounding.TRUNCATE:
            up = 0
        elif cfg.rounding is Rounding.HALF_UP:
            up = half
        else:
            up = half & (sticky | quot[0])
        beta4 = delay(self.beta, 4, "beta")
        pre = reg(4, quot + up + beta4, signed(len(quot) + 2), "pre")
        y, out_of_range = overflow_to(pre, cfg.out_fmt, cfg.overflow)
        with m.If(en[5]):
            m.d.sync += [self.y.eq(y), self.overflow.eq(out_of_range)]
        return m
