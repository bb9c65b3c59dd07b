"""`streamnorm config`: print the default configuration, or check a file and show its derived widths."""

from __future__ import annotations

import argparse
from typing import Any

from streamnorm.golden import NormConfig

__all__ = ["add_config_argument", "add_parser", "derived_table", "load_config"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "config",
        help="print the default configuration as JSON, or check one",
        description="Without options: print the default configuration (every key) as JSON. "
        "With --check FILE: validate FILE and print its derived internal widths.",
    )
    p.add_argument("--check", metavar="FILE", help="validate FILE and print derived widths")
    p.set_defaults(run=run)


def add_config_argument(parser: Any) -> None:
    """The `--config FILE` option every command that builds a core takes."""
    parser.add_argument("--config", metavar="FILE", help="configuration JSON (default: the default config)")


def load_config(path: str | None) -> NormConfig:
    """The configuration in `path`, or the default one."""
    return NormConfig() if path is None else NormConfig.from_file(path)


def derived_table(cfg: NormConfig) -> str:
    rows = [(k, str(v)) for k, v in cfg.derived().items()]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)


def run(args: argparse.Namespace) -> int:
    if args.check is None:
        print(NormConfig().to_json())
        return 0
    cfg = load_config(args.check)
    print(f"{args.check}: valid")
    print(cfg.to_json())
    print("derived (docs/spec.md §2):")
    print(derived_table(cfg))
    return 0
