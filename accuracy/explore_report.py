"""The exploration report: one self-contained HTML page, like the accuracy report (its style, figures
embedded as PNG data, no script): the answer first, then the Pareto plots, every point, the command."""

from __future__ import annotations

import json
from collections.abc import Mapping

from .explore_result import ExplorePoint, ExploreResult
from .explore_summary import answer_text, target_text
from .explore_tasks import RunStatus
from .report import _CSS, _e, _img, _table
from .text import db, eps_text, value_text

__all__ = ["CAPTIONS", "render_explore_report"]

#: Figure name -> (heading, caption), in page order.
CAPTIONS = {
    "pareto_lut": (
        "Accuracy against LUTs",
        "Every point that met the target and was synthesized to fit. Orange: the Pareto front (no "
        "other point is as accurate with as few LUTs); red circle: the recommended point.",
    ),
    "pareto_fmax": (
        "Accuracy against Fmax",
        "The same points against their median Fmax over the placer seeds; the green line is the "
        "clock a recommended point must reach.",
    ),
}


def _status(p: ExplorePoint) -> str:
    if p.refused is not None:
        text = f"refused: {_e(p.refused)}"
    elif not p.meets_target:
        text = "below the target: not synthesized"
    elif p.synth is None:
        text = "meets the target (not synthesized)"
    elif p.synth.status is RunStatus.FITS:
        cached = f" ({p.synth.cached} of {len(p.synth.runs)} seeds from the cache)" if p.synth.cached else ""
        text = f"fits{cached}"
    else:
        word = "does not fit" if p.synth.status is RunStatus.DOES_NOT_FIT else "failed"
        text = f'<span class="bad">{word}</span>: {_e(p.synth.message.splitlines()[0])}'
    return f'<td class="text">{text}</td>'


def _points_table(r: ExploreResult) -> str:
    fields = [a.field for a in r.grid]
    lut_front, fmax_front = set(r.pareto_lut), set(r.pareto_fmax)
    rows, classes = [], []
    for i, p in enumerate(r.points):
        synth = p.synth
        area = None if synth is None else synth.area
        fronts = [name for name, front in (("LUT", lut_front), ("Fmax", fmax_front)) if i in front]
        fmax = None if synth is None else synth.fmax_mhz
        seeds = [] if synth is None else [f for f in synth.fmax_by_seed.values() if f is not None]
        rows.append(
            [
                str(i),
                *(_e(value_text(p.settings[f])) for f in fields),
                db(p.sqnr_db),
                "" if area is None else str(area[0]),
                "" if area is None else str(area[1]),
                "" if area is None else str(area[2]),
                "" if area is None else str(area[3]),
                "" if fmax is None else f"{fmax:.1f}",
                '<td class="text">' + ", ".join(f"{f:.1f}" for f in seeds) + "</td>",
                ", ".join(fronts),
                _status(p),
            ]
        )
        classes.append("chosen" if i == r.recommended else "refused" if p.refused is not None else "")
    head = [
        "#",
        *fields,
        f"SQNR ({r.metric.value})",
        "LUT",
        "FF",
        "DSP",
        "BRAM",
        "Fmax MHz (median)",
        "Fmax by seed",
        "Pareto front",
        "status",
    ]
    return _table(head, rows, classes)


def render_explore_report(result: ExploreResult, figures: Mapping[str, bytes]) -> str:
    """The whole page. `figures` maps names of `CAPTIONS` to PNG bytes (missing ones are skipped)."""
    r = result
    cfg = r.base_config
    grid = ", ".join(f"{a.field} = {' / '.join(value_text(v) for v in a.values)}" for a in r.grid)
    seeds = f"placer seeds {', '.join(map(str, r.seeds))}" if r.synthesized else "no synthesis"
    speed = f" (speed grade {r.speed_grade})" if r.speed_grade is not None else ""
    runs, cached = r.task_counts()
    failed = [p for p in r.points if p.synth is not None and p.synth.status is RunStatus.FAILED]
    answer = answer_text(r)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>streamnorm explore: {_e(r.stream)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>The cheapest core for {_e(target_text(r))} on {_e(r.stream)}</h1>",
        f'<p class="meta">{len(r.points)} points: {_e(grid)} · stream {_e(r.stream)}, {r.samples} '
        f"time steps × {cfg.channels} channels · {_e(r.device)}{_e(speed)} at {r.freq_mhz:g} MHz, "
        f"{_e(seeds)} · {runs} synthesis runs, {cached} from the cache</p>",
        f'<p class="{"verdict" if r.recommended is not None else "warn"}">{_e(answer)}</p>',
    ]
    if failed:
        parts.append(
            f'<p class="fail">{len(failed)} points failed to synthesize (see the table); they are '
            "recorded, and the other points are unaffected.</p>"
        )
    for name, (heading, caption) in CAPTIONS.items():
        if name in figures:
            parts += [
                f"<h2>{heading}</h2>",
                f"<figure>{_img(figures[name], heading)}<figcaption>{caption}</figcaption></figure>",
            ]
    parts += [
        "<h2>Every point</h2>",
        "<p>In grid order, the first field varying slowest. Area is the largest over the seeds (they "
        "agree: nextpnr packs before it places); Fmax is the median over the seeds. The recommended "
        "point (highlighted) is the one with the fewest LUTs, then FFs, DSP blocks, block RAMs, among "
        "those that reach the target and the clock.</p>",
        _points_table(r),
        "<h2>How this was made</h2>",
    ]
    if r.command is not None:
        parts.append(f'<pre style="white-space: pre-wrap">{_e(r.command)}</pre>')
    parts += [
        "<p>Tools (part of every cache key):</p>",
        f"<pre>{_e(json.dumps(r.tools, indent=2))}</pre>",
        f"<p>Base configuration (eps {_e(eps_text(cfg.eps))}); the grid sets the fields above:</p>",
        f"<pre>{_e(json.dumps(cfg.to_dict(), indent=2))}</pre>",
        "<p>Machine-readable: explore.json. The recommended configuration: recommended.json "
        "(<code>streamnorm generate --config recommended.json</code>). See docs/explore.md.</p>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
