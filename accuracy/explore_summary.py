"""What `streamnorm explore` prints: a table of the points and the answer, in the report's words."""

from __future__ import annotations

from .explore_result import ExplorePoint, ExploreResult
from .explore_tasks import RunStatus
from .text import db, value_text

__all__ = ["answer_text", "summary_lines", "target_text"]

_METRIC_WORDS = {
    "datapath": "datapath, steady state",
    "overall": "whole stream",
    "end_to_end": "end to end, steady state",
}


def target_text(r: ExploreResult) -> str:
    """``60 dB (datapath, steady state)``."""
    return f"{r.target_sqnr:g} dB ({_METRIC_WORDS[r.metric.value]})"


def _area_text(p: ExplorePoint) -> str:
    assert p.synth is not None and p.synth.area is not None
    lut, ff, dsp, bram = p.synth.area
    return f"{lut} LUT, {ff} FF, {dsp} DSP, {bram} BRAM"


def _fmax_text(p: ExplorePoint) -> str:
    assert p.synth is not None
    seeds = p.synth.fmax_by_seed
    each = ", ".join(f"{f:.1f}" for f in seeds.values() if f is not None)
    median = p.synth.fmax_mhz
    return f"Fmax {median:.1f} MHz (median of seeds {', '.join(map(str, seeds))}: {each})"


def answer_text(r: ExploreResult) -> str:
    """The recommendation in one sentence, or why there is none."""
    p = r.recommended_point
    if p is not None:
        return (
            f"recommended: {p.label()}: {db(p.sqnr_db)}, {_area_text(p)}, {_fmax_text(p)} "
            f"on the {r.device} at {r.freq_mhz:g} MHz"
        )
    meeting = [q for q in r.points if q.meets_target]
    if not meeting:
        return f"no point of the grid reaches {target_text(r)}"
    if not r.synthesized:
        return f"{len(meeting)} points reach {target_text(r)}; without synthesis nothing is recommended"
    fitting = [q for q in meeting if q.synth is not None and q.synth.fits]
    if not fitting:
        return f"{len(meeting)} points reach {target_text(r)}, but none was synthesized to fit the {r.device}"
    fastest = max(q.synth.fmax_mhz or 0.0 for q in fitting if q.synth is not None)
    return (
        f"{len(fitting)} points reach {target_text(r)} and fit the {r.device}, but none reaches "
        f"{r.freq_mhz:g} MHz (the fastest: {fastest:.1f} MHz median)"
    )


def _row(p: ExplorePoint, fields: list[str]) -> list[str]:
    values = [value_text(p.settings[f]) for f in fields]
    if p.figures is None:
        return [*values, "refused", "", "", "", "", "", ""]
    meets = "yes" if p.meets_target else "no"
    if p.synth is None:
        return [*values, db(p.sqnr_db), meets, "", "", "", "", ""]
    if p.synth.area is None:
        status = "does not fit" if p.synth.status is RunStatus.DOES_NOT_FIT else "failed"
        return [*values, db(p.sqnr_db), meets, status, "", "", "", ""]
    fmax = p.synth.fmax_mhz
    return [
        *values,
        db(p.sqnr_db),
        meets,
        *(str(n) for n in p.synth.area),
        "—" if fmax is None else f"{fmax:.1f}",
    ]


def summary_lines(r: ExploreResult) -> list[str]:
    fields = [a.field for a in r.grid]
    refused = sum(p.figures is None for p in r.points)
    meeting = sum(p.meets_target for p in r.points)
    runs, cached = r.task_counts()
    head = f"explore: {len(r.points)} points"
    head += f" ({refused} refused by the configuration)" if refused else ""
    head += f", {meeting} reach {target_text(r)}"
    if r.synthesized:
        head += f"; {runs} synthesis runs on the {r.device} at {r.freq_mhz:g} MHz ({cached} from the cache)"
    columns = [*fields, "SQNR", "meets", "LUT", "FF", "DSP", "BRAM", "Fmax MHz"]
    rows = [_row(p, fields) for p in r.points]
    widths = [max(len(c), *(len(row[k]) for row in rows)) for k, c in enumerate(columns)]
    lines = [head, "  " + "  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    for p, row in zip(r.points, rows, strict=True):
        mark = "*" if p is r.recommended_point else " "
        lines.append(mark + " " + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    for p in r.points:
        if p.synth is not None and not p.synth.fits:
            lines.append(f"{p.label()}: {p.synth.message.splitlines()[0] if p.synth.message else ''}")
    lines.append(answer_text(r))
    return lines
