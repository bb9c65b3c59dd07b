"""The accuracy report's figures, drawn with Matplotlib's Agg backend (no display needed).

Each function returns PNG bytes; units are in every axis label (input units, output units,
output LSBs, dB, time steps). Long streams are drawn as per-bucket min/max envelopes so the
extremes stay visible and the files stay small.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # after the backend is chosen
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .analysis import ChannelFigures, ModelRun, fixed_scale
from .result import AccuracyResult
from .sweep import SweepPoint, SweepResult, TargetMetric
from .text import settings_text, value_text

__all__ = [
    "draw_figures",
    "plot_channels",
    "plot_comparison",
    "plot_error_histogram",
    "plot_statistics",
    "plot_sweep",
    "plot_time",
]

DPI = 100
#: Points per series above which a series is drawn as a min/max envelope.
MAX_POINTS = 6000
FLOAT_COLOUR = "#1f77b4"
METRIC_LABELS = {
    TargetMetric.DATAPATH: "SQNR, steady state (fixed against float, same input codes)",
    TargetMetric.OVERALL: "SQNR, whole stream (warm-up included)",
    TargetMetric.END_TO_END: "end-to-end SQNR, steady state (input quantization included)",
}
OTHER_COLOURS = {
    TargetMetric.DATAPATH: "#1f77b4",
    TargetMetric.OVERALL: "#8c564b",
    TargetMetric.END_TO_END: "#9467bd",
}
FIXED_COLOUR = "#ff7f0e"
WARMUP_COLOUR = "#dddddd"

plt.rcParams.update(
    {
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "legend.fontsize": 9,
        "figure.titlesize": 13,
    }
)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return buf.getvalue()


def _series(ax: Axes, y: np.ndarray, colour: str, label: str, lw: float = 0.8, **kw: Any) -> None:
    """A line, or for long series the min/max per bucket (so one spike stays visible)."""
    n = len(y)
    if n <= MAX_POINTS:
        ax.plot(np.arange(n), y, color=colour, lw=lw, label=label, **kw)
        return
    size = math.ceil(n / (MAX_POINTS // 2))
    m = n // size * size
    buckets = y[:m].reshape(-1, size)
    t = np.arange(buckets.shape[0]) * size + size / 2
    ax.fill_between(t, buckets.min(axis=1), buckets.max(axis=1), color=colour, alpha=0.6, lw=0, label=label)


def _shade_warmup(ax: Axes, warmup: int) -> None:
    if warmup > 0:
        ax.axvspan(0, warmup, color=WARMUP_COLOUR, alpha=0.6, lw=0, zorder=0)


def plot_time(run: ModelRun, channel: int, warmup: int, title: str) -> bytes:
    """Input, float and fixed outputs, and their difference in LSBs, over time for one channel."""
    cfg = run.cfg
    fig, axes = plt.subplots(3, 1, figsize=(10, 7.2), sharex=True, layout="constrained")
    ax_in, ax_out, ax_err = axes
    _series(ax_in, run.inputs[:, channel], "#444444", "input (quantized)")
    ax_in.set_ylabel("input units")
    ax_in.set_title(f"Input, channel {channel} ({cfg.in_fmt})")
    _series(ax_out, run.ref[:, channel], FLOAT_COLOUR, "float reference", lw=1.4)
    _series(ax_out, run.fixed[:, channel], FIXED_COLOUR, "fixed point", lw=0.7)
    ax_out.set_ylabel("output units")
    ax_out.set_title(f"Output: float reference and fixed point ({cfg.out_fmt})")
    ax_out.legend(loc="upper right")
    err = run.error_lsb[:, channel]
    if len(err) <= MAX_POINTS:
        # dots, not a line: consecutive errors are unrelated, a line would only fill the band
        ax_err.plot(np.arange(len(err)), err, ".", ms=1.5, color="#d62728")
    else:
        _series(ax_err, err, "#d62728", "fixed − float")
    half = 1.0 if cfg.rounding.value == "truncate" else 0.5
    for v in (-half, half):
        ax_err.axhline(v, color="black", lw=0.8, ls="--")
    ax_err.set_ylabel("error (output LSBs)")
    ax_err.set_xlabel("time step")
    ax_err.set_title(f"Error, fixed − float (dashed: ±{half:g} LSB, the output rounding)")
    ovf = int(np.count_nonzero(run.overflow[:, channel]))
    big = np.abs(err).max(initial=0.0)
    if ovf and big > 8:
        # a few saturated words would flatten the rest of the trace to a line
        ax_err.set_ylim(-4 * half, 4 * half)
        ax_err.text(
            0.01,
            0.95,
            f"{ovf} saturated words off scale (up to {big:.0f} LSB)",
            transform=ax_err.transAxes,
            va="top",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0},
        )
    for ax in axes:
        _shade_warmup(ax, warmup)
        ax.set_xlim(0, len(err))
    fig.suptitle(title)
    return _png(fig)


def plot_error_histogram(run: ModelRun, warmup: int, title: str) -> bytes:
    """Steady-state error of the words in range, in LSBs, against an ideal rounding's."""
    cfg = run.cfg
    err = run.error_lsb[warmup:][~run.overflow[warmup:]]
    fig, ax = plt.subplots(figsize=(10, 4.2), layout="constrained")
    lim = max(1.0, float(np.abs(err).max(initial=0.0)) * 1.05)
    bins = np.linspace(-lim, lim, 121)
    ax.hist(err, bins=bins, color=FIXED_COLOUR, alpha=0.85, label="fixed − float, steady state")
    half = 1.0 if cfg.rounding.value == "truncate" else 0.5
    lo = -1.0 if cfg.rounding.value == "truncate" else -0.5
    ideal = err.size * (bins[1] - bins[0]) / (2 * half) if err.size else 0.0
    ax.plot(
        [lo, lo, lo + 2 * half, lo + 2 * half],
        [0, ideal, ideal, 0],
        color="black",
        lw=1.2,
        label=f"ideal rounding (uniform over {2 * half:g} LSB)",
    )
    rms = float(np.sqrt(np.mean(err * err))) if err.size else math.nan
    ax.set_xlabel("error (output LSBs)")
    ax.set_ylabel("words")
    excluded = int(np.count_nonzero(run.overflow[warmup:]))
    note = f"; {excluded} saturated words left out" if excluded else ""
    ax.set_title(f"RMS {rms:.3f} LSB (ideal {2 * half / math.sqrt(12):.3f}), {err.size} words{note}")
    ax.legend(loc="upper right")
    fig.suptitle(title)
    return _png(fig)


