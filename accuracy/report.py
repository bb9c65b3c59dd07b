"""The accuracy report as one self-contained HTML file: summary table first, then the figures.

Figures are embedded as PNG data URIs, styles are inline and there is no script, so the file
opens anywhere (mail it, attach it to a review) and shows the same thing.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Mapping
from typing import Any

from .comparisons import L1VsL2Refused
from .result import AccuracyResult
from .rtl_check import RtlCheck
from .sweep import SweepResult, TargetChoice, TargetMetric
from .text import db, eps_text, lsb, settings_text, value_text, weight_text

__all__ = ["FIGURES", "render_report"]

#: Figure name -> (heading, caption), in page order.
FIGURES: dict[str, tuple[str, str]] = {
    "time": (
        "Input, outputs and error over time",
        "The channel with the lowest steady-state SQNR. Grey: warm-up. The error panel is the fixed "
        "output minus the float reference, in output LSBs.",
    ),
    "error_histogram": (
        "Error distribution",
        "Steady-state error of every word in range, all channels, in output LSBs, next to the "
        "uniform error of an ideal rounding to the output grid.",
    ),
    "statistics": (
        "Running statistics",
        "The statistics in force for each sample of the channel shown above, fixed point against "
        "float. The gain is the scale in output LSBs per input LSB; it peaks where the deviation "
        "falls towards eps.",
    ),
    "channels": (
        "Per channel",
        "Steady-state SQNR of each channel, and the SQNR an ideal rounding to the output grid would give.",
    ),
    "comparison": (
        "Streaming against offline, L1 against L2",
        "Float outputs of the channel shown above: the streaming normalizer, offline normalization "
        "with each channel's whole-sequence mean and deviation, and the streaming L2 datapath.",
    ),
    "sweep": (
        "SQNR against the swept setting",
        "Steady-state SQNR for each setting of the sweep; the target line and the first setting "
        "that meets it; settings the configuration refuses are marked at the bottom.",
    ),
}

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
       max-width: 1060px; padding: 16px 24px 48px; color: #222; line-height: 1.45; }
h1 { font-size: 1.55em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.meta { color: #555; font-size: 0.92em; margin-top: 0; }
.verdict { font-size: 1.08em; background: #f4f8fb; border-left: 4px solid #1f77b4;
           padding: 8px 12px; }
.warn { background: #fff4e5; border-left: 4px solid #ff7f0e; padding: 6px 12px; }
.fail { background: #fdecea; border-left: 4px solid #d62728; padding: 6px 12px; }
.ok { color: #2ca02c; font-weight: 600; }
.bad { color: #d62728; font-weight: 600; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.93em; }
th, td { border: 1px solid #ddd; padding: 3px 9px; text-align: right; vertical-align: top;
         white-space: nowrap; }
td.text { white-space: normal; text-align: left; }
th { background: #f2f2f2; white-space: normal; }
td.l, th.l { text-align: left; }
table.summary td:first-child { text-align: left; font-weight: 600; background: #fafafa;
                               white-space: nowrap; }
table.summary td { text-align: left; white-space: normal; }
figure { margin: 12px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 0.85em; }
tr.chosen td { background: #fdecea; font-weight: 600; }
tr.refused td { color: #888; }
"""


