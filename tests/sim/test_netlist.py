"""A given Verilog file is checked before it is built: its text, its top module's ports against
`ports(cfg)`, and the manifest beside it; and a post-synthesis netlist with lanes simulates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from matrix import stream_for

from streamnorm.golden import NormConfig, ParameterError
from streamnorm.hw.generate import write
from streamnorm.hw.ports import ports
from streamnorm.hw.synth import Family, SynthRequest, synthesize
from streamnorm.sim.netlist import check_manifest, check_ports, find_top, module_ports, read_verilog
from streamnorm.sim.pauses import RandomPauses
from streamnorm.sim.request import SimRequest
from streamnorm.sim.runner import run_simulation

CFG = NormConfig(channels=2, window_log2=2, decay_log2=2)
HERE = Path("dut.v")


def ansi(widths: dict[str, int] | None = None, extra: str = "", drop: str = "") -> str:
    """A module header in Verilog-2001 style with the core's ports (widths overridden)."""
    widths = widths or {}
    items = []
    for p in ports(CFG):
        if p.name == drop:
            continue
        w = widths.get(p.name, p.width)
        rng = f"[{w - 1}:0] " if w > 1 else ""
        items.append(f"{p.direction} wire {rng}{p.name}")
    return (
        "// a helper first, as netlists have\nmodule helper(input a, output b); assign b = a; endmodule\n"
        f"(* top = 1 *)\nmodule core ({', '.join(items)}{extra});\n  always @(*) begin end\nendmodule\n"
    )


def check(text: str) -> list[str]:
    modules = module_ports(text)
    top = find_top(modules, CFG, HERE)
    return check_ports(modules[top], top, CFG, HERE)


def test_the_generated_verilog_passes(tmp_path: Path) -> None:
    v_path, _ = write(CFG, tmp_path)  # Verilog-1995 style: names in the header, declared below
    assert check(read_verilog(v_path)) == []
    assert check_manifest(v_path, CFG) == tmp_path / "manifest.json"


def test_an_ansi_header_passes_and_the_top_module_is_found() -> None:
    text = ansi()
    assert find_top(module_ports(text), CFG, HERE) == "core"
    assert check(text) == []


def test_a_port_of_another_width_is_refused_with_both_widths() -> None:
    data_in = next(p for p in ports(CFG) if p.name == "s_axis_tdata")
    with pytest.raises(ParameterError) as info:
        check(ansi({"s_axis_tdata": 12}))
    assert info.value.parameter == "verilog"
    assert (
        f"port s_axis_tdata is 12 bits; the configuration's is {data_in.width} ({data_in.width_text})"
        in str(info.value)
    )


def test_a_missing_port_an_extra_port_and_a_wrong_direction_are_refused() -> None:
    with pytest.raises(ParameterError, match="has no port freeze"):
        check(ansi(drop="freeze"))
    with pytest.raises(ParameterError, match="ports the core does not declare for this configuration: debug"):
        check(ansi(extra=", output wire debug"))
    flipped = ansi().replace("output wire overflow", "input wire overflow")
    with pytest.raises(ParameterError, match="port overflow is an input; the core's is an output"):
        check(flipped)


def test_a_width_written_as_an_expression_is_said_to_be_unchecked() -> None:
    text = ansi().replace("[15:0] s_axis_tdata", "[W-1:0] s_axis_tdata")
    assert check(text) == [f"width of port s_axis_tdata [W-1:0] in {HERE} not checked: not a constant range"]


def test_no_module_with_the_stream_ports_is_refused_listing_the_modules() -> None:
    with pytest.raises(
        ParameterError, match=r"has no module with the ports s_axis_tdata and m_axis_tdata \(modules: a, b\)"
    ):
        check("module a(x); input x; endmodule\nmodule b; endmodule\n")


@pytest.mark.parametrize("content", [b"\x00\x01binary", b"module m; // caf\xe9\n"])
def test_a_file_that_is_not_text_is_refused_naming_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.v"
    path.write_bytes(content)
    with pytest.raises(ParameterError, match=f"{path} is not a Verilog text file"):
        read_verilog(path)


def test_a_manifest_of_another_configuration_is_refused_naming_the_fields(tmp_path: Path) -> None:
    v_path, m_path = write(CFG.replace(channels=3, window_log2=3), tmp_path)
    with pytest.raises(ParameterError) as info:
        check_manifest(v_path, CFG)
    assert info.value.parameter == "config"
    assert "channels 2 (manifest: 3); window_log2 2 (manifest: 3)" in info.value.message
    m_path.write_text(json.dumps({"top": "streamnorm"}))
    with pytest.raises(ParameterError, match="is not a streamnorm manifest"):
        check_manifest(v_path, CFG)


def test_without_a_manifest_there_is_nothing_to_compare(tmp_path: Path) -> None:
    (tmp_path / "alone.v").write_text(ansi())
    assert check_manifest(tmp_path / "alone.v", CFG) is None


@pytest.mark.slow
def test_a_post_synthesis_netlist_with_lanes_simulates_word_exact(tmp_path: Path) -> None:
    # two words a beat through ECP5 cells: the netlist's ports are the lanes', both drivers pass
    cfg = NormConfig(
        channels=2,
        lanes=2,
        in_fmt={"width": 8, "frac": 6},
        out_fmt={"width": 8, "frac": 4},
        eps=2.0**-4,
        window_log2=2,
        decay_log2=2,
    )
    synthesize(SynthRequest(cfg, tmp_path, Family.ECP5, device="25k", freq_mhz=100))
    codes = stream_for(cfg, 40, seed=3)
    pauses = {"producer_pauses": RandomPauses(0.3), "consumer_pauses": RandomPauses(0.3)}
    for driver in ("bulk", "axi"):
        request = SimRequest(
            cfg, codes, tmp_path / driver, driver=driver, verilog=tmp_path / "netlist.v", seed=4, **pauses
        )
        result = run_simulation(request).result
        assert result.passed, result.summary()
        assert result.words_checked == codes.size
