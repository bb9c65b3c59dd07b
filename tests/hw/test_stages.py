"""Each hardware stage against the golden model's function of the same name, word for word."""

from __future__ import annotations

import numpy as np
import pytest
from amaranth.hdl import Module, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from pipe_bench import run_pipelined, simulate_clocked

from streamnorm.golden import Coefficient, NormConfig, Rounding, stages
from streamnorm.golden.formats import isqrt, norm_reciprocal, shift_round
from streamnorm.hw import arith
from streamnorm.hw.long_term import LongTerm
from streamnorm.hw.mix import Mix
from streamnorm.hw.multiply import ShiftAddMultiplier
from streamnorm.hw.output import Output
from streamnorm.hw.scale import IntegerSqrt, Reciprocal, Scale, scale_constants
from streamnorm.hw.short_term import ShortTermDev
from streamnorm.hw.window_sums import Deviation, WindowSum

ROUNDINGS = list(Rounding)

# Configurations that move each stage's widths and modes (a subset of the core matrix).
STAGE_CONFIGS = {
    "default": {},
    "p2": {"p": 2, "window_log2": 3},
    "pow2_trunc": {"scale": "pow2", "rounding": "truncate"},
    "narrow_half_up": {
        "in_fmt": {"width": 8, "frac": 6},
        "out_fmt": {"width": 8, "frac": 4},
        "eps": 2.0**-4,
        "rounding": "half_up",
        "decay_log2": 2,
    },
    "gains": {"channels": 3, "gamma": [1.0, -3.5, 0.25], "beta": [0.5, 0.0, -1.0], "overflow": "wrap"},
}


def cfg_of(name: str) -> NormConfig:
    return NormConfig().replace(**STAGE_CONFIGS[name])


class _ShiftRound(wiring.Component):
    def __init__(self, width: int, s: int, rounding: Rounding) -> None:
        self._s, self._r = s, rounding
        super().__init__({"v": In(signed(width)), "y": Out(signed(width + 1))})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.d.comb += self.y.eq(arith.shift_round(self.v, self._s, self._r))
        return m


@pytest.mark.parametrize("rounding", ROUNDINGS, ids=lambda r: r.value)
@pytest.mark.parametrize("s", [0, 1, 3, 7])
def test_shift_round_matches_golden(rounding: Rounding, s: int) -> None:
    rng = np.random.default_rng(s)
    v = np.concatenate([rng.integers(-(1 << 11), 1 << 11, 300), np.arange(-40, 40)])
    dut = _ShiftRound(12, s, rounding)
    got = run_pipelined(dut, {"v": v}, ["y"], 0)["y"]
    assert got == list(shift_round(v, s, rounding))


@pytest.mark.parametrize("rounding", ROUNDINGS, ids=lambda r: r.value)
@pytest.mark.parametrize("mant_bits", [1, 5, 17])
def test_reciprocal_matches_golden_norm_reciprocal(rounding: Rounding, mant_bits: int) -> None:
    rng = np.random.default_rng(mant_bits)
    kk_width, d_width = 19, 30
    kk = rng.integers(1 << (kk_width - 1), 1 << kk_width, 400)
    # denominators of every magnitude, and ones that make the quotient a tie or carry
    d = np.concatenate([(rng.integers(1, 1 << 12, 200) << rng.integers(0, 18, 200)), kk[:100] >> 1, kk[:100]])
    d = np.clip(d, 1, (1 << d_width) - 1)[: len(kk)]
    dut = Reciprocal(d_width, kk_width, mant_bits, rounding)
    got = run_pipelined(dut, {"d": d, "kk": kk}, ["m", "pd", "below", "carry"], dut.latency)
    m_ref, e_ref = norm_reciprocal(kk, 0, d, mant_bits, rounding)
    assert got["m"] == list(m_ref)
    # e = (kk_exp) + pK - pD - below + carry, here with kk_exp = 0 and pK = kk_width - 1
    e_hw = kk_width - 1 - np.array(got["pd"]) - np.array(got["below"]) + np.array(got["carry"])
    assert list(e_hw) == list(e_ref)