def _e(v: Any) -> str:
    return html.escape(str(v))


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _table(head: list[str], rows: list[list[str]], row_classes: list[str] | None = None) -> str:
    out = ["<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for i, r in enumerate(rows):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        out.append(f"<tr{cls}>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in r) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _summary_rows(r: AccuracyResult) -> list[tuple[str, str]]:
    f = r.fixed_vs_float
    st, ov, wu = f.steady, f.overall, f.warmup
    worst = f.worst_channel()
    best = max(f.per_channel, key=lambda c: _key(c.steady_sqnr_db))
    rows = [
        (
            "SQNR, fixed against float",
            f"steady state <b>{db(st.sqnr_db)}</b> · overall {db(ov.sqnr_db)} · "
            f"warm-up ({_e(r.warmup.describe())}) {db(wu.sqnr_db)}",
        ),
        (
            "Output-rounding floor (LSB²/12)",
            f"{db(st.floor_sqnr_db)}; error power {_signed_db(st.noise_over_floor_db)} the floor",
        ),
        (
            "SQNR per channel (steady)",
            f"worst channel {worst.channel}: {db(worst.steady_sqnr_db)} · "
            f"best channel {best.channel}: {db(best.steady_sqnr_db)}",
        ),
        (
            "Error (steady)",
            f"RMS {lsb(st.rms_error_lsb)} · max {lsb(st.max_error_lsb)} · "
            f"max of words in range {lsb(st.max_error_lsb_in_range)}",
        ),
        (
            "End to end (with input quantization)",
            f"steady state {db(f.end_to_end.steady.sqnr_db)}, against the float reference "
            "fed the unquantized stream",
        ),
        (
            "Saturation and overflow",
            f"{r.stream.input_saturated} input values saturated by quantization to "
            f"{_e(r.config.in_fmt)} · {r.output_overflow_words} output words "
            f"saturated or wrapped",
        ),
    ]
    lv = r.l1_vs_l2
    if isinstance(lv, L1VsL2Refused):
        rows.append(("L1 against L2", _e(lv.reason)))
    else:
        rows.append(
            (
                "L1 against L2",
                f"fixed against float: L1 {db(lv.l1.steady_sqnr_db)}, L2 "
                f"{db(lv.l2.steady_sqnr_db)} · the two normalized outputs (float) correlate "
                f"{lv.l1_l2_correlation:.3f}, RMS L1/L2 {lv.l1_over_l2_output_rms:.2f}, SQNR of "
                f"L1 against L2 {db(lv.l1_float_against_l2_float_sqnr_db)}",
            )
        )
    so = r.streaming_vs_offline
    rows.append(
        (
            "Streaming against offline",
            f"SQNR of the streaming float output against whole-sequence normalization: steady "
            f"{db(so.steady.sqnr_db)}, overall {db(so.overall.sqnr_db)} (the price of "
            "statistics from the recent past, not of fixed point)",
        )
    )
    q = r.quiet_channel
    parts = q.bound_parts_lsb
    rows.append(
        (
            "Quiet channel (deviation → eps)",
            f"error ≤ <b>{lsb(q.bound_lsb)}</b> = rounding {lsb(parts.rounding)} + mean "
            f"{lsb(parts.mean, 4)} + scale {lsb(parts.scale, 4)}; deviation "
            f"{q.deviation_over_eps_median:.2f} × eps, gain {q.gain_lsb_per_input_lsb_median:.4g} "
            f"LSB/LSB (largest {q.max_gain_lsb_per_input_lsb:.4g}); SQNR {db(q.steady.sqnr_db)}",
        )
    )
    if r.sweep is not None and r.sweep.target is not None:
        rows.append(("Target", _target_text(r.sweep.target)))
    if r.rtl is not None:
        rows.append(("Verilog (RTL check)", _rtl_text(r.rtl)))
    return rows


def _key(v: float | None) -> float:
    return -math.inf if v is None or math.isnan(v) else v


def _signed_db(v: float | None) -> str:
    if v is None or math.isnan(v):
        return "—"
    if math.isinf(v):
        return "far below" if v < 0 else "far above"
    return f"{abs(v):.1f} dB {'above' if v >= 0 else 'below'}"


_TARGET_WORDS = {
    TargetMetric.DATAPATH: "steady-state SQNR (fixed against float, same input codes)",
    TargetMetric.OVERALL: "whole-stream SQNR (warm-up included)",
    TargetMetric.END_TO_END: "end-to-end steady-state SQNR (input quantization included)",
}


def _target_text(t: TargetChoice) -> str:
    what = _TARGET_WORDS[t.metric]
    if t.chosen is None:
        return f'<span class="bad">no setting of the sweep reaches {t.sqnr_db:g} dB</span> ({what})'
    return (
        f'<span class="ok">{_e(settings_text(t.chosen.settings, " = "))}</span> is the first setting with a '
        f"{what} at or above {t.sqnr_db:g} dB ({db(t.chosen_sqnr_db())})"
    )


def _rtl_text(rtl: RtlCheck) -> str:
    if rtl.passed:
        return (
            f'<span class="ok">PASS</span>: the generated Verilog on {_e(rtl.simulator)} produced '
            f"the golden model's output, all {rtl.words_checked} words equal "
            f"(backpressure {rtl.backpressure:g})"
        )
    first = f"; first: {_e(rtl.first_mismatch)}" if rtl.first_mismatch else ""
    return (
        f'<span class="bad">FAIL</span>: {rtl.mismatch_count} of {rtl.words_checked} words differ '
        f"from the golden model{first}"
    )


