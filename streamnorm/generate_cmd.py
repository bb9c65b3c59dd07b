"""`streamnorm generate`: the Verilog, everything a build flow needs beside it, and a manifest."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from streamnorm.hw.generate import write
from streamnorm.hw.instance import DEFAULT_MHZ, Clock

from .config_cmd import add_config_argument, load_config

__all__ = ["add_parser"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "generate",
        help="emit the core as Verilog, with its FuseSoC core, IP-XACT, template, constraints, testbench",
        description="Write into OUT: <name>.v (one Verilog-2005 file); <name>.core (FuseSoC: targets "
        "lint, sim, sim_verilator, synth) with the self-checking testbench <name>_tb.v and its memory "
        "files; component.xml (IP-XACT for Vivado's IP catalog); <name>_inst.v (instantiation "
        "template); <name>.sdc and <name>.xdc (the clock); streamnorm_gen.core (the FuseSoC "
        "generator); manifest.json (configuration, widths, latency, ports, every file's hash). "
        "See docs/integration.md.",
    )
    add_config_argument(p)
    p.add_argument("--out", metavar="DIR", required=True, help="output folder (created if missing)")
    p.add_argument("--name", default="streamnorm", help="top module name (default: streamnorm)")
    p.add_argument(
        "--freq",
        type=float,
        metavar="MHZ",
        help=f"clock to constrain for (default: the measured Fmax with --fmax-from, else {DEFAULT_MHZ:g})",
    )
    p.add_argument(
        "--fmax-from",
        metavar="SYNTH_JSON",
        help="synth.json of a streamnorm synth run of this configuration: constrain at its Fmax",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    if args.fmax_from is not None:
        clock = Clock.measured(args.fmax_from, cfg, args.freq)
    else:
        clock = Clock.requested(DEFAULT_MHZ if args.freq is None else args.freq)
    words = ["streamnorm", "generate", *(["--config", args.config] if args.config else [])]
    words += ["--out", args.out, "--name", args.name]
    words += [*(["--freq", f"{args.freq:g}"] if args.freq is not None else [])]
    words += [*(["--fmax-from", args.fmax_from] if args.fmax_from else [])]
    v_path, m_path = write(cfg, args.out, args.name, command=shlex.join(words), clock=clock)
    print(f"wrote {v_path}, its integration files and {m_path} (clock: {clock.note})")
    return 0
