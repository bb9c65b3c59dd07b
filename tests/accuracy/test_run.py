"""`AccuracyRequest` and `run_accuracy`: refusals name the request's own fields, the result is
typed, and its `to_json()` is what the report folder's metrics.json holds."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from streamnorm.accuracy import (
    AccuracyRequest,
    RtlOptions,
    TargetMetric,
    parse_sweep,
    run_accuracy,
    write_report_folder,
)
from streamnorm.accuracy.result import FIGURE_FILES
from streamnorm.golden import NormConfig, ParameterError

CFG = NormConfig(channels=2, window_log2=3, decay_log2=4)


@pytest.mark.parametrize(
    ("fields", "parameter", "message"),
    [
        ({"samples": 0}, "samples", "must be at least 1, not 0"),
        ({"seed": -1}, "seed", "must be at least 0, not -1"),
        ({"warmup": -1}, "warmup", "must be at least 0, not -1"),
        ({"stream": "pink"}, "stream", '"pink" is neither a stream kind'),
        ({"target_sqnr": 40.0}, "target_sqnr", "needs a sweep to choose from"),
        ({"target_metric": "loudness"}, "target_metric", '"loudness" is not one of datapath, overall'),
        ({"sweep": parse_sweep(["out_fmt.frac=8:9"], CFG), "target_sqnr": math.inf}, "target_sqnr", "finite"),
    ],
)
def test_a_bad_request_is_refused_when_made_naming_its_field(
    fields: dict[str, Any], parameter: str, message: str
) -> None:
    with pytest.raises(ParameterError) as info:
        AccuracyRequest(config=CFG, **fields)
    assert info.value.parameter == parameter
    assert message in info.value.message


@pytest.mark.parametrize(
    ("fields", "parameter", "message"),
    [
        ({"simulator": "modelsim"}, "simulator", '"modelsim" is not one of icarus, verilator'),
        ({"backpressure": 1.0}, "backpressure", "must be in [0, 1), not 1.0"),
    ],
)
def test_bad_rtl_options_are_refused_when_made(
    tmp_path: Path, fields: dict[str, Any], parameter: str, message: str
) -> None:
    with pytest.raises(ParameterError) as info:
        RtlOptions(tmp_path, **fields)
    assert info.value.parameter == parameter and message in info.value.message


def test_what_needs_the_stream_is_refused_once_it_is_read() -> None:
    with pytest.raises(ParameterError) as info:
        run_accuracy(AccuracyRequest(config=CFG, samples=300, warmup=300))
    assert info.value.parameter == "warmup" and "give at most 299" in info.value.message
    with pytest.raises(ParameterError) as info:
        run_accuracy(AccuracyRequest(config=CFG, stream="seismogram", samples=4000))
    assert info.value.parameter == "samples"


def test_the_result_is_typed_and_its_json_is_the_folders_metrics(tmp_path: Path) -> None:
    request = AccuracyRequest(
        config=CFG,
        samples=800,
        sweep=parse_sweep(["out_fmt.frac=9/11"], CFG),
        target_sqnr=70.0,  # about 6 dB a bit: 9 fraction bits fall short, 11 meet it
        target_metric=TargetMetric.OVERALL,
    )
    result = run_accuracy(request)
    assert result.warmup.steps == 392 and not result.warmup.capped
    assert result.fixed_vs_float.steady.samples == (800 - 392) * CFG.channels
    assert result.sweep is not None and result.sweep.target is not None
    assert result.sweep.target.chosen is not None
    assert result.sweep.target.chosen.settings == {"out_fmt.frac": 11} and not result.target_missed
    assert result.command is None and result.rtl is None
    files = write_report_folder(result, tmp_path / "out")
    assert json.loads(files.metrics.read_text()) == result.to_json()
    assert set(files.figures) == set(FIGURE_FILES) and all(p.stat().st_size for p in files.figures.values())
    # an exact match has an infinite SQNR: JSON has no infinity, metrics.json says null
    assert json.dumps(result.to_json(), allow_nan=False)


def test_a_file_in_the_way_of_the_report_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("not a folder")
    result = run_accuracy(AccuracyRequest(config=CFG, samples=300))
    with pytest.raises(ParameterError) as info:
        write_report_folder(result, tmp_path / "out")
    assert info.value.parameter == "out_dir"


def test_the_python_example_in_the_docs_runs_and_prints_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "accuracy.md").read_text()
    (example,) = re.findall(r"```python\n(.*?)```", doc, re.DOTALL)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "docs/accuracy.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == "{'out_fmt.frac': 9}"  # as the example's comment says
    assert (tmp_path / "out" / "accuracy-python" / "report.html").is_file()