def _per_channel_table(r: AccuracyResult) -> str:
    rows = [
        [
            str(c.channel),
            db(c.steady_sqnr_db),
            db(c.sqnr_db),
            db(c.steady_floor_sqnr_db),
            lsb(c.rms_error_lsb),
            lsb(c.max_error_lsb),
            lsb(c.max_error_lsb_in_range),
            str(c.input_saturated),
            str(c.overflow_words),
        ]
        for c in r.fixed_vs_float.per_channel
    ]
    head = [
        "channel",
        "SQNR steady",
        "SQNR overall",
        "floor",
        "RMS error",
        "max error",
        "max in range",
        "inputs saturated",
        "outputs saturated",
    ]
    return _table(head, rows)


def _budget_table(r: AccuracyResult) -> str:
    names = {
        "rounding": "output rounding (and beta's quantization)",
        "mean": "mean statistic × gain",
        "scale": "scale (deviation, reciprocal, mantissa) × centred sample",
    }
    rows = [
        [f'<td class="text">{_e(names[k])}</td>', lsb(v.rms_lsb, 4), lsb(v.max_lsb, 4)]
        for k, v in r.fixed_vs_float.error_budget_steady.parts().items()
    ]
    return _table(["part of the error (steady, words in range)", "RMS", "max"], rows)


def _comparison_table(r: AccuracyResult) -> str:
    lv = r.l1_vs_l2
    if isinstance(lv, L1VsL2Refused):
        return f"<p>{_e(lv.reason)}</p>"
    rows = []
    for name, s in (("L1", lv.l1), ("L2", lv.l2)):
        rows.append(
            [
                name,
                db(s.steady_sqnr_db),
                db(s.steady_floor_sqnr_db),
                lsb(s.max_error_lsb_in_range),
                db(s.offline_steady_sqnr_db),
                f"{s.output_rms:.3f}",
                str(s.overflow_words),
                '<td class="text">' + _e(" · ".join(f"{k} {v}" for k, v in s.widths.items())) + "</td>",
            ]
        )
    head = [
        "datapath",
        "fixed vs float",
        "floor",
        "max error in range",
        "streaming vs offline",
        "output RMS",
        "outputs saturated",
        "register widths (bits)",
    ]
    return _table(head, rows)


def _quiet_table(r: AccuracyResult) -> str:
    q = r.quiet_channel
    p = q.bound_parts_lsb
    rows = [
        ["stream", _e(q.stream)],
        ["deviation statistic (median, steady)", f"{q.deviation_over_eps_median:.3f} × eps"],
        [
            "gain (median, steady)",
            f"{q.gain_lsb_per_input_lsb_median:.5g} output LSBs per input LSB "
            f"(largest the configuration allows: {q.max_gain_lsb_per_input_lsb:.5g})",
        ],
        ["SQNR, fixed against float (steady)", db(q.steady.sqnr_db)],
        [
            "RMS / max error (steady)",
            f"{lsb(q.steady.rms_error_lsb)} / {lsb(q.steady.max_error_lsb)}",
        ],
        [
            "error bound",
            f"<b>{lsb(q.bound_lsb)}</b> = output rounding {lsb(p.rounding)} (at most "
            f"{q.rounding_limit_lsb:g}) + mean statistic {lsb(p.mean, 4)} + scale {lsb(p.scale, 4)}",
        ],
    ]
    body = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="summary">{body}</table>'


def _sweep_table(sw: SweepResult) -> str:
    fields = sw.fields
    chosen = sw.target.chosen.settings if sw.target is not None and sw.target.chosen is not None else None
    rows, classes = [], []
    for p in sw.points:
        vals = [_e(value_text(p.settings[f])) for f in fields]
        if p.figures is not None:
            g = p.figures
            w = g.widths
            rows.append(
                [
                    *vals,
                    db(g.steady_sqnr_db),
                    db(g.sqnr_db),
                    db(g.end_to_end_steady_sqnr_db),
                    db(g.steady_floor_sqnr_db),
                    lsb(g.max_error_lsb_in_range),
                    str(g.overflow_words),
                    f"{w['guard_bits']} / {w['mean_width']} / {w['product_width']}",
                ]
            )
            classes.append("chosen" if chosen == p.settings else "")
        else:
            rows.append([*vals, f'<td class="text" colspan="7">refused: {_e(p.refused)}</td>'])
            classes.append("refused")
    head = [
        *fields,
        "SQNR steady",
        "SQNR whole stream",
        "end to end (steady)",
        "floor",
        "max error in range",
        "outputs saturated (whole stream)",
        "guard / mean / product bits",
    ]
    return _table(head, rows, classes)


