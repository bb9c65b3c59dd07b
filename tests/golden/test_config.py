"""NormConfig: JSON contract, defaults, refusals with named fields, derived widths."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamnorm.golden import ConfigError, FixedStreamNorm, NormConfig, Overflow, QFormat, Rounding
from streamnorm.golden.config import JSON_KEYS


def test_default_is_a_16_bit_design_with_every_key() -> None:
    cfg = NormConfig()
    data = json.loads(cfg.to_json())
    assert list(data) == list(JSON_KEYS)
    assert cfg.in_fmt == QFormat(16, 12) and cfg.out_fmt == QFormat(16, 11)
    assert data["gamma"] == 1.0 and data["beta"] == 0.0
    assert (data["decay_log2"], data["decay"], data["mix_log2"], data["mix"]) == (6, None, 1, None)


def test_attributes_carry_the_json_names() -> None:
    cfg = NormConfig()
    for key in JSON_KEYS:
        assert hasattr(cfg, key)
    assert isinstance(cfg.rounding, Rounding) and isinstance(cfg.overflow, Overflow)


configs = st.builds(
    dict,
    channels=st.integers(1, 64),
    in_fmt=st.builds(dict, width=st.integers(4, 20), frac=st.integers(0, 16)),
    out_fmt=st.builds(dict, width=st.integers(4, 20), frac=st.integers(0, 16)),
    window_log2=st.integers(0, 8),
    decay_log2=st.none() | st.integers(1, 8),
    mix=st.none() | st.sampled_from([0.3, 0.5, 0.7, 1 / 3]),
    p=st.sampled_from([1, 2]),
    scale=st.sampled_from(["exact", "pow2"]),
    eps=st.sampled_from([2.0**-8, 2.0**-4, 0.75, 1.0]),
    gaussian_scale=st.booleans(),
    gamma=st.sampled_from([1.0, -0.5, 3.25]),
    rounding=st.sampled_from([r.value for r in Rounding]),
    overflow=st.sampled_from([o.value for o in Overflow]),
)


@settings(max_examples=60, deadline=None)
@given(configs)
def test_json_round_trips_exactly(data: dict) -> None:
    try:
        cfg = NormConfig.from_dict(data)
    except ConfigError:
        return  # some random combinations are legitimately refused; the round trip is about the rest
    again = NormConfig.from_json(cfg.to_json())
    assert again == cfg
    assert again.to_json() == cfg.to_json()


def test_per_channel_gamma_and_beta_round_trip() -> None:
    cfg = NormConfig(channels=3, gamma=[1.0, -2.0, 0.5], beta=[0.25, 0.0, -1.5])
    again = NormConfig.from_json(cfg.to_json())
    assert again == cfg
    assert json.loads(cfg.to_json())["gamma"] == [1.0, -2.0, 0.5]
    assert cfg.beta_codes == (512, 0, -3072)


def test_from_file_names_the_file(tmp_path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"window_log2": 99}')
    with pytest.raises(
        ConfigError, match=r"window_log2: 99 is out of range; must be 0\.\.20 \(in .*c\.json\)"
    ):
        NormConfig.from_file(path)
    with pytest.raises(ConfigError, match="cannot read"):
        NormConfig.from_file(tmp_path / "missing.json")


# (changes, field named in the error, fragment the message must contain)
REFUSED = [
    ({"bogus": 1}, "bogus", "unknown key"),
    ({"in_fmt": {"width": 16, "frac": 12, "signed": True}}, "in_fmt.signed", "unknown key"),
    ({"in_fmt": {"width": 16}}, "in_fmt.frac", "missing"),
    ({"in_fmt": [16, 12]}, "in_fmt", "must be an object"),
    ({"channels": 0}, "channels", "0 is out of range; must be 1..65536"),
    ({"channels": "8"}, "channels", "must be an integer"),
    ({"channels": 2.0}, "channels", "must be an integer"),
    ({"in_fmt": {"width": 1, "frac": 0}}, "in_fmt.width", "1 is out of range; must be 2..32"),
    ({"out_fmt": {"width": 40, "frac": 0}}, "out_fmt.width", "40 is out of range; must be 2..32"),
    ({"out_fmt": {"width": 16, "frac": 99}}, "out_fmt.frac", "99 is out of range"),
    ({"window_log2": -1}, "window_log2", "-1 is out of range; must be 0..20"),
    ({"window_log2": 21}, "window_log2", "21 is out of range; must be 0..20"),
    ({"decay_log2": 0}, "decay_log2", "0 is out of range; must be 1..24"),
    ({"decay_log2": None, "mix_log2": 2}, "mix_log2", "needs long-term statistics"),
    ({"mix_log2": 0}, "mix_log2", "0 is out of range"),
    ({"p": 3}, "p", "must be 1 (mean absolute deviation) or 2"),
    ({"p": True}, "p", "must be 1"),
    ({"scale": "log"}, "scale", 'not "log"'),
    ({"mix_log2": True}, "mix_log2", "must be an integer, not true"),
    ({"eps": 0}, "eps", "must be a positive number"),
    ({"eps": -1.0}, "eps", "must be a positive number"),
    ({"eps": 0.001}, "eps", "not a multiple of the statistics LSB 2^-30"),
    ({"eps": 2.0**-40}, "eps", "product_width"),
    ({"gaussian_scale": 1}, "gaussian_scale", "must be true or false"),
    ({"gamma": 0.0}, "gamma", "out of range"),
    ({"gamma": 1e6}, "gamma", "out of range"),
    ({"gamma": 257.0}, "gamma", "257.0 is out of range; |gamma| must be 2^-8..2^8"),
    ({"gamma": -(2.0**-9)}, "gamma", "is out of range; |gamma| must be 2^-8..2^8"),
    # the coefficients: two spellings of one weight, the range, the 16-bit quantization
    ({"decay": 0.3}, "decay", "decay_log2 = 6 and decay = 0.3 are two spellings of one weight"),
    ({"mix": 0.5}, "mix", "mix_log2 = 1 and mix = 0.5 are two spellings of one weight; give one"),
    ({"decay_log2": None, "mix_log2": None, "mix": 0.3}, "mix", "0.3 needs long-term statistics"),
    ({"decay_log2": None, "decay": 0.0}, "decay", "0.0 is out of range; must be in (0, 1)"),
    ({"decay_log2": None, "decay": 1.0}, "decay", "1.0 is out of range; must be in (0, 1)"),
    ({"decay_log2": None, "decay": "0.3"}, "decay", 'must be a number in (0, 1), not "0.3"'),
    ({"decay_log2": None, "decay": 2.0**-17}, "decay", "below the smallest coefficient 2^-16"),
    ({"mix_log2": None, "mix": 0.999995}, "mix", "rounds to 1 at 16 fraction bits; the largest is 1 - 2^-16"),
    ({"decay_log2": None, "decay": 2.0**-16}, "decay", "decay = 1.52587890625e-05 drives it"),
    ({"gamma": [1.0, 2.0]}, "gamma", "has 2 entries but channels = 8"),
    ({"gamma": "one"}, "gamma", "must be a finite number"),
    ({"beta": 100.0}, "beta", "outside out_fmt Q(16,11)"),
    ({"channels": 2, "beta": [0.0, float("nan")]}, "beta[1]", "must be a finite number"),
    ({"rounding": "nearest"}, "rounding", "not one of truncate, half_up, half_even"),
    ({"overflow": "clip"}, "overflow", "not one of saturate, wrap"),
    (
        {"in_fmt": {"width": 32, "frac": 12}},
        "in_fmt.width",
        "in_fmt.width = 32 drives it (at 16 it would be 52",
    ),
    # the field that was changed is named, never a bystander (eps huge; a finer output format)
    ({"eps": 1e300}, "eps", "eps = 1e+300 drives it (at 0.0009765625 it would be"),
    (
        {"out_fmt": {"width": 16, "frac": 40}},
        "out_fmt.frac",
        "out_fmt.frac = 40 drives it (at 11 it would be 52",
    ),
    ({"gamma": 256, "eps": 2.0**-13}, "gamma", "gamma = 256 drives it (at 1.0 it would be 55 bits)"),
    (
        {"in_fmt": {"width": 32, "frac": 12}, "out_fmt": {"width": 30, "frac": 12}},
        "in_fmt.width",
        "past the 62-bit limit",
    ),
    ({"p": 2, "in_fmt": {"width": 30, "frac": 12}, "eps": 1.0}, "in_fmt.width", "no guard bit"),
    (
        {
            "p": 2,
            "in_fmt": {"width": 15, "frac": -3},
            "out_fmt": {"width": 6, "frac": -2},
            "decay_log2": None,
            "decay": 2.0**-12,
            "mix_log2": None,
            "mix": 0.001,
            "eps": 0.125,
        },
        "in_fmt.frac",
        "cannot be held; it needs in_fmt.frac >= -2 here",
    ),
]


@pytest.mark.parametrize(
    ("changes", "field", "fragment"), REFUSED, ids=[r[1] + ":" + r[2][:20] for r in REFUSED]
)
def test_impossible_config_is_refused_naming_the_field(changes: dict, field: str, fragment: str) -> None:
    data = NormConfig().to_dict() | changes
    data = {k: v for k, v in data.items() if k in changes or k in JSON_KEYS}
    with pytest.raises(ConfigError) as info:
        NormConfig.from_dict(data)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert fragment in str(info.value)


def test_eps_refusal_suggests_representable_values() -> None:
    with pytest.raises(ConfigError) as info:
        NormConfig(eps=0.001)
    suggestions = [
        float(s) for s in str(info.value).split("nearest representable: ")[1].split(";")[0].split(" or ")
    ]
    for s in suggestions:
        assert NormConfig(eps=s).eps == s  # the suggested values are accepted


def test_guard_bits_follow_the_gain_bound() -> None:
    cfg = NormConfig()
    g_acc = math.ceil(math.log2(cfg.max_gain)) + 3
    assert cfg.guard_bits == max(cfg.window_log2, g_acc + cfg.decay_log2)
    # a larger eps lowers the largest gain, so fewer guard bits are needed
    assert NormConfig(eps=2.0**-4).guard_bits < cfg.guard_bits
    # without long-term statistics the decay's bits are not needed
    assert NormConfig(decay_log2=None, mix_log2=None).guard_bits == g_acc
    # the short-term mean must stay exact: G >= k
    assert NormConfig(window_log2=20, eps=2.0**4, decay_log2=None, mix_log2=None).guard_bits == 20
    # a decay coefficient c costs ceil(log2(1/c)) bits: 2 for the paper's 0.3, 6 for 2^-6 as a value
    assert NormConfig(decay=0.3).guard_bits == g_acc + 2
    assert NormConfig(decay=2.0**-6).guard_bits == cfg.guard_bits
    assert NormConfig(decay=0.3, mix=0.3).guard_bits == g_acc + 2  # the mix costs none


def test_leaving_out_a_shift_key_defaults_to_its_value_twin_when_given() -> None:
    cfg = NormConfig(decay=0.3, mix=0.3)
    assert (cfg.decay_log2, cfg.mix_log2) == (None, None)
    assert NormConfig.from_dict({"decay": 0.3}).mix_log2 == 1  # mix left out: the shift default
    again = NormConfig.from_json(cfg.to_json())
    assert again == cfg and again.decay_coefficient == cfg.decay_coefficient


def test_replace_swaps_one_spelling_of_a_weight_for_the_other() -> None:
    cfg = NormConfig().replace(decay=0.3, mix=0.5)
    assert (cfg.decay_log2, cfg.decay, cfg.mix_log2, cfg.mix) == (None, 0.3, None, 0.5)
    back = cfg.replace(decay_log2=4)
    assert (back.decay_log2, back.decay, back.mix) == (4, None, 0.5)
    with pytest.raises(ConfigError, match="two spellings of one weight"):
        cfg.replace(decay_log2=4, decay=0.3)


def test_derived_states_the_coefficients_as_quantized() -> None:
    d = NormConfig(decay=0.3, mix=0.3).derived()
    want = {"code": 39322, "frac": 17, "value": 39322 / 2**17}
    assert d["decay_coefficient"] == want and d["mix_coefficient"] == want
    assert d["decay_guard_bits"] == 2 and d["coefficient_product_bits"] == 18
    shifts = NormConfig().derived()
    assert shifts["decay_coefficient"] == {"code": 1, "frac": 6, "value": 2.0**-6}
    assert "coefficient_product_bits" not in shifts


def test_scale_mantissa_fits_one_18x18_multiplier_at_16_bits() -> None:
    cfg = NormConfig()
    assert cfg.scale_mantissa_bits + 1 <= 18 and cfg.in_fmt.width + 1 <= 18
    assert NormConfig(scale="pow2").scale_mantissa_bits == 1


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"p": 2},
        {"window_log2": 0, "channels": 1},
        {"in_fmt": {"width": 8, "frac": 7}, "out_fmt": {"width": 8, "frac": 4}, "eps": 2.0**-6},
        {"gamma": 16.0, "scale": "pow2", "rounding": "truncate"},
        {"decay_log2": None, "mix_log2": None, "gamma": [1.0, -3.0] * 4},
        {"decay_log2": None, "decay": 0.3, "mix_log2": None, "mix": 0.3},
        {"decay_log2": None, "decay": 0.7, "mix_log2": None, "mix": 0.5, "p": 2, "rounding": "truncate"},
    ],
)
def test_internal_values_stay_inside_their_derived_widths(changes: dict) -> None:
    cfg = NormConfig().replace(**changes)
    rng = np.random.default_rng(3)
    fmt = cfg.in_fmt
    # extreme swings between the range ends drive every sum and deviation to its bound
    x = rng.choice([fmt.min_code, fmt.max_code, 0], size=(4000, cfg.channels))
    x[2000:] = fmt.max_code  # then a constant input drives the deviation to zero (largest gain)
    _, tr = FixedStreamNorm(cfg).process_traced(x)
    lo, hi = -(1 << (cfg.mean_width - 1)), (1 << (cfg.mean_width - 1)) - 1
    assert tr.mean.min() >= lo and tr.mean.max() <= hi
    assert tr.dev_stat.min() >= 0 and tr.dev_stat.max() <= cfg.dev_stat_max
    t_min, t_max = cfg.shift_range
    assert tr.scale_shift.min() >= t_min and tr.scale_shift.max() <= t_max
    if not cfg.long_term:  # (a rounded decay can stall just above zero)
        assert tr.scale_shift.min() == t_min  # the zero-deviation end of the range is reached
    assert np.abs(tr.scale_mantissa).max() < 1 << cfg.scale_mantissa_bits
    centered = (x.astype(np.int64) << cfg.guard_bits) - tr.mean
    assert np.abs(centered * tr.scale_mantissa).max() < 1 << (cfg.product_width - 1)


def test_a_key_given_twice_is_refused_naming_it() -> None:
    with pytest.raises(ConfigError) as info:
        NormConfig.from_json('{"channels": 2, "window_log2": 3, "channels": 3}')
    assert info.value.field == "channels"
    assert "given twice (2 and 3)" in str(info.value)
    with pytest.raises(ConfigError, match="frac: given twice"):
        NormConfig.from_json('{"in_fmt": {"width": 16, "frac": 12, "frac": 10}}')
