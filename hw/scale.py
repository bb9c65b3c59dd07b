"""`scale`: once per window and channel, ``r = gamma*g/(A + eps)`` as a mantissa and a shift (spec §3).

A fully pipelined unit (one new window result per cycle, so C = 1 with k = 0 keeps II = 1): for
p = 2 an integer square root first, then the normalized reciprocal, a restoring division with one
quotient bit per stage and the configured rounding of the exact quotient.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Value, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig, Rounding

from .arith import leading_zeros_by_chunk, leading_zeros_from_chunks
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

    Latency ``width/2 + 2``: one stage per result bit, then the rounding decision and increment.
    """

    def __init__(self, width: int, rounding: Rounding) -> None:
        if width % 2:
            raise ValueError(f"IntegerSqrt needs an even width, not {width}")
        self._n = width // 2
        self._rounding = rounding
        self.latency = self._n + 2
        super().__init__({"en": In(1), "value": In(unsigned(width)), "root": Out(unsigned(self._n + 1))})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        n = self._n
        en = enable_chain(m, self.en, n + 1)
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
        # rounding in two stages, one carry chain each: the decision, then the increment
        up = Const(0, 1) if self._rounding is Rounding.TRUNCATE else (rem > root)
        up_r = load_when(m, en[n], up, name="up")
        root_r = load_when(m, en[n], root, name="root_last")
        m.d.sync += self.root.eq(Mux(en[n + 1], root_r + up_r, self.root))
        return m


class Reciprocal(wiring.Component):
    """Normalized rounded quotient ``m ~ kk * 2^sh / d`` with ``2^(M-1) <= m < 2^M`` (spec §3).

    `d` is normalized by its leading one (`pd`); `below` says whether the numerator's mantissa is
    below the denominator's (one more quotient bit); `carry` whether rounding overflowed the mantissa
    (then ``m = 2^(M-1)``). Latency ``M + 7``: leading zeros (two stages), normalize (two stages),
    first bit, ``M - 1`` restoring division stages, then rounding in three stages. No stage holds
    more than one carry chain or shifter.
    """

    def __init__(self, d_width: int, kk_width: int, mant_bits: int, rounding: Rounding) -> None:
        self._wd, self._wk, self._m, self._rounding = d_width, kk_width, mant_bits, rounding
        self._w = max(d_width, kk_width)
        self.latency = mant_bits + 7
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
        # leading zeros of d in two stages (per byte, then across bytes): the normalizing shift
        anys, counts = leading_zeros_by_chunk(self.d)
        en0 = p.get("valid", 0)
        anys = [load_when(m, en0, a, name=f"lz_any{i}") for i, a in enumerate(anys)]
        counts = [load_when(m, en0, c, name=f"lz_count{i}") for i, c in enumerate(counts)]
        lz = leading_zeros_from_chunks(anys, counts, self._wd) + (w - self._wd)
        p.reg("lz", lz[: len(Const(w))], 1)
        p.reg("pd", (w - 1 - p.get("lz", 2))[: len(Const(w))], 2)
        # the normalizing shift in two stages: whole bytes, then the bits within one
        lz = p.get("lz", 2)
        p.reg("coarse", (p.get("d", 2) << Cat(Const(0, 3), lz[3:]))[:w], 2)
        p.reg("dn", (p.get("coarse", 3) << p.get("lz", 3)[:3])[:w], 3)
        top = 4  # the stage where the normalized divisor is ready
        dn = p.get("dn", top)
        kn = p.get("kk", top) << (w - self._wk)
        # the first quotient bit is always 1: the numerator is aligned into [dn, 2 dn). Both
        # candidates are subtracted in parallel; the sign of the first picks one.
        r_one = kn - dn
        r_two = (kn << 1) - dn
        below = r_one[-1]
        p.put("below", below, top)
        p.reg("r0", Mux(below, r_two, r_one)[:w], top)
        rem, q = p.get("r0", top + 1), Const(1, big_m)
        for i in range(1, big_m):
            stage = top + i
            en = p.get("valid", stage)
            trial = (rem << 1) - p.get("dn", stage)
            ge = ~trial[-1]
            rem = load_when(m, en, Mux(ge, trial, rem << 1)[:w], name=f"rem{i}")
            q = load_when(m, en, ((q << 1) | ge)[:big_m], name=f"q{i}")
        last = top + big_m
        en, en1 = p.get("valid", last), p.get("valid", last + 1)
        # rounding in three stages, one carry chain or tree each: the remainder against half the
        # divisor, the decision from its sign and zero test, the increment
        q_last = load_when(m, en, q, name="q_last")
        if self._rounding is Rounding.TRUNCATE:
            up: Value = Const(0, 1)
        else:
            excess = load_when(m, en, (rem << 1) - p.get("dn", last), name="excess")
            if self._rounding is Rounding.HALF_UP:
                decision = ~excess[-1]
            else:
                decision = ~excess[-1] & ((excess != 0) | q_last[0])
            up = load_when(m, en1, decision, name="up")
        q_round = load_when(m, en1, q_last, name="q_round")
        rounded = q_round + up
        carry = rounded[big_m]
        final = last + 2
        en, pd, below = p.get("valid", final), p.get("pd", final), p.get("below", final)
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
        sqrt = _sqrt_width(cfg) // 2 + 2 if cfg.p == 2 else 0
        return sqrt + 1 + (cfg.scale_mantissa_bits + 7) + 1

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
