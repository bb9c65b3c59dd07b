"""`streamnorm accuracy`: fixed point against float on one stream, as metrics.json and an HTML report.

The work is in small modules: `analysis` (the two models and the error), `comparisons` (offline
normalization, L1 against L2, the quiet channel), `sweep` (the grid and the target), `plots`,
`report` (the HTML page) and `rtl_check` (`--rtl`). This module reads the options, runs them in
order and writes and prints the results.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from pathlib import Path
from typing import Any

import numpy as np

from streamnorm.golden import NormConfig
from streamnorm.golden.recordings import RECORDINGS
from streamnorm.golden.streams import STREAM_KINDS
from streamnorm.sim.runner import SIMULATORS

from .analysis import ModelRun, default_warmup, fixed_vs_float, run_models, warmup_steps
from .config_cmd import add_config_argument, load_config
from .stimulus import Stimulus, stimulus

__all__ = ["add_parser", "default_warmup", "jsonable", "run"]

#: How a target metric reads in a sentence.
TARGET_WORDS = {"datapath": "datapath, steady state", "overall": "whole stream", "end_to_end": "end to end"}

#: File names inside --out.
FIGURE_FILES = {
    "time": "time.png",
    "error_histogram": "error_histogram.png",
    "statistics": "statistics.png",
    "channels": "channels.png",
    "comparison": "comparison.png",
    "sweep": "sweep.png",
}


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
    p.add_argument(
        "--stream",
        default="gaussian",
        metavar="KIND|RECORDING|FILE",
        help=f"a synthetic stream ({', '.join(STREAM_KINDS)}), the bundled recording "
        f"({', '.join(RECORDINGS)}), or a file: .npy of shape (T,) or (T, C), .csv (a column per "
        "channel), .wav; file values are in input units (WAV: -1..1) (default gaussian)",
    )
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
        help="with --sweep: report the first setting whose steady-state SQNR is at or above DB",
    )
    p.add_argument(
        "--target-metric",
        choices=("datapath", "overall", "end_to_end"),
        default="datapath",
        help="what --target-sqnr measures: the core against float on the same input codes after "
        "warm-up (datapath, default), the same over the whole stream (overall), or against float "
        "on the unquantized stream after warm-up (end_to_end)",
    )
    p.add_argument(
        "--warmup",
        type=int,
        metavar="N",
        help="time steps left out of the steady-state figures (default: one window plus three decay "
        "time constants, at most half the stream)",
    )
    p.add_argument(
        "--rtl",
        action="store_true",
        help="also run the generated Verilog on the stream and check it equals the golden model",
    )
    p.add_argument("--simulator", choices=SIMULATORS, default="icarus", help="simulator for --rtl")
    p.set_defaults(run=run)


def jsonable(v: Any) -> Any:
    """`v` with NumPy scalars made plain and non-finite floats made null (JSON has neither)."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, (np.integer, np.bool_)):
        return v.item()
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    return v


def _stream_name(stream: str) -> str:
    return Path(stream).name if stream not in STREAM_KINDS and stream not in RECORDINGS else stream


def _config_summary(cfg: NormConfig) -> dict[str, Any]:
    return {
        "channels": cfg.channels,
        "in_fmt": str(cfg.in_fmt),
        "out_fmt": str(cfg.out_fmt),
        "window_log2": cfg.window_log2,
        "decay_log2": cfg.decay_log2,
        "mix_log2": cfg.mix_log2,
        "p": cfg.p,
        "scale": cfg.scale,
        "eps": cfg.eps,
        "eps_text": eps_text(cfg.eps),
        "rounding": cfg.rounding.value,
    }


def eps_text(eps: float) -> str:
    """eps as people write it: 2^-10 for a power of two."""
    m, e = math.frexp(eps)
    return f"2^{e - 1}" if m == 0.5 else f"{eps:g}"


def _worst_channel(fvf: dict[str, Any]) -> int:
    def key(c: dict[str, Any]) -> float:
        v = c["steady_sqnr_db"]
        return math.inf if math.isnan(v) else v

    return int(min(fvf["per_channel"], key=key)["channel"])


