"""`streamnorm simulate` as a user runs it: exit codes, results.json, messages, waveforms."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_run import assert_one_line_error, streamnorm
from test_regression import corrupt_one_adder

from streamnorm.golden import NormConfig
from streamnorm.hw.generate import write


def simulate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return streamnorm("simulate", *args, env=env)


def config_file(tmp_path: Path, **changes: object) -> Path:
    path = tmp_path / "cfg.json"
    path.write_text(NormConfig(channels=2, window_log2=2, decay_log2=2).replace(**changes).to_json())
    return path


def test_a_passing_run_exits_0_and_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = simulate("--config", str(config_file(tmp_path)), "--samples", "120", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS: 240 of 240 words checked on icarus" in proc.stdout
    assert "checked words/s" in proc.stdout
    res = json.loads((out / "results.json").read_text())
    assert res["passed"] and res["words"] == 240 and res["result"]["mismatch_count"] == 0
    assert res["simulator"] == "icarus" and res["backpressure"] == 0.3


def test_a_corrupted_netlist_exits_1_with_the_first_mismatch(tmp_path: Path) -> None:
    cfg_path = config_file(tmp_path)
    v_path, _ = write(NormConfig.from_file(cfg_path), tmp_path / "gen")
    bad = tmp_path / "bad.v"
    bad.write_text(corrupt_one_adder(v_path.read_text()))
    proc = simulate(
        "--config", str(cfg_path), "--samples", "60", "--verilog", str(bad), "--out", str(tmp_path / "o")
    )
    assert proc.returncode == 1
    assert "FAIL" in proc.stdout and "first mismatch: word" in proc.stdout
    assert "statistics in force" in proc.stdout


def test_missing_icarus_says_how_to_install_it(tmp_path: Path) -> None:
    # a PATH with python and nothing else: no iverilog to be found
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {**os.environ, "PATH": str(bin_dir)}
    proc = simulate("--samples", "10", "--out", str(tmp_path / "o"), env=env)
    assert_one_line_error(proc, "apt-get install iverilog", code=3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backpressure", "1.5"], "--backpressure must be in [0, 1)"),
        (["--stream", "nonsense"], "neither a stream kind"),
        (["--stream", "missing.npy"], "does not exist"),
        (["--verilog", "missing.v"], "no such file"),
        (["--samples", "0"], "--samples must be at least 1"),
    ],
)
def test_bad_arguments_get_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    assert_one_line_error(simulate(*args, "--out", str(tmp_path / "o")), message)


def test_a_recorded_stream_file_is_quantized_and_its_saturation_reported(tmp_path: Path) -> None:
    cfg_path = config_file(tmp_path)
    rec = np.sin(np.arange(200) / 7.0) * 3.0
    rec[5] = 100.0  # outside Q(16,12): saturated, and said so
    np.save(tmp_path / "rec.npy", rec)
    proc = simulate(
        "--config",
        str(cfg_path),
        "--stream",
        str(tmp_path / "rec.npy"),
        "--out",
        str(tmp_path / "o"),
        "--samples",
        "200",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 input values were outside in_fmt" in proc.stdout  # one per channel


def test_waves_are_written_and_their_place_said(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = simulate(
        "--config",
        str(config_file(tmp_path)),
        "--samples",
        "40",
        "--waves",
        "--driver",
        "axi",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    waves = out / "waves.fst"
    assert waves.exists() and waves.stat().st_size > 0
    assert f"waveforms: {waves}" in proc.stdout


def test_the_verilator_option_runs_the_same_check(tmp_path: Path) -> None:
    proc = simulate(
        "--config",
        str(config_file(tmp_path)),
        "--samples",
        "100",
        "--simulator",
        "verilator",
        "--out",
        str(tmp_path / "o"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "on verilator" in proc.stdout
