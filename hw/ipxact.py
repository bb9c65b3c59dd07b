"""`component.xml`: the core as an IP-XACT component, the file Vivado's IP catalog reads.

IEEE 1685-2009 (the SPIRIT namespace): the version Vivado's IP packager writes and reads, with
Vivado's bus definitions (``xilinx.com:interface:axis:1.0`` / ``axis_rtl``, ``aximm`` / ``aximm_rtl``,
``xilinx.com:signal:clock`` and ``reset``). Everything in it follows from the port list
(`streamnorm.hw.ports.ports`) and its bus interfaces (`streamnorm.hw.interfaces`). An AXI4-Lite
slave gets the memory map of the register list given: the core has no register port yet (issue
13); when it has, its manifest carries the list as ``registers`` and `bundle.files` passes it.

The register map is written here rather than with peakrdl-ipxact: that exporter needs a compiled
SystemRDL model and writes a component holding the memory map alone (no ports, no bus
interfaces), so it could supply only the memory map (`_memory_map`) of this file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from streamnorm.golden import ParameterError

from .interfaces import BusInterface, Protocol, bus_interfaces
from .ports import CLOCK_PORTS, Port

__all__ = ["ACCESS", "NAMESPACE", "VENDOR", "component_xml"]

NAMESPACE = "http://www.spiritconsortium.org/XMLSchema/SPIRIT/1685-2009"
_XILINX = "http://www.xilinx.com"
ET.register_namespace("spirit", NAMESPACE)
ET.register_namespace("xilinx", _XILINX)

VENDOR = "streamnorm"

#: The manifest's register access codes and their IP-XACT names.
ACCESS = {"ro": "read-only", "rw": "read-write", "wo": "write-only"}

#: Vivado's bus definitions, by protocol: (bus type, abstraction type), library "interface".
_BUS_TYPES = {Protocol.AXI4_STREAM: ("axis", "axis_rtl"), Protocol.AXI4_LITE: ("aximm", "aximm_rtl")}

#: Every family Vivado knows the generic RTL can go to (it has no vendor primitives).
_FAMILIES = (
    "artix7", "kintex7", "virtex7", "zynq", "spartan7", "kintexu", "virtexu", "kintexuplus",
    "virtexuplus", "virtexuplusHBM", "zynquplus", "artixuplus", "versal",
)  # fmt: skip

_WORD_BITS = 32
#: Vivado's address editor assigns AXI4-Lite slaves at least 4 KiB.
_MIN_RANGE = 4096

_VIEWS = (
    ("xilinx_verilogsynthesis", "Verilog Synthesis", "verilogSource:vivado.xilinx.com:synthesis"),
    (
        "xilinx_verilogbehavioralsimulation",
        "Verilog Simulation",
        "verilogSource:vivado.xilinx.com:simulation",
    ),
)


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    el = ET.SubElement(parent, _tag(tag), {_tag(k): v for k, v in attrib.items()})
    if text is not None:
        el.text = text
    return el


def _vlnv(parent: ET.Element, element: str, library: str, name: str, vendor: str = "xilinx.com") -> None:
    _sub(parent, element, vendor=vendor, library=library, name=name, version="1.0")


def _port_map(parent: ET.Element, pairs: Sequence[tuple[str, str]]) -> None:
    maps = _sub(parent, "portMaps")
    for logical, physical in pairs:
        pm = _sub(maps, "portMap")
        _sub(_sub(pm, "logicalPort"), "name", logical)
        _sub(_sub(pm, "physicalPort"), "name", physical)


def _parameters(parent: ET.Element, interface: str, values: Mapping[str, str]) -> None:
    params = _sub(parent, "parameters")
    for key, value in values.items():
        p = _sub(params, "parameter")
        _sub(p, "name", key)
        _sub(p, "value", value, id=f"BUSIFPARAM_VALUE.{interface.upper()}.{key}")


def _bus_interface(parent: ET.Element, bus: BusInterface) -> None:
    el = _sub(parent, "busInterface")
    _sub(el, "name", bus.name)
    bus_type, abstraction = _BUS_TYPES[bus.protocol]
    _vlnv(el, "busType", "interface", bus_type)
    _vlnv(el, "abstractionType", "interface", abstraction)
    mode = _sub(el, bus.mode)
    if bus.protocol is Protocol.AXI4_LITE and not bus.master:
        _sub(mode, "memoryMapRef", memoryMapRef=bus.name)
    _port_map(el, [(signal.upper(), port.name) for signal, port in bus.signals.items()])
    if bus.protocol is Protocol.AXI4_LITE:
        _parameters(el, bus.name, {"PROTOCOL": "AXI4LITE"})


def _clock_and_reset(parent: ET.Element, buses: Sequence[BusInterface]) -> None:
    clk, rst = CLOCK_PORTS
    el = _sub(parent, "busInterface")
    _sub(el, "name", clk)
    _vlnv(el, "busType", "signal", "clock")
    _vlnv(el, "abstractionType", "signal", "clock_rtl")
    _sub(el, "slave")
    _port_map(el, [("CLK", clk)])
    _parameters(el, clk, {"ASSOCIATED_BUSIF": ":".join(b.name for b in buses), "ASSOCIATED_RESET": rst})
    el = _sub(parent, "busInterface")
    _sub(el, "name", rst)
    _vlnv(el, "busType", "signal", "reset")
    _vlnv(el, "abstractionType", "signal", "reset_rtl")
    _sub(el, "slave")
    _port_map(el, [("RST", rst)])
    _parameters(el, rst, {"POLARITY": "ACTIVE_HIGH"})


def _identifier(name: str) -> str:
    """A register name as an XML name: ``gamma[3]`` -> ``gamma_3``."""
    return re.sub(r"\W", "_", name.replace("]", ""))


def _fields_by_word(registers: Sequence[Mapping[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """The register list as 32-bit words: offset -> fields, a field wider than a word split into
    one field per word, low word first (as the manifest's ``registers`` lays them out)."""
    words: dict[int, list[dict[str, Any]]] = {}
    for entry in registers:
        missing = {"name", "offset", "lsb", "width", "access"} - set(entry)
        if missing:
            raise ParameterError("registers", f"{entry!r} lacks {', '.join(sorted(missing))}")
        name, offset, lsb, width = entry["name"], entry["offset"], entry["lsb"], entry["width"]
        if entry["access"] not in ACCESS:
            raise ParameterError(
                "registers", f"{name}: access {entry['access']!r} is not one of {', '.join(ACCESS)}"
            )
        if not (isinstance(offset, int) and offset >= 0 and offset % 4 == 0):
            raise ParameterError("registers", f"{name}: offset {offset!r} is not a multiple of 4 bytes")
        if not (isinstance(width, int) and width >= 1):
            raise ParameterError("registers", f"{name}: width {width!r} must be an integer >= 1")
        if not (isinstance(lsb, int) and 0 <= lsb < _WORD_BITS):
            raise ParameterError("registers", f"{name}: lsb {lsb!r} must lie in 0..{_WORD_BITS - 1}")
        if width > _WORD_BITS and lsb != 0:
            raise ParameterError("registers", f"{name}: a field wider than a word must start at bit 0")
        if width <= _WORD_BITS and lsb + width > _WORD_BITS:
            raise ParameterError(
                "registers", f"{name}: bits {lsb}..{lsb + width - 1} cross the {_WORD_BITS}-bit word"
            )
        pieces = -(-width // _WORD_BITS)
        for k in range(pieces):
            piece = {
                "name": _identifier(name) + (f"_word{k}" if pieces > 1 else ""),
                "lsb": lsb,
                "width": min(_WORD_BITS, width - k * _WORD_BITS),
                "access": entry["access"],
                "description": _field_text(entry, k, pieces),
            }
            word = words.setdefault(offset + 4 * k, [])
            taken = {bit for f in word for bit in range(f["lsb"], f["lsb"] + f["width"])}
            if taken & set(range(piece["lsb"], piece["lsb"] + piece["width"])):
                raise ParameterError(
                    "registers", f"{name}: overlaps another field in the word at {offset + 4 * k:#x}"
                )
            word.append(piece)
    return dict(sorted(words.items()))


def _field_text(entry: Mapping[str, Any], k: int, pieces: int) -> str:
    text = str(entry.get("description") or entry["name"])
    fmt = entry.get("format")
    if fmt:
        text += f" (signed fixed point, {fmt['width']} bits, {fmt['frac']} fraction bits)"
    if pieces > 1:
        text += f"; word {k} of {pieces}, bits {32 * k}..{min(32 * k + 31, entry['width'] - 1)}"
    return text


def _memory_map(parent: ET.Element, bus: str, registers: Sequence[Mapping[str, Any]]) -> None:
    """The ``memoryMap`` of AXI4-Lite interface `bus`: one address block, one register per 32-bit
    word of `registers` (the manifest's list of fields)."""
    words = _fields_by_word(registers)
    top = max(words) + 4 if words else 4
    size = max(_MIN_RANGE, 1 << (top - 1).bit_length())
    mm = _sub(parent, "memoryMap")
    _sub(mm, "name", bus)
    block = _sub(mm, "addressBlock")
    _sub(block, "name", "registers")
    _sub(block, "baseAddress", "0x0")
    _sub(block, "range", f"{size:#x}")
    _sub(block, "width", str(_WORD_BITS))
    _sub(block, "usage", "register")
    for offset, fields in words.items():
        reg = _sub(block, "register")
        _sub(reg, "name", "_".join(f["name"] for f in fields))
        _sub(reg, "description", "; ".join(f["description"] for f in fields))
        _sub(reg, "addressOffset", f"{offset:#x}")
        _sub(reg, "size", str(_WORD_BITS))
        kinds = {f["access"] for f in fields}
        _sub(reg, "access", ACCESS[kinds.pop()] if len(kinds) == 1 else ACCESS["rw"])
        for f in sorted(fields, key=lambda f: f["lsb"]):
            field = _sub(reg, "field")
            _sub(field, "name", f["name"])
            _sub(field, "description", f["description"])
            _sub(field, "bitOffset", str(f["lsb"]))
            _sub(field, "bitWidth", str(f["width"]))
            _sub(field, "access", ACCESS[f["access"]])


def _model(parent: ET.Element, name: str, ports: Sequence[Port]) -> None:
    model = _sub(parent, "model")
    views = _sub(model, "views")
    for view, display, env in _VIEWS:
        v = _sub(views, "view")
        _sub(v, "name", view)
        _sub(v, "displayName", display)
        _sub(v, "envIdentifier", env)
        _sub(v, "language", "verilog")
        _sub(v, "modelName", name)
        _sub(_sub(v, "fileSetRef"), "localName", f"{view}_view_fileset")
    ports_el = _sub(model, "ports")
    for port in ports:
        p = _sub(ports_el, "port")
        _sub(p, "name", port.name)
        wire = _sub(p, "wire")
        _sub(wire, "direction", "in" if port.direction == "input" else "out")
        if port.width > 1:
            vector = _sub(wire, "vector")
            _sub(vector, "left", str(port.width - 1), format="long")
            _sub(vector, "right", "0", format="long")
        typedef = _sub(_sub(wire, "wireTypeDefs"), "wireTypeDef")
        _sub(typedef, "typeName", "wire")
        for view, _, _ in _VIEWS:
            _sub(typedef, "viewNameRef", view)


def _file_sets(parent: ET.Element, files: Sequence[str]) -> None:
    sets = _sub(parent, "fileSets")
    for view, _, _ in _VIEWS:
        fs = _sub(sets, "fileSet")
        _sub(fs, "name", f"{view}_view_fileset")
        for path in files:
            f = _sub(fs, "file")
            _sub(f, "name", path)
            _sub(f, "fileType", "verilogSource")


def _vendor_extensions(parent: ET.Element, name: str, version: str) -> None:
    core = ET.SubElement(_sub(parent, "vendorExtensions"), f"{{{_XILINX}}}coreExtensions")
    families = ET.SubElement(core, f"{{{_XILINX}}}supportedFamilies")
    for family in _FAMILIES:
        ET.SubElement(
            families, f"{{{_XILINX}}}family", {f"{{{_XILINX}}}lifeCycle": "Production"}
        ).text = family
    taxonomies = ET.SubElement(core, f"{{{_XILINX}}}taxonomies")
    ET.SubElement(taxonomies, f"{{{_XILINX}}}taxonomy").text = "/UserIP"
    ET.SubElement(core, f"{{{_XILINX}}}displayName").text = name
    ET.SubElement(core, f"{{{_XILINX}}}vendorDisplayName").text = "streamnorm"
    ET.SubElement(core, f"{{{_XILINX}}}coreRevision").text = [*version.split("."), "0", "0"][2]


def component_xml(
    name: str,
    ports: Sequence[Port],
    files: Sequence[str],
    description: str,
    version: str,
    registers: Sequence[Mapping[str, Any]] | None = None,
) -> str:
    """The IP-XACT component of module `name`: its `ports` (in order), their bus interfaces, the
    clock and reset, `files` (Verilog, relative to the component file) and, for an AXI4-Lite
    slave, the memory map of `registers` (the manifest's list; required exactly when there is one).

    VLNV: ``streamnorm:streamnorm:<name>:<major.minor>`` of `version` (streamnorm's, x.y.z), whose
    last part is the core revision."""
    buses = bus_interfaces(ports)
    lite = [b for b in buses if b.protocol is Protocol.AXI4_LITE and not b.master]
    if registers is not None and not lite:
        raise ParameterError("registers", "the ports have no AXI4-Lite slave interface to map them on")
    if lite and registers is None:
        raise ParameterError("registers", f"the AXI4-Lite port {lite[0].name} needs its register map")
    root = ET.Element(_tag("component"))
    _sub(root, "vendor", VENDOR)
    _sub(root, "library", VENDOR)
    _sub(root, "name", name)
    _sub(root, "version", ".".join(version.split(".")[:2]))
    interfaces = _sub(root, "busInterfaces")
    for bus in buses:
        _bus_interface(interfaces, bus)
    _clock_and_reset(interfaces, buses)
    if len(lite) > 1:
        raise ParameterError("registers", f"one register map, {len(lite)} AXI4-Lite ports to map it on")
    if lite:
        assert registers is not None
        _memory_map(_sub(root, "memoryMaps"), lite[0].name, registers)
    _model(root, name, ports)
    _file_sets(root, files)
    _sub(root, "description", description)
    _vendor_extensions(root, name, version)
    ET.indent(root, "  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
