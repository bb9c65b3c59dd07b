"""The commands in README.md and docs/ stay true: every `streamnorm` line parses with today's options
and every script it names exists (the full runs are the demo's and the benchmarks' business)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from streamnorm.cli import _parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "DEVELOPERS.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"```(?:sh|console|bash)?\n(.*?)```", re.DOTALL)


def command_lines() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for block in FENCE.findall(doc.read_text()):
            for line in block.splitlines():
                line = line.strip().removeprefix("$ ")
                if line.startswith((".venv/bin/", "./run")):
                    found.append((doc.name, line.split("  #")[0].split(" # ")[0].strip()))
    return found


COMMANDS = command_lines()


def test_the_docs_show_commands() -> None:
    assert len(COMMANDS) > 20


@pytest.mark.parametrize(("doc", "line"), COMMANDS, ids=[f"{d}:{c[:60]}" for d, c in COMMANDS])
def test_documented_command_is_valid(doc: str, line: str) -> None:
    words = shlex.split(line)
    tool = words[0]
    if tool == ".venv/bin/streamnorm":
        _parser().parse_args(words[1:])  # argparse exits on an unknown option or value
    elif tool == ".venv/bin/python":
        script = next(w for w in words[1:] if not w.startswith("-"))
        assert (ROOT / script).is_file(), f"{doc}: {script} does not exist"
    elif tool == "./run":
        assert words[1] in ("demo", "test", "test-lowest", "setup"), f"{doc}: ./run {words[1]}"
    elif tool.startswith(".venv/bin/"):
        assert tool.rsplit("/", 1)[1] in ("pytest", "ruff", "pip"), f"{doc}: unexpected tool {tool}"


def test_latency_examples_in_hardware_doc_are_the_cores() -> None:
    from streamnorm.golden import NormConfig
    from streamnorm.hw.core import latency

    configs = {
        "default (C = 8, k = 4, d = 6, j = 1, exact)": {},
        'default with `scale = "pow2"`': {"scale": "pow2"},
        "default with `p = 2`": {"p": 2},
        "C = 1, k = 0": {"channels": 1, "window_log2": 0},
        "default without long-term statistics": {"decay_log2": None, "mix_log2": None},
        "C = 64": {"channels": 64},
        "C = 64, P = 4": {"channels": 64, "lanes": 4},
        "C = 1024": {"channels": 1024},
        "C = 1024, P = 8": {"channels": 1024, "lanes": 8},
        "C = P = 4, k = 0": {"channels": 4, "lanes": 4, "window_log2": 0},
        "default with the paper's `decay = 0.3`, `mix = 0.3`": {"decay": 0.3, "mix": 0.3},
    }
    text = (ROOT / "docs" / "hardware.md").read_text()
    for label, fields in configs.items():
        row = re.search(rf"^\| {re.escape(label)} \| (\d+) \|$", text, re.MULTILINE)
        assert row is not None, f"docs/hardware.md has no latency row for {label}"
        assert int(row[1]) == latency(NormConfig().replace(**fields)), label
