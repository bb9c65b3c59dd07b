"""`streamnorm accuracy`: fixed point against float on one stream, as metrics.json and an HTML report.

The work is the library's (`streamnorm.accuracy`): this module turns the options into an
`AccuracyRequest`, draws the sweep's progress bar, prints the results and maps them to the exit
status: 0, 1 if the Verilog differs from the golden model or no setting of a sweep reaches the
target, 2 on bad input (the CLI's one line).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from streamnorm.accuracy import (
    AccuracyRequest,
    RtlOptions,
    TargetMetric,
    make_report_folder,
    parse_sweep,
    run_accuracy,
    summary_lines,
    write_report_folder,
)
from streamnorm.sim.request import Simulator

from .config_cmd import add_config_argument, load_config
from .stream_option import add_stream_argument

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "accuracy",
        help="fixed point against float: SQNR, errors in output LSBs, an HTML report, bit sweeps",
        description="Run the bit-accurate fixed-point model and the float64 reference on one stream "
        "and report how far apart they are: OUT/metrics.json, OUT/report.html (one file, figures "
        "embedded) and the figures as PNG files. --sweep repeats the comparison over configuration "
        "settings; --target-sqnr picks the first setting that meets a target.",
    )
    add_config_argument(p)
    add_stream_argument(p)
    p.add_argument(
        "--samples",
        type=int,
        default=None,
        help="time steps, one word per channel each (default: 20000 synthetic, the whole recording)",
    )
    p.add_argument("--seed", type=int, default=1, help="random seed of the stream (default 1)")
    p.add_argument(
        "--out", metavar="DIR", default="out/accuracy", help="output folder (default out/accuracy)"
    )
    p.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="FIELD=A:B[,FIELD=...]",
        help="repeat over configuration settings: a field by dotted path (out_fmt.frac, window_log2) "
        "and an integer range A:B or A:B:STEP, or values v1/v2/...; several fields make a grid",
    )
    p.add_argument(
        "--target-sqnr",
        type=float,
        metavar="DB",
        help="with --sweep: report the first setting whose SQNR is at or above DB (exit status 1 if none is)",
    )
    p.add_argument(
        "--target-metric",
        choices=[m.value for m in TargetMetric],
        default=TargetMetric.DATAPATH.value,
        help="what --target-sqnr measures: the core against float on the same input codes after "
        "warm-up (datapath, default), the same over the whole stream (overall), or against float "
        "on the unquantized stream after warm-up (end_to_end)",
    )
    p.add_argument(
        "--warmup",
        type=int,
        metavar="N",
        help="time steps left out of the steady-state figures, fewer than the stream has (default: "
        "one window plus three decay time constants, at most half the stream)",
    )
    p.add_argument(
        "--rtl",
        action="store_true",
        help="also run the generated Verilog on the stream and check it equals the golden model",
    )
    p.add_argument(
        "--simulator",
        choices=[s.value for s in Simulator],
        default=Simulator.ICARUS.value,
        help="simulator for --rtl",
    )
    p.set_defaults(run=run)


class _Progress:
    """The sweep's progress bar on stderr (the only stage that counts), the library's news above it."""

    def __init__(self) -> None:
        self._bar: Any = None

    def advance(self, done: int, total: int, label: str) -> None:
        from tqdm import tqdm

        if self._bar is None:
            self._bar = tqdm(total=total, desc="sweep", unit="setting", file=sys.stderr)
        self._bar.set_postfix_str(label, refresh=False)
        self._bar.update(done - self._bar.n)
        if done == total:
            self._bar.close()
            self._bar = None

    def note(self, message: str) -> None:
        from tqdm import tqdm

        tqdm.write(message, file=sys.stderr)


def _command(args: argparse.Namespace) -> str:
    """The command line that reproduces this report (options spelt out, defaults included)."""
    words = ["streamnorm", "accuracy"]
    if args.config:
        words += ["--config", args.config]
    words += ["--stream", args.stream]
    if args.samples is not None:
        words += ["--samples", str(args.samples)]
    words += ["--seed", str(args.seed), "--out", args.out]
    for spec in args.sweep:
        words += ["--sweep", spec]
    if args.target_sqnr is not None:
        words += ["--target-sqnr", f"{args.target_sqnr:g}", "--target-metric", args.target_metric]
    if args.warmup is not None:
        words += ["--warmup", str(args.warmup)]
    if args.rtl:
        words += ["--rtl", "--simulator", args.simulator]
    return " ".join(shlex.quote(w) for w in words)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    out = Path(args.out)
    # The request checks everything typed before any work, so a typo costs no waiting.
    request = AccuracyRequest(
        config=cfg,
        stream=args.stream,
        samples=args.samples,
        seed=args.seed,
        warmup=args.warmup,
        sweep=parse_sweep(args.sweep, cfg),
        target_sqnr=args.target_sqnr,
        target_metric=TargetMetric(args.target_metric),
        rtl=RtlOptions(out / "rtl", simulator=args.simulator) if args.rtl else None,
        command=_command(args),
    )
    make_report_folder(out)
    result = run_accuracy(request, _Progress())
    print("\n".join(summary_lines(result)))
    files = write_report_folder(result, out)
    print(f"report: {files.report}")
    print(f"metrics: {files.metrics}")
    return 1 if result.rtl_failed or result.target_missed else 0
