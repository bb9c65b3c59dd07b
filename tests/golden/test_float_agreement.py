"""The fixed-point model against its float twin: same algorithm, converging as widths grow."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from streamnorm.golden import FixedStreamNorm, FloatStreamNorm, NormConfig
from streamnorm.golden.metrics import compare, sqnr_db
from streamnorm.golden.streams import STREAM_KINDS, make_stream


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