def plot_statistics(run: ModelRun, channel: int, warmup: int, title: str) -> bytes:
    """The running statistics in force for each sample: mean, deviation, gain; fixed and float."""
    cfg = run.cfg
    s = cfg.stat_frac
    fig, axes = plt.subplots(3, 1, figsize=(10, 7.2), sharex=True, layout="constrained")
    ax_m, ax_d, ax_g = axes
    _series(ax_m, run.float_trace.mean[:, channel], FLOAT_COLOUR, "float", lw=1.4)
    _series(ax_m, run.fixed_trace.mean[:, channel] * 2.0**-s, FIXED_COLOUR, "fixed", lw=0.7)
    ax_m.set_ylabel("input units")
    ax_m.set_title("Mean in force")
    ax_m.legend(loc="upper right")
    kind = "mean absolute deviation" if cfg.p == 1 else "standard deviation"
    _series(ax_d, run.float_trace.dev_stat[:, channel], FLOAT_COLOUR, "float", lw=1.4)
    _series(ax_d, run.fixed_trace.dev_stat[:, channel] * 2.0**-s, FIXED_COLOUR, "fixed", lw=0.7)
    m, e = math.frexp(cfg.eps)
    eps_label = f"eps = 2^{e - 1}" if m == 0.5 else f"eps = {cfg.eps:g}"
    ax_d.axhline(cfg.eps, color="black", ls="--", lw=0.8, label=eps_label)
    ax_d.set_yscale("log")
    ax_d.set_ylabel("input units")
    ax_d.set_title(f"Deviation statistic in force ({kind})")
    ax_d.legend(loc="upper right")
    to_lsb = cfg.in_fmt.lsb / cfg.out_fmt.lsb
    _series(ax_g, run.float_trace.scale_mantissa[:, channel] * to_lsb, FLOAT_COLOUR, "float", lw=1.4)
    _series(ax_g, fixed_scale(cfg, run.fixed_trace)[:, channel] * to_lsb, FIXED_COLOUR, "fixed", lw=0.7)
    ax_g.axhline(cfg.max_gain, color="black", ls="--", lw=0.8, label=f"largest gain {cfg.max_gain:.4g}")
    ax_g.set_yscale("log")
    ax_g.set_ylabel("output LSBs per input LSB")
    ax_g.set_xlabel("time step")
    ax_g.set_title(f"Gain (scale) in force ({cfg.scale})")
    ax_g.legend(loc="best")
    for ax in axes:
        _shade_warmup(ax, warmup)
        ax.set_xlim(0, run.ref.shape[0])
    fig.suptitle(title)
    return _png(fig)


