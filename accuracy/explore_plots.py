"""The exploration report's figures: accuracy against LUTs and against Fmax, the Pareto fronts drawn.

In the accuracy report's style (`plots`: Matplotlib's Agg backend, the same colours and grid);
each function returns PNG bytes.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt

from .explore_result import ExploreResult
from .plots import FIXED_COLOUR, _png

__all__ = ["FRONTS", "draw_explore_figures", "plot_front"]

#: Figure name -> (the cost, its axis label), in page order.
FRONTS = {
    "pareto_lut": ("LUTs", "LUTs (fewer is cheaper)"),
    "pareto_fmax": ("Fmax", "Fmax, median over the placer seeds (MHz)"),
}


def plot_front(result: ExploreResult, name: str) -> bytes:
    """SQNR against LUTs (`name` ``pareto_lut``) or median Fmax (``pareto_fmax``) of every point
    that was synthesized and fits; the front joined, the recommended point circled."""
    r = result
    on_front = set(r.pareto_lut if name == "pareto_lut" else r.pareto_fmax)
    xy: dict[int, tuple[float, float]] = {}
    for i, p in enumerate(r.points):
        synth = p.synth
        if synth is None or synth.area is None or p.sqnr_db is None or not math.isfinite(p.sqnr_db):
            continue
        x = float(synth.area[0]) if name == "pareto_lut" else synth.fmax_mhz
        if x is not None:
            xy[i] = (x, p.sqnr_db)
    fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
    rest = [v for i, v in xy.items() if i not in on_front]
    if rest:
        ax.plot(*zip(*rest, strict=True), "o", color="#9e9e9e", ms=6, label="synthesized point")
    front = sorted(v for i, v in xy.items() if i in on_front)
    if front:
        ax.plot(*zip(*front, strict=True), "o-", color=FIXED_COLOUR, lw=2, ms=8, label="Pareto front")
        for i in sorted(on_front & set(xy)):
            ax.annotate(r.points[i].label(), xy[i], xytext=(6, 6), textcoords="offset points", fontsize=8)
    ax.axhline(r.target_sqnr, color="#d62728", lw=1.2, ls="-.", label=f"target {r.target_sqnr:g} dB")
    if name == "pareto_fmax":
        ax.axvline(r.freq_mhz, color="#2ca02c", lw=1.2, ls="--", label=f"clock {r.freq_mhz:g} MHz")
    if r.recommended is not None and r.recommended in xy:
        ax.plot(*xy[r.recommended], "o", ms=18, mfc="none", mec="#d62728", mew=2, label="recommended")
    if not xy:
        ax.text(0.5, 0.5, "no point was synthesized to fit", transform=ax.transAxes, ha="center")
    cost, axis_label = FRONTS[name]
    ax.set_xlabel(axis_label)
    ax.set_ylabel("SQNR (dB)")
    # below the axes: inside, it hides points wherever it goes (they spread over the whole plot)
    fig.legend(loc="outside lower center", ncols=5)
    ax.set_title(f"{r.stream}: SQNR against {cost} on the {r.device}")
    return _png(fig)


def draw_explore_figures(result: ExploreResult) -> dict[str, bytes]:
    """Both fronts as PNG bytes by name (`FRONTS`); none without synthesis."""
    if not result.synthesized:
        return {}
    return {name: plot_front(result, name) for name in FRONTS}
