"""When run-time writes take effect (spec §4): set_params, set_stats, stats and reset, one clause each.

The property tests in test_reference_equivalence.py compare random calls with the reference; these
pin the clauses by name, each against a second model configured so that only the clause differs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from streamnorm.golden import FixedStreamNorm, FloatStreamNorm, NormConfig, ParameterError
from streamnorm.golden.formats import Rounding, shift_round


def config(**kw: Any) -> NormConfig:
    base: dict[str, Any] = dict(
        channels=2,
        in_fmt={"width": 10, "frac": 6},
        out_fmt={"width": 10, "frac": 6},
        window_log2=2,
        decay=0.3,
        mix=0.5,
        eps=2.0**-4,
        gaussian_scale=True,
        rounding="half_even",
    )
    base.update(kw)
    return NormConfig(**base)


def stream(cfg: NormConfig, steps: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.5, 1.5, (steps, cfg.channels)) * 2.0**cfg.in_fmt.frac
    return np.clip(np.round(x), cfg.in_fmt.min_code, cfg.in_fmt.max_code).astype(np.int64)


def test_a_gamma_and_beta_change_applies_from_the_next_time_step() -> None:
    # The statistics do not depend on gamma or beta, so after the change the outputs are those of a
    # core configured with the new values; channel 1 keeps the largest gain, so G is the same.
    before = config(gamma=[2.0, 2.0], beta=[0.0, 0.25])
    after = config(gamma=[0.75, 2.0], beta=[0.5, 0.25])
    assert before.guard_bits == after.guard_bits
    x = stream(before, 60)
    model = FixedStreamNorm(before)
    y_before = model.process(x[:23])
    model.set_params(gamma=[0.75, 2.0], beta=[0.5, 0.25])
    y_after = model.process(x[23:])
    assert (y_before == FixedStreamNorm(before).process(x)[:23]).all()
    assert (y_after == FixedStreamNorm(after).process(x)[23:]).all()
    assert model.params.gamma == (0.75, 2.0) and model.params.beta_codes == after.beta_codes


def test_a_gamma_change_rescales_the_statistics_in_force() -> None:
    cfg = config(gamma=[1.5, 1.5])
    model = FixedStreamNorm(cfg)
    model.process(stream(cfg, 37))
    mean, dev = model.stats()
    model.set_params(gamma=[-0.5, 1.5])
    assert [a.tolist() for a in model.stats()] == [mean.tolist(), dev.tolist()]  # untouched
    _, trace = model.process_traced(stream(cfg, 1, seed=9))
    ms, t = cfg.scale_for(dev, model.params.gains)
    assert trace.scale_mantissa[0].tolist() == ms.tolist() and trace.scale_shift[0].tolist() == t.tolist()
    assert trace.scale_mantissa[0, 0] < 0 < trace.scale_mantissa[0, 1]


def test_a_decay_or_mix_change_is_used_from_the_next_window_end() -> None:
    cfg = config(channels=1, window_log2=1)
    x = np.array([[40], [40], [8], [8], [-8], [-8]], dtype=np.int64)
    model = FixedStreamNorm(cfg)
    _, first = model.process_traced(x[:3])  # one window ended; the second is half full
    model.set_params(decay=0.4, mix=0.25)
    _, rest = model.process_traced(x[3:])
    decay, mix = model.params.decay, model.params.mix
    assert (decay.code, decay.frac) == (round(0.4 * 2**17), 17)  # the registers' widths stay
    assert (mix.code, mix.frac) == (1 << 14, 16)
    g = cfg.guard_bits
    m_l = 40 << g  # the first window initialises the long-term mean
    m_s = 8 << g
    m_l = m_l + int(shift_round(decay.code * (m_s - m_l), decay.frac, Rounding.HALF_EVEN))
    mu = m_l + int(shift_round(mix.code * (m_s - m_l), mix.frac, Rounding.HALF_EVEN))
    assert rest.mean[1, 0] == mu  # the window that ended after the change used the new weights
    assert first.mean[2, 0] == rest.mean[0, 0]  # and nothing changed before it ended


@pytest.mark.parametrize("p", [1, 2])
def test_stats_read_back_what_set_stats_wrote(p: int) -> None:
    cfg = config(p=p, channels=3)
    model = FixedStreamNorm(cfg)
    model.process(stream(cfg, 9))
    step = 1 << (cfg.guard_bits - cfg.square_guard_bits) if p == 2 else 1
    mean = np.array([-5, 0, 7]) << cfg.guard_bits
    dev = np.array([3, 1, 2]) * step << 5
    model.set_stats(mean=mean, dev_stat=dev)
    got = model.stats()
    assert got[0].dtype == np.int64 and got[1].dtype == np.int64
    assert got[0].tolist() == mean.tolist() and got[1].tolist() == dev.tolist()
    _, trace = model.process_traced(stream(cfg, 1, seed=3))
    assert trace.mean[0].tolist() == mean.tolist() and trace.dev_stat[0].tolist() == dev.tolist()
    ms, t = cfg.scale_for(dev)  # the scale in force is recomputed from the loaded deviation
    assert trace.scale_mantissa[0].tolist() == ms.tolist() and trace.scale_shift[0].tolist() == t.tolist()


def test_loaded_statistics_are_the_long_term_state_and_the_window_is_kept() -> None:
    cfg = config(channels=1, window_log2=2, mix=None, mix_log2=None)
    x = np.array([[20], [30], [-10], [0], [5], [5], [5], [5]], dtype=np.int64)
    loaded = FixedStreamNorm(cfg)
    loaded.process(x[:1])  # one sample into the first window
    mean, dev = 12 << cfg.guard_bits, 3 << cfg.guard_bits
    loaded.set_stats(mean=mean, dev_stat=dev)
    _, trace = loaded.process_traced(x[1:])
    g, decay = cfg.guard_bits, cfg.decay_coefficient
    # The window is kept: it still ends at step 3, and its sum includes the sample before the load.
    m_s = (20 + 30 - 10 + 0) << (g - 2)
    assert trace.mean[:3, 0].tolist() == [mean] * 3
    # The loaded mean is the long-term state: updated from, not initialised.
    step = int(shift_round(decay.code * (m_s - mean), decay.frac, Rounding.HALF_EVEN))
    assert trace.mean[3, 0] == mean + step
    # Without the load the first window would have initialised the long-term mean to m_s.
    _, fresh = FixedStreamNorm(cfg).process_traced(x)
    assert fresh.mean[4, 0] == m_s


def test_a_statistic_left_out_starts_its_long_term_state_from_its_value_in_force() -> None:
    cfg = config(channels=1, window_log2=1, mix=None, mix_log2=None)
    model = FixedStreamNorm(cfg)
    model.set_stats(mean=4 << cfg.guard_bits)  # before any window: A in force is the initial 2^S
    model.process(np.array([[4], [6]], dtype=np.int64))
    a0 = 1 << cfg.stat_frac
    a_s = int(shift_round((0 << cfg.guard_bits) + (2 << cfg.guard_bits), 1, Rounding.HALF_EVEN))
    decay = cfg.decay_coefficient
    want = a0 + int(shift_round(decay.code * (a_s - a0), decay.frac, Rounding.HALF_EVEN))
    assert model.stats()[1][0] == want


def test_statistics_loaded_with_freeze_on_hold_while_frozen() -> None:
    cfg = config()
    x = stream(cfg, 40)
    model = FixedStreamNorm(cfg)
    model.process(x[:10])
    model.set_stats(mean=[0, 64 << cfg.guard_bits], dev_stat=1 << cfg.stat_frac)
    _, trace = model.process_traced(x[10:], freeze=True)
    assert (trace.mean == [0, 64 << cfg.guard_bits]).all() and (trace.dev_stat == 1 << cfg.stat_frac).all()


def test_a_statistics_write_touches_only_the_listed_channels() -> None:
    cfg = config(channels=3)
    x = stream(cfg, 30)
    model, other = FixedStreamNorm(cfg), FixedStreamNorm(cfg)
    model.process(x[:13])
    other.process(x[:13])
    model.set_stats(dev_stat=[5 << cfg.guard_bits], channels=[1])
    y, y_other = model.process(x[13:]), other.process(x[13:])
    assert (y[:, [0, 2]] == y_other[:, [0, 2]]).all()
    assert (y[:, 1] != y_other[:, 1]).any()


def test_reset_returns_every_parameter_to_the_configuration() -> None:
    cfg = config(gamma=[1.0, 2.0])
    x = stream(cfg, 30)
    model = FixedStreamNorm(cfg)
    model.set_params(gamma=[0.5, 1.0], beta=0.5, decay=0.9, mix=0.1)
    model.set_stats(mean=0, dev_stat=7 << cfg.guard_bits)
    model.process(x)
    model.reset()
    assert model.params == cfg.initial_params
    assert (model.process(x) == FixedStreamNorm(cfg).process(x)).all()


def test_a_refused_call_changes_nothing() -> None:
    cfg = config()
    model = FixedStreamNorm(cfg)
    before = model.params
    with pytest.raises(ParameterError, match=r"^mix: "):
        model.set_params(gamma=0.5, beta=0.25, mix=2.0)
    assert model.params == before
    with pytest.raises(ParameterError, match=r"^dev_stat\[1\]: "):
        model.set_stats(mean=0, dev_stat=[0, -1])
    assert model.stats()[0].tolist() == [0, 0]


def test_the_float_model_takes_the_same_calls_in_its_own_units() -> None:
    cfg = config(p=2, in_fmt={"width": 20, "frac": 16})
    fixed, floating = FixedStreamNorm(cfg), FloatStreamNorm(cfg)
    step = 1 << (cfg.guard_bits - cfg.square_guard_bits)
    assert step > 1  # a p = 2 A must be a multiple of it
    mean, dev = [3 << cfg.guard_bits, -2 << cfg.guard_bits], [step * 40, step * 7]
    for model in (fixed, floating):
        model.set_stats(mean=mean, dev_stat=dev)
        model.set_params(decay=0.25)
        with pytest.raises(ParameterError, match=r"^dev_stat\[0\]: .* multiple"):
            model.set_stats(dev_stat=[step + 1, 0])
    lsb = 2.0**-cfg.stat_frac
    assert floating.stats()[0].tolist() == [m * lsb for m in mean]
    assert floating.stats()[1].tolist() == [a * lsb for a in dev]  # sqrt(a^2) == a
    assert floating.params == fixed.params
