"""`streamnorm accuracy` run from the shell as a user runs it: what it refuses, before any work, in
one line that names the parameter, and what it accepts that it once refused or got wrong.

Only the command line is imported (through a subprocess), so these checks hold against any
version of the library behind it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cli_run import streamnorm

SMALL = {"channels": 2, "window_log2": 3, "decay_log2": 4}


@pytest.fixture
def accuracy(tmp_path: Path):  # type: ignore[no-untyped-def]
    """`streamnorm accuracy --config SMALL --out OUT ARGS...`, in a subprocess."""
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(SMALL))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return streamnorm("accuracy", "--config", str(cfg), "--out", str(tmp_path / "out"), *args)

    return run


def _metrics(tmp_path: Path) -> dict[str, Any]:
    return json.loads((tmp_path / "out" / "metrics.json").read_text())


def assert_refused(proc: subprocess.CompletedProcess[str], text: str) -> None:
    """Exit status 2 and one line on stderr, no traceback, containing `text` (``parameter: message``:
    the command line may put its flag's dashes in front of the parameter)."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert text in lines[0], lines[0]


def test_an_empty_csv_cell_is_refused_with_its_line_and_column(tmp_path: Path, accuracy) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "rec.csv"
    p.write_text("a,b\n0.5,1\n0.25,\n")
    assert_refused(accuracy("--stream", str(p)), f"stream: file {p}, line 3, column 2 is empty")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("quoted.csv", '"a","b"\n"0.5","1.5"\n"-0.25","2"\n"1","-1"\n'),
        ("tabs.csv", "0.5\t1.5\n-0.25\t2\n1\t-1\n"),
    ],
)
def test_quoted_numbers_and_tabs_are_read(tmp_path: Path, accuracy, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / name
    p.write_text(text)
    proc = accuracy("--stream", str(p))
    assert proc.returncode == 0, proc.stderr
    assert _metrics(tmp_path)["stream"]["samples"] == 3


@pytest.mark.parametrize("suffix", [".csv", ".npy"])
def test_a_file_with_the_wrong_column_count_says_how_many_channels_to_set(
    tmp_path: Path, suffix: str
) -> None:
    p = tmp_path / f"three{suffix}"
    data = np.arange(30.0).reshape(10, 3) / 30
    if suffix == ".csv":
        np.savetxt(p, data, delimiter=",")
    else:
        np.save(p, data)
    proc = streamnorm("accuracy", "--stream", str(p), "--out", str(tmp_path / "out"))  # 8 channels
    assert_refused(proc, f"stream: file {p} has 3 columns but the configuration has 8 channels")
    assert 'set "channels": 3 in the configuration' in proc.stderr


def test_a_sweep_value_that_is_wrong_on_its_own_is_refused_before_any_work(tmp_path: Path, accuracy) -> None:  # type: ignore[no-untyped-def]
    proc = accuracy("--sweep", "scale=exact/pow2/foo")
    assert_refused(proc, 'sweep: scale=foo: must be "exact" or "pow2"')
    assert proc.stdout == "" and not (tmp_path / "out").exists()


def test_a_sweep_value_refused_only_next_to_others_is_recorded(tmp_path: Path, accuracy) -> None:  # type: ignore[no-untyped-def]
    # decay_log2 = null is a valid value; next to the configuration's mix_log2 = 1 it is refused
    proc = accuracy("--samples", "1000", "--sweep", "decay_log2=null/4")
    assert proc.returncode == 0, proc.stderr
    none, four = _metrics(tmp_path)["sweep"]["points"]
    assert not none["ok"] and "mix_log2" in none["refused"] and four["ok"]
    assert "refused: decay_log2=null: bad configuration: mix_log2" in proc.stderr


def test_a_target_no_setting_reaches_exits_1_and_says_so(tmp_path: Path, accuracy) -> None:  # type: ignore[no-untyped-def]
    proc = accuracy("--samples", "1000", "--sweep", "out_fmt.frac=8:9", "--target-sqnr", "300")
    assert proc.returncode == 1, proc.stderr
    assert "target 300 dB (datapath, steady state): no setting of the sweep reaches it" in proc.stdout
    assert not _metrics(tmp_path)["sweep"]["target"]["met"]


def test_a_target_that_is_met_exits_0(tmp_path: Path, accuracy) -> None:  # type: ignore[no-untyped-def]
    proc = accuracy("--samples", "1000", "--sweep", "out_fmt.frac=8:9", "--target-sqnr", "40")
    assert proc.returncode == 0, proc.stderr
    assert "out_fmt.frac=8 is the first setting that meets it" in proc.stdout


def test_a_warmup_that_leaves_no_steady_state_is_refused(accuracy) -> None:  # type: ignore[no-untyped-def]
    assert_refused(
        accuracy("--samples", "500", "--warmup", "500"), "warmup: 500 time steps leave no steady state"
    )


def test_a_given_warmup_is_used_as_given(tmp_path: Path, accuracy) -> None:  # type: ignore[no-untyped-def]
    proc = accuracy("--samples", "500", "--warmup", "400")
    assert proc.returncode == 0, proc.stderr
    assert _metrics(tmp_path)["warmup_steps"] == 400
    assert "warm-up: 400 time steps, as given" in proc.stdout


def test_the_default_warmup_says_when_half_the_stream_was_used(tmp_path: Path, accuracy) -> None:  # type: ignore[no-untyped-def]
    # the default at SMALL is 8 * (1 + 3 * 16) = 392 time steps: more than half of 500
    proc = accuracy("--samples", "500")
    assert proc.returncode == 0, proc.stderr
    assert _metrics(tmp_path)["warmup_steps"] == 250
    assert "warm-up: 250 time steps, half the stream: the default, 392, is longer" in proc.stdout


def test_a_negative_seed_names_the_seed(accuracy) -> None:  # type: ignore[no-untyped-def]
    assert_refused(accuracy("--seed", "-1"), "seed: must be at least 0, not -1")
