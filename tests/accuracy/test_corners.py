"""The corners stimulus reaches the ties and corners it is built for, counted by an instrumented
golden model; the control patterns cover every phase of a window."""

from __future__ import annotations

import numpy as np
import pytest

from streamnorm.accuracy.corners import (
    CornerCounter,
    corner_report,
    corners_stream,
    freeze_pattern,
    reset_points,
    rounding_points,
)
from streamnorm.accuracy.streams import make_stream
from streamnorm.golden import FixedStreamNorm, NormConfig

# name -> (configuration changes, time steps, the rounding points whose ties must be reached).
# The scale's reciprocal ties only for gains whose numerator has a divisor of the mantissa's size
# (docs/verification.md), none of these: it is counted, not required.
CASES = {
    "default": ({}, 1500, {"output", "long_term_mean", "long_term_dev", "mix_mean", "mix_dev"}),
    "short_term": (
        {"channels": 3, "window_log2": 2, "decay_log2": 3, "mix_log2": 1},
        1500,
        {"short_term_dev", "long_term_mean", "long_term_dev", "mix_mean", "mix_dev", "output"},
    ),
    "pow2": (
        {"channels": 4, "scale": "pow2", "window_log2": 2, "decay_log2": 2},
        1500,
        {"output", "mix_dev"},
    ),
    "p2": ({"channels": 3, "p": 2, "window_log2": 2, "decay_log2": 3}, 1500, {"square", "long_term_dev"}),
    "lanes": (
        {"channels": 4, "lanes": 2, "window_log2": 2, "decay_log2": 3},
        1500,
        {"output", "long_term_dev"},
    ),
    "k0": ({"channels": 2, "window_log2": 0, "decay_log2": None, "mix_log2": None}, 600, {"output"}),
}


@pytest.mark.parametrize("name", CASES)
def test_the_stream_reaches_its_ties_and_corners(name: str) -> None:
    changes, steps, ties = CASES[name]
    cfg = NormConfig().replace(**changes)
    report = corner_report(cfg, corners_stream(cfg, steps, seed=1))
    assert ties <= set(rounding_points(cfg))
    missing = [p for p in ties if report[p] == 0]
    assert not missing, report
    for corner in ("input_min", "input_max", "output_min", "output_max", "eps_regime", "mean_sign_change"):
        assert report[corner] > 0, (corner, report)


def test_random_data_does_not_reach_the_output_ties() -> None:
    # What the stream is for: the same counter finds no output tie in a gaussian stream.
    cfg = NormConfig()
    codes = cfg.in_fmt.quantize(make_stream("gaussian", 1500, cfg.channels, cfg.in_fmt, 1))
    assert corner_report(cfg, codes)["output"] == 0
    assert corner_report(cfg, corners_stream(cfg, 1500, 1))["output"] > 0


def test_the_counter_computes_what_the_golden_model_does() -> None:
    cfg = NormConfig(channels=3, window_log2=2, decay_log2=3, mix_log2=1)
    codes = corners_stream(cfg, 800, 2)
    freeze = freeze_pattern(cfg, 800)
    assert np.array_equal(
        CornerCounter(cfg).process(codes, freeze), FixedStreamNorm(cfg).process(codes, freeze)
    )


def test_the_counter_counts_a_tie_it_is_shown() -> None:
    # k = 2, no long-term: after a constant window at 0 (mean 0, A = 0), the output tie is at
    # X = 2^h with h = t - 1 - tz(ms) - G; one input there and its mirror are two ties.
    cfg = NormConfig(channels=1, window_log2=2, decay_log2=None, mix_log2=None)
    model = FixedStreamNorm(cfg)
    model.process(np.zeros((4, 1), dtype=np.int64))
    ms, t = cfg.scale_for(model.stats()[1])
    tz = int(ms[0] & -ms[0]).bit_length() - 1
    x = 1 << (int(t[0]) - 1 - tz - cfg.guard_bits)
    codes = np.array([[0]] * 4 + [[x], [-x], [x + 1], [0]])
    assert corner_report(cfg, codes)["output"] == 2
    codes[4] += 1  # off the tie
    assert corner_report(cfg, codes)["output"] == 1


def test_the_stream_is_deterministic_and_seeded() -> None:
    cfg = NormConfig(channels=2, window_log2=2, decay_log2=2)
    a = corners_stream(cfg, 400, 3)
    assert a.shape == (400, 2) and a.dtype == np.int64
    assert np.array_equal(a, corners_stream(cfg, 400, 3))
    assert not np.array_equal(a, corners_stream(cfg, 400, 4))
    assert (a >= cfg.in_fmt.min_code).all() and (a <= cfg.in_fmt.max_code).all()


def test_make_stream_builds_corners_for_the_configuration() -> None:
    cfg = NormConfig(channels=2, window_log2=2, decay_log2=2)
    values = make_stream("corners", 300, 2, cfg.in_fmt, 1, config=cfg)
    assert np.array_equal(cfg.in_fmt.quantize(values), corners_stream(cfg, 300, 1))


def test_freeze_rises_at_every_phase_of_a_window() -> None:
    cfg = NormConfig(channels=2, window_log2=3)
    freeze = freeze_pattern(cfg, 400)
    pos, phases = 0, set()
    for prev, now in zip(np.concatenate(([False], freeze[:-1])), freeze, strict=True):
        if now and not prev:
            phases.add(pos)
        if not now:
            pos = (pos + 1) % cfg.window
    assert phases == set(range(cfg.window))


def test_reset_points_fall_at_every_window_position() -> None:
    cfg = NormConfig(channels=3, window_log2=2)
    words = reset_points(cfg, 100)
    assert {((w - 1) // cfg.channels) % cfg.window for w in words} == set(range(cfg.window))
    assert all(1 <= w <= 300 for w in words)