def _analyse(
    cfg: NormConfig, stim: Stimulus, args: argparse.Namespace
) -> tuple[dict[str, Any], ModelRun, int, Any, Any]:
    from .comparisons import l1_vs_l2, quiet_channel, streaming_vs_offline

    run_ = run_models(cfg, stim.values)
    steps = run_.codes.shape[0]
    w = warmup_steps(cfg, steps, args.warmup)
    fvf = fixed_vs_float(run_, w)
    offline_figs, offline = streaming_vs_offline(run_, w)
    l12, other = l1_vs_l2(run_, w)
    metrics: dict[str, Any] = {
        "stream": {
            "name": _stream_name(args.stream),
            "source": stim.source,
            "samples": steps,
            "channels": cfg.channels,
            "seed": args.seed,
            "input_saturated": stim.saturated,
            "input_saturated_per_channel": [int(n) for n in np.count_nonzero(run_.clipped, axis=0)],
        },
        "config": cfg.to_dict(),
        "config_summary": _config_summary(cfg),
        "warmup_steps": w,
        "fixed_vs_float": fvf,
        "output_overflow_words": int(np.count_nonzero(run_.overflow)),
        "streaming_vs_offline": offline_figs,
        "l1_vs_l2": l12,
        "quiet_channel": quiet_channel(cfg, args.seed),
    }
    l2 = other if other is not None and other.cfg.p == 2 else None
    return metrics, run_, w, offline, l2


def _sweep(cfg: NormConfig, axes: list[Any], args: argparse.Namespace) -> tuple[dict[str, Any], Any, Any]:
    from .sweep import TARGET_METRICS, choose_target, run_sweep

    def refused(point: Any) -> None:
        tqdm_write(f"refused: {', '.join(f'{k}={v}' for k, v in point.settings.items())}: {point.refused}")

    points = run_sweep(cfg, axes, args.stream, args.samples, args.seed, args.warmup, on_refused=refused)
    out: dict[str, Any] = {
        "fields": [a.field for a in axes],
        "values": {a.field: list(a.values) for a in axes},
        "order": "grid order, the first field varying slowest",
        "points": [p.to_dict() for p in points],
        "target": None,
    }
    chosen = None
    if args.target_sqnr is not None:
        chosen = choose_target(points, args.target_sqnr, args.target_metric)
        key = TARGET_METRICS[args.target_metric]
        out["target"] = {
            "sqnr_db": args.target_sqnr,
            "metric": args.target_metric,
            "key": key,
            "met": chosen is not None,
            "chosen": None
            if chosen is None
            else {"settings": chosen.settings, "sqnr_db": chosen.figures[key]},  # type: ignore[index]
        }
    return out, points, chosen


def tqdm_write(msg: str) -> None:
    from tqdm import tqdm

    tqdm.write(msg, file=sys.stderr)


def _figures(
    metrics: dict[str, Any], run_: ModelRun, w: int, offline: Any, l2: Any, sweep: Any
) -> dict[str, bytes]:
    from . import plots

    name = metrics["stream"]["name"]
    fvf = metrics["fixed_vs_float"]
    ch = _worst_channel(fvf)
    figs = {
        "time": plots.plot_time(run_, ch, w, f"{name}: channel {ch}, fixed point against float"),
        "error_histogram": plots.plot_error_histogram(run_, w, f"{name}: error in output LSBs, steady state"),
        "statistics": plots.plot_statistics(run_, ch, w, f"{name}: running statistics, channel {ch}"),
        "channels": plots.plot_channels(fvf["per_channel"], f"{name}: SQNR per channel, steady state"),
        "comparison": plots.plot_comparison(
            run_, offline, l2, ch, w, f"{name}: streaming against offline normalization, channel {ch}"
        ),
    }
    if sweep is not None:
        axes, points, chosen, target = sweep
        fields = ", ".join(a.field for a in axes)
        metric = metrics["sweep"]["target"]["metric"] if target is not None else "datapath"
        title = f"{name}: SQNR against {fields}"
        figs["sweep"] = plots.plot_sweep(axes, points, target, chosen, metric, title)
    return figs


def _print_summary(m: dict[str, Any]) -> None:
    from .report import db, lsb

    s, cs, f = m["stream"], m["config_summary"], m["fixed_vs_float"]
    print(
        f"stream {s['source']}: {s['samples']} time steps x {cs['channels']} channels; "
        f"in {cs['in_fmt']}, out {cs['out_fmt']}"
    )
    print(f"input words saturated by quantization: {s['input_saturated']}")
    print(f"output words saturated/wrapped: {m['output_overflow_words']}")
    for label, key in (("overall", "overall"), (f"after {m['warmup_steps']} warm-up steps", "steady")):
        st = f[key]
        print(
            f"{label}: SQNR {db(st['sqnr_db'])} (output-rounding floor {db(st['floor_sqnr_db'])}), "
            f"RMS error {lsb(st['rms_error_lsb'])}, max {lsb(st['max_error_lsb'])}"
        )
    worst = min(f["per_channel"], key=lambda c: c["steady_sqnr_db"])
    print(f"worst channel: {worst['channel']}, steady SQNR {db(worst['steady_sqnr_db'])}")
    print(f"end to end (input quantization included): steady SQNR {db(f['end_to_end']['steady']['sqnr_db'])}")
    print(
        "streaming against offline normalization: steady SQNR "
        f"{db(m['streaming_vs_offline']['steady']['sqnr_db'])}"
    )
    lv = m["l1_vs_l2"]
    if "refused" in lv:
        print(f"L1 against L2: {lv['refused']}")
    else:
        print(
            f"L1 against L2: fixed vs float L1 {db(lv['l1']['steady_sqnr_db'])}, "
            f"L2 {db(lv['l2']['steady_sqnr_db'])}; the two outputs (float) correlate "
            f"{lv['l1_l2_correlation']:.3f}, RMS L1/L2 {lv['l1_over_l2_output_rms']:.2f}"
        )
    q = m["quiet_channel"]
    p = q["bound_parts_lsb"]
    print(
        f"quiet channel (deviation {q['deviation_over_eps_median']:.2f} x eps): "
        f"error <= {lsb(q['bound_lsb'])} "
        f"(rounding {lsb(p['rounding'])} + mean {lsb(p['mean'], 4)} + scale {lsb(p['scale'], 4)}), "
        f"measured max {lsb(q['steady']['max_error_lsb'])}"
    )


