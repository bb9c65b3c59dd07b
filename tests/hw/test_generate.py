"""`streamnorm generate`: lint-clean Verilog with the exact ports, and a manifest that says it all."""

from __future__ import annotations

import hashlib
import json
import math
import re
import subprocess
from pathlib import Path

import pytest
from cli_run import assert_one_line_error, streamnorm

from streamnorm.cli import main
from streamnorm.golden import NormConfig
from streamnorm.hw.core import latency
from streamnorm.hw.generate import write
from streamnorm.hw.ports import ports
from streamnorm.sim.toolchain import verilator_env

LINT_CONFIGS = {
    "default": {},
    "c1_k0_pow2": {"channels": 1, "window_log2": 0, "scale": "pow2"},
    "p2": {"p": 2},
    "c1024": {"channels": 1024, "gamma": 2.0},
    "per_channel_wrap_trunc": {
        "channels": 3,
        "gamma": [1.0, -2.0, 0.5],
        "beta": [0.5, 0.0, -1.0],
        "overflow": "wrap",
        "rounding": "truncate",
    },
    "narrow_no_long_term": {
        "in_fmt": {"width": 8, "frac": 6},
        "out_fmt": {"width": 8, "frac": 4},
        "eps": 2.0**-4,
        "decay_log2": None,
        "mix_log2": None,
    },
}

# Verilator -Wall may only complain that the file name differs from the module, or that a signal
# (a bit the arithmetic does not need, s_axis_tlast) is unused.
ALLOWED = {"DECLFILENAME", "UNUSEDSIGNAL", "UNUSEDPARAM"}


@pytest.mark.parametrize("name", LINT_CONFIGS)
def test_generated_verilog_passes_verilator_lint_all(name: str, tmp_path: Path) -> None:
    cfg = NormConfig().replace(**LINT_CONFIGS[name])
    v_path, _ = write(cfg, tmp_path, "streamnorm_top")
    proc = subprocess.run(
        ["verilator", "--lint-only", "-Wall", str(v_path)],
        capture_output=True,
        text=True,
        env=verilator_env(),
        check=False,
    )
    kinds = set(re.findall(r"%Warning-([A-Z0-9_]+)", proc.stderr))
    errors = [
        line
        for line in proc.stderr.splitlines()
        if line.startswith("%Error") and "Exiting due to" not in line
    ]
    assert not errors, proc.stderr[:2000]
    assert kinds <= ALLOWED, f"unexpected lint warnings {kinds - ALLOWED}:\n{proc.stderr[:3000]}"


def test_ports_are_exactly_the_axi_names(tmp_path: Path) -> None:
    cfg = NormConfig(in_fmt={"width": 12, "frac": 8}, out_fmt={"width": 10, "frac": 6}, eps=2.0**-6)
    v_path, _ = write(cfg, tmp_path, "norm12")
    text = v_path.read_text()
    header = re.search(r"module norm12\(([^)]*)\);", text)
    assert header is not None
    assert sorted(p.strip() for p in header[1].split(",")) == sorted(p.name for p in ports(cfg))
    declarations = re.findall(r"^\s*(input|output) (?:\[(\d+):0\] )?(\w+);", text, re.MULTILINE)
    declared = {name: (direction, int(msb) + 1 if msb else 1) for direction, msb, name in declarations}
    assert declared["s_axis_tdata"] == ("input", 12)
    assert declared["m_axis_tdata"] == ("output", 10)
    for port in ports(cfg):
        assert declared[port.name] == (port.direction, port.width)
    assert text.count("\nmodule ") + text.startswith("module ") == 1  # one flattened module


def test_manifest_carries_config_widths_latency_and_tools(tmp_path: Path) -> None:
    cfg = NormConfig(channels=5, p=2)
    _, m_path = write(cfg, tmp_path)
    man = json.loads(m_path.read_text())
    assert NormConfig.from_dict(man["config"]) == cfg
    assert man["derived"] == json.loads(json.dumps(cfg.derived()))
    assert man["latency_cycles"] == latency(cfg)
    assert set(man["ports"]) == {p.name for p in ports(cfg)}
    assert man["ports"]["s_axis_tdata"]["width"] == cfg.in_fmt.width
    assert man["tools"]["amaranth"].startswith("0.5")


