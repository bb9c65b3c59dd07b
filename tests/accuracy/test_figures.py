"""`streamnorm accuracy`: metrics.json against figures computed here, independently, on small cases.

The models themselves are the golden model under test elsewhere; what is checked here is the
arithmetic of the report: every figure is recomputed from the models' outputs with plain NumPy
formulas written out below, not with the report's code.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tolerance import DB_ATOL, FLOAT_RTOL, approx

from streamnorm.accuracy.analysis import error_budget, run_models
from streamnorm.accuracy.streams import make_stream
from streamnorm.cli import main
from streamnorm.golden import FixedStreamNorm, FloatStreamNorm, NormConfig

CFG = NormConfig(channels=3, window_log2=3, decay_log2=4)
STEPS = 2400
WARMUP = 400


def _run_cli(tmp_path: Path, cfg: NormConfig, *args: str) -> dict[str, Any]:
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(cfg.to_json())
    out = tmp_path / "out"
    assert main(["accuracy", "--config", str(cfg_path), "--out", str(out), *args]) == 0
    return json.loads((out / "metrics.json").read_text())


def _sqnr(ref: np.ndarray, test: np.ndarray) -> float:
    return 10 * math.log10(float(np.sum(ref**2)) / float(np.sum((test - ref) ** 2)))


def _models(cfg: NormConfig, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(inputs as quantized reals, fixed output, float output, overflow count)."""
    codes = cfg.in_fmt.quantize(values, cfg.rounding)
    fx = FixedStreamNorm(cfg)
    y = cfg.out_fmt.to_float(fx.process(codes))
    x = cfg.in_fmt.to_float(codes)
    return x, y, FloatStreamNorm(cfg).process(x), fx.overflow_count


