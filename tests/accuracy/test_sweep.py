"""`--sweep` and `--target-sqnr`: the trend with output bits, the target's choice, grids, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from streamnorm.accuracy.sweep import (
    SweepFigures,
    SweepPoint,
    TargetMetric,
    apply_setting,
    choose_target,
    parse_sweep,
    run_sweep,
)
from streamnorm.cli import main
from streamnorm.golden import NormConfig, ParameterError

CFG = NormConfig(channels=2, window_log2=3, decay_log2=4)


def _sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str, status: int = 0
) -> tuple[dict[str, Any], str]:
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(CFG.to_json())
    out = tmp_path / "out"
    code = main(["accuracy", "--config", str(cfg_path), "--out", str(out), "--samples", "3000", *args])
    assert code == status
    return json.loads((out / "metrics.json").read_text()), capsys.readouterr().out


@pytest.fixture(scope="module")
def frac_sweep(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("sweep") / "out"
    cfg_path = out.parent / "cfg.json"
    cfg_path.write_text(CFG.to_json())
    args = ["--config", str(cfg_path), "--out", str(out), "--samples", "3000", "--stream", "gaussian"]
    assert main(["accuracy", *args, "--sweep", "out_fmt.frac=3:14", "--target-sqnr", "50"]) == 0
    return json.loads((out / "metrics.json").read_text())


def test_sqnr_rises_about_6_db_per_output_bit_until_the_range_limits_it(frac_sweep: dict[str, Any]) -> None:
    points = frac_sweep["sweep"]["points"]
    assert [p["settings"]["out_fmt.frac"] for p in points] == list(range(3, 15))
    sqnr = np.array([p["steady_sqnr_db"] for p in points])
    # 3..11 fraction bits: each bit halves the rounding error (+6 dB) while the range still holds
    steps = np.diff(sqnr[:9])
    assert np.all(steps > 5.0) and np.all(steps < 7.0), sqnr
    # with 16 bits in all, 14 fraction bits leave +-2: the outputs saturate and the SQNR collapses
    assert points[-1]["overflow_words"] > 0 and sqnr[-1] < sqnr.max() - 20, sqnr


def test_target_picks_the_first_setting_at_or_above_it(frac_sweep: dict[str, Any]) -> None:
    sw = frac_sweep["sweep"]
    target = sw["target"]
    assert target["sqnr_db"] == 50 and target["metric"] == "datapath" and target["met"]
    sqnr = [p["steady_sqnr_db"] for p in sw["points"]]
    first = next(i for i, v in enumerate(sqnr) if v >= 50)
    assert sqnr[first - 1] < 50 <= sqnr[first]
    assert target["chosen"]["settings"] == sw["points"][first]["settings"]
    assert target["chosen"]["sqnr_db"] == sqnr[first]


def test_target_on_end_to_end_and_an_unreachable_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    m, out = _sweep(
        tmp_path,
        capsys,
        "--sweep",
        "out_fmt.frac=8:12",
        "--target-sqnr",
        "300",
        "--target-metric",
        "end_to_end",
        status=1,
    )
    assert m["sweep"]["target"]["chosen"] is None and not m["sweep"]["target"]["met"]
    assert "no setting of the sweep reaches it" in out
    assert (tmp_path / "out" / "sweep.png").stat().st_size > 0


def test_grid_walks_the_first_field_slowest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    m, _ = _sweep(
        tmp_path, capsys, "--sweep", "out_fmt.frac=6:7,window_log2=2:3", "--sweep", "scale=exact/pow2"
    )
    settings = [p["settings"] for p in m["sweep"]["points"]]
    assert len(settings) == 8
    assert settings[0] == {"out_fmt.frac": 6, "window_log2": 2, "scale": "exact"}
    assert settings[1] == {"out_fmt.frac": 6, "window_log2": 2, "scale": "pow2"}
    assert settings[-1] == {"out_fmt.frac": 7, "window_log2": 3, "scale": "pow2"}
    # pow2 costs accuracy, exact does not: the sweep sees the setting take effect
    by = {
        (s["window_log2"], s["scale"]): p for s, p in zip(settings[:4], m["sweep"]["points"][:4], strict=True)
    }
    assert by[(2, "exact")]["steady_sqnr_db"] > by[(2, "pow2")]["steady_sqnr_db"] + 10


def test_a_setting_refused_next_to_the_others_is_reported_and_the_rest_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # mix_log2 = 1 (the configuration's) needs long-term statistics: decay_log2 = null is refused
    # only where it meets mix_log2 = 1, so the sweep runs and records it
    m, out = _sweep(tmp_path, capsys, "--sweep", "mix_log2=1/null,decay_log2=4/null")
    points = {(p["settings"]["mix_log2"], p["settings"]["decay_log2"]): p for p in m["sweep"]["points"]}
    refused = points.pop((1, None))
    assert not refused["ok"] and refused["refused"].startswith("bad configuration: mix_log2: ")
    assert all(p["ok"] for p in points.values()) and len(points) == 3
    assert "refused: bad configuration: mix_log2: " in out  # the table's row


def test_the_library_reports_progress_and_refusals_and_prints_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    heard: list[tuple[Any, ...]] = []

    class Listener:
        def advance(self, done: int, total: int, label: str) -> None:
            heard.append(("advance", done, total, label))

        def note(self, message: str) -> None:
            heard.append(("note", message))

    axes = parse_sweep(["decay_log2=4/null"], CFG)
    points = run_sweep(CFG, axes, "gaussian", 600, 1, progress=Listener())
    assert [p.refused is None for p in points] == [True, False]
    assert heard[:2] == [("advance", 0, 2, "decay_log2=4"), ("advance", 1, 2, "decay_log2=null")]
    assert heard[2][0] == "note" and heard[2][1].startswith("refused: decay_log2=null: bad configuration: ")
    assert heard[3] == ("advance", 2, 2, "decay_log2=null")
    assert capsys.readouterr() == ("", "")


def test_apply_setting_sets_nested_fields_and_keeps_the_rest() -> None:
    cfg = apply_setting(CFG, {"out_fmt.frac": 9, "window_log2": 5})
    assert cfg.out_fmt.frac == 9 and cfg.out_fmt.width == CFG.out_fmt.width and cfg.window_log2 == 5
    assert CFG.out_fmt.frac == 11  # the original is untouched


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("colour=1:3", 'unknown configuration field "colour"; sweepable fields: channels, '),
        ("out_fmt.bits=1:3", 'unknown configuration field "out_fmt.bits"'),
        ("out_fmt.frac=9:6", "out_fmt.frac=9:6: a range needs A <= B"),
        ("out_fmt.frac=a:b", "a range is A:B or A:B:STEP with integers"),
        ("out_fmt.frac", '"out_fmt.frac": expected FIELD=A:B'),
        ("window_log2=1:2,window_log2=3:4", 'field "window_log2" is given twice'),
        ("window_log2=0:100000", "more than the"),
        ("scale=exact/pow2/foo", 'scale=foo: must be "exact" or "pow2"'),
        ("out_fmt.width=16/70", "out_fmt.width=70: 70 is out of range"),
        ("gaussian_scale=true/3", "gaussian_scale=3: must be true or false"),
        # refused wherever it appears, naming itself: nowhere in this grid could mix_log2 = 1 run
        ("mix_log2=1/null,decay_log2=null", "mix_log2=1: 1 needs long-term statistics"),
    ],
)
def test_bad_sweep_specs_are_refused_before_any_work(spec: str, message: str) -> None:
    with pytest.raises(ParameterError) as info:
        parse_sweep([spec], CFG)
    assert info.value.parameter == "sweep"
    assert message in info.value.message


def test_a_value_refused_in_some_settings_only_is_left_to_the_grid() -> None:
    # decay_log2 = null fails next to mix_log2 = 1, and is fine next to mix_log2 = null
    axes = parse_sweep(["decay_log2=null/4,mix_log2=1/null"], CFG)
    assert [a.values for a in axes] == [(None, 4), (1, None)]


def test_choose_target_takes_the_first_point_at_or_above_in_sweep_order() -> None:
    def pt(frac: int, steady: float, whole: float, e2e: float) -> SweepPoint:
        figs = SweepFigures(
            sqnr_db=whole,
            steady_sqnr_db=steady,
            end_to_end_steady_sqnr_db=e2e,
            steady_floor_sqnr_db=60.0,
            rms_error_lsb=0.3,
            max_error_lsb_in_range=0.5,
            overflow_words=0,
            input_saturated=0,
            widths={},
        )
        return SweepPoint({"out_fmt.frac": frac}, figs)

    points = [
        pt(4, 30.0, 50.0, 30.0),
        SweepPoint({"out_fmt.frac": 5}, None, refused="bad configuration: x"),
        pt(6, 40.0, 20.0, 39.9),
        pt(7, 45.0, 60.0, 40.0),
        pt(8, 39.0, 70.0, 50.0),  # a later dip does not matter: the first one counts
    ]

    def chosen(target: float, metric: TargetMetric = TargetMetric.DATAPATH) -> dict[str, Any] | None:
        choice = choose_target(points, target, metric)
        return None if choice.chosen is None else choice.chosen.settings

    assert chosen(40.0) == {"out_fmt.frac": 6}  # at counts, not only above
    assert chosen(40.0, TargetMetric.OVERALL) == {"out_fmt.frac": 4}
    assert chosen(40.0, TargetMetric.END_TO_END) == {"out_fmt.frac": 7}
    assert chosen(99.0) is None and not choose_target(points, 99.0).met