@pytest.mark.parametrize("rounding", ROUNDINGS, ids=lambda r: r.value)
def test_integer_sqrt_matches_golden(rounding: Rounding) -> None:
    rng = np.random.default_rng(1)
    width = 24
    v = np.concatenate([rng.integers(0, 1 << width, 300), np.arange(0, 50), [(1 << width) - 1]])
    dut = IntegerSqrt(width, rounding)
    got = run_pipelined(dut, {"value": v}, ["root"], dut.latency)["root"]
    assert got == list(isqrt(v, rounding))


def test_shift_add_multiplier_is_exact() -> None:
    rng = np.random.default_rng(2)
    a = rng.integers(0, 1 << 13, 300)
    b = rng.integers(-(1 << 17), 1 << 17, 300)
    dut = ShiftAddMultiplier(13, 18)
    got = run_pipelined(dut, {"a": a, "b": b}, ["product"], dut.latency)["product"]
    assert got == list(a * b)


@pytest.mark.parametrize("name", STAGE_CONFIGS)
def test_deviation_matches_golden(name: str) -> None:
    cfg = cfg_of(name)
    rng = np.random.default_rng(3)
    n = 300
    x = rng.integers(cfg.in_fmt.min_code, cfg.in_fmt.max_code + 1, n)
    mean = rng.integers(cfg.in_fmt.min_code, cfg.in_fmt.max_code + 1, n) << cfg.guard_bits
    mean += rng.integers(0, 1 << cfg.guard_bits, n)
    mean = np.clip(mean, cfg.in_fmt.min_code << cfg.guard_bits, cfg.in_fmt.max_code << cfg.guard_bits)
    dut = Deviation(cfg)
    inputs = {"x": x, "mean": mean}
    if cfg.p == 2:
        g, g2 = cfg.guard_bits, cfg.square_guard_bits
        mean2 = -shift_round(-mean, g - g2, cfg.rounding)
        lo = mean2 & ((1 << g2) - 1)
        inputs |= {
            "mean2_hi": mean2 >> g2,
            "mean2_lo": lo,
            "mean2_lo_sq": lo * lo,
        }
    got = run_pipelined(dut, inputs, ["dev"], dut.latency)["dev"]
    centered = stages.center(x << cfg.guard_bits, mean)
    assert got == list(stages.deviation(cfg, centered))


@pytest.mark.parametrize("name", STAGE_CONFIGS)
def test_short_term_dev_matches_golden(name: str) -> None:
    cfg = cfg_of(name)
    rng = np.random.default_rng(4)
    sums = rng.integers(0, 1 << cfg.sum_dev_width, 300)
    dut = ShortTermDev(cfg)
    got = run_pipelined(dut, {"sum": sums}, ["short"], dut.latency)["short"]
    assert got == list(stages.short_term_dev(cfg, sums))


@pytest.mark.parametrize("name", STAGE_CONFIGS)
def test_mix_matches_golden(name: str) -> None:
    cfg = cfg_of(name)
    rng = np.random.default_rng(5)
    width = cfg.mean_width
    lo, hi = -(1 << (width - 1)), 1 << (width - 1)
    long, short = rng.integers(lo, hi, 300), rng.integers(lo, hi, 300)
    dut = Mix(signed(width), cfg.mix_coefficient, cfg.rounding)
    got = run_pipelined(dut, {"long": long, "short": short}, ["mixed"], dut.latency)["mixed"]
    assert got == list(stages.mix(cfg, long, short))


#: Weights given as values: the paper's, one whose code has many signed digits (a deep adder
#: tree), a small one (a wide product) and the largest.
WEIGHTS = [0.3, 0.7, 0.5, 0.123456, 0.004, 1 - 2.0**-16]


