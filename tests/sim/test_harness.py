"""The bulk harness's DUT instance follows `hw.ports.ports`: every declared port connected, ports
it has no use for tied to 0 (inputs) or left open (outputs)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from matrix import config, stream_for

from streamnorm.hw import ports as hw_ports
from streamnorm.hw.generate import write
from streamnorm.hw.ports import Port
from streamnorm.sim.beats import pack, unpack
from streamnorm.sim.harness import harness_verilog
from streamnorm.sim.pauses import RandomPauses
from streamnorm.sim.request import SimRequest
from streamnorm.sim.runner import run_simulation

SPARE = [Port("spare", "input", 4, "4", "a port added later"), Port("busy", "output", 1, "1", "another")]


@pytest.fixture
def more_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    """The port declaration with an input and an output the testbenches know nothing of."""

    def declared(cfg):
        return [*hw_ports.ports(cfg), *SPARE]

    monkeypatch.setattr("streamnorm.sim.bench_ports.ports", declared)
    monkeypatch.setattr("streamnorm.sim.netlist.ports", declared)


def connections(text: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*\.(\w+)\(([^)]*)\)", text, re.MULTILINE))


@pytest.mark.parametrize("name", ["c1_k0", "c3", "narrow_8bit"])
def test_every_declared_port_is_connected(name: str) -> None:
    cfg = config(name)
    got = connections(harness_verilog(cfg, "streamnorm", 1024))
    assert list(got) == [p.name for p in hw_ports.ports(cfg)]


def test_a_port_the_harness_does_not_know_is_tied_to_0_or_left_open(more_ports: None) -> None:
    got = connections(harness_verilog(config("c3"), "streamnorm", 1024))
    assert got["spare"] == "4'd0" and got["busy"] == ""


def test_a_core_with_an_extra_input_simulates_with_it_held_at_0(more_ports: None, tmp_path: Path) -> None:
    # a wrapper whose overflow flag goes undefined unless `spare` is driven, and high unless it is 0
    cfg = config("c3")
    v_path, _ = write(cfg, tmp_path / "gen")
    core_ports = hw_ports.ports(cfg)
    decls = "\n".join(
        f"  {p.direction} {f'[{p.width - 1}:0] ' if p.width > 1 else ''}{p.name};"
        for p in [*core_ports, *SPARE]
    )
    conns = ", ".join(f".{p.name}({'ovf' if p.name == 'overflow' else p.name})" for p in core_ports)
    wrapper = tmp_path / "wrapped.v"
    wrapper.write_text(
        f"module wrapped({', '.join(p.name for p in [*core_ports, *SPARE])});\n{decls}\n  wire ovf;\n"
        f"  streamnorm core({conns});\n  assign overflow = ovf | (spare != 4'd0);\n  assign busy = 1'b0;\n"
        "endmodule\n"
    )
    codes = stream_for(cfg, 40, seed=1)
    request = SimRequest(
        cfg,
        codes,
        tmp_path / "o",
        verilog=wrapper,
        extra_sources=(v_path,),
        producer_pauses=RandomPauses(0.2),
        consumer_pauses=RandomPauses(0.2),
    )
    report = run_simulation(request)
    assert report.result.passed, report.result.summary()


@pytest.mark.parametrize("lanes", [1, 2, 4])
def test_beats_carry_lanes_words_lane_0_lowest(lanes: int) -> None:
    cfg = config("c3").replace(channels=4, lanes=lanes)
    codes = np.array([[-1, 2, -3, 4], [5, -6, 7, -8]])
    beats = pack(codes, cfg)
    w = cfg.in_fmt.width
    assert len(beats) == 8 // lanes
    assert beats[0] & ((1 << w) - 1) == (1 << w) - 1  # -1, two's complement, in the low lane
    out = config("c3").replace(channels=4, lanes=lanes, out_fmt=cfg.in_fmt, eps=cfg.eps)
    lasts = [int((i + 1) % (4 // lanes) == 0) for i in range(len(beats))]
    words, word_lasts = unpack(beats, lasts, out)
    assert words.tolist() == codes.reshape(-1).tolist()
    assert word_lasts.tolist() == [i % 4 == 3 for i in range(8)]
