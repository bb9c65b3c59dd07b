"""`scale`: once per window and channel, ``r = gamma*g/(A + eps)`` as a mantissa and a shift (spec §3).

A fully pipelined unit (one new window result per cycle, so C = 1 with k = 0 keeps II = 1): for
p = 2 an integer square root first, then the normalized reciprocal, a restoring division with one
quotient bit per stage and the configured rounding of the exact quotient.
"""

from __future__ import annotations

from amaranth.hdl import Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig, Rounding

from .arith import leading_one
from .pipeline import Pipeline, enable_chain, load_when

__all__ = ["IntegerSqrt", "Reciprocal", "Scale", "scale_constants"]


def scale_constants(cfg: NormConfig) -> list[tuple[int, int, int]]:
    """Per channel ``(kk, negative, tconst)``: the gain mantissa, its sign, and the constant part of
    the output shift, ``t = tconst + pD + below - carry`` (``tconst = M - 1 - ek - pK - Fo``)."""
    m, pk = cfg.scale_mantissa_bits, cfg.gain_numerator_bits - 1
    return [(kk, int(sign < 0), m - 1 - ek - pk - cfg.out_fmt.frac) for sign, kk, ek in cfg.gain_numerators]


def _sqrt_width(cfg: NormConfig) -> int:
    """The square root works on pairs of bits: the second moment's width, rounded up to even."""
    return cfg.second_moment_width + cfg.second_moment_width % 2


class IntegerSqrt(wiring.Component):
    """``isqrt(v)``: digit-by-digit, one result bit per stage; floor, or nearest unless truncating.

    Latency ``width/2 + 1``.
    """

    def __init__(self, width: int, rounding: Rounding) -> None:
        if width % 2:
            raise ValueError(f"IntegerSqrt needs an even width, not {width}")
        self._n = width // 2
        self._rounding = rounding
        self.latency = self._n + 1
        super().__init__({"en": In(1), "value": In(unsigned(width)), "root": Out(unsigned(self._n + 1))})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        n = self._n
        en = enable_chain(m, self.en, n)
        rem: object = Const(0, n + 3)
        root: object = Const(0, n)
        rest: object = self.value
        for stage, i in enumerate(reversed(range(n))):
            cur = (rem << 2) | rest[2 * i : 2 * i + 2]
            trial = (root << 2) | 1
            ge = cur >= trial
            rem = load_when(m, en[stage], Mux(ge, cur - trial, cur)[: n + 3], name=f"rem{i}")
            root = load_when(m, en[stage], ((root << 1) | ge)[:n], name=f"root{i}")
            rest = load_when(m, en[stage], rest, name=f"rest{i}")
        up = 0 if self._rounding is Rounding.TRUNCATE else (rem > root)
        m.d.sync += self.root.eq(Mux(en[n], root + up, self.root))
        return m


