"""A slow, per-sample, pure-Python-int reference of `docs/spec.md`.

It is written from the spec alone, as an independent check on the golden model: it never reads
the golden model's arithmetic (`formats`, `stages`, `stream`, `fixed`, `gain`, `coefficients`,
`params`). From `NormConfig` it takes only the configuration contract (formats, window, the decay
and mix keys, p, scale, rounding, overflow, gamma, beta and the derived constants G, G2, S, E, M,
dev_stat_max); the gain numerators, the coefficients and every run-time quantization are
recomputed here from the spec's formulas, one sample at a time, and checked against the
configuration's own where it states them.

Speed is deliberately not a goal: every value is a Python int (or an exact `Fraction` in the
scale stage), so nothing can silently overflow or round, and each line maps to a line of the spec.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from streamnorm.golden.config import NormConfig

__all__ = [
    "ChannelStats",
    "ReferenceNorm",
    "Refused",
    "gain_numerator",
    "gamma_register",
    "gaussian_constant",
    "isqrt_rounded",
    "normalize_round",
    "quantize",
    "quantize_beta",
    "quantize_coefficient",
    "reciprocal_scale",
    "rnd",
    "round_quotient",
    "sqrt_2_over_pi",
]

#: spec §2: |gamma| in 2^-8..2^8; Fg = MK + 9, Wg = Fg + 10; Fq = MK + 3; 16-bit coefficients.
GAMMA_LOG2 = 8
COEFFICIENT_BITS = 16


class Refused(ValueError):
    """A run-time write the spec refuses; `field` is what it names."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"{field}: {why}")
        self.field = field


# ---- spec §1: rounding ------------------------------------------------------------------------
def round_quotient(n: int, q: int, mode: str) -> int:
    """The integer nearest the exact quotient ``n / q`` (``q > 0``) under ``mode``.

    This is the single rounding primitive: ``rnd_s(v)`` is ``round_quotient(v, 2**s)`` and
    ``div(n, q)`` is ``round_quotient(n, q)``, exactly as the spec defines both.
    """
    if q <= 0:
        raise ValueError(f"divisor must be positive, not {q}")
    floor, rem = divmod(n, q)  # Python's divmod floors, so 0 <= rem < q even for negative n
    if mode == "truncate":
        return floor
    if mode not in ("half_up", "half_even"):
        raise ValueError(f"unknown rounding mode {mode!r}")
    # Compare the fraction rem/q with 1/2 in integers to stay exact.
    if 2 * rem < q:
        return floor
    if 2 * rem > q:
        return floor + 1
    if mode == "half_up":
        return floor + 1
    return floor if floor % 2 == 0 else floor + 1


def rnd(v: int, s: int, mode: str) -> int:
    """``rnd_s(v)``: ``v / 2**s`` rounded to an integer (``s >= 0``; ``rnd_0(v) = v``)."""
    if s < 0:
        raise ValueError(f"rnd_s needs s >= 0, not {s}")
    return round_quotient(v, 1 << s, mode)


def isqrt_rounded(v: int, mode: str) -> int:
    """``isqrt(V)``: floor of the square root for truncate, else the nearest integer."""
    if v < 0:
        raise ValueError(f"isqrt of a negative value {v}")
    r = math.isqrt(v)
    if mode == "truncate":
        return r
    # sqrt(v) >= r + 1/2  <=>  v >= r^2 + r + 1/4  <=>  v > r^2 + r for integer v (never a tie).
    return r + 1 if v - r * r > r else r


def _round_fraction(x: Fraction, mode: str) -> int:
    return round_quotient(x.numerator, x.denominator, mode)


def _floor_log2(x: Fraction) -> int:
    """The e with 2**e <= x < 2**(e+1), for a positive exact fraction."""
    e = x.numerator.bit_length() - x.denominator.bit_length()
    # The bit-length estimate is off by at most one; settle it with exact comparisons.
    while x < Fraction(2) ** e:
        e -= 1
    while x >= Fraction(2) ** (e + 1):
        e += 1
    return e


# ---- spec §1–2: the constants ----------------------------------------------------------------
def quantize(value: Fraction, frac: int, mode: str) -> int:
    """spec §1: a real quantized to `frac` fraction bits, the integer nearest ``value·2^frac``."""
    return _round_fraction(value * Fraction(2) ** frac, mode)