def _tie_pairs(weight: Coefficient, width: int, rng: np.random.Generator, n: int) -> tuple[list, list]:
    """(long, short) pairs whose product ``cc * (s - l)`` lies exactly halfway between two
    multiples of ``2^F`` (where any can: the code's trailing zeros must stay below F - 1), and
    the extremes of the range; random data almost never reaches either."""
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    zeros = (weight.code & -weight.code).bit_length() - 1
    odd, f = weight.code >> zeros, weight.frac - zeros
    longs, shorts = [lo, hi, lo, hi, 0], [hi, lo, lo, hi, 0]
    inverse = pow(odd, -1, 1 << f)
    while len(longs) < n:
        # diff * odd = 2^(f-1) (mod 2^f), either sign, plus any multiple of 2^f
        diff = (inverse << (f - 1)) % (1 << f) + (int(rng.integers(-4, 4)) << f)
        diff = diff if rng.random() < 0.5 else -diff
        long = int(rng.integers(max(lo, lo - diff), min(hi, hi - diff) + 1))
        longs.append(long)
        shorts.append(long + diff)
    return longs, shorts


@pytest.mark.parametrize("rounding", ROUNDINGS, ids=lambda r: r.value)
@pytest.mark.parametrize("value", WEIGHTS)
def test_mix_with_a_coefficient_matches_golden_ties_included(value: float, rounding: Rounding) -> None:
    cfg = NormConfig(mix_log2=None, mix=value, rounding=rounding.value)
    weight = cfg.mix_coefficient
    width = cfg.mean_width
    rng = np.random.default_rng(7)
    lo, hi = -(1 << (width - 1)), 1 << (width - 1)
    long, short = list(rng.integers(lo, hi, 150)), list(rng.integers(lo, hi, 150))
    tie_long, tie_short = _tie_pairs(weight, width, rng, 150)
    long, short = np.array(long + tie_long), np.array(short + tie_short)
    dut = Mix(signed(width), weight, cfg.rounding)
    got = run_pipelined(dut, {"long": long, "short": short}, ["mixed"], dut.latency)["mixed"]
    expect = stages.mix(cfg, long, short)
    assert got == list(expect)
    # the ties are ties: the exact product has exactly half an LSB below the rounding point
    diff = np.array(tie_short, dtype=object) - np.array(tie_long, dtype=object)
    half = 1 << (weight.frac - 1)
    ties = [int(d) * weight.code % (1 << weight.frac) == half for d in diff[5:]]
    assert all(ties) or weight.code & ((1 << (weight.frac - 1)) - 1) == 0


@pytest.mark.parametrize("decay", [None, 0.3, 0.7], ids=["shift", "0.3", "0.7"])
@pytest.mark.parametrize("span", [1, 2, 3, 4, "longest"])
@pytest.mark.parametrize("rounding", ROUNDINGS, ids=lambda r: r.value)
def test_long_term_matches_golden_per_channel(
    span: int | str, rounding: Rounding, decay: float | None
) -> None:
    # One update per cycle, channels in turn (span <= channels, as the core guarantees); the
    # first update of each channel initialises it. The new value appears one cycle after its write.
    changes = {"decay_log2": 3} if decay is None else {"decay_log2": None, "decay": decay}
    cfg = NormConfig(rounding=rounding.value, **changes)
    weight = cfg.decay_coefficient
    if span == "longest":  # every stage of the weighted step registered
        span = LongTerm.span_for(16, 16, weight)
    width, c = 20, max(4, span)
    cfg = cfg.replace(channels=c)
    rng = np.random.default_rng(span)
    short = rng.integers(-(1 << 19), 1 << 19, 90)
    ch = np.arange(90) % c
    first = (np.arange(90) < c).astype(int)
    got = _run_long_term(
        LongTerm(signed(width), c, weight, rounding, span, apart=c), ch, short, first, width, span + 1
    )
    expect, state = [], {}
    for i in range(90):
        k = int(ch[i])
        state[k] = (
            int(short[i]) if first[i] else int(stages.long_term(cfg, np.int64(state[k]), np.int64(short[i])))
        )
        expect.append(state[k])
    assert got == expect


