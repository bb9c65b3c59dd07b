"""`streamnorm synth`: LUT, FF, DSP, BRAM and Fmax from Yosys and nextpnr (YoWASP, from PyPI)."""

from __future__ import annotations

import argparse
from typing import Any

from streamnorm.hw.synth import TARGETS, Family, SynthReport, SynthRequest, synthesize

from .config_cmd import add_config_argument, load_config

__all__ = ["add_parser", "table"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "synth",
        help="synthesize, place and route: area and Fmax on an ECP5 or iCE40",
        description="Synthesize the core with Yosys and place and route it with nextpnr (both from "
        "the YoWASP PyPI packages). Writes OUT/synth.json (lut, ff, dsp, bram, fmax_mhz, device, "
        "tool versions, config) and OUT/netlist.v, the post-synthesis netlist, which "
        "`streamnorm simulate --verilog OUT/netlist.v` checks against the golden model.",
    )
    add_config_argument(p)
    p.add_argument("--target", choices=[f.value for f in Family], default=Family.ECP5.value)
    p.add_argument(
        "--device",
        help="; ".join(
            f"{f}: {', '.join(t.devices)} (default {t.default_device})" for f, t in TARGETS.items()
        ),
    )
    p.add_argument("--freq", type=float, default=200.0, metavar="MHZ", help="clock constraint (default 200)")
    p.add_argument(
        "--speed",
        type=int,
        help="ECP5 speed grade: 6 (nextpnr's default, the slowest; the common boards' part), 7, 8",
    )
    p.add_argument("--seed", type=int, default=1, help="placer seed")
    p.add_argument("--out", metavar="DIR", default="out/synth", help="output folder (default out/synth)")
    p.set_defaults(run=run)


def table(reports: list[tuple[str, SynthReport]]) -> str:
    """A fixed-width table of reports, one row each."""
    head = f"{'design':28s} {'device':10s} {'LUT':>7s} {'FF':>7s} {'DSP':>4s} {'BRAM':>5s} {'Fmax MHz':>9s}"
    rows = [head, "-" * len(head)]
    for name, r in reports:
        if not r.fits:
            rows.append(f"{name:28s} {r.device:10s} does not fit")
            continue
        fmax = f"{r.fmax_mhz:9.1f}" if r.fmax_mhz is not None else f"{'-':>9s}"
        rows.append(f"{name:28s} {r.device:10s} {r.lut:7d} {r.ff:7d} {r.dsp:4d} {r.bram:5d} {fmax}")
    return "\n".join(rows)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    request = SynthRequest(
        config=cfg,
        out_dir=args.out,
        target=args.target,
        device=args.device,
        freq_mhz=args.freq,
        speed=args.speed,
        seed=args.seed,
    )
    report = synthesize(request, progress=lambda msg: print(f"[synth] {msg}", flush=True))
    print(table([(f"C={cfg.channels} p={cfg.p} {cfg.scale}", report)]))
    if not report.fits:
        print(f"streamnorm synth: {report.message}")
        return 1
    if report.fmax_mhz is not None and report.fmax_mhz < args.freq:
        print(f"note: Fmax {report.fmax_mhz:.1f} MHz is below the {args.freq:g} MHz constraint")
    print(f"wrote {args.out}/synth.json and {args.out}/netlist.v")
    return 0
