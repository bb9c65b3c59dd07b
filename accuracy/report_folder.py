"""The report folder: report.html, metrics.json and the figures as PNG files, from one result."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from streamnorm.golden import ParameterError, require

from .report import render_report
from .result import FIGURE_FILES, METRICS_FILE, REPORT_FILE, AccuracyResult

__all__ = ["ReportFiles", "make_report_folder", "write_report_folder"]


@dataclass(frozen=True)
class ReportFiles:
    report: Path
    metrics: Path
    figures: dict[str, Path]


def make_report_folder(out_dir: str | Path) -> Path:
    """`out_dir`, created if need be; refused if it is a file, or if Matplotlib (the `report` extra)
    is missing to draw the figures. Call it before a long run, so neither costs the run."""
    require("matplotlib")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ParameterError("out_dir", f"{out} is a file, not a folder; name a folder (it is created)")
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_report_folder(result: AccuracyResult, out_dir: str | Path) -> ReportFiles:
    """Draw the figures and write the page, the metrics and the PNG files into `out_dir`."""
    # Matplotlib takes a second to import: only drawing needs it, not every user of the package
    from .plots import draw_figures

    out = make_report_folder(out_dir)
    figures = draw_figures(result)
    paths = {name: out / FIGURE_FILES[name] for name in figures}
    for name, png in figures.items():
        paths[name].write_bytes(png)
    (out / REPORT_FILE).write_text(render_report(result, figures), encoding="utf-8")
    (out / METRICS_FILE).write_text(json.dumps(result.to_json(), indent=2, allow_nan=False) + "\n")
    return ReportFiles(report=out / REPORT_FILE, metrics=out / METRICS_FILE, figures=paths)
