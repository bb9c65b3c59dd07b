"""The `streamnorm` command line: JSON in and out, clear one-line errors, exit codes, library errors
in the command line's words (flags, extras)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from cli_run import assert_one_line_error, streamnorm

from streamnorm.cli import flag, main
from streamnorm.golden import ConfigError, MissingExtra, NormConfig, ParameterError
from streamnorm.golden.errors import OPTIONAL_MODULES
from streamnorm.hw.yosys import YosysError


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
    assert capsys.readouterr().err.startswith("streamnorm: --samples: must be at least 1")


def test_version_is_the_installed_distribution_s(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"streamnorm {metadata.version('streamnorm')}\n"


@pytest.mark.parametrize(
    ("parameter", "option"),
    [("samples", "--samples"), ("target_sqnr", "--target-sqnr"), ("out_dir", "--out")],
)
def test_flag_of_a_parameter_is_its_name_with_dashes_or_the_listed_exception(
    parameter: str, option: str
) -> None:
    assert flag(parameter) == option


def _failing_config(monkeypatch: pytest.MonkeyPatch, exc: Exception) -> None:
    """Make the library's configuration reader (which `streamnorm config --check` calls) raise `exc`."""

    def read(cls: type, path: str) -> NormConfig:
        raise exc

    monkeypatch.setattr(NormConfig, "from_file", classmethod(read))


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            ParameterError("target_sqnr", "must be a number of dB, not nan"),
            "--target-sqnr: must be a number of dB, not nan",
        ),
        (ParameterError("out_dir", "x is a file"), "--out: x is a file"),
        (
            ConfigError("window_log2", "30 is out of range"),
            "bad configuration: window_log2: 30 is out of range",
        ),
        (
            MissingExtra("report", "matplotlib"),
            "config needs the [report] extra (matplotlib is not installed): pip install 'streamnorm[report]'",
        ),
        (
            ModuleNotFoundError("No module named 'cocotb_tools'", name="cocotb_tools"),
            "config needs the [sim] extra (cocotb_tools is not installed): pip install 'streamnorm[sim]'",
        ),
        (YosysError("yosys read_rtlil failed (exit 1)"), "yosys read_rtlil failed (exit 1)"),
    ],
)
def test_a_library_error_is_one_line_in_the_command_line_s_words(
    exc: Exception, line: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    _failing_config(monkeypatch, exc)
    assert main(["config", "--check", "c.json"]) == 2
    assert capsys.readouterr().err == f"streamnorm: {line}\n"


@pytest.mark.parametrize(
    "exc",
    [
        ModuleNotFoundError("No module named 'numpy'", name="numpy"),
        RuntimeError("a bug"),
        ValueError("shift_round needs a non-negative shift, got -1"),
        FileNotFoundError(2, "No such file or directory", "build/sim.log"),
    ],
)
def test_an_unexpected_error_is_not_dressed_up_as_bad_input(
    exc: Exception, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a package every install has, or an error that is not a ParameterError (bad input is always
    # one, naming its parameter): a bug, shown with its traceback
    _failing_config(monkeypatch, exc)
    with pytest.raises(type(exc)):
        main(["config", "--check", "c.json"])


def test_starting_the_command_line_imports_no_optional_package() -> None:
    # so that an install without extras can run the commands that need none
    probe = "import sys, streamnorm.cli; print(' '.join(sorted(set(sys.modules) & set(sys.argv[1:]))))"
    out = subprocess.run(
        [sys.executable, "-c", probe, *OPTIONAL_MODULES], capture_output=True, text=True, check=True
    ).stdout
    assert out == "\n", f"imported at start-up: {out}"


@pytest.mark.parametrize(
    ("text", "spelt"),
    [
        ('{"mix": true}', "not true"),
        ('{"decay": false}', "not false"),
        ('{"decay": "0.5"}', 'not "0.5"'),
        ('{"gaussian_scale": null}', "not null"),
        ('{"gamma": true}', "not true"),
    ],
)
def test_a_refused_value_is_spelt_as_the_json_spells_it(tmp_path: Path, text: str, spelt: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(text)
    proc = streamnorm("config", "--check", str(path))
    assert_one_line_error(proc, spelt)
    assert not any(word in proc.stderr for word in ("True", "False", "None", "'")), proc.stderr
