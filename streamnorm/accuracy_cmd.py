"""`streamnorm accuracy`: run the fixed-point model and the float reference on a stream, compare."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from streamnorm.golden import FixedStreamNorm, FloatStreamNorm, NormConfig
from streamnorm.golden.metrics import ErrorStats, compare
from streamnorm.golden.streams import STREAM_KINDS, make_stream

from .config_cmd import load_config

__all__ = ["AccuracyResult", "add_parser", "default_warmup", "run_accuracy"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "accuracy",
        help="fixed-point against float: SQNR and errors in output LSBs",
        description="Run the bit-accurate fixed-point model and the float64 reference on one "
        "stream and print how far apart they are.",
    )
    p.add_argument("--config", metavar="FILE", help="configuration JSON (default: the default config)")
    p.add_argument("--stream", default="gaussian", choices=STREAM_KINDS, help="input stream kind")
    p.add_argument("--samples", type=int, default=20000, help="time steps (one word per channel each)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the stream")
    p.set_defaults(run=run)


def default_warmup(cfg: NormConfig) -> int:
    """Time steps until the statistics have settled: one window, plus 3 time constants of decay."""
    decay_windows = 3 << cfg.decay_log2 if cfg.decay_log2 is not None else 0
    return cfg.window * (1 + decay_windows)


class AccuracyResult:
    """Fixed against float on one stream: overall, and in steady state (after warm-up)."""

    def __init__(self, cfg: NormConfig, x: np.ndarray, warmup: int) -> None:
        codes, clipped = cfg.in_fmt.quantize_report(x, cfg.rounding)
        self.input_saturated = int(np.count_nonzero(clipped))
        fixed = FixedStreamNorm(cfg)
        y = cfg.out_fmt.to_float(fixed.process(codes))
        y_ref = FloatStreamNorm(cfg).process(cfg.in_fmt.to_float(codes))
        self.output_overflows = fixed.overflow_count
        self.warmup = min(warmup, len(x) // 2)
        self.overall: ErrorStats = compare(y_ref, y, cfg.out_fmt.lsb)
        self.steady: ErrorStats = compare(y_ref[self.warmup :], y[self.warmup :], cfg.out_fmt.lsb)


def run_accuracy(cfg: NormConfig, stream: str, samples: int, seed: int) -> AccuracyResult:
    if samples < 1:
        raise ValueError(f"--samples must be at least 1, not {samples}")
    x = make_stream(stream, samples, cfg.channels, cfg.in_fmt, seed)
    return AccuracyResult(cfg, x, default_warmup(cfg))


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    res = run_accuracy(cfg, args.stream, args.samples, args.seed)
    print(
        f"stream {args.stream}: {args.samples} time steps x {cfg.channels} channels, seed {args.seed}; "
        f"in {cfg.in_fmt}, out {cfg.out_fmt}"
    )
    print(f"input words saturated by quantization: {res.input_saturated}")
    print(f"output words saturated/wrapped: {res.output_overflows}")
    for name, st in (("overall", res.overall), (f"after {res.warmup} warm-up steps", res.steady)):
        print(
            f"{name}: SQNR {st.sqnr_db:.2f} dB (output-rounding floor {st.floor_sqnr_db:.2f} dB), "
            f"RMS error {st.rms_error_lsb:.3f} LSB, max {st.max_error_lsb:.3f} LSB"
        )
    return 0
