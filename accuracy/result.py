"""`AccuracyResult`: everything one accuracy run found, as types; `to_json()` is metrics.json.

The figures are dataclasses from the modules that compute them (`analysis`, `comparisons`,
`sweep`, `rtl_check`); this module adds the stream's description and the top level. The report
folder's file names are named here once, since metrics.json lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from streamnorm.golden import NormConfig

from .analysis import FixedVsFloat, ModelRun, Warmup
from .comparisons import L1VsL2, L1VsL2Refused, QuietChannel, StreamingVsOffline
from .json_ready import json_ready
from .rtl_check import RtlCheck
from .sweep import SweepResult
from .text import eps_text

__all__ = ["FIGURE_FILES", "METRICS_FILE", "REPORT_FILE", "AccuracyResult", "Signals", "StreamDescription"]

REPORT_FILE = "report.html"
METRICS_FILE = "metrics.json"
#: Figure name -> file name in the report folder, in the order they are drawn.
FIGURE_FILES = {
    "time": "time.png",
    "error_histogram": "error_histogram.png",
    "statistics": "statistics.png",
    "channels": "channels.png",
    "comparison": "comparison.png",
    "sweep": "sweep.png",
}


@dataclass(frozen=True)
class StreamDescription:
    name: str  #: the kind, the recording or the file's name: what titles call it
    source: str  #: where it came from, in a sentence
    samples: int  #: time steps
    channels: int
    seed: int
    input_saturated_per_channel: tuple[int, ...]  #: input values clipped by quantization to in_fmt

    @property
    def input_saturated(self) -> int:
        return sum(self.input_saturated_per_channel)

    def to_json(self) -> dict[str, Any]:
        return json_ready(
            {
                "name": self.name,
                "source": self.source,
                "samples": self.samples,
                "channels": self.channels,
                "seed": self.seed,
                "input_saturated": self.input_saturated,
                "input_saturated_per_channel": self.input_saturated_per_channel,
            }
        )


@dataclass(frozen=True)
class Signals:
    """The arrays the figures are drawn from (not part of metrics.json)."""

    run: ModelRun
    offline: np.ndarray  #: offline normalization of the same inputs, output units
    l2: ModelRun | None  #: the L2 datapath on the same stream, next to an L1 configuration


@dataclass(frozen=True)
class AccuracyResult:
    """One run's figures: fixed against float on the stream, the comparisons, the quiet channel,
    and the sweep and the RTL check when asked for; `signals` holds the arrays behind the figures."""

    config: NormConfig
    stream: StreamDescription
    warmup: Warmup
    fixed_vs_float: FixedVsFloat
    output_overflow_words: int
    streaming_vs_offline: StreamingVsOffline
    l1_vs_l2: L1VsL2 | L1VsL2Refused
    quiet_channel: QuietChannel
    sweep: SweepResult | None
    rtl: RtlCheck | None
    command: str | None  #: how the caller spelt this run, for the report (None: not stated)
    signals: Signals = field(repr=False, compare=False)

    @property
    def figure_names(self) -> list[str]:
        """The figures the report folder holds, in order."""
        return [n for n in FIGURE_FILES if n != "sweep" or self.sweep is not None]

    @property
    def rtl_failed(self) -> bool:
        return self.rtl is not None and not self.rtl.passed

    @property
    def target_missed(self) -> bool:
        return self.sweep is not None and self.sweep.target is not None and not self.sweep.target.met

    def config_summary(self) -> dict[str, Any]:
        cfg = self.config
        return {
            "channels": cfg.channels,
            "in_fmt": str(cfg.in_fmt),
            "out_fmt": str(cfg.out_fmt),
            "window_log2": cfg.window_log2,
            "decay_log2": cfg.decay_log2,
            "mix_log2": cfg.mix_log2,
            "decay": cfg.decay,
            "mix": cfg.mix,
            "p": cfg.p,
            "scale": cfg.scale,
            "eps": cfg.eps,
            "eps_text": eps_text(cfg.eps),
            "rounding": cfg.rounding.value,
        }

    def to_json(self) -> dict[str, Any]:
        """metrics.json: every figure, plain JSON (an infinite SQNR, an exact match, is null)."""
        out: dict[str, Any] = {
            "stream": self.stream.to_json(),
            "config": self.config.to_dict(),
            "config_summary": self.config_summary(),
            "warmup_steps": self.warmup.steps,
            "fixed_vs_float": self.fixed_vs_float.to_json(),
            "output_overflow_words": self.output_overflow_words,
            "streaming_vs_offline": self.streaming_vs_offline.to_json(),
            "l1_vs_l2": self.l1_vs_l2.to_json(),
            "quiet_channel": self.quiet_channel.to_json(),
        }
        if self.sweep is not None:
            out["sweep"] = self.sweep.to_json()
        if self.rtl is not None:
            out["rtl"] = self.rtl.to_json()
        out["files"] = {
            "report": REPORT_FILE,
            "metrics": METRICS_FILE,
            "figures": {n: FIGURE_FILES[n] for n in self.figure_names},
        }
        out["command"] = self.command
        return json_ready(out)
