"""Run-time writes that cannot be held are refused, naming the parameter, the value and the limit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from streamnorm.golden import FixedStreamNorm, FloatStreamNorm, NormConfig, ParameterError

CFG = NormConfig(channels=2, gamma=[2.0, -1.0], decay=0.3, mix=0.5)
SHIFTS = NormConfig(channels=2)

# (configuration, set_params fields, parameter named, fragment of the message)
PARAMS_REFUSED = [
    (CFG, {"gain": 1.0}, "gain", "not a run-time parameter (those are: gamma, beta, decay, mix)"),
    (CFG, {"gamma": 0.0}, "gamma", "0.0 is out of range; |gamma| must be 2^-8..2^8"),
    (CFG, {"gamma": [1.0, 300.0]}, "gamma[1]", "300.0 is out of range"),
    (CFG, {"gamma": [1.0, 2.5]}, "gamma[1]", "largest configured gamma, 2.0"),
    (CFG, {"gamma": [1.0, float("nan")]}, "gamma[1]", "must be a finite number"),
    (CFG, {"gamma": [1.0, 1.0, 1.0]}, "gamma", "has 3 entries but channels = 2"),
    (CFG, {"beta": 20.0}, "beta", "20.0 is outside out_fmt Q(16,11) (-16.0..15.99951171875)"),
    (CFG, {"beta": [0.0, "1"]}, "beta[1]", "must be a finite number"),
    (CFG, {"decay": 1.0}, "decay", "1.0 is out of range; must be in (0, 1)"),
    (CFG, {"decay": 0.999999}, "decay", "rounds to 1 at 17 fraction bits; the largest is 1 - 2^-17"),
    (CFG, {"mix": 2.0**-20}, "mix", "rounds to 0 at 16 fraction bits; the smallest is 2^-16"),
    (SHIFTS, {"decay": 0.3}, "decay", "the configuration has decay_log2 = 6, a shift"),
    (SHIFTS, {"mix": 0.3}, "mix", "the configuration has mix_log2 = 1, a shift"),
    (
        NormConfig(decay=0.3, mix_log2=None),
        {"mix": 0.3},
        "mix",
        "the configuration has no mix; only a mix configured as a value",
    ),
]


@pytest.mark.parametrize("model_type", [FixedStreamNorm, FloatStreamNorm])
@pytest.mark.parametrize(
    ("cfg", "fields", "parameter", "fragment"),
    PARAMS_REFUSED,
    ids=[f"{r[2]}:{r[3][:24]}" for r in PARAMS_REFUSED],
)
def test_set_params_refuses_naming_the_parameter(
    model_type: type, cfg: NormConfig, fields: dict[str, Any], parameter: str, fragment: str
) -> None:
    model = model_type(cfg)
    with pytest.raises(ParameterError) as info:
        model.set_params(**fields)
    assert info.value.parameter == parameter
    assert str(info.value).startswith(f"{parameter}: ")
    assert fragment in str(info.value)
    assert model.params == cfg.initial_params


G = CFG.guard_bits
STATS_REFUSED = [
    ({}, "mean", "give mean, dev_stat or both"),
    ({"mean": 0, "channels": [2]}, "channels", "2 is not a channel; channels are 0..1"),
    ({"mean": 0, "channels": [1, 1]}, "channels", "lists a channel twice"),
    ({"mean": 0, "channels": []}, "channels", "must be a non-empty list of channel indices"),
    ({"mean": 0.5}, "mean", "must be integer codes on the statistics grid, not float64 values"),
    ({"mean": [0, 0, 0]}, "mean", "has shape (3,); give one code or one per channel (2)"),
    ({"mean": [0, 32768 << G]}, "mean[1]", f"{32768 << G} is outside the input range on the statistics grid"),
    ({"dev_stat": [-1, 0]}, "dev_stat[0]", "-1 is outside 0..dev_stat_max"),
    ({"dev_stat": CFG.dev_stat_max + 1}, "dev_stat[0]", f"outside 0..dev_stat_max, 0..{CFG.dev_stat_max}"),
]


@pytest.mark.parametrize("model_type", [FixedStreamNorm, FloatStreamNorm])
@pytest.mark.parametrize(
    ("fields", "parameter", "fragment"), STATS_REFUSED, ids=[f"{r[1]}:{r[2][:24]}" for r in STATS_REFUSED]
)
def test_set_stats_refuses_naming_the_parameter(
    model_type: type, fields: dict[str, Any], parameter: str, fragment: str
) -> None:
    model = model_type(CFG)
    before = [a.tolist() for a in model.stats()]
    with pytest.raises(ParameterError) as info:
        model.set_stats(**fields)
    assert info.value.parameter == parameter
    assert fragment in str(info.value)
    assert [a.tolist() for a in model.stats()] == before


def test_p2_deviation_must_be_loadable_as_a_second_moment() -> None:
    cfg = NormConfig(p=2, decay=0.3, in_fmt={"width": 20, "frac": 16})
    step = 1 << (cfg.guard_bits - cfg.square_guard_bits)
    assert step > 1
    model = FixedStreamNorm(cfg)
    with pytest.raises(ParameterError, match=rf"^dev_stat\[0\]: {step + 1} is not a multiple of 2\^"):
        model.set_stats(dev_stat=step + 1)
    model.set_stats(dev_stat=np.full(cfg.channels, 3 * step))
    assert model.stats()[1].tolist() == [3 * step] * cfg.channels


def test_register_codes_pass_through_their_values_exactly() -> None:
    # spec §4: a register code x is set as x * 2^-frac, and comes back as x
    cfg = NormConfig(channels=1, gamma=256.0, out_fmt={"width": 32, "frac": 0}, eps=1.0, decay=0.3)
    fmt = cfg.gamma_fmt
    code = (1 << (fmt.frac + 8)) - 12345  # 52 significant bits, just below 256
    model = FixedStreamNorm(cfg)
    model.set_params(gamma=code * 2.0**-fmt.frac, decay=117965 * 2.0**-17, beta=-(2.0**31))
    assert model.params.gamma_codes == (code,)
    assert model.params.decay.code == 117965
    assert model.params.beta_codes == (-(2**31),)