def _verdict(r: AccuracyResult) -> str:
    st = r.fixed_vs_float.steady
    gap = st.noise_over_floor_db
    if math.isnan(gap):
        closeness = ""
    elif gap <= 0.5:
        closeness = "at the output-rounding floor: the datapath adds next to nothing to the output rounding"
    else:
        closeness = f"{gap:.1f} dB above the output-rounding floor"
    inputs = r.stream.input_saturated
    sat_text = (
        "no word saturated"
        if inputs + r.output_overflow_words == 0
        else f"{inputs} input values and {r.output_overflow_words} output words saturated"
    )
    return (
        f"In steady state the fixed-point core reaches an SQNR of <b>{db(st.sqnr_db)}</b> against "
        f"float, {closeness}; RMS error {lsb(st.rms_error_lsb)}, max "
        f"{lsb(st.max_error_lsb_in_range)} on words in range; {sat_text}."
    )


def render_report(result: AccuracyResult, figures: Mapping[str, bytes]) -> str:
    """The whole page. `figures` maps names of `FIGURES` to PNG bytes (missing ones are skipped)."""
    r = result
    cfg = r.config
    name = r.stream.name
    warnings = []
    if r.stream.input_saturated:
        warnings.append(
            f"{r.stream.input_saturated} input values lay outside {_e(cfg.in_fmt)} and were "
            "saturated; the end-to-end SQNR counts that, the fixed-against-float SQNR does not."
        )
    if r.output_overflow_words:
        warnings.append(
            f"{r.output_overflow_words} output words saturated or wrapped ({_e(cfg.out_fmt)}); "
            "they dominate the SQNR: see the in-range figures."
        )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>streamnorm accuracy: {_e(name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Fixed point against float: {_e(name)}</h1>",
        f'<p class="meta">{_e(r.stream.source)} · {r.stream.samples} time steps × '
        f"{cfg.channels} channels · in {_e(cfg.in_fmt)}, out {_e(cfg.out_fmt)}, window 2^"
        f"{cfg.window_log2}, decay {weight_text(cfg.decay_coefficient)}, "
        f"mix {weight_text(cfg.mix_coefficient)}, L{cfg.p}, "
        f"{_e(cfg.scale)} scale, eps {_e(eps_text(cfg.eps))}, {_e(cfg.rounding.value)}</p>",
        f'<p class="verdict">{_verdict(r)}</p>',
    ]
    parts += [f'<p class="warn">{w}</p>' for w in warnings]
    if r.rtl_failed and r.rtl is not None:
        parts.append(f'<p class="fail">{_rtl_text(r.rtl)}</p>')
    parts.append("<h2>Summary</h2>")
    parts.append('<table class="summary">')
    parts += [f"<tr><td>{_e(k)}</td><td>{v}</td></tr>" for k, v in _summary_rows(r)]
    parts.append("</table>")
    sw = r.sweep
    if sw is not None and "sweep" in figures:
        heading, caption = FIGURES["sweep"]
        parts += [
            f"<h2>{heading}</h2>",
            f"<figure>{_img(figures['sweep'], heading)}<figcaption>{caption}</figcaption></figure>",
        ]
        if sw.target is not None:
            parts.append(f"<p>{_target_text(sw.target)}</p>")
        parts.append(_sweep_table(sw))
    for fig_name in ("time", "error_histogram", "statistics", "channels"):
        if fig_name in figures:
            heading, caption = FIGURES[fig_name]
            parts += [
                f"<h2>{heading}</h2>",
                f"<figure>{_img(figures[fig_name], heading)}<figcaption>{caption}</figcaption></figure>",
            ]
            if fig_name == "channels":
                parts.append(_per_channel_table(r))
            if fig_name == "error_histogram":
                parts += ["<h3>Where the error comes from</h3>", _budget_table(r)]
    if "comparison" in figures:
        heading, caption = FIGURES["comparison"]
        parts += [
            f"<h2>{heading}</h2>",
            f"<figure>{_img(figures['comparison'], heading)}<figcaption>{caption}</figcaption></figure>",
            _comparison_table(r),
        ]
    parts += ["<h2>Quiet channel: the largest gain</h2>", _quiet_table(r)]
    parts.append("<h2>How this was made</h2>")
    if r.command is not None:
        parts.append(f"<pre>{_e(r.command)}</pre>")
    parts += [
        "<p>Metric definitions: docs/accuracy.md. Machine-readable figures: metrics.json.</p>",
        f"<pre>{_e(json.dumps(cfg.to_dict(), indent=2))}</pre>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
