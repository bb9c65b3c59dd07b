"""The ports are declared once (hw/ports.py); the signature, the Verilog and the docs follow it."""

from __future__ import annotations

import re
from pathlib import Path

from amaranth.hdl import Shape

from streamnorm.golden import NormConfig
from streamnorm.hw.core import StreamNorm
from streamnorm.hw.ports import CLOCK_PORTS, ports

DOCS = Path(__file__).resolve().parents[2] / "docs" / "hardware.md"


def test_the_core_is_built_with_the_declared_signature() -> None:
    cfg = NormConfig(channels=3, in_fmt={"width": 12, "frac": 8}, eps=2.0**-6)
    declared = [p for p in ports(cfg) if p.name not in CLOCK_PORTS]
    members = StreamNorm(cfg).signature.members
    assert list(members) == [p.name for p in declared]
    for p in declared:
        assert Shape.cast(members[p.name].shape).width == p.width


def test_the_docs_port_table_is_the_declaration() -> None:
    table = re.findall(
        r"^\| `(\w+)` \| (in|out) \| `?([\w.*]+)`? \| (.+) \|$", DOCS.read_text(), re.MULTILINE
    )
    assert table, "docs/hardware.md has no port table"
    expected = [
        (p.name, "in" if p.direction == "input" else "out", p.width_text, p.meaning)
        for p in ports(NormConfig())
    ]
    assert table == expected
