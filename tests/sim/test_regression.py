"""The emitted Verilog on Icarus and Verilator (cocotb), every output word against the golden model."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from matrix import LANE_CONFIGS, MATRIX, config, stream_for

from streamnorm.golden import NormConfig
from streamnorm.hw.core import latency
from streamnorm.hw.generate import write
from streamnorm.sim.pauses import BurstPauses, PeriodicPauses, RandomPauses
from streamnorm.sim.request import Driver, ResetPlan, SimRequest, Simulator
from streamnorm.sim.runner import run_simulation

# The hardware matrix plus configurations only worth running on the emitted Verilog.
EXTRA: dict[str, tuple[dict, int]] = {
    "default": ({}, 250),
    "c1024_block_ram_k0": ({"channels": 1024, "window_log2": 0, "decay_log2": 1}, 5),
    "wide_20_bit": (
        {"in_fmt": {"width": 20, "frac": 14}, "out_fmt": {"width": 18, "frac": 12}, "eps": 2.0**-6},
        120,
    ),
    # several words a beat: 4 x 20-bit input words make an 80-bit beat, wider than an int64
    "c8_lanes4_wide": (
        {
            "lanes": 4,
            "in_fmt": {"width": 20, "frac": 14},
            "out_fmt": {"width": 18, "frac": 12},
            "eps": 2.0**-6,
        },
        60,
    ),
}
CONFIGS = {**MATRIX, **EXTRA}
#: 30 % random pauses on both sides, the regression's standard backpressure.
PAUSES = {"producer_pauses": RandomPauses(0.3), "consumer_pauses": RandomPauses(0.3)}

#: The lane configurations the cocotbext-axi tests add (freeze per time step; reset mid-stream).
FREEZE_LANES = ["c4_lanes4_k0", "c6_lanes2_p2", "c8_lanes4_wide"]
RESET_LANES = ["c4_lanes4", "c8_lanes4_pow2", "c8_lanes4_wide"]

# Every configuration runs on both simulators. A Verilator build compiles C++ (several seconds
# each), so the default run takes Verilator on a representative subset and the rest of the
# Verilator matrix is marked slow (`pytest -m slow` runs it).
VERILATOR_DEFAULT = {
    "c1_k0",
    "p2",
    "pow2",
    "c256_memory",
    "per_channel_gamma_beta",
    "c8_lanes4_pow2",
    "paper_feedforward_p2_lanes2",
}


def on_simulators(names: list[str], default_verilator: set[str]) -> list:
    cases = []
    for name in names:
        cases.append(pytest.param(name, Simulator.ICARUS, id=f"{name}-icarus"))
        marks = () if name in default_verilator else (pytest.mark.slow,)
        cases.append(pytest.param(name, Simulator.VERILATOR, id=f"{name}-verilator", marks=marks))
    return cases


def cfg_of(name: str) -> NormConfig:
    return config(name) if name in MATRIX else NormConfig().replace(**EXTRA[name][0])


@pytest.mark.parametrize(("name", "simulator"), on_simulators(list(CONFIGS), VERILATOR_DEFAULT))
def test_every_word_matches_golden_with_backpressure(name: str, simulator: Simulator, tmp_path: Path) -> None:
    cfg = cfg_of(name)
    steps = CONFIGS[name][1] * 3
    codes = stream_for(cfg, steps, seed=11)
    report = run_simulation(SimRequest(cfg, codes, tmp_path, simulator=simulator, seed=12, **PAUSES))
    assert report.result.passed, report.result.summary()
    assert report.result.words_checked == codes.size


@pytest.mark.parametrize(
    ("name", "simulator"),
    on_simulators(["c1_k0", "c3", "p2", "c256_memory", "per_channel_gamma_beta", *FREEZE_LANES], {"c3"}),
)
def test_freeze_per_time_step_through_cocotbext_axi(name: str, simulator: Simulator, tmp_path: Path) -> None:
    cfg = cfg_of(name)
    steps = CONFIGS[name][1]
    codes = stream_for(cfg, steps, seed=13)
    freeze = np.random.default_rng(14).random(steps) < 0.3
    request = SimRequest(
        cfg, codes, tmp_path, freeze=freeze, simulator=simulator, driver=Driver.AXI, seed=15, **PAUSES
    )
    report = run_simulation(request)
    assert report.result.passed, report.result.summary()
    assert report.result.words_checked == codes.size


@pytest.mark.parametrize(
    ("name", "simulator"),
    on_simulators(["c1_k0", "c3", "p2", "mix_off", *RESET_LANES], {"p2"}),
)
def test_reset_mid_stream_through_cocotbext_axi(name: str, simulator: Simulator, tmp_path: Path) -> None:
    cfg = cfg_of(name)
    # enough beats that words come out before the reset (few time steps are few beats with lanes)
    steps = max(CONFIGS[name][1], -(-2 * latency(cfg) // cfg.beats_per_step))
    first, second = stream_for(cfg, steps, seed=16), stream_for(cfg, steps, seed=17)
    cut = (first.size * 2) // 3 + (1 if cfg.channels > 1 else 0)  # mid time step
    request = SimRequest(
        cfg,
        first,
        tmp_path,
        simulator=simulator,
        driver=Driver.AXI,
        seed=18,
        reset=ResetPlan(after_words=cut, restart=second),
        **PAUSES,
    )
    report = run_simulation(request)
    assert report.result.passed, report.result.summary()
    # some words were delivered before the reset and checked as a prefix, all after it in full
    assert second.size < report.result.words_checked < cut + second.size


@pytest.mark.parametrize(
    ("name", "driver"),
    [(name, Driver.BULK) for name in [*LANE_CONFIGS, "c8_lanes4_wide", "c1_k0", "default"]]
    + [("c4_lanes4_k0", Driver.AXI), ("c6_lanes2_p2", Driver.AXI)],
)
def test_one_beat_per_clock_on_each_side_without_pauses(name: str, driver: Driver, tmp_path: Path) -> None:
    # II = 1 beat: the core takes a beat on every clock, and once output starts gives one on every
    # clock, so the handshakes of each side span as many cycles as there are beats
    cfg = cfg_of(name)
    codes = stream_for(cfg, CONFIGS[name][1], seed=28)
    result = run_simulation(SimRequest(cfg, codes, tmp_path, driver=driver, seed=29)).result  # no pauses
    assert result.passed, result.summary()
    beats = codes.size // cfg.lanes
    assert (result.input_beats, result.output_beats) == (beats, beats)
    assert (result.input_cycles, result.output_cycles) == (beats, beats)
    assert result.one_beat_per_clock


@pytest.mark.parametrize("simulator", list(Simulator))
def test_exhaustive_input_codes_at_a_small_width(simulator: Simulator, tmp_path: Path) -> None:
    # 6-bit inputs: every code on every channel, in three different orders (several windows each)
    cfg = NormConfig(
        channels=3,
        in_fmt={"width": 6, "frac": 3},
        out_fmt={"width": 8, "frac": 4},
        eps=2.0**-3,
        window_log2=3,
        decay_log2=2,
    )
    rng = np.random.default_rng(19)
    codes = np.arange(cfg.in_fmt.min_code, cfg.in_fmt.max_code + 1)
    columns = [np.concatenate([rng.permutation(codes) for _ in range(3)]) for _ in range(cfg.channels)]
    stream = np.stack(columns, axis=1)
    report = run_simulation(SimRequest(cfg, stream, tmp_path, simulator=simulator, seed=20, **PAUSES))
    assert report.result.passed, report.result.summary()
    assert report.result.words_checked == stream.size


@pytest.mark.parametrize("driver", list(Driver))
def test_named_pause_patterns_on_each_side(driver: Driver, tmp_path: Path) -> None:
    cfg = cfg_of("c3")
    codes = stream_for(cfg, 60, seed=26)
    request = SimRequest(
        cfg,
        codes,
        tmp_path,
        driver=driver,
        producer_pauses=PeriodicPauses("1110"),
        consumer_pauses=BurstPauses(run=20, pause=5),
    )
    report = run_simulation(request)
    assert report.result.passed, report.result.summary()
    assert report.result.words_checked == codes.size


def test_the_harness_repeats_the_producers_pattern_cycle_for_cycle(tmp_path: Path) -> None:
    # The consumer never pauses, so the core is always ready: with 1110 the n-th word goes in on
    # the n-th free cycle, (n - 1) // 3 cycles later than without pauses, and the run ends as
    # much later.
    cfg = cfg_of("c3")
    codes = stream_for(cfg, 60, seed=27)
    cycles = {}
    for spec in ("1", "1110"):
        request = SimRequest(cfg, codes, tmp_path / spec, producer_pauses=PeriodicPauses(spec))
        report = run_simulation(request)
        assert report.result.passed, report.result.summary()
        cycles[spec] = report.result.cycles
    assert cycles["1110"] - cycles["1"] == (codes.size - 1) // 3


def corrupt_one_adder(verilog: str) -> str:
    """Turn the `+` of the output stage's rounding increment into `-`: a one-character netlist bug
    that changes every word rounded up (an adder of beta would not do: beta is often 0)."""
    for match in re.finditer(r"^\s*assign .*output\.with_beta.* \+ .*;$", verilog, re.MULTILINE):
        line = match.group(0)
        return verilog.replace(line, line.replace(" + ", " - ", 1), 1)
    raise AssertionError("no output-stage rounding adder found to corrupt")


@pytest.mark.parametrize("simulator", list(Simulator))
def test_corrupted_netlist_is_reported_as_a_mismatch(simulator: Simulator, tmp_path: Path) -> None:
    cfg = cfg_of("c3")
    v_path, _ = write(cfg, tmp_path / "gen", "streamnorm")
    bad = tmp_path / "corrupted.v"
    bad.write_text(corrupt_one_adder(v_path.read_text()))
    codes = stream_for(cfg, 60, seed=21)
    report = run_simulation(
        SimRequest(cfg, codes, tmp_path / "run", simulator=simulator, verilog=bad, **PAUSES)
    )
    assert not report.result.passed
    assert report.result.mismatch_count > 0
    first = report.result.mismatches[0]
    assert first.got != first.expected
    assert f"time step {first.time_step}, channel {first.channel}" in first.describe()


@pytest.mark.parametrize("driver", list(Driver))
def test_a_tlast_on_every_beat_is_reported_per_beat(driver: Driver, tmp_path: Path) -> None:
    # two beats a time step: tlast belongs on the second only
    cfg = cfg_of("c8_lanes4_pow2")
    v_path, _ = write(cfg, tmp_path / "gen", "streamnorm")
    text = v_path.read_text()
    line = re.search(r"^\s*assign m_axis_tlast = .*;$", text, re.MULTILINE)
    assert line is not None, "no m_axis_tlast assignment found to corrupt"
    bad = tmp_path / "tlast_always.v"
    bad.write_text(text.replace(line.group(0), "  assign m_axis_tlast = 1'b1;", 1))
    codes = stream_for(cfg, 40, seed=30)
    request = SimRequest(cfg, codes, tmp_path / "run", driver=driver, verilog=bad, **PAUSES)
    result = run_simulation(request).result
    assert not result.passed and result.mismatch_count == 0
    assert result.tlast_errors == codes.size // cfg.channels  # the first beat of every time step
    assert "the first at word 3 (time step 0, channel 3)" in result.summary()


@pytest.mark.slow
@pytest.mark.parametrize("name", CONFIGS)
def test_a_million_time_steps_on_verilator(name: str, tmp_path: Path) -> None:
    cfg = cfg_of(name)
    steps = max(1_000_000, 1_000_000 // cfg.channels)
    if cfg.channels > 8:
        steps = 1_000_000 * 8 // cfg.channels  # the same 8 M words as C = 8
    codes = stream_for(cfg, steps, seed=22)
    report = run_simulation(
        SimRequest(cfg, codes, tmp_path, simulator=Simulator.VERILATOR, seed=23, **PAUSES)
    )
    assert report.result.passed, report.result.summary()


@pytest.mark.slow
@pytest.mark.ci_slice
def test_a_million_time_steps_of_one_channel_on_verilator(tmp_path: Path) -> None:
    cfg = cfg_of("c1_k0")
    codes = stream_for(cfg, 1_000_000, seed=24)
    report = run_simulation(
        SimRequest(cfg, codes, tmp_path, simulator=Simulator.VERILATOR, seed=25, **PAUSES)
    )
    assert report.result.passed, report.result.summary()