def test_generate_command_writes_both_files(tmp_path: Path, capsys) -> None:
    cfg_path = tmp_path / "c.json"
    cfg_path.write_text(NormConfig(channels=2).to_json())
    assert (
        main(["generate", "--config", str(cfg_path), "--out", str(tmp_path / "out"), "--name", "my_norm"])
        == 0
    )
    assert (tmp_path / "out" / "my_norm.v").exists() and (tmp_path / "out" / "manifest.json").exists()
    assert "my_norm.v" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--config", "BAD"], "eps: 0.001 is not a multiple"),
        (["--name", "3bad"], "--name: '3bad' is not a Verilog identifier"),
        (["--name", "module"], "--name: 'module' is a Verilog keyword"),
        (["--out", "FILE"], "exists and is not a folder"),
    ],
)
def test_generate_refuses_bad_input_without_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"eps": 0.001}')
    (tmp_path / "a_file").write_text("")
    subst = {"BAD": str(bad), "FILE": str(tmp_path / "a_file")}
    args = [subst.get(a, a) for a in args]
    proc = streamnorm("generate", "--out", str(tmp_path / "o"), *args)
    assert_one_line_error(proc, message)
    if "FILE" in args or str(tmp_path / "a_file") in args:
        assert "--out:" in proc.stderr


def test_manifest_states_the_constants_the_hash_the_command_and_the_reset_rule(tmp_path: Path) -> None:
    cfg_path = tmp_path / "c.json"
    cfg = NormConfig(channels=3, gamma=[1.0, -2.0, 0.5], beta=[0.25, 0.0, -1.0])
    cfg_path.write_text(cfg.to_json())
    out = tmp_path / "rtl"
    assert streamnorm("generate", "--config", str(cfg_path), "--out", str(out)).returncode == 0
    man = json.loads((out / "manifest.json").read_text())
    text = (out / "streamnorm.v").read_text()
    assert man["verilog_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert man["command"] == f"streamnorm generate --config {cfg_path} --out {out} --name streamnorm"
    assert man["constants"]["beta_codes"] == [512, 0, -2048]  # Q(16,11): 0.25, 0, -1
    gains = man["constants"]["gain_numerators"]
    assert [g["sign"] for g in gains] == [1, -1, 1]
    # gamma * sqrt(2/pi) = mantissa * 2^exponent, to the gain's 19-bit rounding
    for gamma, g in zip([1.0, -2.0, 0.5], gains, strict=True):
        exact = abs(gamma) * math.sqrt(2 / math.pi)
        assert g["mantissa"] * 2.0 ** g["exponent"] == pytest.approx(exact, rel=2**-18)
    assert "assert rst for at least one clock after power-up" in man["reset"]
    assert text.startswith("// streamnorm: streaming L1 normalization core generated by streamnorm")
    assert "assert rst for at least one clock after power-up" in text.split("module")[0]


def test_clocked_statements_share_one_process_and_keep_their_order() -> None:
    from streamnorm.hw.emit import _one_clocked_process

    text = "\n".join(
        [
            "module m (input clk);",
            "  always @(posedge clk)",
            "    if (en) a <= b;",
            "  always @(posedge clk) begin",
            "    r <= mem[addr];",
            "    if (we && addr == wa) begin",
            "      r <= wd;",
            "    end",
            "  end",
            "  always @(posedge clk) begin",
            "    t = b;",
            "    c <= t;",
            "  end",
            "endmodule",
        ]
    )
    out = _one_clocked_process(text).split("\n")
    merged = out.index("  always @(posedge clk) begin", out.index("    c <= t;"))
    # the block with a blocking assignment stays as written; the others join, in order, at the end
    assert out[1:5] == ["  always @(posedge clk) begin", "    t = b;", "    c <= t;", "  end"]
    assert out[merged + 1 : merged + 6] == [
        "    if (en) a <= b;",
        "    r <= mem[addr];",
        "    if (we && addr == wa) begin",
        "      r <= wd;",
        "    end",
    ]
    assert out[-2:] == ["  end", "endmodule"]


def test_emitted_core_has_one_clocked_process(tmp_path: Path) -> None:
    write(NormConfig(), tmp_path, "streamnorm")
    text = (tmp_path / "streamnorm.v").read_text()
    assert text.count("always @(posedge clk)") == 1
