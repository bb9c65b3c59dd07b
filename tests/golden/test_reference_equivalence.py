"""`FixedStreamNorm` against the independent per-sample reference (`reference.py`), bit for bit.

The reference is written from `docs/spec.md` alone, so agreement here means the golden model
implements the spec, not merely that it agrees with itself. Property tests sweep every
configuration field; the deterministic tests pin down single clauses of the spec by name.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, currently_in_test_context, event, given, reject, settings
from hypothesis import strategies as st
from reference import (
    ChannelStats,
    ReferenceNorm,
    Refused,
    gain_numerator,
    gamma_register,
    gaussian_constant,
    isqrt_rounded,
    quantize_beta,
    quantize_coefficient,
    rnd,
    round_quotient,
)

from streamnorm.golden import ConfigError, FixedStreamNorm, NormConfig, ParameterError

ROUNDINGS = ("truncate", "half_up", "half_even")
OVERFLOWS = ("saturate", "wrap")

PROPERTY = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# ---- strategies --------------------------------------------------------------------------------
@st.composite
def gammas(draw: st.DrawFn, exp_lo: int, exp_hi: int) -> float:
    # Tie-prone mantissas (1.5, 1.25, ...) make the gain quantization hit exact halves.
    mant = draw(st.sampled_from([1.0, 1.25, 1.5, 1.75]) | st.floats(1.0, 2.0, exclude_max=True))
    sign = draw(st.sampled_from([1.0, -1.0]))
    return sign * mant * 2.0 ** draw(st.integers(exp_lo, exp_hi))


#: The paper's weights (Liao et al. 2016: kappa = 0.7, alpha = (0.7, 0.3) and (0.5, 0.5)), and
#: values that sit exactly on a quantization tie at their 16 significant bits.
PAPER_WEIGHTS = (0.3, 0.5, 0.7)


@st.composite
def weight_values(draw: st.DrawFn) -> float:
    """A coefficient given as a value: the paper's, a tie at 16 significant bits, or any in [2^-12, 1)."""
    kind = draw(st.sampled_from(["paper", "tie", "any"]))
    if kind == "paper":
        return draw(st.sampled_from(PAPER_WEIGHTS))
    if kind == "tie":
        e = draw(st.integers(1, 8))
        return (draw(st.integers(1 << 15, (1 << 16) - 2)) + 0.5) * 2.0 ** -(15 + e)
    return draw(st.floats(2.0**-12, 1.0, exclude_max=True))


@st.composite
def weights(draw: st.DrawFn, *, allow_none: bool = True) -> dict[str, Any]:
    """One weight as the configuration spells it: a shift, a value, or (if allowed) neither."""
    forms = ["shift", "value", "value", "none"] if allow_none else ["shift", "value"]
    form = draw(st.sampled_from(forms))
    if form == "none":
        return {"shift": None, "value": None}
    if form == "value":
        return {"shift": None, "value": draw(weight_values())}
    # Long decays and mix shifts cost guard bits, so they are drawn less often.
    return {"shift": draw(st.integers(1, 8) | st.integers(9, 24)), "value": None}


@st.composite
def norm_configs(
    draw: st.DrawFn,
    *,
    channels: int | None = None,
    window_log2: int | None = None,
    gamma_exp: tuple[int, int] = (-3, 3),
    min_in_width: int = 4,
    max_width: int = 16,
    p: int | None = None,
    paper: bool = False,
) -> NormConfig:
    c = channels if channels is not None else draw(st.integers(1, 4) | st.just(9))
    wi = draw(st.integers(min_in_width, max_width))
    wo = draw(st.integers(4, max_width))
    fi = draw(st.integers(-3, wi + 3))
    fo = draw(st.integers(-3, wo + 3))
    # Mostly windows that complete several times in a short stream; sometimes long ones that
    # never do (the initial statistics must then hold throughout).
    k = window_log2 if window_log2 is not None else draw(st.sampled_from([*range(6)] * 2 + [7, 9]))
    if paper:  # kappa = 0.7 (decay 0.3), alpha = (0.7, 0.3) or (0.5, 0.5): mix 0.3 or 0.5, or none
        decay = {"shift": None, "value": 0.3}
        mix = {"shift": None, "value": draw(st.sampled_from([0.3, 0.5, None]))}
    else:
        decay = draw(weights())
        long_term = decay["shift"] is not None or decay["value"] is not None
        mix = draw(weights()) if long_term else {"shift": None, "value": None}
    per_channel_gamma = draw(st.booleans())
    if per_channel_gamma:
        gamma: Any = [draw(gammas(*gamma_exp)) for _ in range(c)]
    else:
        gamma = draw(gammas(*gamma_exp))
    # Betas on a quarter-LSB grid: exact halves exercise the tie rule of the beta quantization.
    lo, hi = -(1 << (wo - 1)), (1 << (wo - 1)) - 1

    def one_beta() -> float:
        return (draw(st.integers(lo, hi - 1)) + draw(st.integers(0, 3)) / 4) * 2.0**-fo

    beta: Any = [one_beta() for _ in range(c)] if draw(st.booleans()) else one_beta()
    kwargs = dict(
        channels=c,
        in_fmt={"width": wi, "frac": fi},
        out_fmt={"width": wo, "frac": fo},
        window_log2=k,
        decay_log2=decay["shift"],
        decay=decay["value"],
        mix_log2=mix["shift"],
        mix=mix["value"],
        p=p if p is not None else draw(st.sampled_from([1, 2])),
        scale=draw(st.sampled_from(["exact", "pow2"])),
        eps=2.0 ** draw(st.integers(-10, 2)),
        gaussian_scale=draw(st.booleans()),
        gamma=gamma,
        beta=beta,
        rounding=draw(st.sampled_from(ROUNDINGS)),
        overflow=draw(st.sampled_from(OVERFLOWS)),
    )
    try:
        cfg = NormConfig(**kwargs)
    except ConfigError:
        reject()
    if cfg.p == 2 and cfg.square_guard_bits < cfg.guard_bits:
        event("p = 2 with fewer square guard bits than guard bits")
    return cfg