def plot_channels(per_channel: Sequence[ChannelFigures], title: str) -> bytes:
    """Steady-state SQNR of each channel, with its output-rounding floor."""
    n = len(per_channel)
    fig, ax = plt.subplots(figsize=(10, 3.8), layout="constrained")
    idx = np.arange(n)
    sq = np.array([_finite(c.steady_sqnr_db) for c in per_channel])
    floor = np.array([_finite(c.steady_floor_sqnr_db) for c in per_channel])
    # Dots on a zoomed axis, not bars from 0: channels differ by a few dB out of eighty.
    ax.scatter(
        idx,
        floor,
        marker="_",
        s=500 if n <= 32 else 60,
        color="black",
        lw=2,
        zorder=3,
        label="output-rounding floor (LSB²/12)",
    )
    ax.scatter(
        idx,
        sq,
        marker="o",
        s=50 if n <= 32 else 10,
        color=FIXED_COLOUR,
        zorder=4,
        label="SQNR, fixed against float (steady state)",
    )
    for i, c in enumerate(per_channel):
        if c.overflow_words and n <= 32:
            ax.annotate(
                f"{c.overflow_words} sat.",
                (i, sq[i]),
                textcoords="offset points",
                xytext=(0, -16),
                ha="center",
                fontsize=8,
            )
    ax.set_xlabel("channel")
    ax.set_ylabel("SQNR (dB)")
    if n <= 32:
        ax.set_xticks(idx)
    both = np.concatenate([sq, floor])
    both = both[np.isfinite(both)]
    if both.size:
        ax.set_ylim(both.min() - 6, both.max() + 4)
    ax.legend(loc="lower right")
    ax.set_title(title)
    return _png(fig)


def _finite(v: float | None) -> float:
    return float(v) if v is not None and math.isfinite(v) else math.nan


def plot_comparison(
    run: ModelRun, offline: np.ndarray, l2: ModelRun | None, channel: int, warmup: int, title: str
) -> bytes:
    """Streaming against offline normalization, and L1 against L2, in float, for one channel."""
    fig, ax = plt.subplots(figsize=(10, 4.2), layout="constrained")
    p = run.cfg.p
    _series(ax, offline[:, channel], "#888888", f"offline L{p} (whole-sequence statistics)", lw=1.6)
    _series(ax, run.ref[:, channel], FLOAT_COLOUR, f"streaming L{p}", lw=0.8)
    if l2 is not None:
        _series(ax, l2.ref[:, channel], "#2ca02c", f"streaming L{l2.cfg.p}", lw=0.8, alpha=0.8)
    _shade_warmup(ax, warmup)
    ax.set_xlim(0, run.ref.shape[0])
    ax.set_xlabel("time step")
    ax.set_ylabel("output units")
    ax.legend(loc="upper right")
    ax.set_title(title)
    return _png(fig)


