"""A run's figures as lines of text, for a terminal: what `streamnorm accuracy` prints.

The same figures as the report's summary, spelt the same way (`text`); then the sweep's table and
the RTL check's verdict when the run had them.
"""

from __future__ import annotations

from .comparisons import L1VsL2Refused
from .result import AccuracyResult
from .rtl_check import RtlCheck
from .sweep import SweepResult, TargetMetric
from .text import db, lsb, value_text

__all__ = ["summary_lines"]

#: How a target metric reads in a sentence.
TARGET_WORDS = {
    TargetMetric.DATAPATH: "datapath, steady state",
    TargetMetric.OVERALL: "whole stream",
    TargetMetric.END_TO_END: "end to end",
}


def summary_lines(result: AccuracyResult) -> list[str]:
    """The figures, the sweep's table and target, and the RTL check, one line each."""
    lines = _figures(result)
    if result.sweep is not None:
        lines += _sweep(result.sweep)
    if result.rtl is not None:
        lines += _rtl(result.rtl)
    return lines


def _figures(r: AccuracyResult) -> list[str]:
    s, cfg, f = r.stream, r.config, r.fixed_vs_float
    lines = [
        f"stream {s.source}: {s.samples} time steps x {cfg.channels} channels; "
        f"in {cfg.in_fmt}, out {cfg.out_fmt}",
        f"input words saturated by quantization: {s.input_saturated}",
        f"output words saturated/wrapped: {r.output_overflow_words}",
        f"warm-up: {r.warmup.describe()}",
    ]
    for label, st in (("overall", f.overall), (f"after {r.warmup.steps} warm-up steps", f.steady)):
        lines.append(
            f"{label}: SQNR {db(st.sqnr_db)} (output-rounding floor {db(st.floor_sqnr_db)}), "
            f"RMS error {lsb(st.rms_error_lsb)}, max {lsb(st.max_error_lsb)}"
        )
    worst = f.worst_channel()
    lines += [
        f"worst channel: {worst.channel}, steady SQNR {db(worst.steady_sqnr_db)}",
        f"end to end (input quantization included): steady SQNR {db(f.end_to_end.steady.sqnr_db)}",
        f"streaming against offline normalization: steady SQNR {db(r.streaming_vs_offline.steady.sqnr_db)}",
    ]
    lv = r.l1_vs_l2
    if isinstance(lv, L1VsL2Refused):
        lines.append(f"L1 against L2: {lv.reason}")
    else:
        lines.append(
            f"L1 against L2: fixed vs float L1 {db(lv.l1.steady_sqnr_db)}, "
            f"L2 {db(lv.l2.steady_sqnr_db)}; the two outputs (float) correlate "
            f"{lv.l1_l2_correlation:.3f}, RMS L1/L2 {lv.l1_over_l2_output_rms:.2f}"
        )
    q = r.quiet_channel
    p = q.bound_parts_lsb
    lines.append(
        f"quiet channel (deviation {q.deviation_over_eps_median:.2f} x eps): "
        f"error <= {lsb(q.bound_lsb)} "
        f"(rounding {lsb(p.rounding)} + mean {lsb(p.mean, 4)} + scale {lsb(p.scale, 4)}), "
        f"measured max {lsb(q.steady.max_error_lsb)}"
    )
    return lines


def _sweep(sw: SweepResult) -> list[str]:
    fields = sw.fields
    width = max(12, *(len(f) for f in fields))
    head = "  ".join(f"{f:>{width}}" for f in fields)
    lines = [
        "sweep (SQNR of fixed against float; steady = after warm-up):",
        f"  {head}  {'steady':>8}  {'whole':>8}  {'end-to-end':>10}  saturated words",
    ]
    for p in sw.points:
        vals = "  ".join(f"{value_text(p.settings[f]):>{width}}" for f in fields)
        g = p.figures
        if g is None:
            lines.append(f"  {vals}  refused: {p.refused}")
        else:
            lines.append(
                f"  {vals}  {db(g.steady_sqnr_db):>8}  {db(g.sqnr_db):>8}  "
                f"{db(g.end_to_end_steady_sqnr_db):>10}  {g.overflow_words:>15}"
            )
    t = sw.target
    if t is not None:
        what = TARGET_WORDS[t.metric]
        if t.chosen is None:
            lines.append(f"target {t.sqnr_db:g} dB ({what}): no setting of the sweep reaches it")
        else:
            lines.append(
                f"target {t.sqnr_db:g} dB ({what}): {t.chosen.label()} is the first setting that "
                f"meets it ({db(t.chosen_sqnr_db())})"
            )
    return lines


def _rtl(rtl: RtlCheck) -> list[str]:
    status = "PASS" if rtl.passed else "FAIL"
    lines = [
        f"rtl: {status}: {rtl.words_checked} of {rtl.words_expected} words of the Verilog on "
        f"{rtl.simulator} checked against the golden model, {rtl.mismatch_count} mismatches"
    ]
    if rtl.first_mismatch:
        lines.append(f"rtl: first mismatch: {rtl.first_mismatch}")
    return lines