class Reciprocal(wiring.Component):
    """Normalized rounded quotient ``m ~ kk * 2^sh / d`` with ``2^(M-1) <= m < 2^M`` (spec §3).

    `d` is normalized by its leading one (`pd`); `below` says whether the numerator's mantissa is
    below the denominator's (one more quotient bit); `carry` whether rounding overflowed the mantissa
    (then ``m = 2^(M-1)``). Latency ``M + 3``: leading one, normalize, first bit, ``M - 1`` restoring
    division stages, rounding.
    """

    def __init__(self, d_width: int, kk_width: int, mant_bits: int, rounding: Rounding) -> None:
        self._wd, self._wk, self._m, self._rounding = d_width, kk_width, mant_bits, rounding
        self._w = max(d_width, kk_width)
        self.latency = mant_bits + 3
        super().__init__(
            {
                "en": In(1),
                "d": In(unsigned(d_width)),
                "kk": In(unsigned(kk_width)),
                "m": Out(unsigned(mant_bits)),
                "pd": Out(range(d_width)),
                "below": Out(1),
                "carry": Out(1),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        w, big_m = self._w, self._m
        p = Pipeline(m)
        p.put("valid", self.en, 0, gate=None)
        p.put("d", self.d, 0)
        p.put("kk", self.kk, 0)
        p.reg("pd", leading_one(self.d), 0)
        shift = Signal(range(w), name="norm_shift")
        m.d.comb += shift.eq(w - 1 - p.get("pd", 1))
        p.reg("dn", (p.get("d", 1) << shift)[:w], 1)
        dn = p.get("dn", 2)
        kn = p.get("kk", 2) << (w - self._wk)
        below = kn < dn
        p.put("below", below, 2)
        # the first quotient bit is always 1: the numerator is aligned into [dn, 2 dn)
        p.reg("r0", Mux(below, kn << 1, kn) - dn, 2)
        rem, q = p.get("r0", 3)[:w], Const(1, big_m)
        for i in range(1, big_m):
            stage = 2 + i
            twice = rem << 1
            ge = twice >= p.get("dn", stage)
            en = p.get("valid", stage)
            rem = load_when(m, en, Mux(ge, twice - p.get("dn", stage), twice)[:w], name=f"rem{i}")
            q = load_when(m, en, ((q << 1) | ge)[:big_m], name=f"q{i}")
        last = 2 + big_m
        dn_last = p.get("dn", last)
        if self._rounding is Rounding.TRUNCATE:
            up = Const(0, 1)
        elif self._rounding is Rounding.HALF_UP:
            up = (rem << 1) >= dn_last
        else:
            up = ((rem << 1) > dn_last) | (((rem << 1) == dn_last) & q[0])
        rounded = q + up
        carry = rounded[big_m]
        en, pd, below = p.get("valid", last), p.get("pd", last), p.get("below", last)
        m.d.sync += [
            self.m.eq(Mux(en, Mux(carry, 1 << (big_m - 1), rounded[:big_m]), self.m)),
            self.carry.eq(Mux(en, carry, self.carry)),
            self.pd.eq(Mux(en, pd, self.pd)),
            self.below.eq(Mux(en, below, self.below)),
        ]
        return m


class Scale(wiring.Component):
    """From the scale statistic to ``(mantissa, shift)`` of ``r``, for one channel per cycle.

    Inputs at stage 0: `stat` (A, or the second moment V for p = 2) and the channel's constants
    `kk`, `negative`, `tconst` (see `scale_constants`). Outputs after `latency` cycles.
    """

    def __init__(self, cfg: NormConfig) -> None:
        self._cfg = cfg
        _, t_max = cfg.shift_range
        self.d_width = cfg.denominator_width
        stat_width = cfg.dev_stat_width if cfg.p == 1 else cfg.second_moment_width
        k_const = scale_constants(cfg)
        t_lo = min(c for _, _, c in k_const)
        t_hi = max(c for _, _, c in k_const) + self.d_width + 1
        self._stat_width = stat_width
        self.latency = self.latency_for(cfg)
        super().__init__(
            {
                "en": In(1),
                "stat": In(unsigned(stat_width)),
                "kk": In(unsigned(cfg.gain_numerator_bits)),
                "negative": In(1),
                "tconst": In(range(min(t_lo, 0), max(t_hi, 1) + 1)),
                "mantissa": Out(signed(cfg.scale_mantissa_bits + 1)),
                "shift": Out(range(t_max + 1)),
            }
        )

    @staticmethod
    def latency_for(cfg: NormConfig) -> int:
        """Square root (p = 2), ``+ eps``, reciprocal, sign and shift."""
        sqrt = _sqrt_width(cfg) // 2 + 1 if cfg.p == 2 else 0
        return sqrt + 1 + (cfg.scale_mantissa_bits + 3) + 1

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self._cfg
        p = Pipeline(m)
        p.put("valid", self.en, 0, gate=None)
        for name in ("kk", "negative", "tconst"):
            p.put(name, getattr(self, name), 0)
        stage = 0
        stat = self.stat
        if cfg.p == 2:
            m.submodules.isqrt = sq = IntegerSqrt(_sqrt_width(cfg), cfg.rounding)
            m.d.comb += [sq.en.eq(self.en), sq.value.eq(stat)]
            stage += sq.latency
            stat = sq.root << (cfg.guard_bits - cfg.square_guard_bits)
        p.reg("d", stat + cfg.eps_code, stage)
        stage += 1
        m.submodules.recip = rc = Reciprocal(
            self.d_width, cfg.gain_numerator_bits, cfg.scale_mantissa_bits, cfg.rounding
        )
        m.d.comb += [
            rc.en.eq(p.get("valid", stage)),
            rc.d.eq(p.get("d", stage)),
            rc.kk.eq(p.get("kk", stage)),
        ]
        stage += rc.latency
        t = p.get("tconst", stage) + rc.pd + rc.below - rc.carry
        en, negative = p.get("valid", stage), p.get("negative", stage)
        m.d.sync += [
            self.shift.eq(Mux(en, t, self.shift)),
            self.mantissa.eq(Mux(en, Mux(negative, -rc.m, rc.m), self.mantissa)),
        ]
        return m