STREAM_KINDS = ("uniform", "extremes", "rails", "small", "scaled", "constant")


@dataclass
class Case:
    """One input stream: codes (T, C) and a freeze argument in the model's accepted forms."""

    codes: np.ndarray
    freeze: bool | np.ndarray | None

    def freeze_list(self) -> bool | list[bool] | None:
        return self.freeze.tolist() if isinstance(self.freeze, np.ndarray) else self.freeze


def make_codes(cfg: NormConfig, t: int, kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lo, hi = cfg.in_fmt.min_code, cfg.in_fmt.max_code
    shape = (t, cfg.channels)
    if kind == "uniform":
        x = rng.integers(lo, hi + 1, shape)
    elif kind == "extremes":  # full-scale swings: largest deviations and products
        x = rng.choice([lo, hi], shape)
    elif kind == "rails":  # each channel stuck at min or max: zero deviation, largest gain
        x = np.broadcast_to(rng.choice([lo, hi], (1, cfg.channels)), shape)
    elif kind == "small":  # near-constant: the deviation is tiny, so eps sets the gain
        x = rng.integers(lo, hi + 1, (1, cfg.channels)) + rng.integers(-2, 3, shape)
    elif kind == "scaled":  # per-channel amplitude and offset, as real signals have
        amp = 2.0 ** rng.uniform(0, cfg.in_fmt.width - 1, (1, cfg.channels))
        x = np.round(rng.normal(rng.uniform(lo, hi, (1, cfg.channels)) / 2, amp, shape))
    else:
        x = np.broadcast_to(rng.integers(lo, hi + 1, (1, cfg.channels)), shape)
    return np.clip(x, lo, hi).astype(np.int64)


@st.composite
def cases(draw: st.DrawFn, cfg: NormConfig, max_t: int = 250, freeze: bool | None = None) -> Case:
    # Mostly streams long enough for several windows and the long-term recurrence; some short
    # ones for the corners around the first window.
    long_stream = draw(st.sampled_from([True, True, True, False]))
    t = draw(st.integers(max_t // 4, max_t) if long_stream else st.integers(1, 16))
    kind = draw(st.sampled_from(STREAM_KINDS))
    seed = draw(st.integers(0, 2**32 - 1))
    codes = make_codes(cfg, t, kind, seed)
    use_array = freeze if freeze is not None else draw(st.booleans())
    fr: bool | np.ndarray | None
    if use_array:
        prob = draw(st.sampled_from([0.1, 0.5, 0.8]))
        fr = np.random.default_rng(seed + 1).random(t) < prob
    else:
        fr = draw(st.sampled_from([None, False, None, True]))
    return Case(codes, fr)


# ---- comparison helpers ------------------------------------------------------------------------
def stats_arrays(stats: list[list[ChannelStats]]) -> dict[str, np.ndarray]:
    return {
        name: np.array([[getattr(s, name) for s in row] for row in stats], dtype=np.int64)
        for name in ("mean", "dev_stat", "scale_mantissa", "scale_shift")
    }


def assert_equal_arrays(name: str, got: np.ndarray, want: np.ndarray) -> None:
    got = np.asarray(got).reshape(np.shape(want))
    bad = np.argwhere(got != want)
    if len(bad):
        t, c = bad[0]
        raise AssertionError(
            f"{name} differs at time step {t}, channel {c}: model {got[t, c]}, "
            f"reference {want[t, c]} ({len(bad)} mismatches)"
        )


def assert_matches(
    model: FixedStreamNorm,
    y: np.ndarray,
    trace: Any,
    ref: ReferenceNorm,
    y_ref: list[list[int]],
    stats: list[list[ChannelStats]],
) -> None:
    # Statistics first: a wrong statistic explains a wrong output, not the other way round.
    want = stats_arrays(stats)
    for name, arr in want.items():
        assert_equal_arrays(f"trace.{name}", getattr(trace, name), arr)
    assert_equal_arrays("output", y, np.array(y_ref, dtype=np.int64).reshape(np.shape(y)))
    assert bool(model.overflow) == ref.overflow
    assert int(model.overflow_count) == ref.overflow_count


def check_against_reference(cfg: NormConfig, case: Case) -> ReferenceNorm:
    model = FixedStreamNorm(cfg)
    y, trace = model.process_traced(case.codes, case.freeze)
    ref = ReferenceNorm(cfg)
    y_ref, stats = ref.run_traced(case.codes.tolist(), case.freeze_list())
    assert_matches(model, y, trace, ref, y_ref, stats)
    return ref


def config(**kw: Any) -> NormConfig:
    base: dict[str, Any] = dict(
        channels=1,
        in_fmt={"width": 8, "frac": 4},
        out_fmt={"width": 8, "frac": 4},
        window_log2=2,
        decay_log2=None,
        decay=None,
        mix_log2=None,
        mix=None,
        p=1,
        scale="exact",
        eps=2.0**-4,
        gaussian_scale=False,
        gamma=1.0,
        beta=0.0,
        rounding="half_even",
        overflow="saturate",
    )
    base.update(kw)
    return NormConfig(**base)


def describe_weight(shift: int | None, value: float | None) -> str:
    return "none" if shift is None and value is None else ("shift" if value is None else "value")


# ---- property tests ----------------------------------------------------------------------------
def _random_config_and_stream(data: st.DataObject, cfg: NormConfig) -> None:
    event(f"p={cfg.p} scale={cfg.scale} rounding={cfg.rounding.value}")
    event(f"decay={describe_weight(cfg.decay_log2, cfg.decay)} mix={describe_weight(cfg.mix_log2, cfg.mix)}")
    check_against_reference(cfg, data.draw(cases(cfg)))


# The default run draws 800 configurations (about 20 s on one core); the long regression 5000.
@settings(PROPERTY, max_examples=800)
@given(data=st.data(), cfg=norm_configs())
def test_random_configs_and_streams_match_reference_bit_for_bit(data: st.DataObject, cfg: NormConfig) -> None:
    _random_config_and_stream(data, cfg)


@pytest.mark.slow
@settings(PROPERTY, max_examples=5000)
@given(data=st.data(), cfg=norm_configs())
def test_many_random_configs_and_streams_match_reference_bit_for_bit(
    data: st.DataObject, cfg: NormConfig
) -> None:
    _random_config_and_stream(data, cfg)


@settings(PROPERTY, max_examples=200)
@given(data=st.data(), cfg=norm_configs(window_log2=0))
def test_single_sample_windows_match_reference(data: st.DataObject, cfg: NormConfig) -> None:
    # k = 0: every active step both starts and ends a window.
    check_against_reference(cfg, data.draw(cases(cfg, max_t=100)))


@settings(PROPERTY, max_examples=200)
@given(data=st.data(), cfg=norm_configs(channels=1))
def test_single_channel_matches_reference(data: st.DataObject, cfg: NormConfig) -> None:
    check_against_reference(cfg, data.draw(cases(cfg)))


@settings(PROPERTY, max_examples=400)
@given(data=st.data(), cfg=norm_configs(gamma_exp=(3, 7), max_width=10))
def test_saturating_streams_match_reference_including_sticky_flag_and_count(
    data: st.DataObject, cfg: NormConfig
) -> None:
    t = data.draw(st.integers(1, 200))
    kind = data.draw(st.sampled_from(["extremes", "rails", "uniform"]))
    codes = make_codes(cfg, t, kind, data.draw(st.integers(0, 2**32 - 1)))
    ref = check_against_reference(cfg, Case(codes, None))
    event(f"overflow={ref.overflow} mode={cfg.overflow.value}")


@settings(PROPERTY, max_examples=300)
@given(data=st.data(), cfg=norm_configs())
def test_freeze_toggled_per_step_matches_reference(data: st.DataObject, cfg: NormConfig) -> None:
    check_against_reference(cfg, data.draw(cases(cfg, freeze=True)))


@settings(PROPERTY, max_examples=250)
@given(data=st.data(), cfg=norm_configs(gamma_exp=(-3, 7)))
def test_reset_mid_stream_matches_a_fresh_reference(data: st.DataObject, cfg: NormConfig) -> None:
    before = data.draw(cases(cfg))
    after = data.draw(cases(cfg))
    model = FixedStreamNorm(cfg)
    model.process(before.codes, before.freeze)
    model.reset()
    assert not model.overflow and model.overflow_count == 0
    y, trace = model.process_traced(after.codes, after.freeze)
    fresh = ReferenceNorm(cfg)
    y_ref, stats = fresh.run_traced(after.codes.tolist(), after.freeze_list())
    assert_matches(model, y, trace, fresh, y_ref, stats)
    # The reference's own reset must agree too, or the fresh run above would prove nothing about it.
    reused = ReferenceNorm(cfg)
    reused.run(before.codes.tolist(), before.freeze_list())
    reused.reset()
    assert reused.run_traced(after.codes.tolist(), after.freeze_list()) == (y_ref, stats)


@settings(PROPERTY, max_examples=300)
@given(data=st.data(), cfg=norm_configs(p=2, min_in_width=12))
def test_p2_with_fewer_square_guard_bits_matches_reference(data: st.DataObject, cfg: NormConfig) -> None:
    # Only G2 < G makes Mu2 = -rnd(-Mu) a real rounding (ceil-like under truncate).
    assume(cfg.square_guard_bits < cfg.guard_bits)
    check_against_reference(cfg, data.draw(cases(cfg)))


@settings(PROPERTY, max_examples=300)
@given(data=st.data(), cfg=norm_configs())
def test_chunked_processing_equals_one_reference_run(data: st.DataObject, cfg: NormConfig) -> None:
    case = data.draw(cases(cfg, freeze=True))
    assert isinstance(case.freeze, np.ndarray)
    t = len(case.codes)
    # Cuts anywhere, including empty chunks and cuts inside windows.
    cuts = sorted(data.draw(st.lists(st.integers(0, t), max_size=6)))
    bounds = [0, *cuts, t]
    model = FixedStreamNorm(cfg)
    ys, traces = [], []
    for a, b in itertools.pairwise(bounds):
        y, trace = model.process_traced(case.codes[a:b], case.freeze[a:b])
        ys.append(np.asarray(y).reshape(b - a, cfg.channels))
        traces.append(trace)
    ref = ReferenceNorm(cfg)
    y_ref, stats = ref.run_traced(case.codes.tolist(), case.freeze_list())
    joined = SimpleNamespace(
        **{
            n: np.concatenate([np.reshape(getattr(tr, n), (-1, cfg.channels)) for tr in traces])
            for n in ("mean", "dev_stat", "scale_mantissa", "scale_shift")
        }
    )
    assert_matches(model, np.concatenate(ys), joined, ref, y_ref, stats)


# ---- run-time calls (spec §4): set_params and set_stats between time steps ----------------------
@dataclass
class Call:
    """A call between time steps: before time step `step`, `kind` ("params", "stats" or "reload",
    which writes back what `stats()` reads) with `kwargs`."""

    step: int
    kind: str
    kwargs: dict[str, Any]


@st.composite
def param_kwargs(draw: st.DrawFn, cfg: NormConfig) -> dict[str, Any]:
    """A set_params call: mostly legal values, sometimes one the spec refuses."""
    c = cfg.channels
    largest = max(abs(g) for g in cfg.gamma_codes) * 2.0**-cfg.gamma_fmt.frac
    lo, hi = cfg.out_fmt.min_code, cfg.out_fmt.max_code

    def one_gamma() -> float:
        if draw(st.integers(0, 39)) == 0:  # refused: above the configured largest, or zero
            return draw(st.sampled_from([largest * 1.01, 0.0, -largest * 1.5]))
        g = largest * 2.0 ** -draw(st.floats(0, 4))
        return draw(st.sampled_from([1.0, -1.0])) * max(g, 2.0**-8)

    def one_beta() -> float:
        if draw(st.integers(0, 39)) == 0:  # refused: outside out_fmt
            return (hi + 2) * 2.0**-cfg.out_fmt.frac
        return (draw(st.integers(lo, hi - 1)) + draw(st.integers(0, 3)) / 4) * 2.0**-cfg.out_fmt.frac

    kw: dict[str, Any] = {}
    # Fields in the order the model checks them, so a refusal names the same field in both.
    if draw(st.booleans()):
        kw["gamma"] = [one_gamma() for _ in range(c)] if draw(st.booleans()) else one_gamma()
    if draw(st.booleans()):
        kw["beta"] = [one_beta() for _ in range(c)] if draw(st.booleans()) else one_beta()
    for name in ("decay", "mix"):
        # Where the weight has no register, asking for it once in a while must be refused.
        if draw(st.integers(0, 2 if getattr(cfg, name) is not None else 12)) == 0:
            kw[name] = draw(weight_values() | st.sampled_from([2.0**-30, 1 - 2.0**-40]))
    return kw


@st.composite
def stat_kwargs(draw: st.DrawFn, cfg: NormConfig) -> dict[str, Any]:
    """A set_stats call: all channels or some, one statistic or both, codes anywhere legal."""
    channels = None
    n = cfg.channels
    if draw(st.booleans()):
        channels = draw(st.lists(st.integers(0, cfg.channels - 1), min_size=1, unique=True))
        n = len(channels)
    g = cfg.guard_bits
    step = 1 << (g - cfg.square_guard_bits) if cfg.p == 2 else 1
    lo, hi = cfg.in_fmt.min_code << g, cfg.in_fmt.max_code << g
    means = st.integers(lo, hi) | st.sampled_from([lo, hi, 0])
    top = cfg.dev_stat_max // step
    devs = (st.integers(0, top) | st.sampled_from([0, 1, top])).map(lambda a: a * step)
    kw: dict[str, Any] = {"channels": channels}
    what = draw(st.sampled_from(["both", "both", "mean", "dev_stat"]))
    if what in ("both", "mean"):
        kw["mean"] = draw(st.lists(means, min_size=n, max_size=n)) if draw(st.booleans()) else draw(means)
    if what in ("both", "dev_stat"):
        kw["dev_stat"] = draw(st.lists(devs, min_size=n, max_size=n)) if draw(st.booleans()) else draw(devs)
    if draw(st.integers(0, 19)) == 0:  # refused: a mean off the input range
        kw["mean"] = hi + 1
    return kw


@st.composite
def scripts(draw: st.DrawFn, cfg: NormConfig, steps: int) -> list[Call]:
    calls = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["params", "params", "stats", "reload"]))
        kwargs = {"params": param_kwargs, "stats": stat_kwargs}.get(kind)
        calls.append(Call(draw(st.integers(0, steps)), kind, draw(kwargs(cfg)) if kwargs else {}))
    return sorted(calls, key=lambda call: call.step)


def call_both(model: FixedStreamNorm, ref: ReferenceNorm, call: Call) -> None:
    """Make `call` on the model and the reference: both refuse it, naming the same field, or both
    take it and then read back the same statistics."""
    if call.kind == "reload":
        mean, dev = model.stats()
        kwargs: dict[str, Any] = {"mean": mean, "dev_stat": dev}
        assert (mean.tolist(), dev.tolist()) == ref.stats()
    else:
        kwargs = call.kwargs
    method = "set_params" if call.kind == "params" else "set_stats"
    refused: list[str | None] = []
    for target, error in ((model, ParameterError), (ref, Refused)):
        try:
            getattr(target, method)(**kwargs)
            refused.append(None)
        except error as exc:
            refused.append(exc.parameter if isinstance(exc, ParameterError) else exc.field)
    assert refused[0] == refused[1], f"{method}({kwargs}): model refused {refused[0]}, reference {refused[1]}"
    if currently_in_test_context():
        event(f"{call.kind} {'refused' if refused[0] else 'taken'}")
    mean, dev = model.stats()
    assert mean.dtype == np.int64 and dev.dtype == np.int64
    assert (mean.tolist(), dev.tolist()) == ref.stats()


TRACE_FIELDS = ("mean", "dev_stat", "scale_mantissa", "scale_shift")


def join_traces(traces: list[Any]) -> SimpleNamespace:
    return SimpleNamespace(**{n: np.concatenate([getattr(tr, n) for tr in traces]) for n in TRACE_FIELDS})


def run_script(
    cfg: NormConfig, case: Case, calls: list[Call], cuts: list[int] | None = None
) -> tuple[FixedStreamNorm, np.ndarray, SimpleNamespace]:
    """Run the model over `case` with `calls` between time steps, also cut at `cuts`; return the
    model, its outputs and its joined trace."""
    t = len(case.codes)
    frozen = case.freeze if isinstance(case.freeze, np.ndarray) else np.full(t, bool(case.freeze))
    model = FixedStreamNorm(cfg)
    ys, traces = [], []
    points = sorted({*(cuts or []), *(call.step for call in calls), 0, t})
    pending = list(calls)
    for a, b in itertools.pairwise(points):
        while pending and pending[0].step == a:
            call = pending.pop(0)
            getattr(model, "set_params" if call.kind == "params" else "set_stats")(**call.kwargs)
        y, trace = model.process_traced(case.codes[a:b], frozen[a:b])
        ys.append(y)
        traces.append(trace)
    return model, np.concatenate(ys), join_traces(traces)


def check_script_against_reference(cfg: NormConfig, case: Case, calls: list[Call]) -> None:
    t = len(case.codes)
    flags = case.freeze_list()
    frozen = flags if isinstance(flags, list) else [bool(flags)] * t
    model, ref = FixedStreamNorm(cfg), ReferenceNorm(cfg)
    ys, traces, y_ref, stats_ref = [], [], [], []
    points = sorted({*(call.step for call in calls), 0, t})
    pending = list(calls)
    for a, b in itertools.pairwise([*points, t] if points[-1] != t else points):
        while pending and pending[0].step == a:
            call_both(model, ref, pending.pop(0))
        y, trace = model.process_traced(case.codes[a:b], np.array(frozen[a:b], dtype=bool))
        ys.append(y)
        traces.append(trace)
        yr, sr = ref.run_traced(case.codes[a:b].tolist(), frozen[a:b])
        y_ref += yr
        stats_ref += sr
    while pending:  # calls after the last step still have to agree
        call_both(model, ref, pending.pop(0))
    assert_matches(model, np.concatenate(ys), join_traces(traces), ref, y_ref, stats_ref)


@settings(PROPERTY, max_examples=400)
@given(data=st.data(), cfg=norm_configs())
def test_random_calls_at_random_time_steps_match_reference(data: st.DataObject, cfg: NormConfig) -> None:
    event(f"decay={describe_weight(cfg.decay_log2, cfg.decay)} mix={describe_weight(cfg.mix_log2, cfg.mix)}")
    case = data.draw(cases(cfg))
    check_script_against_reference(cfg, case, data.draw(scripts(cfg, len(case.codes))))


@settings(PROPERTY, max_examples=200)
@given(data=st.data(), cfg=norm_configs(paper=True))
def test_paper_settings_match_reference_with_calls(data: st.DataObject, cfg: NormConfig) -> None:
    event(f"mix={cfg.mix}")
    case = data.draw(cases(cfg))
    check_script_against_reference(cfg, case, data.draw(scripts(cfg, len(case.codes))))


@settings(PROPERTY, max_examples=150)
@given(data=st.data(), cfg=norm_configs())
def test_chunking_with_calls_in_between_gives_the_same_words(data: st.DataObject, cfg: NormConfig) -> None:
    case = data.draw(cases(cfg, freeze=True))
    t = len(case.codes)
    calls = [c for c in data.draw(scripts(cfg, t)) if c.kind != "reload"]
    # Calls the spec refuses are left out: the comparison is about chunking.
    legal = []
    probe = FixedStreamNorm(cfg)
    for call in calls:
        try:
            getattr(probe, "set_params" if call.kind == "params" else "set_stats")(**call.kwargs)
            legal.append(call)
        except ParameterError:
            pass
    cuts = data.draw(st.lists(st.integers(0, t), max_size=6))
    whole, y_whole, tr_whole = run_script(cfg, case, legal)
    split, y_split, tr_split = run_script(cfg, case, legal, cuts)
    assert_equal_arrays("output", y_split, y_whole)
    for name in ("mean", "dev_stat", "scale_mantissa", "scale_shift"):
        assert_equal_arrays(f"trace.{name}", getattr(tr_split, name), getattr(tr_whole, name))
    assert [a.tolist() for a in split.stats()] == [a.tolist() for a in whole.stats()]
    assert split.overflow_count == whole.overflow_count


@pytest.mark.parametrize("kind", ["params", "stats"])
def test_harness_rejects_a_reference_that_applies_a_call_a_step_late(kind: str) -> None:
    # Guards against a vacuous comparison of the timing: a call must take effect at its step.
    cfg = config(channels=2, gamma=[2.0, 2.0], decay=0.3, mix=0.5, window_log2=1)
    codes = make_codes(cfg, 40, "uniform", 4)
    kwargs: dict[str, Any] = (
        {"gamma": [1.0, 2.0], "beta": [0.5, 0.0]}
        if kind == "params"
        else {"mean": 3 << cfg.guard_bits, "dev_stat": 5 << cfg.guard_bits}
    )
    call = Call(10, kind, kwargs)
    check_script_against_reference(cfg, Case(codes, None), [call])
    _, y, _ = run_script(cfg, Case(codes, None), [call])
    late = ReferenceNorm(cfg)
    y_late = late.run(codes[:11].tolist())
    getattr(late, f"set_{kind}")(**kwargs)
    y_late += late.run(codes[11:].tolist())
    with pytest.raises(AssertionError, match="time step 10"):
        assert_equal_arrays("output", y, np.array(y_late))


# ---- deterministic tests: one spec clause each -------------------------------------------------
def test_initial_statistics_are_zero_mean_and_unit_deviation() -> None:
    for p in (1, 2):
        cfg = config(p=p, channels=2, gamma=[1.0, -0.75])
        _, trace = FixedStreamNorm(cfg).process_traced(np.zeros((1, 2), dtype=np.int64))
        ref = ReferenceNorm(cfg)
        assert list(np.asarray(trace.mean)[0]) == [0, 0]
        assert list(np.asarray(trace.dev_stat)[0]) == [1 << cfg.stat_frac] * 2
        want = ref.stats_in_force()
        assert list(np.asarray(trace.scale_mantissa)[0]) == [s.scale_mantissa for s in want]
        assert list(np.asarray(trace.scale_shift)[0]) == [s.scale_shift for s in want]
        assert np.asarray(trace.scale_mantissa)[0, 1] < 0  # ms carries gamma's sign


def test_window_end_sample_uses_old_statistics() -> None:
    cfg = config(window_log2=2)
    x = np.array([[16], [16], [16], [48], [16], [16]], dtype=np.int64)
    y, trace = FixedStreamNorm(cfg).process_traced(x)
    g = cfg.guard_bits
    mean = np.asarray(trace.mean)[:, 0]
    dev = np.asarray(trace.dev_stat)[:, 0]
    # Samples 0..3 (the window's last one included) see the initial statistics.
    assert list(mean[:4]) == [0] * 4
    assert list(dev[:4]) == [1 << cfg.stat_frac] * 4
    assert mean[4] == (16 + 16 + 16 + 48) << (g - 2)
    # The window's deviations are taken from the mean in force (0), not from the new mean.
    assert dev[4] == rnd((16 + 16 + 16 + 48) << g, 2, "half_even")
    # The window's last sample is normalized exactly as if it had come first, with initial stats.
    assert y[3, 0] == FixedStreamNorm(cfg).process(np.array([[48]]))[0, 0]
    check_against_reference(cfg, Case(x, None))


def test_first_window_initialises_long_term() -> None:
    cfg = config(window_log2=1, decay_log2=3)
    x = np.array([[40], [40], [8], [8], [8], [8]], dtype=np.int64)
    _, trace = FixedStreamNorm(cfg).process_traced(x)
    g = cfg.guard_bits
    mean = np.asarray(trace.mean)[:, 0]
    m1 = 40 << g  # first window: m_l = m_s, not 0 + rnd_d(m_s - 0)
    assert mean[2] == m1
    m2 = m1 + rnd((8 << g) - m1, 3, "half_even")
    assert mean[4] == m2
    check_against_reference(cfg, Case(x, None))


def test_mix_weights_the_short_term_statistic_after_the_long_term_update() -> None:
    cfg = config(window_log2=1, decay_log2=4, mix_log2=1)
    x = np.array([[40], [40], [-8], [-8], [0]], dtype=np.int64)
    _, trace = FixedStreamNorm(cfg).process_traced(x)
    g = cfg.guard_bits
    m_l = (40 << g) + rnd((-8 << g) - (40 << g), 4, "half_even")
    assert np.asarray(trace.mean)[4, 0] == m_l + rnd((-8 << g) - m_l, 1, "half_even")
    check_against_reference(cfg, Case(x, None))


def test_frozen_steps_do_not_advance_the_window_or_touch_the_sums() -> None:
    cfg = config(window_log2=2)
    x = np.array([[4], [100], [4], [100], [4], [4], [4], [4]], dtype=np.int64)
    freeze = np.array([False, True, False, True, False, False, False, False])
    y, trace = FixedStreamNorm(cfg).process_traced(x, freeze)
    mean = np.asarray(trace.mean)[:, 0]
    # The 4th active step is index 5; the frozen 100s never enter the sums.
    assert list(mean[:6]) == [0] * 6
    assert mean[6] == 4 << cfg.guard_bits
    assert y[1, 0] == y[3, 0]  # frozen samples are still normalized
    check_against_reference(cfg, Case(x, freeze))


def test_freeze_true_for_a_whole_call_holds_the_statistics() -> None:
    cfg = config(window_log2=0)
    model = FixedStreamNorm(cfg)
    model.process(np.array([[20]]))
    _, trace = model.process_traced(np.array([[1], [2], [3]]), True)
    assert list(np.asarray(trace.mean)[:, 0]) == [20 << cfg.guard_bits] * 3


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_p2_deviation_is_rounded_to_square_guard_bits(rounding: str) -> None:
    # Wide input and a small eps make G > G2, so Mu2 = -rnd(-Mu) really rounds.
    cfg = config(
        p=2,
        in_fmt={"width": 16, "frac": 8},
        out_fmt={"width": 16, "frac": 12},
        eps=2.0**-10,
        window_log2=3,
        rounding=rounding,
        channels=2,
    )
    assert cfg.square_guard_bits < cfg.guard_bits
    codes = make_codes(cfg, 200, "scaled", 7)
    check_against_reference(cfg, Case(codes, None))


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_pow2_scale_has_unit_mantissa(rounding: str) -> None:
    cfg = config(scale="pow2", rounding=rounding, channels=2, gamma=[1.3, -2.9])
    codes = make_codes(cfg, 64, "uniform", 3)
    _, trace = FixedStreamNorm(cfg).process_traced(codes)
    assert set(np.abs(np.asarray(trace.scale_mantissa)).ravel().tolist()) == {1}
    check_against_reference(cfg, Case(codes, None))


def test_beta_is_added_after_rounding_under_half_even() -> None:
    # With the initial scale and Mu = 0, find inputs whose product lands exactly on a tie; there
    # an odd Bc separates rnd_t(Z) + Bc (the spec) from rnd_t(Z + Bc·2^t) (folded in first).
    cfg = config(scale="pow2", eps=0.5, beta=2**-4, rounding="half_even", window_log2=4)
    (bc,) = cfg.beta_codes
    assert bc % 2 == 1
    ref = ReferenceNorm(cfg)
    (s0,) = ref.stats_in_force()
    g = cfg.guard_bits
    ties = [
        x
        for x in range(cfg.in_fmt.min_code, cfg.in_fmt.max_code + 1)
        if ((x << g) * s0.scale_mantissa) % (1 << s0.scale_shift) == 1 << (s0.scale_shift - 1)
    ]
    assert ties, "the test needs a tie to be meaningful"
    codes = np.array(ties[: cfg.window - 1], dtype=np.int64).reshape(-1, 1)
    y = FixedStreamNorm(cfg).process(codes)
    folded = [
        rnd((x << g) * s0.scale_mantissa + (bc << s0.scale_shift), s0.scale_shift, "half_even")
        for x in ties[: cfg.window - 1]
    ]
    assert np.asarray(y).ravel().tolist() != folded
    check_against_reference(cfg, Case(codes, None))


@pytest.mark.parametrize("mode", OVERFLOWS)
def test_output_overflow_sets_sticky_flag_and_reset_clears_it(mode: str) -> None:
    cfg = config(gamma=64.0, overflow=mode, window_log2=2)
    codes = np.array([[127], [-128], [127], [0], [0], [0], [0], [0]], dtype=np.int64)
    model = FixedStreamNorm(cfg)
    y = model.process(codes)
    ref = ReferenceNorm(cfg)
    assert np.asarray(y).tolist() == ref.run(codes.tolist())
    assert model.overflow and ref.overflow
    assert model.overflow_count == ref.overflow_count > 0
    model.process(np.zeros((4, 1), dtype=np.int64))  # in-range samples leave the flag set
    assert model.overflow
    model.reset()
    assert not model.overflow and model.overflow_count == 0


def test_wrap_keeps_the_low_output_bits() -> None:
    cfg = config(gamma=64.0, overflow="wrap")
    y = FixedStreamNorm(cfg).process(np.array([[127], [-128]]))
    ref = ReferenceNorm(cfg)
    assert np.asarray(y).tolist() == ref.run([[127], [-128]])
    lo, hi = cfg.out_fmt.min_code, cfg.out_fmt.max_code
    assert all(lo <= v <= hi for v in np.asarray(y).ravel())


# ---- the constants gamma·g and beta (spec §1: the one rounding mode quantizes them too) ---------
@pytest.mark.parametrize("mode", ROUNDINGS)
def test_beta_codes_are_beta_rounded_by_the_rounding_mode(mode: str) -> None:
    # Quarter-LSB steps on both sides of zero: exact ties and plain roundings.
    betas = [q / 16 for q in range(-9, 10)]
    cfg = config(channels=len(betas), beta=betas, rounding=mode)
    want = [quantize_beta(Fraction(b), cfg.out_fmt.frac, mode) for b in betas]
    assert list(cfg.beta_codes) == want


def spec_gains(cfg: NormConfig, gammas: list[float], mode: str) -> list[tuple[int, int, int]]:
    """Kc as spec §2 reads: gamma to gamma_fmt, times gq, normalize_round (reference functions)."""
    mk = cfg.out_fmt.width + 3
    g = gaussian_constant(cfg.gaussian_scale and cfg.p == 1, mk, mode)
    out = []
    for gm in gammas:
        code, fg = gamma_register(Fraction(gm), mk, mode)
        out.append(gain_numerator(code, fg, g, mk, mode))
    return out


def float64_gain(gamma: float, g: float, mk: int, mode: str) -> tuple[int, int, int]:
    """Kc as earlier versions computed it: the float64 product ``|gamma| * g`` rounded to MK bits."""
    mag = Fraction(abs(gamma) * g)  # the float64 product, exactly as float64 holds it
    ek = mag.numerator.bit_length() - mag.denominator.bit_length() - mk + 1
    while mag / Fraction(2) ** ek >= 1 << mk:
        ek += 1
    while mag / Fraction(2) ** ek < 1 << (mk - 1):
        ek -= 1
    q = mag / Fraction(2) ** ek
    kk = round_quotient(q.numerator, q.denominator, mode)
    if kk == 1 << mk:
        kk, ek = kk >> 1, ek + 1
    return (1 if gamma > 0 else -1), kk, ek


@pytest.mark.parametrize("gaussian", [False, True])
@pytest.mark.parametrize("mode", ROUNDINGS)
def test_positive_gains_are_rounded_by_the_rounding_mode(mode: str, gaussian: bool) -> None:
    # MK = 11 bits for an 8-bit output: kk steps of 2^-10 at gamma in [1, 2); 1 + 2^-11 is a tie
    # of the last rounding when g = 1 (gamma_fmt holds it exactly, Fg = 20).
    gammas = [1 + 2**-11, 1 + 3 * 2**-11, 1.3, 1.999, 2 - 2**-12, 0.7, 3.25, 2.0**-8, 256.0]
    cfg = config(channels=len(gammas), gamma=gammas, rounding=mode, gaussian_scale=gaussian)
    assert list(cfg.gain_numerators) == spec_gains(cfg, gammas, mode)


@pytest.mark.parametrize("mode", ROUNDINGS)
def test_negative_gains_are_rounded_in_magnitude(mode: str) -> None:
    # -1.3 truncates to kk = 1331 (toward zero, like +1.3), and a tie of |gamma| rounds as the
    # positive one would: gamma_fmt and the scale path are sign-magnitude, the sign kept apart.
    gammas = [-1.3, -(1 + 2**-11), -(1 + 3 * 2**-11), -0.7]
    cfg = config(channels=len(gammas), gamma=gammas, rounding=mode)
    assert list(cfg.gain_numerators) == spec_gains(cfg, gammas, mode)
    assert [c < 0 for c in cfg.gamma_codes] == [True] * len(gammas)
    positive = config(channels=len(gammas), gamma=[abs(g) for g in gammas], rounding=mode)
    assert [abs(c) for c in cfg.gamma_codes] == list(positive.gamma_codes)
    assert [(kk, ek) for _, kk, ek in cfg.gain_numerators] == [
        (kk, ek) for _, kk, ek in positive.gain_numerators
    ]


@settings(PROPERTY, max_examples=300)
@given(
    gammas=st.lists(gammas(-8, 7) | st.floats(2.0**-8, 2.0**8), min_size=1, max_size=6),
    wo=st.integers(2, 32),
    mode=st.sampled_from(ROUNDINGS),
    gaussian=st.booleans(),
)
def test_gain_numerators_follow_the_spec_and_stay_within_one_unit_of_the_float64_rounding(
    gammas: list[float], wo: int, mode: str, gaussian: bool
) -> None:
    try:
        cfg = config(
            channels=len(gammas),
            gamma=gammas,
            out_fmt={"width": wo, "frac": wo - 5},
            rounding=mode,
            gaussian_scale=gaussian,
            eps=1.0,
        )
    except ConfigError:
        reject()
    assert list(cfg.gain_numerators) == spec_gains(cfg, gammas, mode)
    # spec §2: the integer form replaced a float64 product; the two differ by at most one unit of
    # kk, and not at all when g = 1 and gamma is a multiple of 2^-Fg.
    mk = cfg.gain_numerator_bits
    for gm, (sign, kk, ek) in zip(gammas, cfg.gain_numerators, strict=True):
        old_sign, old_kk, old_ek = float64_gain(gm, cfg.gaussian_factor, mk, mode)
        assert sign == old_sign
        unit = min(ek, old_ek)
        assert abs(kk * 2 ** (ek - unit) - old_kk * 2 ** (old_ek - unit)) <= 1
        representable = (Fraction(gm) * 2**cfg.gamma_fmt.frac).denominator == 1
        if not gaussian and representable:
            assert (kk, ek) == (old_kk, old_ek)


@pytest.mark.parametrize("mode", ROUNDINGS)
def test_coefficients_are_the_spec_quantization_of_the_weights(mode: str) -> None:
    for value in (0.3, 0.5, 0.7, 2.0**-16, 0.99998, (40000 + 0.5) / 2**17, 1 / 3, 2.0**-12 * 1.9):
        code, frac = quantize_coefficient(Fraction(value), mode)
        assert 1 << 15 <= code <= 1 << 16  # 16 significant bits (2^16 when rounding reaches it)
        cfg = config(decay=0.5, mix=value, rounding=mode)
        assert (cfg.mix_coefficient.code, cfg.mix_coefficient.frac) == (code, frac)
        if value >= 2.0**-12:  # smaller decays need wider statistics than this small format allows
            cfg = config(decay=value, rounding=mode)
            assert (cfg.decay_coefficient.code, cfg.decay_coefficient.frac) == (code, frac)


# ---- the reference itself, and the harness's power to fail -------------------------------------
@pytest.mark.parametrize(
    ("mode", "want"),
    [
        # rnd_1 of -3, -1, 1, 3, 5 (all ties) and of -5/4 (no tie)
        ("truncate", [-2, -1, 0, 1, 2]),
        ("half_up", [-1, 0, 1, 2, 3]),
        ("half_even", [-2, 0, 0, 2, 2]),
    ],
)
def test_reference_rounding_follows_the_spec_table(mode: str, want: list[int]) -> None:
    assert [rnd(v, 1, mode) for v in (-3, -1, 1, 3, 5)] == want
    assert rnd(-5, 2, mode) == (-2 if mode == "truncate" else -1)
    assert rnd(7, 0, mode) == 7
    assert round_quotient(-7, 2, mode) == (-3 if mode == "half_up" else -4)
    assert round_quotient(5, 3, mode) == (1 if mode == "truncate" else 2)
    assert isqrt_rounded(8, mode) == (2 if mode == "truncate" else 3)
    assert isqrt_rounded(6, mode) == 2


@pytest.mark.parametrize("mode", ROUNDINGS)
def test_harness_rejects_a_reference_with_another_rounding_mode(mode: str) -> None:
    # Guards against a vacuous comparison: a reference that rounds differently must be caught.
    cfg = config(rounding=mode, channels=2, decay_log2=2, mix_log2=1, window_log2=1)
    codes = make_codes(cfg, 64, "uniform", 11)
    wrong = ReferenceNorm(cfg)
    wrong.mode = next(m for m in ROUNDINGS if m != mode)
    wrong.reset()  # recompute the initial scale with the wrong mode too
    model = FixedStreamNorm(cfg)
    y, trace = model.process_traced(codes)
    y_ref, stats = wrong.run_traced(codes.tolist())
    with pytest.raises(AssertionError):
        assert_matches(model, y, trace, wrong, y_ref, stats)


# ---- corners where int64 runs out: refuse with a ConfigError or compute exactly ------------------
def test_p2_initial_second_moment_past_int64_is_refused_or_normalized() -> None:
    # Spec §4: here V = 2^64 initially and A = 2^S = 2^32. Every §2 width fits (V: 2(Wi+G2) = 14
    # bits), so the config is legal and must run; the reference computes it with exact ints.
    try:
        cfg = config(p=2, in_fmt={"width": 4, "frac": 29})
    except ConfigError:
        return  # refusing it would also honour the spec, once §2 counts the initial V
    assert cfg.in_fmt.frac + cfg.square_guard_bits == 32
    codes = np.array([[3], [-2], [5], [7], [-8]], dtype=np.int64)
    check_against_reference(cfg, Case(codes, None))


def test_config_with_a_reciprocal_wider_than_int64_is_refused_or_runs() -> None:
    # A_max = 2^S = 2^47 (in_fmt.frac > width), so the reciprocal's dividend kk·2^sh ~ 2^M·D needs
    # about M + 48 = 64 bits although every §2 width fits. Building it once raised a bare
    # ValueError; a ConfigError naming a field, or an exact result, both honour the spec.
    try:
        cfg = config(
            in_fmt={"width": 4, "frac": 6},
            out_fmt={"width": 15, "frac": 18},
            window_log2=0,
            decay_log2=16,
            eps=2.0**-10,
            rounding="truncate",
        )
    except ConfigError as exc:
        drivers = ("eps", "in_fmt.frac", "in_fmt.width", "out_fmt.width", "out_fmt.frac", "decay_log2")
        assert exc.field in drivers
        return
    codes = make_codes(cfg, 64, "extremes", 5)
    check_against_reference(cfg, Case(codes, None))