def sqrt_2_over_pi(digits: int = 60) -> Decimal:
    """sqrt(2/pi) to `digits` digits, with pi from Machin's formula (no float anywhere)."""
    with localcontext() as ctx:
        ctx.prec = digits + 10

        def arctan_inv(x: int) -> Decimal:
            total, power, n, sign = Decimal(0), Decimal(1) / x, 1, 1
            while power > Decimal(10) ** -(digits + 5):
                total += sign * power / n
                power /= x * x
                n, sign = n + 2, -sign
            return total

        pi = 16 * arctan_inv(5) - 4 * arctan_inv(239)
        return +(Decimal(2) / pi).sqrt()


def gaussian_constant(gaussian: bool, mk: int, mode: str) -> tuple[int, int]:
    """``(gq, Fq)``: g = sqrt(2/pi) quantized to ``Fq = MK + 3`` bits, or ``(1, 0)`` for g = 1."""
    if not gaussian:
        return 1, 0
    fq = mk + 3
    return quantize(Fraction(sqrt_2_over_pi()), fq, mode), fq


def gamma_register(value: Fraction, mk: int, mode: str) -> tuple[int, int]:
    """``(γc, Fg)``: gamma in gamma_fmt, sign-magnitude (the magnitude rounded, the sign kept)."""
    fg = mk + GAMMA_LOG2 + 1
    code = quantize(abs(value), fg, mode)
    return (code if value > 0 else -code), fg


def normalize_round(p: int, mk: int, mode: str) -> tuple[int, int]:
    """``(kk, s)``: the top `mk` bits of a positive integer `p`, ``kk = rnd_s(p)``, renormalized."""
    s = p.bit_length() - mk
    assert s >= 2, "spec §2: |γc| >= 2^(MK+1), so at least two bits are rounded off"
    kk = rnd(p, s, mode)
    if kk == 1 << mk:
        kk, s = kk >> 1, s + 1
    return kk, s


def gain_numerator(code: int, fg: int, gaussian: tuple[int, int], mk: int, mode: str) -> tuple[int, int, int]:
    """``Kc = (sign, kk, ek)`` from a gamma register code (spec §2, `normalize_round(|γc|·gq)`)."""
    gq, fq = gaussian
    kk, s = normalize_round(abs(code) * gq, mk, mode)
    return (1 if code > 0 else -1), kk, s - fg - fq


def quantize_coefficient(value: Fraction, mode: str) -> tuple[int, int]:
    """``(cc, Fc)`` for a weight given as a value: ``Fc = 15 - floor(log2 c)``, then quantized."""
    fc = COEFFICIENT_BITS - 1 - _floor_log2(value)
    code = quantize(value, fc, mode)
    if not 1 <= code <= (1 << fc) - 1:
        raise Refused("coefficient", f"{value} quantizes to {code} at {fc} bits")
    return code, fc


def quantize_beta(value: Fraction, out_frac: int, mode: str) -> int:
    """``Bc``: beta rounded onto the output grid (range checking is the caller's job)."""
    return quantize(value, out_frac, mode)


# ---- spec §3: scale ---------------------------------------------------------------------------
def reciprocal_scale(
    kk: int, ek: int, stat_frac: int, d: int, m_bits: int, out_frac: int, mode: str
) -> tuple[int, int]:
    """The unsigned mantissa ``m`` and output shift ``t`` for ``r = kk·2^ek · 2^S / D``.

    The spec gives the exponent through bit lengths; here it is computed the plain way, as
    ``floor(log2 r)`` of the exact rational ``r``, so an error in that shortcut cannot be shared
    by the model and the reference.
    """
    if d <= 0 or kk <= 0:
        raise ValueError("the reciprocal needs a positive gain numerator and denominator")
    r = Fraction(kk) * Fraction(2) ** (ek + stat_frac) / d
    e = _floor_log2(r)
    # r = (r / 2^(e-M+1)) · 2^(e-M+1), and r / 2^(e-M+1) lies in [2^(M-1), 2^M) before rounding.
    m = _round_fraction(r / Fraction(2) ** (e - m_bits + 1), mode)
    if m == 1 << m_bits:  # rounding carried out of the mantissa: renormalize
        m, e = 1 << (m_bits - 1), e + 1
    assert (1 << (m_bits - 1)) <= m < (1 << m_bits)
    t = stat_frac + m_bits - 1 - e - out_frac
    return m, t


