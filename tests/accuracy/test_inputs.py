"""Streams for `accuracy`: user files (.npy, .csv, .wav), the bundled recording, and bad input.

Bad input must end in one line naming the parameter and what is wrong, exit status 2, no traceback.
The library names the parameter (`ParameterError.parameter`); the command line spells it as its
flag, so the tests here look for the message, which reads the same in both.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from streamnorm.accuracy.recordings import RECORDINGS, load_recording
from streamnorm.accuracy.stimulus import stimulus
from streamnorm.accuracy.streams import load_stream
from streamnorm.cli import main
from streamnorm.golden import NormConfig, ParameterError, QFormat

FMT = QFormat(16, 12)


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """In-process `streamnorm accuracy` (an exception escaping main() fails the test)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["accuracy", "--out", str(tmp_path / "out"), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_csv_with_a_header_is_a_column_per_channel(tmp_path: Path) -> None:
    p = tmp_path / "rec.csv"
    p.write_text("a,b\n0.5,-1\n0.25,2\n\n1e-3,3\n")
    assert np.array_equal(load_stream(p, 2), [[0.5, -1], [0.25, 2], [1e-3, 3]])


def test_csv_numbers_may_be_quoted_and_columns_tab_separated(tmp_path: Path) -> None:
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('"a","b"\n"1.5","-2"\n"0.25", 3\n')
    assert load_stream(quoted, 2).tolist() == [[1.5, -2.0], [0.25, 3.0]]
    tabs = tmp_path / "tabs.csv"
    tabs.write_text("a\tb\n1.5\t-2\n0.25\t3\n")
    assert load_stream(tabs, 2).tolist() == [[1.5, -2.0], [0.25, 3.0]]


def test_one_column_feeds_every_channel(tmp_path: Path) -> None:
    p = tmp_path / "mono.csv"
    p.write_text("0.5\n0.25\n")
    assert load_stream(p, 3).tolist() == [[0.5] * 3, [0.25] * 3]


def test_wav_samples_are_fractions_of_full_scale(tmp_path: Path) -> None:
    p = tmp_path / "stereo.wav"
    pcm = np.array([[16384, -32768], [-8192, 32767]], dtype="<i2")
    with wave.open(str(p), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(pcm.tobytes())
    got = load_stream(p, 2)
    assert got.tolist() == [[0.5, -1.0], [-0.25, 32767 / 32768]]


def test_the_bundled_recording_ships_inside_an_installed_package() -> None:
    x = load_recording("seismogram", 8, FMT)
    assert x.shape == (3000, 8)
    # sized so its largest sample is half the input format's full scale
    assert np.abs(x).max() == pytest.approx(0.5 * FMT.max_value)
    # three components, repeated over the channels
    assert np.array_equal(x[:, 0], x[:, 3]) and np.array_equal(x[:, 1], x[:, 7])
    assert not np.array_equal(x[:, 0], x[:, 1])
    assert RECORDINGS["seismogram"].licence.startswith("LGPL")


def test_accuracy_on_the_recording_writes_the_report(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("--stream", "seismogram", "--samples", "2000")
    assert code == 0, err
    m = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert m["stream"]["samples"] == 2000 and "seismogram" in m["stream"]["source"]
    assert "report:" in out and (tmp_path / "out" / "report.html").is_file()
    assert "SQNR" in out


def _bad_npy(tmp_path: Path, shape: tuple[int, ...], nan_at: tuple[int, ...] | None = None) -> Path:
    a = np.full(shape, 0.25)
    if nan_at is not None:
        a[nan_at] = np.nan
    p = tmp_path / "bad.npy"
    np.save(p, a)
    return p


def _text(t: Path, name: str, text: str) -> Path:
    (t / name).write_text(text)
    return t / name


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: t / "nope.npy", "stream: file {t}/nope.npy does not exist"),
        (
            lambda t: _bad_npy(t, (100, 3)),
            "has 3 columns but the configuration has 8 channels: give one column per channel or one "
            'for all, or set "channels": 3 in the configuration',
        ),
        (lambda t: _bad_npy(t, (100, 8), (42, 5)), "holds nan at time step 42, channel 5"),
        (lambda t: _bad_npy(t, (4, 5, 6)), "has shape (4, 5, 6); expected (T,) or (T, 8)"),
        (lambda t: _text(t, "r.txt", "1"), "expected a .npy, .csv, .wav file, not .txt"),
        (lambda t: _text(t, "r.csv", "x\n1\n2,3\n"), "r.csv, line 3: 2 columns where the first row has 1"),
        (lambda t: _text(t, "r.csv", "1\n\n,\n"), "line 3: 2 columns"),
        (lambda t: _text(t, "r.csv", "x\n1\nfoo\n"), 'r.csv, line 3, column 1: "foo" is not a number'),
        (lambda t: _text(t, "r.csv", "1,2,3\n4,,6\n"), "r.csv, line 2, column 2 is empty"),
        (lambda t: _text(t, "r.csv", "1\nnan\n"), "holds nan at time step 1, channel 0"),
        (
            lambda t: _text(t, "r.csv", "a,b,c\n1,2,3\n"),
            "r.csv has 3 columns but the configuration has 8 channels: give one column per channel "
            'or one for all, or set "channels": 3 in the configuration',
        ),
        (lambda t: _text(t, "n.csv", "1\n2\n\n"), None),
        (lambda t: (t / "r.wav").write_bytes(b"RIFFnot a wav") and t / "r.wav", "is not a readable WAV"),
    ],
)
def test_bad_stream_files_get_one_line(tmp_path: Path, cli, make, message: str | None) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    code, _, err = (
        cli("--stream", str(path), "--samples", "2") if message is None else cli("--stream", str(path))
    )
    if message is None:  # a good file, as a control for the cases around it
        assert code == 0, err
        return
    assert code == 2, err
    assert "Traceback" not in err
    assert err.startswith("streamnorm: ") and len(err.strip().splitlines()) == 1, err
    assert message.format(t=tmp_path) in err


def test_a_bad_file_is_the_stream_parameters_fault(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text("1,2,3\n4,,6\n")
    with pytest.raises(ParameterError) as info:
        stimulus(NormConfig(channels=3), str(p), None, 1)
    assert info.value.parameter == "stream"
    assert info.value.message == f"file {p}, line 2, column 2 is empty"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stream", "pink"], 'stream: "pink" is neither a stream kind'),
        (["--samples", "0"], "samples: must be at least 1, not 0"),
        (["--seed", "-1"], "seed: must be at least 0, not -1"),
        (["--stream", "seismogram", "--samples", "5000"], "samples: 5000 is more than the 3000 time steps"),
        (["--sweep", "colour=1:3"], 'sweep: unknown configuration field "colour"'),
        (["--sweep", "out_fmt.frac=12:6"], "sweep: out_fmt.frac=12:6: a range needs A <= B"),
        (["--target-sqnr", "40"], "needs a sweep to choose from"),
        (["--warmup", "-3", "--samples", "100"], "warmup: must be at least 0, not -3"),
        (["--warmup", "100", "--samples", "100"], "warmup: 100 time steps leave no steady state"),
    ],
)
def test_bad_options_get_one_line(cli, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli(*args)
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert message in err


def test_bad_config_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({**NormConfig().to_dict(), "window_log2": 40}))
    assert main(["accuracy", "--config", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "window_log2: 40 is out of range" in capsys.readouterr().err
