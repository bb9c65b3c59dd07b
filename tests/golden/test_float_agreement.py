"""The fixed-point model against its float twin: same algorithm, converging as widths grow."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from streamnorm.accuracy.metrics import compare, sqnr_db
from streamnorm.accuracy.streams import STREAM_KINDS, make_stream
from streamnorm.golden import ConfigError, FixedStreamNorm, FloatStreamNorm, NormConfig


def fixed_and_float(cfg: NormConfig, kind: str, steps: int, seed: int = 0):
    codes = cfg.in_fmt.quantize(make_stream(kind, steps, cfg.channels, cfg.in_fmt, seed))
    fixed = FixedStreamNorm(cfg)
    y = cfg.out_fmt.to_float(fixed.process(codes))
    y_ref = FloatStreamNorm(cfg).process(cfg.in_fmt.to_float(codes))
    return y, y_ref, fixed


@pytest.mark.parametrize("kind", ["gaussian", "laplace", "drift"])
def test_default_guard_bits_reach_the_output_rounding_floor(kind: str) -> None:
    cfg = NormConfig()
    y, y_ref, fixed = fixed_and_float(cfg, kind, 12000, seed=5)
    assert fixed.overflow_count == 0  # saturation would dominate the error; this test is about the datapath
    warm = cfg.window * (1 + 3 * 2**cfg.decay_log2)
    st = compare(y_ref[warm:], y[warm:], cfg.out_fmt.lsb)
    assert st.sqnr_db >= st.floor_sqnr_db - 1.0, st
    assert st.rms_error_lsb == pytest.approx(np.sqrt(1 / 12), rel=0.05)


def sweep_out_frac(scale: str, p: int, fracs: range) -> list[float]:
    out = []
    for f in fracs:
        cfg = NormConfig(
            channels=4,
            in_fmt={"width": 16, "frac": 14},
            out_fmt={"width": f + 5, "frac": f},  # same range, finer grid
            scale=scale,
            p=p,
            eps=2.0**-8,
        )
        y, y_ref, _ = fixed_and_float(cfg, "gaussian", 6000, seed=2)
        out.append(sqnr_db(y_ref[2000:], y[2000:]))
    return out


@pytest.mark.parametrize("p", [1, 2])
def test_sqnr_rises_about_6_db_per_output_fraction_bit(p: int) -> None:
    sqnr = sweep_out_frac("exact", p, range(4, 17, 3))
    steps = np.diff(sqnr) / 3
    assert np.all(steps > 5.0) and np.all(steps < 7.0), sqnr


def test_pow2_scale_limits_the_sqnr_whatever_the_output_width() -> None:
    sqnr = sweep_out_frac("pow2", 1, range(4, 17, 6))
    # a power-of-two scale is off by up to a factor sqrt(2): more output bits cannot help
    assert max(sqnr) - min(sqnr) < 1.0, sqnr
    assert max(sqnr) < 25, sqnr


def test_fixed_converges_to_float_as_widths_grow() -> None:
    errs = []
    for w in (8, 12, 16, 20):
        cfg = NormConfig(
            channels=2,
            in_fmt={"width": w, "frac": w - 4},
            out_fmt={"width": w, "frac": w - 5},
            eps=2.0**-6,
        )
        # the same real stream at every width (the range is +-8 throughout; only the grid changes)
        codes = cfg.in_fmt.quantize(make_stream("laplace", 4000, 2, cfg.in_fmt, 7))
        y = cfg.out_fmt.to_float(FixedStreamNorm(cfg).process(codes))
        y_ref = FloatStreamNorm(cfg).process(cfg.in_fmt.to_float(codes))
        errs.append(
            float(np.sqrt(np.mean((y - np.clip(y_ref, cfg.out_fmt.min_value, cfg.out_fmt.max_value)) ** 2)))
        )
    assert all(b < a / 8 for a, b in itertools.pairwise(errs)), errs


@pytest.mark.parametrize("kind", STREAM_KINDS)
def test_float_model_follows_the_same_timing(kind: str) -> None:
    # The float model's statistics move at the same samples as the fixed model's: their traces
    # agree to within the fixed model's grid everywhere, warm-up included.
    cfg = NormConfig(channels=3, window_log2=2, decay_log2=3, mix_log2=2)
    codes = cfg.in_fmt.quantize(make_stream(kind, 600, 3, cfg.in_fmt, 1))
    _, tf = FixedStreamNorm(cfg).process_traced(codes)
    _, tr = FloatStreamNorm(cfg).process_traced(cfg.in_fmt.to_float(codes))
    mean_fixed = tf.mean * 2.0**-cfg.stat_frac
    assert np.max(np.abs(mean_fixed - tr.mean)) < 2.0**-cfg.in_fmt.frac


def test_float_model_refuses_nan_and_wrong_shape() -> None:
    model = FloatStreamNorm(NormConfig(channels=2))
    with pytest.raises(ValueError, match="NaN"):
        model.process(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match=r"shape \(T, 2\)"):
        model.process(np.zeros((4, 3)))


# ---- the coefficients (spec §2, §6) -------------------------------------------------------------
PAPER = [(0.3, 0.3), (0.3, 0.5)]  # kappa = 0.7; alpha = (0.7, 0.3) and (0.5, 0.5): mix on the short-term


@pytest.mark.parametrize(("decay", "mix"), PAPER)
def test_the_papers_settings_reach_the_output_rounding_floor(decay: float, mix: float) -> None:
    cfg = NormConfig(decay_log2=None, decay=decay, mix_log2=None, mix=mix)
    y, y_ref, fixed = fixed_and_float(cfg, "gaussian", 12000, seed=5)
    assert fixed.overflow_count == 0
    warm = cfg.window * 40  # (1 - 0.3)^40: the long-term start-up is long gone
    st = compare(y_ref[warm:], y[warm:], cfg.out_fmt.lsb)
    assert st.sqnr_db >= st.floor_sqnr_db - 1.0, st


@pytest.mark.parametrize(("decay", "mix"), PAPER)
def test_fixed_converges_to_float_as_widths_grow_with_the_papers_coefficients(
    decay: float, mix: float
) -> None:
    errs = []
    for w in (8, 12, 16, 20):
        cfg = NormConfig(
            channels=2,
            in_fmt={"width": w, "frac": w - 4},
            out_fmt={"width": w, "frac": w - 5},
            eps=2.0**-6,
            decay=decay,
            mix=mix,
        )
        codes = cfg.in_fmt.quantize(make_stream("laplace", 4000, 2, cfg.in_fmt, 7))
        y = cfg.out_fmt.to_float(FixedStreamNorm(cfg).process(codes))
        y_ref = FloatStreamNorm(cfg).process(cfg.in_fmt.to_float(codes))
        clipped = np.clip(y_ref, cfg.out_fmt.min_value, cfg.out_fmt.max_value)
        errs.append(float(np.sqrt(np.mean((y - clipped) ** 2))))
    assert all(b < a / 8 for a, b in itertools.pairwise(errs)), errs


def test_the_float_model_uses_the_coefficients_as_quantized() -> None:
    # spec §6: the float reference's weights are the registers' values, cc * 2^-Fc, not 0.3
    cfg = NormConfig(channels=1, window_log2=1, decay=0.3, mix_log2=None)
    c = cfg.decay_coefficient.value
    assert c == 39322 / 2**17 != 0.3
    x = np.array([[1.0], [1.0], [3.0], [3.0], [0.0]])
    _, trace = FloatStreamNorm(cfg).process_traced(x)
    assert trace.mean[4, 0] == 1.0 + (3.0 - 1.0) * c
    model = FloatStreamNorm(cfg)
    model.set_params(decay=0.45)
    _, trace = model.process_traced(x)
    assert trace.mean[4, 0] == 1.0 + (3.0 - 1.0) * round(0.45 * 2**17) / 2**17


# ---- the statistics' error bound (spec §6), p = 1 -----------------------------------------------
@st.composite
def bound_configs(draw: st.DrawFn) -> NormConfig:
    wi = draw(st.integers(6, 16))

    def weight() -> dict[str, float | int | None]:
        form = draw(st.sampled_from(["shift", "value"]))
        if form == "shift":
            return {"log2": draw(st.integers(1, 8)), "value": None}
        return {"log2": None, "value": draw(st.sampled_from([0.3, 0.5, 0.7]) | st.floats(2.0**-8, 0.99))}

    decay = draw(st.sampled_from(["none", "some"]))
    d = weight() if decay == "some" else {"log2": None, "value": None}
    m = weight() if decay == "some" and draw(st.booleans()) else {"log2": None, "value": None}
    try:
        return NormConfig(
            channels=draw(st.integers(1, 3)),
            in_fmt={"width": wi, "frac": draw(st.integers(0, wi))},
            out_fmt={"width": 16, "frac": draw(st.integers(4, 12))},
            window_log2=draw(st.integers(0, 4)),
            decay_log2=d["log2"],
            decay=d["value"],
            mix_log2=m["log2"],
            mix=m["value"],
            eps=2.0 ** draw(st.integers(-8, 0)),
            rounding=draw(st.sampled_from(["truncate", "half_up", "half_even"])),
        )
    except ConfigError:
        reject()


def documented_bounds(cfg: NormConfig) -> tuple[float, float]:
    """(E_Mu, E_A) of spec §6 in statistics-grid LSBs."""
    delta = 1.0 if cfg.rounding.value == "truncate" else 0.5
    if not cfg.long_term:
        return 0.0, delta
    c = cfg.decay_coefficient.value
    if cfg.mix_coefficient is None:
        e_mu = delta / c
        return e_mu, e_mu + delta + delta / c
    e_mu = (1 - cfg.mix_coefficient.value) * delta / c + delta
    return e_mu, e_mu + 2 * delta + delta / c


@settings(max_examples=250, deadline=None)
@given(
    cfg=bound_configs(), seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["uniform", "walk", "steps"])
)
def test_statistics_stay_within_the_documented_bound(cfg: NormConfig, seed: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    lo, hi = cfg.in_fmt.min_code, cfg.in_fmt.max_code
    shape = (600, cfg.channels)
    if kind == "uniform":
        codes = rng.integers(lo, hi + 1, shape)
    elif kind == "walk":
        codes = np.clip(np.cumsum(rng.integers(-3, 4, shape), axis=0), lo, hi)
    else:
        codes = rng.choice([lo, hi, 0, lo // 2], shape)
    fixed, floating = FixedStreamNorm(cfg), FloatStreamNorm(cfg)
    _, tf = fixed.process_traced(codes[:300])
    _, tr = floating.process_traced(cfg.in_fmt.to_float(codes[:300]))
    # a statistics write in the middle: both load the same codes, so the error restarts at zero
    load = {"mean": fixed.stats()[0] // 3, "dev_stat": fixed.stats()[1] // 2 + 1, "channels": None}
    fixed.set_stats(**load)
    floating.set_stats(**load)
    _, tf2 = fixed.process_traced(codes[300:])
    _, tr2 = floating.process_traced(cfg.in_fmt.to_float(codes[300:]))
    scale = 2.0**cfg.stat_frac
    e_mu, e_a = documented_bounds(cfg)
    for name, bound in (("mean", e_mu), ("dev_stat", e_a)):
        got = np.concatenate([getattr(tf, name), getattr(tf2, name)]).astype(np.float64)
        want = np.concatenate([getattr(tr, name), getattr(tr2, name)]) * scale
        slack = 1e-9 + np.abs(want) * 2.0**-48  # float64's own rounding in the float model
        excess = np.abs(got - want) - bound - slack
        assert excess.max() <= 0, (name, bound, float(np.abs(got - want).max()))
