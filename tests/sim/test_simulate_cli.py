"""`streamnorm simulate` as a user runs it: exit codes, results.json, messages, waveforms, pause
patterns, streams, and a given netlist checked against the configuration before it is built."""

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
from streamnorm.hw.ports import ports
from streamnorm.sim.request import SimRequest, Simulator
from streamnorm.sim.runner import run_simulation
from streamnorm.sim.toolchain import verilator_fst_available


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
    assert res["simulator"] == "icarus"
    assert res["producer_pauses"] == res["consumer_pauses"] == "random:0.3"  # the default


def test_each_sides_pause_pattern_is_used_and_recorded(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = simulate(
        "--config",
        str(config_file(tmp_path)),
        "--samples",
        "100",
        "--producer-pauses",
        "periodic:1110",
        "--consumer-pauses",
        "bursts:20:5",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pauses: producer periodic:1110, consumer bursts:20:5" in proc.stdout
    res = json.loads((out / "results.json").read_text())
    assert (res["producer_pauses"], res["consumer_pauses"]) == ("periodic:1110", "bursts:20:5")


def test_backpressure_means_random_pauses_on_both_sides(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--config", str(config_file(tmp_path)), "--samples", "50", "--backpressure", "0.1"]
    proc = simulate(*args, "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    res = json.loads((out / "results.json").read_text())
    assert res["producer_pauses"] == res["consumer_pauses"] == "random:0.1"


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
        (["--backpressure", "1.5"], "must be in [0, 1), not 1.5"),
        (["--stream", "nonsense"], "neither a stream kind"),
        (["--stream", "missing.npy"], "does not exist"),
        (["--verilog", "missing.v"], "no such file"),
        (["--samples", "0"], "must be at least 1, not 0"),
        (["--producer-pauses", "sometimes"], "is not a pause pattern; write random:P"),
        (["--consumer-pauses", "periodic:000"], "pauses every cycle"),
        (["--consumer-pauses", "random:1"], "must be in [0, 1), not 1.0"),
        (["--producer-pauses", "bursts:0:4"], "run: must be an integer of at least 1, not 0"),
        (["--backpressure", "0.2", "--consumer-pauses", "periodic:10"], "not both"),
    ],
)
def test_bad_arguments_get_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    proc = simulate(*args, "--out", str(tmp_path / "o"))
    assert_one_line_error(proc, message)
    flag = next(a for a in args if a.startswith("--")).lstrip("-")
    assert flag.replace("-", "_") in proc.stderr.replace("-", "_")  # the option (or its parameter) is named


def test_an_out_that_is_a_file_is_refused_in_one_line(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    proc = simulate("--samples", "10", "--out", str(taken))
    assert_one_line_error(proc, f"{taken} is a file, not a folder")
    assert "out" in proc.stderr.split(":")[1]


def test_a_recording_or_file_is_simulated_whole_by_default(tmp_path: Path) -> None:
    # more time steps than the synthetic default (2000): none may be left unchecked
    cfg_path = config_file(tmp_path, channels=1)
    np.save(tmp_path / "rec.npy", np.sin(np.arange(2345) / 9.0))
    out = tmp_path / "file"
    proc = simulate("--config", str(cfg_path), "--stream", str(tmp_path / "rec.npy"), "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS: 2345 of 2345 words" in proc.stdout
    out = tmp_path / "seismogram"
    proc = simulate("--config", str(cfg_path), "--stream", "seismogram", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads((out / "results.json").read_text())["samples"] == 3000  # 30 s at 100 Hz


def test_help_lists_every_stream_the_command_takes() -> None:
    from streamnorm.accuracy.streams import STREAM_KINDS

    text = " ".join(simulate("--help").stdout.split())
    for name in (*STREAM_KINDS, "seismogram", ".npy", ".csv", ".wav"):
        assert name in text, name


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


def test_verilator_waves_are_written_with_or_without_the_lz4_headers(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--config", str(config_file(tmp_path)), "--samples", "30", "--simulator", "verilator"]
    proc = simulate(*args, "--waves", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    waves = out / ("waves.fst" if verilator_fst_available() else "waves.vcd")
    assert waves.exists() and waves.stat().st_size > 0
    assert f"waveforms: {waves}" in proc.stdout
    fallback_notes = [line for line in proc.stdout.splitlines() if "liblz4-dev" in line]
    assert len(fallback_notes) == (0 if verilator_fst_available() else 1)


# FST itself is what test_verilator_waves_are_written_with_or_without_the_lz4_headers writes on
# a machine `./run setup` prepared, so only the fallback runs by default
@pytest.mark.parametrize("fst", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_verilator_traces_vcd_when_fst_cannot_be_built(
    fst: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `./run setup` installs liblz4-dev, so the FST path is a requirement of the test machine
    assert not fst or verilator_fst_available(), "liblz4-dev is missing: run ./run setup (as root)"
    monkeypatch.setattr("streamnorm.sim.runner.verilator_fst_available", lambda: fst)
    cfg = NormConfig.from_file(config_file(tmp_path))
    codes = cfg.in_fmt.quantize(np.random.default_rng(0).normal(0, 0.5, (20, cfg.channels)))
    request = SimRequest(cfg, codes, tmp_path / "o", simulator=Simulator.VERILATOR, waves=True)
    report = run_simulation(request)
    assert report.result.passed, report.result.summary()
    assert report.waves is not None and report.waves.suffix == (".fst" if fst else ".vcd")
    assert any("liblz4-dev" in note for note in report.result.notes) != fst


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


def generated(tmp_path: Path, **changes: object) -> Path:
    """`streamnorm generate` output for a configuration: the Verilog, a manifest.json beside it."""
    v_path, _ = write(
        NormConfig(channels=2, window_log2=2, decay_log2=2).replace(**changes), tmp_path / "gen"
    )
    return v_path


def test_a_netlist_of_another_width_is_refused_before_building(tmp_path: Path) -> None:
    narrow = generated(tmp_path, in_fmt={"width": 12, "frac": 8})
    alone = tmp_path / "alone.v"  # without its manifest: the port widths give it away
    alone.write_text(narrow.read_text())
    proc = simulate(
        "--config", str(config_file(tmp_path)), "--verilog", str(alone), "--out", str(tmp_path / "o")
    )
    data_in = next(p for p in ports(NormConfig.from_file(config_file(tmp_path))) if p.name == "s_axis_tdata")
    assert data_in.width == 16
    assert_one_line_error(
        proc, f"port s_axis_tdata is 12 bits; the configuration's is 16 ({data_in.width_text})"
    )
    assert "verilog" in proc.stderr
    assert not (tmp_path / "o" / "build").exists()


def test_the_manifest_beside_a_netlist_gives_its_configuration(tmp_path: Path) -> None:
    v_path = generated(tmp_path, channels=3, in_fmt={"width": 12, "frac": 8})
    out = tmp_path / "o"
    proc = simulate("--verilog", str(v_path), "--samples", "40", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"note: configuration from {v_path.parent / 'manifest.json'}" in proc.stdout
    assert "PASS: 120 of 120 words" in proc.stdout  # three channels, as the manifest says
    assert json.loads((out / "results.json").read_text())["config"]["channels"] == 3


def test_a_config_that_differs_from_the_manifest_is_refused_naming_the_fields(tmp_path: Path) -> None:
    v_path = generated(tmp_path, channels=3)  # same port widths: only the manifest tells
    proc = simulate(
        "--config", str(config_file(tmp_path)), "--verilog", str(v_path), "--out", str(tmp_path / "o")
    )
    assert_one_line_error(proc, "channels 2 (manifest: 3)")
    assert "config" in proc.stderr and "window_log2" not in proc.stderr


@pytest.mark.parametrize(
    "content", [b"\x00\x01\x02\xff\xfe binary", "module m; // caf\xe9\n".encode("latin-1")]
)
def test_a_binary_or_non_utf8_verilog_file_is_refused_in_one_line(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "netlist.v"
    bad.write_bytes(content)
    proc = simulate("--verilog", str(bad), "--out", str(tmp_path / "o"))
    assert_one_line_error(proc, f"{bad} is not a Verilog text file")
    assert "codec" not in proc.stderr


def test_a_generated_core_with_four_lanes_passes_the_cocotbext_axi_bench(tmp_path: Path) -> None:
    # the "done when": `streamnorm generate` with "lanes": 4, then that file through the
    # cocotbext-axi bench (which packs and unpacks the lanes itself): every word with random
    # stalls on both sides, and one beat per clock without them (on Verilator too)
    cfg_path = tmp_path / "lanes4.json"
    cfg_path.write_text(json.dumps({"channels": 8, "lanes": 4, "window_log2": 2, "decay_log2": 3}))
    rtl = tmp_path / "rtl"
    proc = streamnorm("generate", "--config", str(cfg_path), "--out", str(rtl))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    verilog = rtl / "streamnorm.v"
    runs = {
        "stalls": ["--backpressure", "0.3"],
        "no_stalls": ["--backpressure", "0"],
        "no_stalls_verilator": ["--backpressure", "0", "--simulator", "verilator"],
    }
    for name, args in runs.items():
        out = tmp_path / name
        proc = simulate(
            "--verilog", str(verilog), "--driver", "axi", "--samples", "150", *args, "--out", str(out)
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "PASS: 1200 of 1200 words checked" in proc.stdout
        res = json.loads((out / "results.json").read_text())
        assert (res["config"]["lanes"], res["beats"], res["driver"]) == (4, 300, "axi")
        result = res["result"]
        assert result["input_beats"] == result["output_beats"] == 300
        if name == "stalls":
            assert result["input_cycles"] > 300 and not result["one_beat_per_clock"]
        else:
            assert result["input_cycles"] == result["output_cycles"] == 300
            assert result["one_beat_per_clock"]
            assert "300 in over 300 clock cycles, 300 out over 300 (one beat per clock" in proc.stdout