# ---- the per-channel state ---------------------------------------------------------------------
@dataclass(frozen=True)
class ChannelStats:
    """The statistics in force for one channel: what the output stage uses for a sample."""

    mean: int  #: Mu, units 2^-S
    dev_stat: int  #: A, units 2^-S (for p = 2, isqrt(V)·2^(G-G2))
    scale_mantissa: int  #: ms, signed with gamma
    scale_shift: int  #: t


@dataclass
class _Channel:
    # statistics in force
    mu: int
    a: int
    v: int | None  # the second moment in force (p = 2)
    ms: int
    t: int
    # window sums (meaningful only once the window has started)
    sx: int = 0
    sa: int = 0
    # long-term statistics; None until the first window completes since reset, or a load
    m_l: int | None = None
    a_l: int | None = None  # a_l for p = 1, v_l for p = 2


Weight = tuple[int, int]  #: a coefficient ``(cc, Fc)``: the weight ``cc·2^-Fc`` (spec §1)


class ReferenceNorm:
    """Per-sample reference of the fixed-point streaming normalizer (spec §1–§4)."""

    def __init__(self, cfg: NormConfig) -> None:
        self.cfg = cfg
        self.mode: str = cfg.rounding.value
        self.overflow_mode: str = cfg.overflow.value
        self.C = cfg.channels
        self.Wi, self.Fi = cfg.in_fmt.width, cfg.in_fmt.frac
        self.Wo, self.Fo = cfg.out_fmt.width, cfg.out_fmt.frac
        self.y_min, self.y_max = cfg.out_fmt.min_code, cfg.out_fmt.max_code
        self.k = cfg.window_log2
        self.N = 1 << self.k
        self.p = cfg.p
        self.G = cfg.guard_bits
        self.S = cfg.stat_frac
        self.E = cfg.eps_code
        self.M = cfg.scale_mantissa_bits
        self.MK = self.Wo + 3
        self.G2 = cfg.square_guard_bits if self.p == 2 else None
        self.A_max = cfg.dev_stat_max
        self.long_term = cfg.decay_log2 is not None or cfg.decay is not None
        # spec §2: the constants, from the configuration's keys
        self.gaussian = gaussian_constant(cfg.gaussian_scale and self.p == 1, self.MK, self.mode)
        gammas = cfg.gamma if isinstance(cfg.gamma, tuple) else (cfg.gamma,) * self.C
        betas = cfg.beta if isinstance(cfg.beta, tuple) else (cfg.beta,) * self.C
        self.config_gamma_codes = [gamma_register(Fraction(g), self.MK, self.mode)[0] for g in gammas]
        self.Fg = self.MK + GAMMA_LOG2 + 1
        self.config_betas = [quantize_beta(Fraction(b), self.Fo, self.mode) for b in betas]
        self.config_decay = self._configured_weight(cfg.decay, cfg.decay_log2)
        self.config_mix = self._configured_weight(cfg.mix, cfg.mix_log2)
        self._check_contract()
        self.reset()

    def _configured_weight(self, value: float | None, log2: int | None) -> Weight | None:
        if value is not None:
            return quantize_coefficient(Fraction(value), self.mode)
        return None if log2 is None else (1, log2)

    def _check_contract(self) -> None:
        # These are spec facts the reference relies on; if the config broke one, the comparison
        # below would be meaningless, so fail loudly instead.
        cfg = self.cfg
        assert self.S == self.Fi + self.G
        assert self.G >= self.k, "G >= k makes the short-term mean exact"
        assert self.E >= 1
        assert self.M == (self.Wo + 1 if cfg.scale == "exact" else 1)
        assert (cfg.gamma_fmt.width, cfg.gamma_fmt.frac) == (self.Fg + 10, self.Fg)
        assert list(cfg.gamma_codes) == self.config_gamma_codes
        assert list(cfg.beta_codes) == self.config_betas
        for weight, stated in (
            (self.config_decay, cfg.decay_coefficient),
            (self.config_mix, cfg.mix_coefficient),
        ):
            assert weight == (None if stated is None else (stated.code, stated.frac))
        assert len(self.config_gamma_codes) == self.C and len(self.config_betas) == self.C
        for b in self.config_betas:
            assert self.y_min <= b <= self.y_max
        if self.p == 2:
            assert self.G2 is not None and 1 <= self.G2 <= self.G

    # ---- state ----------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the state after construction (spec §4, Reset), parameters included."""
        self.position = 0  # active steps since reset
        self.windows_completed = 0
        self.overflow = False
        self.overflow_count = 0
        self.gamma_codes = list(self.config_gamma_codes)
        self.gains = [gain_numerator(c, self.Fg, self.gaussian, self.MK, self.mode) for c in self.gamma_codes]
        for sign, kk, _ in self.gains:
            assert sign in (1, -1)
            assert (1 << (self.MK - 1)) <= kk < (1 << self.MK)
        self.betas = list(self.config_betas)
        self.decay = self.config_decay
        self.mix = self.config_mix
        # A = 2^S is 1.0 in input units; for p = 2 it comes from V = 2^2(Fi+G2), whose exact
        # square root times 2^(G-G2) is again 2^S, so both p share the initial A.
        a0 = 1 << self.S
        v0 = None
        if self.p == 2:
            assert self.G2 is not None
            v0 = 1 << (2 * (self.Fi + self.G2))
            assert isqrt_rounded(v0, self.mode) << (self.G - self.G2) == a0
        self.channels = []
        for c in range(self.C):
            ms, t = self._scale(c, a0)
            self.channels.append(_Channel(mu=0, a=a0, v=v0, ms=ms, t=t))

    def stats_in_force(self) -> list[ChannelStats]:
        """Per channel, the statistics the next sample will be normalized with."""
        return [ChannelStats(ch.mu, ch.a, ch.ms, ch.t) for ch in self.channels]

    def stats(self) -> tuple[list[int], list[int]]:
        """spec §4: ``(Mu, A)`` in force per channel."""
        return [ch.mu for ch in self.channels], [ch.a for ch in self.channels]

    # ---- spec §4: run-time parameters -------------------------------------------------------
    def set_params(self, **fields: Any) -> None:
        """`set_params` as spec §4 words it: every field checked, then all applied together."""
        gamma_codes, betas, decay, mix = self.gamma_codes, self.betas, self.decay, self.mix
        for name, value in fields.items():
            if name == "gamma":
                gamma_codes = [self._gamma_code(where, g) for where, g in self._entries(name, value)]
            elif name == "beta":
                betas = [self._beta_code(where, b) for where, b in self._entries(name, value)]
            elif name == "decay":
                decay = self._weight(name, value, self.cfg.decay, self.decay)
            elif name == "mix":
                mix = self._weight(name, value, self.cfg.mix, self.mix)
            else:
                raise Refused(name, "not a run-time parameter")
        self.betas, self.decay, self.mix = betas, decay, mix
        if "gamma" in fields:
            self.gamma_codes = gamma_codes
            self.gains = [gain_numerator(c, self.Fg, self.gaussian, self.MK, self.mode) for c in gamma_codes]
            for c, ch in enumerate(self.channels):  # the scale in force, from the A in force
                ch.ms, ch.t = self._scale(c, ch.a)

    def _entries(self, name: str, value: Any) -> list[tuple[str, Any]]:
        if hasattr(value, "tolist"):
            value = value.tolist()
        if isinstance(value, (list, tuple)):
            if len(value) != self.C:
                raise Refused(name, f"{len(value)} entries for {self.C} channels")
            return [(f"{name}[{i}]", v) for i, v in enumerate(value)]
        return [(name, value)] * self.C

    def _gamma_code(self, where: str, g: Any) -> int:
        if not isinstance(g, (int, float)) or not math.isfinite(g) or g == 0:
            raise Refused(where, "not a finite nonzero number")
        if not Fraction(1, 1 << GAMMA_LOG2) <= abs(Fraction(g)) <= (1 << GAMMA_LOG2):
            raise Refused(where, "|gamma| outside 2^-8..2^8")
        code, _ = gamma_register(Fraction(g), self.MK, self.mode)
        if abs(code) > max(abs(c) for c in self.config_gamma_codes):
            raise Refused(where, "larger than the largest configured gamma")
        return code

    def _beta_code(self, where: str, b: Any) -> int:
        if not isinstance(b, (int, float)) or not math.isfinite(b):
            raise Refused(where, "not a finite number")
        code = quantize_beta(Fraction(b), self.Fo, self.mode)
        if not self.y_min <= code <= self.y_max:
            raise Refused(where, "outside out_fmt")
        return code

    def _weight(self, name: str, value: Any, configured: float | None, current: Weight | None) -> Weight:
        if configured is None or current is None:
            raise Refused(name, "not configured as a value: no register")
        if not isinstance(value, (int, float)) or not 0 < value < 1:
            raise Refused(name, "not in (0, 1)")
        fc = current[1]
        code = quantize(Fraction(value), fc, self.mode)
        if not 1 <= code <= (1 << fc) - 1:
            raise Refused(name, f"quantizes to {code} at {fc} bits")
        return code, fc

    # ---- spec §4: statistics writes ---------------------------------------------------------
    def set_stats(
        self, mean: Any = None, dev_stat: Any = None, channels: Sequence[int] | None = None
    ) -> None:
        """Load (Mu, A) codes into the listed channels (all by default), as spec §4 says."""
        listed = list(range(self.C)) if channels is None else [int(c) for c in channels]
        if mean is None and dev_stat is None:
            raise Refused("mean", "nothing to load")
        if not listed or len(set(listed)) != len(listed) or not all(0 <= c < self.C for c in listed):
            raise Refused("channels", "not distinct channel indices")
        means = self._stat_entries("mean", mean, len(listed))
        devs = self._stat_entries("dev_stat", dev_stat, len(listed))
        for i, m in enumerate(means or []):
            if not self.in_lo << self.G <= m <= self.in_hi << self.G:
                raise Refused(f"mean[{i}]", "outside the input range on the statistics grid")
        step = 1 << (self.G - self.G2) if self.G2 is not None else 1
        for i, a in enumerate(devs or []):
            if not 0 <= a <= self.A_max:
                raise Refused(f"dev_stat[{i}]", "outside 0..dev_stat_max")
            if a % step:
                raise Refused(f"dev_stat[{i}]", "not a multiple of 2^(G-G2)")
        for i, c in enumerate(listed):
            ch = self.channels[c]
            if self.long_term:
                fresh = ch.m_l is None
                if means is not None:
                    ch.m_l = means[i]
                elif fresh:
                    ch.m_l = ch.mu
                if devs is not None:
                    ch.a_l = self._second_moment(devs[i]) if self.p == 2 else devs[i]
                elif fresh:
                    ch.a_l = ch.v if self.p == 2 else ch.a
            if means is not None:
                ch.mu = means[i]
            if devs is not None:
                ch.a = devs[i]
                ch.v = self._second_moment(devs[i]) if self.p == 2 else None
                ch.ms, ch.t = self._scale(c, ch.a)

    def _stat_entries(self, name: str, value: Any, n: int) -> list[int] | None:
        if value is None:
            return None
        if hasattr(value, "tolist"):
            value = value.tolist()
        vals = list(value) if isinstance(value, (list, tuple)) else [value] * n
        if len(vals) != n or not all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            raise Refused(name, f"needs {n} integer codes")
        return vals

    def _second_moment(self, a: int) -> int:
        # spec §4: V = (A / 2^(G-G2))^2, exact because A is a multiple of 2^(G-G2)
        assert self.G2 is not None
        root, rest = divmod(a, 1 << (self.G - self.G2))
        assert rest == 0
        return root * root

    @property
    def in_lo(self) -> int:
        return -(1 << (self.Wi - 1))

    @property
    def in_hi(self) -> int:
        return (1 << (self.Wi - 1)) - 1

    # ---- stages ---------------------------------------------------------------------------
    def _scale(self, c: int, a: int) -> tuple[int, int]:
        sign, kk, ek = self.gains[c]
        m, t = reciprocal_scale(kk, ek, self.S, a + self.E, self.M, self.Fo, self.mode)
        assert t >= 1, "spec §3: the output stage never shifts left"
        return sign * m, t

    def _deviation(self, x: int, mu: int) -> int:
        centred = (x << self.G) - mu
        if self.p == 1:
            return abs(centred)
        assert self.G2 is not None
        mu2 = -rnd(-mu, self.G - self.G2, self.mode)
        diff = (x << self.G2) - mu2
        # The spec's stated identity: the p = 2 deviation is the centred input rounded to G2 bits.
        assert diff == rnd(centred, self.G - self.G2, self.mode)
        return diff * diff

    def _output(self, c: int, x: int) -> int:
        ch = self.channels[c]
        z = ((x << self.G) - ch.mu) * ch.ms
        v = rnd(z, ch.t, self.mode) + self.betas[c]  # beta after the rounding, never folded in
        if self.y_min <= v <= self.y_max:
            return v
        self.overflow = True
        self.overflow_count += 1
        if self.overflow_mode == "saturate":
            return min(max(v, self.y_min), self.y_max)
        # wrap: keep the low Wo bits and read them back as two's complement
        return (v - self.y_min) % (1 << self.Wo) + self.y_min

    def _weighted(self, long: int, short: int, weight: Weight) -> int:
        # spec §3: l + rnd_Fc(cc·(s - l)), one exact product and one rounding
        cc, fc = weight
        return long + rnd(cc * (short - long), fc, self.mode)

    def _window_end(self, c: int) -> None:
        ch = self.channels[c]
        # short_term
        m_s = ch.sx << (self.G - self.k)
        a_s = rnd(ch.sa, self.k, self.mode)
        # long_term and mix
        if self.decay is None:
            mu, a_mix = m_s, a_s
        else:
            if ch.m_l is None or ch.a_l is None:
                ch.m_l, ch.a_l = m_s, a_s
            else:
                ch.m_l = self._weighted(ch.m_l, m_s, self.decay)
                ch.a_l = self._weighted(ch.a_l, a_s, self.decay)
            if self.mix is None:
                mu, a_mix = ch.m_l, ch.a_l
            else:
                mu = self._weighted(ch.m_l, m_s, self.mix)
                a_mix = self._weighted(ch.a_l, a_s, self.mix)
        if self.p == 1:
            a = a_mix
        else:
            assert self.G2 is not None
            ch.v = a_mix
            a = isqrt_rounded(a_mix, self.mode) << (self.G - self.G2)
        ch.mu, ch.a = mu, a
        ch.ms, ch.t = self._scale(c, a)

    # ---- driving --------------------------------------------------------------------------
    def step(self, codes_row: Sequence[int], frozen: bool = False) -> list[int]:
        """One time step (one code per channel); returns one output code per channel."""
        if len(codes_row) != self.C:
            raise ValueError(f"expected {self.C} codes, got {len(codes_row)}")
        in_lo, in_hi = -(1 << (self.Wi - 1)), (1 << (self.Wi - 1)) - 1
        starts = ends = False
        if not frozen:
            starts = self.position % self.N == 0
            self.position += 1
            ends = self.position % self.N == 0
        out = []
        for c in range(self.C):
            x = int(codes_row[c])
            if not in_lo <= x <= in_hi:
                raise ValueError(f"input code {x} outside in_fmt Q({self.Wi},{self.Fi})")
            # The output always uses the statistics in force, even on the sample ending a window.
            out.append(self._output(c, x))
            if frozen:
                continue
            ch = self.channels[c]
            dev = self._deviation(x, ch.mu)  # from the old mean, also on the window's last sample
            ch.sx = x if starts else ch.sx + x
            ch.sa = dev if starts else ch.sa + dev
            if ends:
                self._window_end(c)
        if ends:
            self.windows_completed += 1
        return out

    def run_traced(
        self, codes_2d: Iterable[Sequence[int]], freeze: bool | Iterable[bool] | None = None
    ) -> tuple[list[list[int]], list[list[ChannelStats]]]:
        """Process a (T, C) block; also return the statistics in force for every sample."""
        rows = [list(r) for r in codes_2d]
        if freeze is None or isinstance(freeze, bool):
            flags = [bool(freeze)] * len(rows)
        else:
            flags = [bool(f) for f in freeze]
            if len(flags) != len(rows):
                raise ValueError(f"freeze has {len(flags)} entries for {len(rows)} time steps")
        ys, stats = [], []
        for row, frozen in zip(rows, flags, strict=True):
            stats.append(self.stats_in_force())
            ys.append(self.step(row, frozen))
        return ys, stats

    def run(
        self, codes_2d: Iterable[Sequence[int]], freeze: bool | Iterable[bool] | None = None
    ) -> list[list[int]]:
        """Process a (T, C) block of input codes; state carries over between calls."""
        return self.run_traced(codes_2d, freeze)[0]