def _print_sweep(sw: dict[str, Any]) -> None:
    from .report import db

    fields = sw["fields"]
    width = max(12, *(len(f) for f in fields))
    print("sweep (SQNR of fixed against float; steady = after warm-up):")
    head = "  ".join(f"{f:>{width}}" for f in fields)
    print(f"  {head}  {'steady':>8}  {'whole':>8}  {'end-to-end':>10}  saturated words")
    for p in sw["points"]:
        vals = "  ".join(f"{p['settings'][f]!s:>{width}}" for f in fields)
        if p["ok"]:
            print(
                f"  {vals}  {db(p['steady_sqnr_db']):>8}  {db(p['sqnr_db']):>8}  "
                f"{db(p['end_to_end_steady_sqnr_db']):>10}  {p['overflow_words']:>15}"
            )
        else:
            print(f"  {vals}  refused: {p['refused']}")
    t = sw["target"]
    if t is not None:
        what = TARGET_WORDS[t["metric"]]
        if t["chosen"] is None:
            print(f"target {t['sqnr_db']:g} dB ({what}): no setting of the sweep reaches it")
        else:
            settings = ", ".join(f"{k}={v}" for k, v in t["chosen"]["settings"].items())
            print(
                f"target {t['sqnr_db']:g} dB ({what}): {settings} is the first setting that meets it "
                f"({db(t['chosen']['sqnr_db'])})"
            )


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
    from .report import render_report
    from .sweep import parse_sweep

    cfg = load_config(args.config)
    # Everything the user typed is checked before any work, so a typo costs no waiting.
    axes = parse_sweep(args.sweep, cfg) if args.sweep else []
    if args.target_sqnr is not None and not axes:
        raise ValueError(
            "--target-sqnr needs a --sweep to choose from (for example --sweep out_fmt.frac=6:14)"
        )
    if args.target_sqnr is not None and not math.isfinite(args.target_sqnr):
        raise ValueError(f"--target-sqnr must be a number of dB, not {args.target_sqnr}")
    stim = stimulus(cfg, args.stream, args.samples, args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    metrics, run_, w, offline, l2 = _analyse(cfg, stim, args)
    _print_summary(metrics)
    sweep_plot = None
    if axes:
        metrics["sweep"], points, chosen = _sweep(cfg, axes, args)
        _print_sweep(metrics["sweep"])
        sweep_plot = (axes, points, chosen, args.target_sqnr)
    if args.rtl:
        from .rtl_check import rtl_check

        metrics["rtl"] = rtl_check(cfg, stim.codes, out / "rtl", args.seed, simulator=args.simulator)
        r = metrics["rtl"]
        status = "PASS" if r["passed"] else "FAIL"
        print(
            f"rtl: {status}: {r['words_checked']} of {r['words_expected']} words of the Verilog on "
            f"{r['simulator']} checked against the golden model, {r['mismatch_count']} mismatches"
        )
        if r["first_mismatch"]:
            print(f"rtl: first mismatch: {r['first_mismatch']}")

    figures = _figures(metrics, run_, w, offline, l2, sweep_plot)
    files = {}
    for name, png in figures.items():
        (out / FIGURE_FILES[name]).write_bytes(png)
        files[name] = FIGURE_FILES[name]
    metrics["files"] = {"report": "report.html", "metrics": "metrics.json", "figures": files}
    command = _command(args)
    metrics["command"] = command
    (out / "report.html").write_text(render_report(metrics, figures, command), encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(jsonable(metrics), indent=2, allow_nan=False) + "\n")
    print(f"report: {out / 'report.html'}")
    print(f"metrics: {out / 'metrics.json'}")
    return 1 if args.rtl and not metrics["rtl"]["passed"] else 0
