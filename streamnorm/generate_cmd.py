"""`streamnorm generate`: Verilog and a JSON manifest from a configuration."""

from __future__ import annotations

import argparse
from typing import Any

from streamnorm.hw.generate import write

from .config_cmd import add_config_argument, load_config

__all__ = ["add_parser"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "generate",
        help="emit the core as Verilog plus manifest.json",
        description="Write OUT/<name>.v (one Verilog-2005 file) and OUT/manifest.json (configuration, "
        "derived widths, latency, ports, tool versions).",
    )
    add_config_argument(p)
    p.add_argument("--out", metavar="DIR", required=True, help="output folder (created if missing)")
    p.add_argument("--name", default="streamnorm", help="top module name (default: streamnorm)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    v_path, m_path = write(cfg, args.out, args.name)
    print(f"wrote {v_path} and {m_path}")
    return 0