def _run_long_term(
    dut: LongTerm, ch: np.ndarray, short: np.ndarray, first: np.ndarray, width: int, span: int
) -> list[int]:
    """LongTerm takes the channel `dut.lead` cycles before its data (it reads memory first)."""
    n = len(ch)
    got: list[int] = []
    lead = dut.lead

    async def bench(ctx):
        for cycle in range(n + span + lead):
            if cycle < n:
                ctx.set(dut.addr, int(ch[cycle]))
            if lead <= cycle < n + lead:
                i = cycle - lead
                ctx.set(dut.short, int(short[i]))
                ctx.set(dut.first, int(first[i]))
                ctx.set(dut.update, 1)
            else:
                ctx.set(dut.update, 0)
            (_, _, value) = await ctx.tick().sample(dut.long)
            if cycle >= span and len(got) < n:
                got.append(value)

    simulate_clocked(dut, bench)
    return got


@pytest.mark.parametrize("c", [1, 2, 3, 4, 7])
def test_window_sum_accumulates_per_channel_and_restarts_on_start(c: int) -> None:
    # Channels in turn with gaps (no beat in some cycles), C = 1 included: a channel's sum
    # continues from what its previous beat left, restarts on `start`, and holds on a beat that
    # is not active (frozen).
    rng = np.random.default_rng(6 + c)
    n = 80
    ch = np.arange(n) % c
    value = rng.integers(-500, 500, n)
    start = ((np.arange(n) // c) % 4 == 0).astype(int)
    active = (rng.random(n) < 0.8).astype(int)
    dut = WindowSum(signed(12), signed(16), c)
    # cycle -> the beat whose address is presented then (None: a gap, about one cycle in four)
    slots: list[int | None] = []
    for i in range(n):
        slots += [None] * int(rng.random() < 0.3) + [i]
    got: list[int] = []

    async def bench(ctx) -> None:
        for cycle in range(len(slots) + dut.span + 1):

            def at(offset: int, cycle: int = cycle) -> int | None:
                k = cycle - offset
                return slots[k] if 0 <= k < len(slots) else None

            i0, i1, iv = at(0), at(1), at(dut.value_offset)
            ctx.set(dut.addr, int(ch[i0]) if i0 is not None else 0)
            ctx.set(dut.start, int(start[i1]) if i1 is not None else 0)
            ctx.set(dut.valid, int(iv is not None))
            ctx.set(dut.active, int(active[iv]) if iv is not None else 0)
            ctx.set(dut.value, int(value[iv]) if iv is not None else 0)
            (_, _, s) = await ctx.tick().sample(dut.sum)
            if at(dut.span) is not None:
                got.append(s)

    simulate_clocked(dut, bench)
    expect, state = [], dict.fromkeys(range(c), 0)
    for i in range(n):
        k = int(ch[i])
        new = int(value[i]) if start[i] else state[k] + int(value[i])
        expect.append(new)
        if active[i]:
            state[k] = new
    assert got == expect


@pytest.mark.parametrize("name", STAGE_CONFIGS)
def test_scale_matches_golden(name: str) -> None:
    cfg = cfg_of(name)
    rng = np.random.default_rng(7)
    n = 200
    c = cfg.channels
    ch = np.arange(n) % c
    if cfg.p == 1:
        a = rng.integers(0, cfg.dev_stat_max + 1, n) >> rng.integers(0, cfg.dev_stat_width, n)
        stat = a
    else:
        stat = rng.integers(0, 1 << cfg.second_moment_width, n) >> rng.integers(0, cfg.second_moment_width, n)
        a = stages.to_dev_stat(cfg, stat)
    consts = scale_constants(cfg)
    dut = Scale(cfg)
    got = run_pipelined(
        dut,
        {
            "stat": stat,
            "kk": [consts[k][0] for k in ch],
            "negative": [consts[k][1] for k in ch],
            "tconst": [consts[k][2] for k in ch],
        },
        ["mantissa", "shift"],
        dut.latency,
    )
    # golden: per-channel scale of the same deviation statistic
    a_c = np.zeros((n, c), dtype=np.int64)
    a_c[np.arange(n), ch] = a
    ms, t = stages.scale(cfg, a_c)
    assert got["mantissa"] == list(ms[np.arange(n), ch])
    assert got["shift"] == list(t[np.arange(n), ch])


@pytest.mark.parametrize("name", STAGE_CONFIGS)
def test_output_matches_golden(name: str) -> None:
    cfg = cfg_of(name)
    rng = np.random.default_rng(8)
    n = 400
    g = cfg.guard_bits
    x = rng.integers(cfg.in_fmt.min_code, cfg.in_fmt.max_code + 1, n)
    mean = (rng.integers(cfg.in_fmt.min_code, cfg.in_fmt.max_code + 1, n) << g) + rng.integers(0, 1 << g, n)
    mean = np.clip(mean, cfg.in_fmt.min_code << g, cfg.in_fmt.max_code << g)
    a = rng.integers(0, cfg.dev_stat_max + 1, n) >> rng.integers(0, cfg.dev_stat_width, n)
    ms, t = stages.scale(cfg, np.broadcast_to(a[:, None], (n, cfg.channels)))
    ch = np.arange(n) % cfg.channels
    ms, t = ms[np.arange(n), ch], t[np.arange(n), ch]
    beta = np.array(cfg.beta_codes)[ch]
    dut = Output(cfg)
    got = run_pipelined(
        dut,
        {"x": x, "mean": mean, "mantissa": ms, "shift": t, "beta": beta},
        ["y", "overflow"],
        dut.latency,
    )
    y, ovf = stages.output(cfg, stages.center(x << g, mean), ms, t, beta)
    assert got["y"] == list(y)
    assert got["overflow"] == list(ovf.astype(int))
    assert ovf.any() and not ovf.all()  # both sides of the range check are exercised


class _MirroredShiftRound(wiring.Component):
    def __init__(self, s: int, rounding: Rounding) -> None:
        self._s, self._r = s, rounding
        super().__init__({"v": In(signed(12)), "y": Out(signed(13))})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.d.comb += self.y.eq(arith.shift_round_mirrored(self.v, self._s, self._r))
        return m


@pytest.mark.parametrize("rounding", ROUNDINGS, ids=lambda r: r.value)
@pytest.mark.parametrize("s", [0, 1, 4])
def test_mirrored_shift_round_is_minus_rnd_of_minus_every_12_bit_value(rounding: Rounding, s: int) -> None:
    v = np.arange(-2048, 2048)
    got = run_pipelined(_MirroredShiftRound(s, rounding), {"v": v}, ["y"], 0)["y"]
    assert got == list(-shift_round(-v, s, rounding))


@pytest.mark.parametrize("rate", [2, 3, 5, 16])
@pytest.mark.parametrize("rounding", [Rounding.HALF_EVEN, Rounding.TRUNCATE], ids=lambda r: r.value)
def test_reciprocal_at_a_rate_takes_one_job_every_rate_cycles(rate: int, rounding: Rounding) -> None:
    # jobs `rate` cycles apart, the inputs between them garbage: the engines and the spaced
    # pipeline (one register per `rate` stages) must still hand every job its own values
    rng = np.random.default_rng(rate)
    kk_width, d_width, mant_bits, jobs = 19, 30, 17, 60
    kk = rng.integers(1 << (kk_width - 1), 1 << kk_width, jobs)
    d = np.clip(rng.integers(1, 1 << 12, jobs) << rng.integers(0, 18, jobs), 1, (1 << d_width) - 1)
    n = jobs * rate
    en = np.zeros(n, dtype=np.int64)
    en[::rate] = 1
    kk_in = rng.integers(1 << (kk_width - 1), 1 << kk_width, n)
    d_in = rng.integers(1, 1 << d_width, n)
    kk_in[::rate], d_in[::rate] = kk, d
    dut = Reciprocal(d_width, kk_width, mant_bits, rounding, rate=rate)
    got = run_pipelined(dut, {"en": en, "d": d_in, "kk": kk_in}, ["m", "pd", "below", "carry"], dut.latency)
    m_ref, e_ref = norm_reciprocal(kk, 0, d, mant_bits, rounding)
    assert got["m"][::rate] == list(m_ref)
    e_hw = (
        kk_width
        - 1
        - np.array(got["pd"][::rate])
        - np.array(got["below"][::rate])
        + np.array(got["carry"][::rate])
    )
    assert list(e_hw) == list(e_ref)
