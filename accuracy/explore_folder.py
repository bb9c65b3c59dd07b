"""The exploration's output folder: explore.json, recommended.json and report.html, from one result."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .explore_report import render_explore_report
from .explore_result import EXPLORE_FILE, RECOMMENDED_FILE, REPORT_FILE, ExploreResult
from .report_folder import make_report_folder

__all__ = ["ExploreFiles", "write_explore_folder"]


@dataclass(frozen=True)
class ExploreFiles:
    explore: Path
    recommended: Path | None  #: None: nothing was recommended (and no older file is left behind)
    report: Path


def write_explore_folder(result: ExploreResult, out_dir: str | Path) -> ExploreFiles:
    """Write the three files into `out_dir`. A recommended.json from an earlier run that this one
    does not confirm is removed: the file is always this run's answer or absent."""
    from .explore_plots import draw_explore_figures  # Matplotlib: only drawing needs it

    out = make_report_folder(out_dir)
    (out / EXPLORE_FILE).write_text(json.dumps(result.to_json(), indent=2, allow_nan=False) + "\n")
    rec = out / RECOMMENDED_FILE
    point = result.recommended_point
    if point is None or point.config is None:
        rec.unlink(missing_ok=True)
    else:
        rec.write_text(point.config.to_json() + "\n")
    (out / REPORT_FILE).write_text(
        render_explore_report(result, draw_explore_figures(result)), encoding="utf-8"
    )
    return ExploreFiles(out / EXPLORE_FILE, rec if rec.exists() else None, out / REPORT_FILE)
