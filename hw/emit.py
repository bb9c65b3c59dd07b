"""Lint-clean Verilog-2005 from an Amaranth design, through Yosys (YoWASP).

Amaranth's own `verilog.convert` leaves Verilog's implicit width rules and declaration initializers
in the text, which `verilator -Wall` reports (WIDTHEXPAND, WIDTHTRUNC, PROCASSINIT). Here the
design is flattened into one module, a small techmap rewrites every word-level cell so that its
operands already have the width the operation works at (the extension or cut becomes an explicit
concatenation or slice), and each enable multiplexer in front of a register becomes that
register's clock enable (`if (en) q <= d;`, which an FPGA flip-flop has for free and an
event-driven simulator skips). All clocked statements then go into one `always @(posedge clk)`
block: Yosys writes one block per register, and Icarus pays a thread wake-up for each of them on
every edge (about a fifth of its run time on the default core). Registers have no initial values:
assert ``rst`` after power-up, as for any core with a synchronous reset.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from amaranth.back import rtlil
from amaranth.lib import wiring

from .channel_memory import ram_style
from .yosys import run_yosys

__all__ = ["to_verilog"]

_BINARY = ("$add", "$sub", "$mul", "$and", "$or", "$xor", "$xnor")
_UNARY = ("$neg", "$not", "$pos")
_COMPARE = ("$lt", "$le", "$gt", "$ge", "$eq", "$ne")
_SHIFT = ("$shl", "$sshl", "$shr", "$sshr", "$shift", "$shiftx")
_LOGIC = ("$logic_not", "$logic_and", "$logic_or")

_FIT = """\
    generate if ({iw} == 0) begin
        assign {out} = {{{w}{{1'b0}}}};
    end else if ({w} > {iw}) begin
        assign {out} = {{{{({w} > {iw} ? {w} - {iw} : 1){{{signed} ? {inp}[{iw}-1] : 1'b0}}}}, {inp}}};
    end else begin
        assign {out} = {inp}[{w}-1:0];
    end endgenerate
"""

_HEADER = """\
(* techmap_celltype = "{cell}" *)
module _sn_{name} ({ports});
    parameter A_SIGNED = 0;
    parameter B_SIGNED = 0;
    parameter A_WIDTH = 1;
    parameter B_WIDTH = 1;
    parameter Y_WIDTH = 1;
    input [A_WIDTH-1:0] A;
    input [B_WIDTH-1:0] B;
    output [Y_WIDTH-1:0] Y;
"""


def _fit(out: str, inp: str, iw: str, w: str, signed: str) -> str:
    return _FIT.format(out=out, inp=inp, iw=iw, w=w, signed=signed)


def _techmap() -> str:
    """The width-normalizing techmap: one module per cell type (a cell with equal widths is left)."""
    parts = []
    for cell in _BINARY:
        # low Y_WIDTH bits of the result depend only on the operands' low Y_WIDTH bits
        parts.append(
            _HEADER.format(cell=cell, name=cell[1:], ports="A, B, Y")
            + "    wire _TECHMAP_FAIL_ = A_WIDTH == Y_WIDTH && B_WIDTH == Y_WIDTH;\n"
            + "    wire [Y_WIDTH-1:0] a, b;\n"
            + _fit("a", "A", "A_WIDTH", "Y_WIDTH", "A_SIGNED")
            + _fit("b", "B", "B_WIDTH", "Y_WIDTH", "B_SIGNED")
            + f"    \\{cell} #(.A_SIGNED(A_SIGNED), .B_SIGNED(B_SIGNED), .A_WIDTH(Y_WIDTH), "
            ".B_WIDTH(Y_WIDTH), .Y_WIDTH(Y_WIDTH)) _TECHMAP_REPLACE_ (.A(a), .B(b), .Y(Y));\n"
            "endmodule\n"
        )
    for cell in _UNARY:
        parts.append(
            _HEADER.format(cell=cell, name=cell[1:], ports="A, Y").replace("    input [B_WIDTH-1:0] B;\n", "")
            + "    wire _TECHMAP_FAIL_ = A_WIDTH == Y_WIDTH;\n"
            + "    wire [Y_WIDTH-1:0] a;\n"
            + _fit("a", "A", "A_WIDTH", "Y_WIDTH", "A_SIGNED")
            + f"    \\{cell} #(.A_SIGNED(A_SIGNED), .A_WIDTH(Y_WIDTH), .Y_WIDTH(Y_WIDTH)) "
            "_TECHMAP_REPLACE_ (.A(a), .Y(Y));\n"
            "endmodule\n"
        )
    for cell in _COMPARE:
        # both operands at the wider width; signed only if both are (Verilog's rule, and Yosys')
        parts.append(
            _HEADER.format(cell=cell, name=cell[1:], ports="A, B, Y")
            + "    localparam W = A_WIDTH > B_WIDTH ? A_WIDTH : B_WIDTH;\n"
            + "    localparam S = A_SIGNED && B_SIGNED;\n"
            + "    wire _TECHMAP_FAIL_ = A_WIDTH == B_WIDTH && Y_WIDTH == 1;\n"
            + "    wire [W-1:0] a, b;\n    wire y;\n"
            + _fit("a", "A", "A_WIDTH", "W", "S")
            + _fit("b", "B", "B_WIDTH", "W", "S")
            + f"    \\{cell} #(.A_SIGNED(S), .B_SIGNED(S), .A_WIDTH(W), .B_WIDTH(W), .Y_WIDTH(1)) "
            "_TECHMAP_REPLACE_ (.A(a), .B(b), .Y(y));\n"
            + _fit("Y", "y", "1", "Y_WIDTH", "1'b0")
            + "endmodule\n"
        )
    for cell in _SHIFT:
        # a right shift brings high bits down: shift at the wider of A and Y, then cut to Y
        parts.append(
            _HEADER.format(cell=cell, name=cell[1:], ports="A, B, Y")
            + "    localparam W = A_WIDTH > Y_WIDTH ? A_WIDTH : Y_WIDTH;\n"
            + "    wire _TECHMAP_FAIL_ = A_WIDTH == Y_WIDTH;\n"
            + "    wire [W-1:0] a, y;\n"
            + _fit("a", "A", "A_WIDTH", "W", "A_SIGNED")
            + f"    \\{cell} #(.A_SIGNED(A_SIGNED), .B_SIGNED(B_SIGNED), .A_WIDTH(W), .B_WIDTH(B_WIDTH), "
            ".Y_WIDTH(W)) _TECHMAP_REPLACE_ (.A(a), .B(B), .Y(y));\n"
            + _fit("Y", "y", "W", "Y_WIDTH", "A_SIGNED")
            + "endmodule\n"
        )
    for cell in _LOGIC:
        # a logic operator takes truth values: reduce each operand to one bit first
        unary = cell == "$logic_not"
        parts.append(
            _HEADER.format(cell=cell, name=cell[1:], ports="A, Y" if unary else "A, B, Y").replace(
                "    input [B_WIDTH-1:0] B;\n", "" if unary else "    input [B_WIDTH-1:0] B;\n"
            )
            + "    wire _TECHMAP_FAIL_ = A_WIDTH == 1 && Y_WIDTH == 1"
            + ("" if unary else " && B_WIDTH == 1")
            + ";\n    wire a = |A;\n"
            + ("" if unary else "    wire b = |B;\n")
            + "    wire y;\n"
            + f"    \\{cell} #(.A_SIGNED(0), .A_WIDTH(1), "
            + ("" if unary else ".B_SIGNED(0), .B_WIDTH(1), ")
            + ".Y_WIDTH(1)) _TECHMAP_REPLACE_ (.A(a), "
            + ("" if unary else ".B(b), ")
            + ".Y(y));\n"
            + _fit("Y", "y", "1", "Y_WIDTH", "1'b0")
            + "endmodule\n"
        )
    return "\n".join(parts)


# `reg signed [7:0] name = 8'h00;` -> a plain declaration plus an initial statement
_INIT_DECL = re.compile(r"^(\s*)reg ((?:signed )?(?:\[[^\]]+\] )?)(\\\S+ |\w+)\s*=\s*([^;]+);$", re.MULTILINE)


def _initials_as_statements(text: str) -> str:
    return _INIT_DECL.sub(lambda mo: f"{mo[1]}reg {mo[2]}{mo[3]};\n{mo[1]}initial {mo[3]} = {mo[4]};", text)


_MEMORY = re.compile(r"^(\s*)memory width \d+ size (\d+) ", re.MULTILINE)


def _with_ram_styles(rtlil_text: str) -> str:
    """Give every memory a ram_style attribute by its depth (see `ram_style`), so synthesis puts
    shallow memories, the output FIFO included, in LUT RAM and deep ones in block RAM."""

    def attribute(mo: re.Match[str]) -> str:
        style = ram_style(int(mo[2]))["ram_style"]
        return f'{mo[1]}attribute \\ram_style "{style}"\n{mo[0]}'

    return _MEMORY.sub(attribute, rtlil_text)


_CLOCKED = re.compile(r"^  always @\(posedge clk\)( begin)?$")
# what Yosys writes inside a clocked block: nonblocking assignments under if/else
_NONBLOCKING = re.compile(r"^\s+(?:(?:if \(.*\)|else)(?: begin)?|end|.*<=.*)$")


def _one_clocked_process(text: str) -> str:
    """Move the body of every `always @(posedge clk)` block into one block at the end of the module.

    Only nonblocking assignments (and the if/else around them) are moved, so the order of the
    blocks cannot matter; a block holding anything else stays where it is.
    """
    lines = text.split("\n")
    kept: list[str] = []
    merged: list[str] = []
    i = 0
    while i < len(lines):
        mo = _CLOCKED.match(lines[i])
        if mo is None:
            kept.append(lines[i])
            i += 1
            continue
        j = i + 1
        if mo[1]:  # `begin` ... `  end`
            while lines[j] != "  end":
                j += 1
            body, after = lines[i + 1 : j], j + 1
        else:  # one statement, possibly if/else over several deeper-indented lines
            while lines[j].startswith("    "):
                j += 1
            body, after = lines[i + 1 : j], j
        if all(_NONBLOCKING.match(line) for line in body):
            merged += body
        else:
            kept += lines[i:after]
        i = after
    end = max(n for n, line in enumerate(kept) if line.startswith("endmodule"))
    return "\n".join([*kept[:end], "  always @(posedge clk) begin", *merged, "  end", *kept[end:]])


def to_verilog(design: wiring.Component, name: str) -> str:
    """Verilog-2005 text of `design`, one flattened module called `name`."""
    rtlil_text = _with_ram_styles(rtlil.convert(design, name=name, emit_src=False))
    with tempfile.TemporaryDirectory(prefix="streamnorm_emit_") as tmp:
        work = Path(tmp)
        (work / "design.il").write_text(rtlil_text)
        (work / "explicit_widths.v").write_text(_techmap())
        (work / "emit.ys").write_text(
            "\n".join(
                [
                    "read_rtlil design.il",
                    "proc -norom",
                    "flatten",
                    "memory_collect",
                    # registers start undefined until rst (every register that matters has a reset);
                    # dropping the initial values lets opt_dff turn enable muxes into clock enables
                    "setattr -unset init",
                    "opt_dff",
                    "opt_clean",
                    "techmap -map explicit_widths.v",
                    "opt_clean -purge",
                    "attrmap -remove src",
                    "write_verilog -norename out.v",
                ]
            )
        )
        # YoWASP sees only its working folder, so every path is relative to it
        run_yosys(["-q", "-l", "yosys.log", "-s", "emit.ys"], cwd=work)
        return _one_clocked_process(_initials_as_statements((work / "out.v").read_text()))