@pytest.fixture(scope="module")
def gaussian(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("gauss")
    return _run_cli(
        tmp, CFG, "--stream", "gaussian", "--samples", str(STEPS), "--seed", "5", "--warmup", str(WARMUP)
    )


def test_fixed_against_float_overall_steady_and_per_channel(gaussian: dict[str, Any]) -> None:
    m = gaussian
    values = make_stream("gaussian", STEPS, CFG.channels, CFG.in_fmt, 5)
    _, y, ref, _ = _models(CFG, values)
    lsb = CFG.out_fmt.lsb
    f = m["fixed_vs_float"]
    assert m["warmup_steps"] == WARMUP
    assert f["overall"]["sqnr_db"] == pytest.approx(_sqnr(ref, y), abs=DB_ATOL)
    assert f["steady"]["sqnr_db"] == pytest.approx(_sqnr(ref[WARMUP:], y[WARMUP:]), abs=DB_ATOL)
    assert f["warmup"]["sqnr_db"] == pytest.approx(_sqnr(ref[:WARMUP], y[:WARMUP]), abs=DB_ATOL)
    err = (y - ref)[WARMUP:] / lsb
    assert f["steady"]["rms_error_lsb"] == approx(math.sqrt(np.mean(err**2)))
    assert f["steady"]["max_error_lsb"] == approx(np.abs(err).max())
    floor = 10 * math.log10(np.mean(ref[WARMUP:] ** 2) / (lsb**2 / 12))
    assert f["steady"]["floor_sqnr_db"] == pytest.approx(floor, abs=DB_ATOL)
    assert f["steady"]["noise_over_floor_db"] == pytest.approx(
        10 * math.log10(np.mean(err**2) * 12), abs=DB_ATOL
    )
    for c in range(CFG.channels):
        pc = f["per_channel"][c]
        assert pc["channel"] == c
        assert pc["sqnr_db"] == pytest.approx(_sqnr(ref[:, c], y[:, c]), abs=DB_ATOL)
        assert pc["steady_sqnr_db"] == pytest.approx(_sqnr(ref[WARMUP:, c], y[WARMUP:, c]), abs=DB_ATOL)
        assert pc["max_error_lsb"] == approx(np.abs(y[:, c] - ref[:, c]).max() / lsb)
    # every SQNR is under a key containing "sqnr"
    assert m["output_overflow_words"] == 0 and m["stream"]["input_saturated"] == 0


def test_end_to_end_feeds_the_float_reference_the_unquantized_stream(gaussian: dict[str, Any]) -> None:
    values = make_stream("gaussian", STEPS, CFG.channels, CFG.in_fmt, 5)
    _, y, _, _ = _models(CFG, values)
    ideal = FloatStreamNorm(CFG).process(values)
    got = gaussian["fixed_vs_float"]["end_to_end"]["steady"]["sqnr_db"]
    assert got == pytest.approx(_sqnr(ideal[WARMUP:], y[WARMUP:]), abs=DB_ATOL)


def test_streaming_against_offline_normalization(gaussian: dict[str, Any]) -> None:
    values = make_stream("gaussian", STEPS, CFG.channels, CFG.in_fmt, 5)
    x, _, ref, _ = _models(CFG, values)
    # whole-sequence mean and mean absolute deviation, scaled as the streaming model scales
    mean = x.mean(axis=0)
    mad = np.abs(x - mean).mean(axis=0)
    # the mean absolute deviation times sqrt(pi/2) estimates sigma: divide by it
    g = math.sqrt(2 / math.pi)
    offline = (x - mean) * (1.0 * g / (mad + CFG.eps))
    so = gaussian["streaming_vs_offline"]
    assert so["steady"]["sqnr_db"] == pytest.approx(_sqnr(offline[WARMUP:], ref[WARMUP:]), abs=DB_ATOL)
    assert so["overall"]["sqnr_db"] == pytest.approx(_sqnr(offline, ref), abs=DB_ATOL)


def test_l1_against_l2_runs_the_p2_datapath_on_the_same_stream(gaussian: dict[str, Any]) -> None:
    values = make_stream("gaussian", STEPS, CFG.channels, CFG.in_fmt, 5)
    _, _, ref1, _ = _models(CFG, values)
    cfg2 = NormConfig(channels=3, window_log2=3, decay_log2=4, p=2)
    _, y2, ref2, _ = _models(cfg2, values)
    lv = gaussian["l1_vs_l2"]
    assert lv["l2"]["steady_sqnr_db"] == pytest.approx(_sqnr(ref2[WARMUP:], y2[WARMUP:]), abs=DB_ATOL)
    assert lv["l1_float_against_l2_float_sqnr_db"] == pytest.approx(
        _sqnr(ref2[WARMUP:], ref1[WARMUP:]), abs=DB_ATOL
    )
    a, b = ref1[WARMUP:].ravel(), ref2[WARMUP:].ravel()
    assert lv["l1_l2_correlation"] == pytest.approx(np.corrcoef(a, b)[0, 1], abs=FLOAT_RTOL)
    assert lv["l2"]["widths"]["sum_sq_width"] == cfg2.sum_sq_width


def test_saturated_inputs_and_outputs_are_counted_not_hidden(tmp_path: Path) -> None:
    cfg = NormConfig(channels=2, window_log2=3, decay_log2=4, gamma=6.0)
    rng = np.random.default_rng(8)
    values = rng.normal(0.5, 0.3, (1500, 2))
    values[100:105, 0] = 9.0  # above in_fmt's +8: five saturated inputs on channel 0
    values[700, 1] = -20.0  # one on channel 1
    path = tmp_path / "rec.npy"
    np.save(path, values)
    m = _run_cli(tmp_path, cfg, "--stream", str(path), "--warmup", "200")
    assert m["stream"]["input_saturated"] == 6
    assert m["stream"]["input_saturated_per_channel"] == [5, 1]
    assert [c["input_saturated"] for c in m["fixed_vs_float"]["per_channel"]] == [5, 1]
    _, y, ref, overflows = _models(cfg, values)
    assert overflows > 0  # gamma 6 pushes a few outputs past +-16
    assert m["output_overflow_words"] == overflows
    assert sum(c["overflow_words"] for c in m["fixed_vs_float"]["per_channel"]) == overflows
    # the in-range figures leave out exactly the words that left the output range
    out_of_range = np.abs(ref) > CFG.out_fmt.max_value + CFG.out_fmt.lsb
    err = np.abs(y - ref) / cfg.out_fmt.lsb
    assert m["fixed_vs_float"]["overall"]["max_error_lsb"] == approx(err.max())
    assert m["fixed_vs_float"]["overall"]["max_error_lsb_in_range"] == pytest.approx(
        err[~out_of_range].max(), rel=FLOAT_RTOL
    )


def test_output_rounding_part_of_the_budget_is_within_half_an_lsb() -> None:
    # If the fixed model's scale were decoded wrongly, the mean and scale parts would not account
    # for the error and the rounding part would exceed the rounding's own half LSB.
    cfg = NormConfig(channels=2, window_log2=3, decay_log2=4)
    for kind in ("gaussian", "quiet", "drift"):
        run = run_models(cfg, make_stream(kind, 3000, 2, cfg.in_fmt, 2))
        b = error_budget(run)
        assert np.abs(b.rounding[~run.overflow]).max() <= 0.5 + 1e-9, kind
        assert np.abs(b.mean).max() < 0.125 and np.abs(b.scale).max() < 0.25, kind


def test_quiet_channel_states_a_bound_that_holds(gaussian: dict[str, Any]) -> None:
    q = gaussian["quiet_channel"]
    assert q["deviation_over_eps_median"] < 2  # the deviation really has fallen towards eps
    assert q["steady"]["max_error_lsb"] <= q["bound_lsb"] + 1e-12
    assert q["bound_lsb"] == pytest.approx(sum(q["bound_parts_lsb"].values()))
    assert q["bound_parts_lsb"]["rounding"] <= 0.5 + 1e-9


def test_every_sqnr_is_under_a_key_that_says_so(gaussian: dict[str, Any]) -> None:
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")
        elif path.endswith("_db"):
            found.append(path)

    walk(gaussian, "")
    keys = {p.rsplit(".", 1)[-1] for p in found}
    # the one dB figure that is not an SQNR: the error power over the rounding floor
    assert keys - {"noise_over_floor_db"} and all("sqnr" in k for k in keys - {"noise_over_floor_db"}), keys
