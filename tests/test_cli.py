"""The `streamnorm` command line: JSON in and out, clear one-line errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import assert_one_line_error, streamnorm

from streamnorm.cli import main
from streamnorm.golden import NormConfig


def test_config_prints_the_default_json_that_from_json_accepts(capsys) -> None:
    assert main(["config"]) == 0
    text = capsys.readouterr().out
    assert NormConfig.from_json(text) == NormConfig()
    assert set(json.loads(text)) == set(NormConfig().to_dict())


def test_config_check_prints_derived_widths(tmp_path: Path, capsys) -> None:
    path = tmp_path / "c.json"
    path.write_text(NormConfig(channels=3, p=2).to_json())
    assert main(["config", "--check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out
    cfg = NormConfig.from_file(path)
    for key, value in cfg.derived().items():
        assert f"{key}" in out and str(value) in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"window_log2": 30}', "window_log2: 30 is out of range"),
        ('{"colour": 1}', "colour: unknown key"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_config_exits_2_with_the_field_and_no_traceback(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    assert_one_line_error(streamnorm("config", "--check", str(path)), message)


def test_missing_config_file_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    assert main(["config", "--check", str(tmp_path / "nope.json")]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and "nope.json" in err


def test_accuracy_prints_fixed_against_float(capsys) -> None:
    assert main(["accuracy", "--stream", "gaussian", "--samples", "3000"]) == 0
    out = capsys.readouterr().out
    assert "SQNR" in out and "output-rounding floor" in out


def test_accuracy_refuses_zero_samples(capsys) -> None:
    assert main(["accuracy", "--samples", "0"]) == 2
    assert "--samples must be at least 1" in capsys.readouterr().err
