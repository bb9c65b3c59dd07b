"""A given Verilog file checked before anything is built: readable text, a top module whose ports
are the core's for the configuration (`ports(cfg)`), and the configuration in a ``manifest.json``
beside it (what `streamnorm generate` and `streamnorm synth` write) equal to the one simulated.

A netlist built for another configuration would otherwise build (Icarus only warns about a port
width, in its log) and report every other word as a mismatch.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from streamnorm.golden import ConfigError, NormConfig, ParameterError
from streamnorm.hw.ports import ports

__all__ = [
    "DeclaredPort",
    "check_manifest",
    "check_ports",
    "find_top",
    "manifest_beside",
    "manifest_config",
    "module_ports",
    "read_verilog",
]

MANIFEST = "manifest.json"


def read_verilog(path: Path, parameter: str = "verilog") -> str:
    """The text of a Verilog file; a ParameterError naming the file if it is missing or not text."""
    if not path.is_file():
        raise ParameterError(parameter, f"{path}: no such file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(
            parameter,
            f"{path} is not a Verilog text file (not UTF-8: byte {data[exc.start]:#04x} at {exc.start})",
        ) from None
    if "\0" in text:
        raise ParameterError(parameter, f"{path} is not a Verilog text file (it holds NUL bytes)")
    return text


# comments and attributes (`(* top = 1 *)`, not the `@(*)` of a combinational block)
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/|\(\*(?!\)).*?\*\)", re.DOTALL)
_MODULE = re.compile(
    r"\bmodule\s+([A-Za-z_][A-Za-z0-9_$]*)\s*(#\s*\(.*?\)\s*)?(?:\((.*?)\))?\s*;(.*?)\bendmodule\b", re.DOTALL
)
_DECLARATION = re.compile(
    r"^(input|output|inout)\b\s*(?:(?:wire|reg|logic|var|tri|signed|unsigned)\b\s*)*(?:\[([^\]]*)\]\s*)?(.*)$",
    re.DOTALL,
)


@dataclass(frozen=True)
class DeclaredPort:
    """A port as a Verilog module declares it; `width` is None when the range is not two numbers."""

    name: str
    direction: str
    width: int | None
    range_text: str


def _width(range_text: str | None) -> int | None:
    if range_text is None:
        return 1
    bounds = [b.strip() for b in range_text.split(":")]
    if len(bounds) != 2 or not all(re.fullmatch(r"-?\d+", b) for b in bounds):
        return None
    return abs(int(bounds[0]) - int(bounds[1])) + 1


def _declarations(items: list[str]) -> list[DeclaredPort]:
    """Ports from comma-separated items; an item without a direction continues the previous one."""
    found: list[DeclaredPort] = []
    direction: str | None = None
    range_text: str | None = None
    for item in items:
        item = item.strip()
        mo = _DECLARATION.match(item)
        if mo:
            direction, range_text, item = mo[1], mo[2], mo[3].strip()
        name = item.split("=")[0].strip()
        if direction is None or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", name):
            continue  # a name in a port list whose declaration is in the body (non-ANSI style)
        found.append(
            DeclaredPort(name, direction, _width(range_text), f"[{range_text}]" if range_text else "")
        )
    return found


def module_ports(verilog: str) -> dict[str, dict[str, DeclaredPort]]:
    """Every module's ports, ANSI (in the header) or Verilog-1995 style (declared in the body)."""
    modules = {}
    for mo in _MODULE.finditer(_COMMENTS.sub(" ", verilog)):
        found = _declarations((mo[3] or "").split(","))
        for statement in mo[4].split(";"):
            if _DECLARATION.match(statement.strip()):
                found += _declarations(statement.split(","))
        modules[mo[1]] = {p.name: p for p in found}
    return modules


def find_top(modules: dict[str, dict[str, DeclaredPort]], cfg: NormConfig, path: Path) -> str:
    """The module with the core's stream data ports (a netlist may hold more modules)."""
    data = [p.name for p in ports(cfg) if p.name.endswith("_tdata")]
    for name, declared in modules.items():
        if all(d in declared for d in data):
            return name
    raise ParameterError(
        "verilog",
        f"{path} has no module with the ports {' and '.join(data)} (modules: {', '.join(modules) or 'none'})",
    )


def check_ports(declared: dict[str, DeclaredPort], top: str, cfg: NormConfig, path: Path) -> list[str]:
    """Refuse a top module whose ports are not `ports(cfg)`, naming the port, its width and the
    configuration's; return notes on widths written as expressions (not checked)."""
    expected = {p.name: p for p in ports(cfg)}
    where = f"module {top} in {path}"
    notes = []
    for port in expected.values():
        got = declared.get(port.name)
        if got is None:
            raise ParameterError(
                "verilog", f"{where} has no port {port.name} ({port.direction}, {port.width} bits)"
            )
        if got.direction != port.direction:
            raise ParameterError(
                "verilog",
                f"{where}: port {port.name} is an {got.direction}; the core's is an {port.direction}",
            )
        if got.width is None:
            notes.append(
                f"width of port {port.name} {got.range_text} in {path} not checked: not a constant range"
            )
        elif got.width != port.width:
            raise ParameterError(
                "verilog",
                f"{where}: port {port.name} is {got.width} bits; the configuration's is {port.width} "
                f"({port.width_text}): the netlist was built for another configuration",
            )
    extra = [name for name in declared if name not in expected]
    if extra:
        raise ParameterError(
            "verilog",
            f"{where} has ports the core does not declare for this configuration: {', '.join(extra)}",
        )
    return notes


def manifest_beside(verilog: Path) -> Path | None:
    found = verilog.parent / MANIFEST
    return found if found.is_file() else None


def manifest_config(manifest: Path) -> NormConfig:
    """The configuration a manifest records."""
    try:
        data = json.loads(manifest.read_text())
        return NormConfig.from_dict(data["config"])
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, ConfigError):
            raise ParameterError("verilog", f"{manifest} holds an invalid configuration: {exc}") from None
        raise ParameterError(
            "verilog", f"{manifest} is not a streamnorm manifest (no readable config)"
        ) from None


def check_manifest(verilog: Path, cfg: NormConfig) -> Path | None:
    """Refuse `cfg` if the manifest beside `verilog` records another configuration, naming the
    fields that differ; return the manifest's path (None: there is none)."""
    manifest = manifest_beside(verilog)
    if manifest is None:
        return None
    recorded = manifest_config(manifest).to_dict()
    given = cfg.to_dict()
    differ = [
        f"{k} {given.get(k)!r} (manifest: {recorded.get(k)!r})"
        for k in given
        if given.get(k) != recorded.get(k)
    ]
    differ += [f"{k} (manifest: {recorded[k]!r})" for k in recorded if k not in given]
    if differ:
        raise ParameterError(
            "config", f"differs from {manifest}, which the Verilog was generated for: {'; '.join(differ)}"
        )
    return manifest
