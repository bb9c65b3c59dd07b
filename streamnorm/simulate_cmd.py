"""`streamnorm simulate`: the generated (or a given) Verilog on Icarus or Verilator, every word checked."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from streamnorm.sim.runner import DRIVERS, SIMULATORS, run_simulation

from .config_cmd import add_config_argument, load_config
from .stimulus import stimulus

__all__ = ["add_parser"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help="run the Verilog in cocotb against the golden model, every output word compared",
        description="Generate the core (or take --verilog), build it on Icarus Verilog or Verilator, "
        "stream --samples time steps through it with random backpressure, and compare every output "
        "word with the bit-accurate golden model. Exit status 0 only if every word matched.",
    )
    add_config_argument(p)
    p.add_argument("--samples", type=int, default=2000, help="time steps; each carries one word per channel")
    p.add_argument("--seed", type=int, default=1, help="seed of the stream and of the backpressure")
    p.add_argument("--simulator", choices=SIMULATORS, default="icarus")
    p.add_argument(
        "--backpressure",
        type=float,
        default=0.3,
        metavar="P",
        help="probability that the producer or the consumer stalls in a cycle (0..1, default 0.3)",
    )
    p.add_argument(
        "--stream", default="gaussian", metavar="KIND|FILE.npy", help="stream kind, or a .npy recording"
    )
    p.add_argument(
        "--driver",
        choices=DRIVERS,
        default="bulk",
        help="bulk: memory-file harness, fast (default); axi: cocotbext-axi source/sink on the ports",
    )
    p.add_argument("--waves", action="store_true", help="dump waveforms and say where")
    p.add_argument("--verilog", metavar="FILE", help="simulate this Verilog instead of generating it")
    p.add_argument(
        "--out", metavar="DIR", default="out/simulate", help="output folder (default out/simulate)"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not 0.0 <= args.backpressure < 1.0:
        raise ValueError(f"--backpressure must be in [0, 1), not {args.backpressure}")
    started = time.perf_counter()
    cfg = load_config(args.config)
    stim = stimulus(cfg, args.stream, args.samples, args.seed)
    if stim.saturated:
        print(f"note: {stim.saturated} input values were outside in_fmt {cfg.in_fmt} and were saturated")
    out = Path(args.out)
    report = run_simulation(
        cfg,
        stim.codes,
        out,
        simulator=args.simulator,
        driver=args.driver,
        stall_probability=args.backpressure,
        seed=args.seed,
        verilog=Path(args.verilog) if args.verilog else None,
        waves=args.waves,
        progress=lambda msg: print(f"[simulate] {msg}", flush=True),
    )
    total = time.perf_counter() - started
    res = report.result
    summary = {
        "passed": res.passed,
        "config": cfg.to_dict(),
        "stream": stim.source,
        "samples": int(stim.codes.shape[0]),
        "words": int(stim.codes.size),
        "input_saturated": stim.saturated,
        "simulator": report.simulator,
        "driver": report.driver,
        "backpressure": args.backpressure,
        "seed": args.seed,
        "verilog": args.verilog or str(out / "src" / "streamnorm.v"),
        "result": res.to_dict(),
        "seconds": {**report.phases, "total": total},
        "words_per_second_simulation": res.words_per_second,
        "words_per_second_total": res.words_checked / total if total > 0 else 0.0,
        "build_dir": str(report.build_dir),
        "waves": str(report.waves) if report.waves else None,
    }
    (out / "results.json").write_text(json.dumps(summary, indent=2) + "\n")
    status = "PASS" if res.passed else "FAIL"
    print(
        f"{status}: {res.words_checked} of {res.words_expected} words checked on {report.simulator} "
        f"({report.driver} driver), {res.mismatch_count} mismatches"
    )
    for mismatch in res.mismatches[:1]:
        print(f"first mismatch: {mismatch.describe()}")
    for note in res.notes:
        print(f"note: {note}")
    print(
        f"speed: {res.words_per_second:,.0f} checked words/s in simulation, "
        f"{summary['words_per_second_total']:,.0f} words/s for the whole command ({total:.1f} s)"
    )
    if report.waves:
        print(f"waveforms: {report.waves}")
    print(f"results: {out / 'results.json'}")
    return 0 if res.passed else 1
