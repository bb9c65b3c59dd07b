"""`accuracy --rtl`: the generated Verilog on the report's stream equals the golden model, and a
netlist that does not is reported as failing (so the check can fail)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from streamnorm.accuracy.rtl_check import rtl_check
from streamnorm.accuracy.stimulus import stimulus
from streamnorm.cli import main
from streamnorm.golden import NormConfig
from streamnorm.hw.generate import write

CFG = NormConfig(channels=2, window_log2=2, decay_log2=3)


def test_rtl_run_confirms_the_golden_output_and_the_report_says_so(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(CFG.to_json())
    out = tmp_path / "out"
    args = ["accuracy", "--config", str(cfg_path), "--stream", "steps", "--samples", "400", "--out", str(out)]
    assert main([*args, "--rtl"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["rtl"]["passed"] and m["rtl"]["mismatch_count"] == 0
    assert m["rtl"]["words_checked"] == 400 * CFG.channels
    assert "rtl: PASS: 800 of 800 words" in capsys.readouterr().out
    html = (out / "report.html").read_text()
    assert "the generated Verilog on icarus produced the golden model's output, all 800 words equal" in html


def test_a_netlist_that_differs_from_the_golden_model_is_reported(tmp_path: Path) -> None:
    cfg = CFG.replace(beta=0.25)  # the first output-stage adder adds beta: make it count
    v_path, _ = write(cfg, tmp_path / "gen", "streamnorm")
    text = v_path.read_text()
    # one output-stage `+` turned into `-`, as tests/sim does
    line = next(m.group(0) for m in re.finditer(r"^\s*assign .*output\..* \+ .*;$", text, re.MULTILINE))
    bad = tmp_path / "bad.v"
    bad.write_text(text.replace(line, line.replace(" + ", " - ", 1), 1))
    codes = stimulus(cfg, "gaussian", 60, 3).codes
    result = rtl_check(cfg, codes, tmp_path / "run", seed=3, verilog=bad)
    assert not result.passed and result.mismatch_count > 0
    assert result.first_mismatch and "expected" in result.first_mismatch
