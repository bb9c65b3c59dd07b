"""A slow, per-sample, pure-Python-int reference of `docs/spec.md`.

It is written from the spec alone, as an independent check on the golden model: it never reads
the golden model's arithmetic (`formats`, `stages`, `stream`, `fixed`). From `NormConfig` it takes
only the configuration contract (formats, window/decay/mix, p, scale, rounding, overflow and the
derived constants G, G2, S, E, M, Kc, Bc); everything else is recomputed here one sample at a time.

Speed is deliberately not a goal: every value is a Python int (or an exact `Fraction` in the
scale stage), so nothing can silently overflow or round, and each line maps to a line of the spec.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from streamnorm.golden.config import NormConfig

__all__ = [
    "ChannelStats",
    "ReferenceNorm",
    "isqrt_rounded",
    "quantize_beta",
    "quantize_gain",
    "reciprocal_scale",
    "rnd",
    "round_quotient",
]


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
def quantize_gain(value: Fraction, mk: int, mode: str) -> tuple[int, int, int]:
    """``Kc``: ``sign·kk·2^ek`` with an MK-bit ``kk``: the magnitude ``|gamma·g|`` goes through
    ``rnd`` and the sign is kept apart (spec §2: the scale path is sign-magnitude).

    Not used by `ReferenceNorm`, which takes `NormConfig.gain_numerators` as its input; this is
    the spec's own reading, so tests can check the config against it.
    """
    if value == 0:
        raise ValueError("a zero gain has no normalized mantissa")
    mag = abs(value)
    ek = _floor_log2(mag) - mk + 1
    q = mag / Fraction(2) ** ek
    kk = round_quotient(q.numerator, q.denominator, mode)
    if kk == 1 << mk:  # rounded up out of the mantissa
        kk, ek = kk >> 1, ek + 1
    return (1 if value > 0 else -1), kk, ek


def quantize_beta(value: Fraction, out_frac: int, mode: str) -> int:
    """``Bc``: beta rounded onto the output grid (range checking is the config's job)."""
    q = value * Fraction(2) ** out_frac
    return round_quotient(q.numerator, q.denominator, mode)


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
    ms: int
    t: int
    # window sums (meaningful only once the window has started)
    sx: int = 0
    sa: int = 0
    # long-term statistics; None until the first window completes since reset
    m_l: int | None = None
    a_l: int | None = None  # a_l for p = 1, v_l for p = 2


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
        self.d = cfg.decay_log2
        self.j = cfg.mix_log2
        self.p = cfg.p
        self.G = cfg.guard_bits
        self.S = cfg.stat_frac
        self.E = cfg.eps_code
        self.M = cfg.scale_mantissa_bits
        self.MK = self.Wo + 3
        self.G2 = cfg.square_guard_bits if self.p == 2 else None
        self.gains = list(cfg.gain_numerators)
        self.betas = list(cfg.beta_codes)
        self._check_contract()
        self.reset()

    def _check_contract(self) -> None:
        # These are spec facts the reference relies on; if the config broke one, the comparison
        # below would be meaningless, so fail loudly instead.
        assert self.S == self.Fi + self.G
        assert self.G >= self.k, "G >= k makes the short-term mean exact"
        assert self.E >= 1
        assert self.M == (self.Wo + 1 if self.cfg.scale == "exact" else 1)
        assert len(self.gains) == self.C and len(self.betas) == self.C
        for sign, kk, _ in self.gains:
            assert sign in (1, -1)
            assert (1 << (self.MK - 1)) <= kk < (1 << self.MK)
        for b in self.betas:
            assert self.y_min <= b <= self.y_max
        if self.p == 2:
            assert self.G2 is not None and 1 <= self.G2 <= self.G

    # ---- state ----------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the state after construction (spec §4, Reset)."""
        self.position = 0  # active steps since reset
        self.windows_completed = 0
        self.overflow = False
        self.overflow_count = 0
        # A = 2^S is 1.0 in input units; for p = 2 it comes from V = 2^2(Fi+G2), whose exact
        # square root times 2^(G-G2) is again 2^S, so both p share the initial A.
        a0 = 1 << self.S
        if self.p == 2:
            assert self.G2 is not None
            v0 = 1 << (2 * (self.Fi + self.G2))
            assert isqrt_rounded(v0, self.mode) << (self.G - self.G2) == a0
        self.channels = []
        for c in range(self.C):
            ms, t = self._scale(c, a0)
            self.channels.append(_Channel(mu=0, a=a0, ms=ms, t=t))

    def stats_in_force(self) -> list[ChannelStats]:
        """Per channel, the statistics the next sample will be normalized with."""
        return [ChannelStats(ch.mu, ch.a, ch.ms, ch.t) for ch in self.channels]

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

    def _window_end(self, c: int) -> None:
        ch = self.channels[c]
        # short_term
        m_s = ch.sx << (self.G - self.k)
        a_s = rnd(ch.sa, self.k, self.mode)
        # long_term and mix
        if self.d is None:
            mu, a_mix = m_s, a_s
        else:
            if ch.m_l is None or ch.a_l is None:
                ch.m_l, ch.a_l = m_s, a_s
            else:
                ch.m_l += rnd(m_s - ch.m_l, self.d, self.mode)
                ch.a_l += rnd(a_s - ch.a_l, self.d, self.mode)
            if self.j is None:
                mu, a_mix = ch.m_l, ch.a_l
            else:
                mu = ch.m_l + rnd(m_s - ch.m_l, self.j, self.mode)
                a_mix = ch.a_l + rnd(a_s - ch.a_l, self.j, self.mode)
        if self.p == 1:
            a = a_mix
        else:
            assert self.G2 is not None
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
