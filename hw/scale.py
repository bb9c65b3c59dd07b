"""`scale`: once per window and channel, ``r = gamma*g/(A + eps)`` as a mantissa and a shift (spec §3).

A fully pipelined unit (one new window result per cycle, so C = 1 with k = 0 keeps II = 1): for
p = 2 an integer square root first, then the normalized reciprocal, a restoring division with one
quotient bit per stage and the configured rounding of the exact quotient.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Shape, Signal, Value, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig, Rounding

from .arith import leading_zeros_chunks, leading_zeros_combine
from .pipeline import Pipeline, enable_chain, load_when, retime
from .primitives import DspStyle, nonrestoring_step

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
        self.latency = self.latency_for(width)
        super().__init__({"en": In(1), "value": In(unsigned(width)), "root": Out(unsigned(self._n + 1))})

    @staticmethod
    def latency_for(width: int) -> int:
        return width // 2 + 2

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


#: Copies of an engine's load signal (see `Reciprocal._engine`).
_LOAD_COPIES = 4


def _register_copies(m: Module, value: Value, name: str) -> list[Value]:
    """`value` registered `_LOAD_COPIES` times, the copies kept apart (synthesis would merge them)."""
    copies = []
    for i in range(_LOAD_COPIES):
        r = Signal(name=f"{name}{i}", attrs={"keep": 1})
        m.d.sync += r.eq(value)
        copies.append(r)
    return copies


class Reciprocal(wiring.Component):
    """Normalized rounded quotient ``m ~ kk * 2^sh / d`` with ``2^(M-1) <= m < 2^M`` (spec §3).

    `d` is normalized by its leading one (`pd`); `below` says whether the numerator's mantissa is
    below the denominator's (one more quotient bit); `carry` whether rounding overflowed the mantissa
    (then ``m = 2^(M-1)``). Latency `latency_for`: leading zeros (`lz_stages`), normalize (two stages),
    the numerator's alignment (two), the first bit, ``M - 1`` non-restoring division stages, then rounding
    in three stages. No stage holds more than one carry chain or shifter, and no multiplexer
    follows a carry chain.
    """

    def __init__(
        self,
        d_width: int,
        kk_width: int,
        mant_bits: int,
        rounding: Rounding,
        style: DspStyle = DspStyle.GENERIC,
        rate: int = 1,
    ) -> None:
        if rate < 1:
            raise ValueError(f"Reciprocal rate must be at least 1, not {rate}")
        self._wd, self._wk, self._m, self._rounding = d_width, kk_width, mant_bits, rounding
        self._style = style
        self._rate = rate
        self._w = max(d_width, kk_width)
        self.latency = self.latency_for(mant_bits, self._w)  # (whatever the rate)
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

    @staticmethod
    def lz_stages(width: int) -> int:
        """Stages of the leading-zero count: per 4 bits, then per 4 groups until one is left."""
        groups, stages = -(-width // 16) * 4, 1
        while groups > 1:
            groups, stages = -(-groups // 4), stages + 1
        return stages

    @staticmethod
    def latency_for(mant_bits: int, width: int) -> int:
        """The leading-zero count, normalizing (two stages), the comparison (two), the first bit,
        M - 1 division steps, rounding (three stages)."""
        return Reciprocal.lz_stages(width) + 2 + 3 + (mant_bits - 1) + 3

    def _step(self, m: Module, rem: Value, dn: Value, name: str) -> Value:
        """One non-restoring step (`primitives.nonrestoring_step`)."""
        return nonrestoring_step(m, rem, dn, self._style, name)

    def _engines(self, m: Module, valid: Value, rem: Value, dn: Value) -> tuple[Value, Value, Value]:
        """The M - 1 division steps for jobs at least `rate` cycles apart: engines that each take a
        job for `rate` cycles and do one step per cycle, in place, then hand it on; the same
        latency as one stage per step, a `rate`-th of the registers."""
        steps = self._m - 1
        q: Value = Const(0, steps)
        loads = _register_copies(m, valid, "eng_load")  # `valid` a cycle early: see the caller
        done = e = 0
        while done < steps:
            n = min(self._rate, steps - done)
            rem, q, dn, loads = self._engine(m, e, n, loads, rem, q, dn)
            done, e = done + n, e + 1
        return rem, q, dn

    def _engine(
        self, m: Module, e: int, n: int, loads: list[Value], rem_in: Value, q_in: Value, dn_in: Value
    ) -> tuple[Value, Value, Value, list[Value]]:
        """Engine `e`: `n` steps over `n` cycles; its result (and copies of `done`) the cycle after.

        `loads` are copies of one register (kept apart by the `keep` attribute), each choosing the
        operands of a few bits: the selection is one look-up table in front of the carry chain,
        and no one register drives the whole width across the fabric."""
        load = loads[0]
        steps = self._m - 1
        rem = Signal(Value.cast(rem_in).shape(), name=f"eng{e}_rem", reset_less=True)
        dn = Signal(Value.cast(dn_in).shape(), name=f"eng{e}_dn", reset_less=True)
        q = Signal(steps, name=f"eng{e}_q", reset_less=True)
        # the load, delayed n - 1 cycles: the cycle of the n-th step (shift registers, no counter)
        last = load
        for i in range(n - 1):
            r = Signal(name=f"eng{e}_step{i + 2}")
            m.d.sync += r.eq(last)
            last = r
        # stepping after the load until the n-th step: set by the load, cleared by the last step
        run = Signal(name=f"eng{e}_run")
        if n > 1:
            m.d.sync += run.eq(load | (run & ~last))
        width = len(Value.cast(rem_in))

        def select(new: Value, own: Value) -> Value:
            """The operand bits, each chosen by one of the load's copies (a few bits each)."""
            n_bits = len(own)
            bits = [Mux(loads[i * len(loads) // n_bits], new[i], own[i]) for i in range(n_bits)]
            return Cat(*bits)

        src_rem, src_dn = select(Value.cast(rem_in), rem).as_signed(), select(Value.cast(dn_in), dn)
        src_q = select(Value.cast(q_in), q)
        assert len(src_rem) == width
        with m.If(load | run):  # idle, the engine holds still
            m.d.sync += [
                rem.eq(self._step(m, src_rem, src_dn, f"eng{e}_step")),
                dn.eq(src_dn),
                q.eq(Cat(~src_rem[-1], src_q)[:steps]),
            ]
        dones = _register_copies(m, last, f"eng{e}_done")
        return rem, q, dn, dones

    def elaborate(self, platform: object) -> Module:
        m = Module()
        w, big_m = self._w, self._m
        p = Pipeline(m, spacing=self._rate)
        p.put("valid", self.en, 0, gate=None)
        p.put("d", self.d, 0)
        p.put("kk", self.kk, 0)
        # leading zeros of d (zero-extended to w bits, and below to a multiple of 16 so every group
        # is a power of two wide): per 4 bits, per 16, then across, a stage each (d is never 0)
        padded = 16 * -(-w // 16)
        dz = Cat(Const(0, padded - w), self.d, Const(0, w - self._wd))
        anys, counts = leading_zeros_chunks(dz, 4)
        level = 0
        while True:
            en = p.get("valid", level)
            anys = [load_when(m, en, a, name=f"lz_any{level}_{i}") for i, a in enumerate(anys)]
            counts = [load_when(m, en, c, name=f"lz_count{level}_{i}") for i, c in enumerate(counts)]
            level += 1
            if len(anys) == 1:
                break
            anys, counts = leading_zeros_combine(anys, counts, 4)
        lz_stage = level  # the registered count of the one group left: the leading zeros of d
        assert lz_stage == self.lz_stages(w)
        p.put("lz", counts[0], lz_stage)
        p.reg("pd", (w - 1 - p.get("lz", lz_stage))[: len(Const(w))], lz_stage)
        # the normalizing shift in two stages: whole bytes, then the bits within one
        lz = p.get("lz", lz_stage)
        p.reg("coarse", (p.get("d", lz_stage) << Cat(Const(0, 3), lz[3:]))[:w], lz_stage)
        p.reg("dn", (p.get("coarse", lz_stage + 1) << p.get("lz", lz_stage + 1)[:3])[:w], lz_stage + 1)
        top = lz_stage + 2  # the stage where the normalized divisor is ready
        # the first quotient bit is always 1: the numerator is aligned into [dn, 2 dn), doubled
        # when its mantissa is below the divisor's (decided here, applied in the next stage, so no
        # stage holds a carry chain and then a multiplexer)
        # kn < dn on the numerator's wk significant bits only (its others are zero): a short
        # comparison beside an equality test and the OR of the divisor's low bits
        dn_top = p.get("dn", top)
        hi, lo = dn_top[w - self._wk :], dn_top[: w - self._wk]
        kk_top = p.get("kk", top)
        # (the comparison's carry chain in one stage, the OR with the equality in the next)
        p.reg("lt", kk_top < hi, top)
        p.reg("eq", (kk_top == hi) & lo.any() if w > self._wk else Const(0, 1), top)
        p.reg("below", p.get("lt", top + 1) | p.get("eq", top + 1), top + 1)
        kn1 = p.get("kk", top + 2) << (w - self._wk)
        p.reg("r0", (Mux(p.get("below", top + 2), kn1 << 1, kn1) - p.get("dn", top + 2))[: w + 1], top + 2)
        # non-restoring steps: the remainder stays signed in (-dn, dn) and each stage adds or
        # subtracts dn by the sign it was registered with, so the sign drives the adder's input and
        # nothing follows the carry chain. Its sign after each step is the restoring quotient bit.
        # A stage appends the quotient bit of the remainder it receives (a register's sign), so no
        # logic follows its carry chain either.
        first = top + 3
        rem, q = p.get("r0", first).as_signed(), Const(0, 0)
        if self._rate == 1:
            for i in range(1, big_m):
                stage = first + i - 1
                en = p.get("valid", stage)
                q = load_when(m, en, Cat(~rem[-1], q), name=f"q{i}")
                rem = load_when(m, en, self._step(m, rem, p.get("dn", stage), f"step{i}"), name=f"rem{i}")
            dn_last = p.get("dn", first + big_m - 1)
        else:
            rem, q, dn_last = self._engines(m, p.get("valid", first - 1), rem, p.get("dn", first))
        q = Cat(~rem[-1], q)  # the last bit, from the last remainder
        top = first - 1  # the rounding below starts after the last step, as before
        last = top + big_m
        en, en1 = p.get("valid", last), p.get("valid", last + 1)
        # rounding in three stages, one carry chain or tree each: the remainder against half the
        # divisor, the decision from its sign and zero test, the increment
        q_last = load_when(m, en, q, name="q_last")
        if self._rounding is Rounding.TRUNCATE:
            up: Value = Const(0, 1)
        else:
            # one more step: twice the (restoring) remainder minus the divisor
            excess = load_when(m, en, self._step(m, rem, dn_last, "step_excess"), name="excess")
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
    `kk`, `negative`, `tconst` (see `scale_constants`). Outputs after `latency` cycles. With
    `rate` > 1 the jobs must come at least that many cycles apart, and the division takes a
    `rate`-th of the registers (`Reciprocal`'s engines).
    """

    def __init__(
        self, cfg: NormConfig, extra: int = 0, style: DspStyle = DspStyle.GENERIC, rate: int = 1
    ) -> None:
        self._cfg = cfg
        self._extra = extra
        self._style = style
        self._rate = rate
        self.d_width = cfg.denominator_width
        stat_width = cfg.dev_stat_width if cfg.p == 1 else cfg.second_moment_width
        k_const = scale_constants(cfg)
        t_lo = min(c for _, _, c in k_const)
        t_hi = max(c for _, _, c in k_const) + self.d_width + 1
        self._stat_width = stat_width
        self.latency = self.latency_for(cfg, extra)
        super().__init__(
            {
                "en": In(1),
                "stat": In(unsigned(stat_width)),
                "kk": In(unsigned(cfg.gain_numerator_bits)),
                "negative": In(1),
                "tconst": In(range(min(t_lo, 0), max(t_hi, 1) + 1)),
                "mantissa": Out(self.mantissa_shape(cfg)),
                "shift": Out(self.shift_shape(cfg)),
            }
        )

    @staticmethod
    def mantissa_shape(cfg: NormConfig) -> Shape:
        """The signed mantissa ``ms`` of r."""
        return signed(cfg.scale_mantissa_bits + 1)

    @staticmethod
    def shift_shape(cfg: NormConfig) -> Shape:
        """The output shift ``t``, in ``[t_min, t_max]``."""
        return Shape.cast(range(cfg.shift_range[1] + 1))

    @staticmethod
    def latency_for(cfg: NormConfig, extra: int = 0) -> int:
        """Square root (p = 2), ``+ eps``, reciprocal, sign and shift (plus `extra` stages)."""
        sqrt = IntegerSqrt.latency_for(_sqrt_width(cfg)) if cfg.p == 2 else 0
        width = max(cfg.denominator_width, cfg.gain_numerator_bits)
        return sqrt + 1 + Reciprocal.latency_for(cfg.scale_mantissa_bits, width) + 1 + extra

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self._cfg
        p = Pipeline(m, spacing=self._rate)
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
            self.d_width,
            cfg.gain_numerator_bits,
            cfg.scale_mantissa_bits,
            cfg.rounding,
            self._style,
            self._rate,
        )
        m.d.comb += [
            rc.en.eq(p.get("valid", stage)),
            rc.d.eq(p.get("d", stage)),
            rc.kk.eq(p.get("kk", stage)),
        ]
        stage += rc.latency
        t = p.get("tconst", stage) + rc.pd + rc.below - rc.carry
        en, negative = p.get("valid", stage), p.get("negative", stage)
        shift = Signal.like(self.shift, name="shift_out")
        mantissa = Signal.like(self.mantissa, name="mantissa_out")
        m.d.sync += [
            shift.eq(Mux(en, t, shift)),
            mantissa.eq(Mux(en, Mux(negative, -rc.m, rc.m), mantissa)),
        ]
        valid = p.get("valid", stage + 1)
        m.d.comb += [
            self.shift.eq(retime(m, valid, shift, self._extra, "shift")),
            self.mantissa.eq(retime(m, valid, mantissa, self._extra, "mantissa")),
        ]
        return m
