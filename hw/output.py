"""`output`: ``Y = overflow(rnd_t((X*2^G - Mu) * ms) + B)`` for every sample (spec §3)."""

from __future__ import annotations

from amaranth.hdl import ClockSignal, Instance, Module, Mux, Signal, Value, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig, Rounding

from .arith import any_bits_below, overflow_to
from .pipeline import enable_chain

__all__ = ["DSP_STYLES", "Output", "ecp5_registered_multiply"]

#: How the per-sample product is built: portable Verilog `*`, or an ECP5 MULT18X18D instance
#: whose own input and output registers hold the pipeline (Yosys infers only its combinational
#: mode, whose 4 ns leaves no room for routing at 200 MHz).
DSP_STYLES = ("generic", "ecp5")


def ecp5_registered_multiply(m: Module, a: Value, b: Value, en_in: Value, en_out: Value) -> Signal:
    """``a * b`` (signed, up to 18 bits each) in one MULT18X18D, inputs registered when `en_in`,
    the product registered when `en_out`: the same two pipeline stages as registers around `*`."""
    a18 = Signal(signed(18))
    b18 = Signal(signed(18))
    product = Signal(signed(36))
    m.d.comb += [a18.eq(a), b18.eq(b)]
    ports: dict[str, object] = {
        "p_REG_INPUTA_CLK": "CLK0",
        "p_REG_INPUTA_CE": "CE0",
        "p_REG_INPUTA_RST": "RST0",
        "p_REG_INPUTB_CLK": "CLK0",
        "p_REG_INPUTB_CE": "CE0",
        "p_REG_INPUTB_RST": "RST0",
        "p_REG_OUTPUT_CLK": "CLK0",
        "p_REG_OUTPUT_CE": "CE1",
        "p_REG_OUTPUT_RST": "RST0",
        "p_REG_PIPELINE_CLK": "NONE",
        "p_REG_INPUTC_CLK": "NONE",
        "p_GSR": "DISABLED",
        "p_RESETMODE": "SYNC",
        "i_SIGNEDA": 1,
        "i_SIGNEDB": 1,
        "i_SOURCEA": 0,
        "i_SOURCEB": 0,
        "i_CLK0": ClockSignal(),
        "i_CE0": en_in,
        "i_CE1": en_out,
        "i_RST0": 0,
    }
    for i in range(18):
        ports[f"i_A{i}"] = a18[i]
        ports[f"i_B{i}"] = b18[i]
        ports[f"i_C{i}"] = 0
    for i in range(36):
        ports[f"o_P{i}"] = product[i]
    m.submodules.mult = Instance("MULT18X18D", **ports)
    return product


class Output(wiring.Component):
    """The per-sample path: one multiply, one subtraction, a rounded variable shift, beta, overflow.

    The mean in force is split as ``Mu = Mu_hi*2^G + Mu_lo``; with ``u = X - Mu_hi`` (Wi+1 bits),
    ``(X*2^G - Mu)*ms = (u*ms)*2^G - Mu_lo*ms``. The second product, `q`, changes once per window and
    comes precomputed, so the per-sample multiply is (Wi+1) x (M+1) bits: one 18x18 block at 16 bits,
    and none for ``pow2`` (``ms = +-1``).

    The shift ``t`` varies per channel and window in ``[t_min, t_max]``: a fixed shift by
    ``t_min - 1``, then a variable one; the last bit shifted out is the rounding bit and everything
    below it the sticky bit.

    Latency 7: u | product | Z | shift | beta | rounding increment | overflow, one carry chain per
    stage at most.
    """

    latency = 7

    def __init__(self, cfg: NormConfig, dsp: str = "generic") -> None:
        if dsp not in DSP_STYLES:
            raise ValueError(f"dsp must be one of {', '.join(DSP_STYLES)}, not {dsp!r}")
        self._cfg = cfg
        # an ECP5 multiplier block with its own input and output registers, where it applies
        self._ecp5 = (
            dsp == "ecp5"
            and cfg.scale == "exact"
            and cfg.in_fmt.width + 1 <= 18
            and cfg.scale_mantissa_bits + 1 <= 18
        )
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

        if self._ecp5:
            prod = ecp5_registered_multiply(m, self.x - self.mean_hi, self.mantissa, en[0], en[1])
            prod = prod[: wi + mb + 2].as_signed()
        else:
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
        with_beta = reg(4, quot + beta4, signed(len(quot) + 2), "with_beta")
        up5 = reg(4, up, unsigned(1), "up")
        pre = reg(5, with_beta + up5, signed(len(quot) + 3), "pre")
        y, out_of_range = overflow_to(pre, cfg.out_fmt, cfg.overflow)
        with m.If(en[6]):
            m.d.sync += [self.y.eq(y), self.overflow.eq(out_of_range)]
        return m