def plot_sweep(sweep: SweepResult, title: str) -> bytes:
    """SQNR against the first swept field; one line per combination of the others."""
    first = sweep.axes[0]
    target = sweep.target
    metric = TargetMetric.DATAPATH if target is None else target.metric
    fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in first.values)
    xpos = {v: (v if numeric else i) for i, v in enumerate(first.values)}
    groups: dict[tuple[Any, ...], list[SweepPoint]] = {}
    for p in sweep.points:
        rest = tuple((f, v) for f, v in p.settings.items() if f != first.field)
        groups.setdefault(rest, []).append(p)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    refused_x: list[float] = []
    for i, (rest, pts) in enumerate(groups.items()):
        colour = colours[i % len(colours)] if len(groups) > 1 else FIXED_COLOUR
        label = settings_text(dict(rest))
        ok = [(p, p.figures) for p in pts if p.figures is not None]
        refused_x += [xpos[p.settings[first.field]] for p in pts if p.figures is None]
        if not ok:
            continue
        x = [xpos[p.settings[first.field]] for p, _ in ok]
        prefix = label + ": " if label else ""
        ax.plot(
            x,
            [_finite(f.sqnr(metric)) for _, f in ok],
            "o-",
            color=colour,
            lw=2,
            label=prefix + METRIC_LABELS[metric],
        )
        if len(groups) == 1:
            # one line only: show the other measures too, thinner, for context
            styles = {TargetMetric.DATAPATH: "s-", TargetMetric.OVERALL: "^-.", TargetMetric.END_TO_END: "d:"}
            for other, style in styles.items():
                if other != metric:
                    ax.plot(
                        x,
                        [_finite(f.sqnr(other)) for _, f in ok],
                        style,
                        color=OTHER_COLOURS[other],
                        lw=1,
                        ms=4,
                        label=METRIC_LABELS[other],
                    )
            ax.plot(
                x,
                [_finite(f.steady_floor_sqnr_db) for _, f in ok],
                "--",
                color="#7f7f7f",
                lw=1,
                label="output-rounding floor (steady state)",
            )
    if target is not None:
        ax.axhline(target.sqnr_db, color="#d62728", lw=1.2, ls="-.", label=f"target {target.sqnr_db:g} dB")
    chosen_db = None if target is None else target.chosen_sqnr_db()
    if target is not None and target.chosen is not None and chosen_db is not None:
        cx = xpos[target.chosen.settings[first.field]]
        ax.plot(
            [cx],
            [chosen_db],
            "o",
            ms=16,
            mfc="none",
            mec="#d62728",
            mew=2,
            label="first setting at or above the target",  # in sweep order
        )
    if refused_x:
        lo = ax.get_ylim()[0]
        ax.plot(
            refused_x,
            [lo] * len(refused_x),
            "x",
            color="black",
            ms=9,
            clip_on=False,
            label="refused by the configuration",
        )
    if not numeric:
        ax.set_xticks(range(len(first.values)), [value_text(v) for v in first.values])
    ax.set_xlabel(first.field)
    ax.set_ylabel("SQNR (dB)")
    ax.legend(loc="best")
    ax.set_title(title)
    return _png(fig)


def draw_figures(result: AccuracyResult) -> dict[str, bytes]:
    """Every figure of the report, as PNG bytes by name (`FIGURE_FILES`), in page order."""
    sig = result.signals
    name = result.stream.name
    w = result.warmup.steps
    ch = result.fixed_vs_float.worst_channel().channel
    figs = {
        "time": plot_time(sig.run, ch, w, f"{name}: channel {ch}, fixed point against float"),
        "error_histogram": plot_error_histogram(sig.run, w, f"{name}: error in output LSBs, steady state"),
        "statistics": plot_statistics(sig.run, ch, w, f"{name}: running statistics, channel {ch}"),
        "channels": plot_channels(
            result.fixed_vs_float.per_channel, f"{name}: SQNR per channel, steady state"
        ),
        "comparison": plot_comparison(
            sig.run,
            sig.offline,
            sig.l2,
            ch,
            w,
            f"{name}: streaming against offline normalization, channel {ch}",
        ),
    }
    if result.sweep is not None:
        fields = ", ".join(result.sweep.fields)
        figs["sweep"] = plot_sweep(result.sweep, f"{name}: SQNR against {fields}")
    return figs
