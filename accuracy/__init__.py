"""Accuracy analysis: the fixed-point model against float on a stream, as typed results and a report.

``run_accuracy(AccuracyRequest(...))`` returns an `AccuracyResult` (its `to_json()` is
metrics.json); `write_report_folder` writes report.html, metrics.json and the figures. The
pieces: `stimulus` (streams, recordings, files), `analysis` (both models and the error),
`comparisons` (offline, L1 against L2, the quiet channel), `sweep`, `rtl_check`, and the ways a
result is shown: `summary` (text), `report` (HTML), `plots`.
"""

from .progress import Progress
from .report_folder import ReportFiles, make_report_folder, write_report_folder
from .result import AccuracyResult
from .rtl_check import RtlOptions
from .run import AccuracyRequest, run_accuracy
from .summary import summary_lines
from .sweep import SweepAxis, TargetMetric, parse_sweep

__all__ = [
    "AccuracyRequest",
    "AccuracyResult",
    "Progress",
    "ReportFiles",
    "RtlOptions",
    "SweepAxis",
    "TargetMetric",
    "make_report_folder",
    "parse_sweep",
    "run_accuracy",
    "summary_lines",
    "write_report_folder",
]
