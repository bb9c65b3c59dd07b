"""Golden-model speed: fixed-point million channel-samples per second, and the fixed/float time ratio.

    .venv/bin/python bench/golden_speed.py [--channels 64] [--steps 200000] [--repeat 5]

Targets (issue 3): >= 40 M ch-samples/s for the fixed-point model at C = 64, and fixed-point time
<= 2x the float model's, measured in the same run (best of --repeat, after one warm-up run). The
default configuration uses the shift forms of the decay and mix; the paper's coefficients (decay 0.3,
mix 0.3: one product per window and statistic) are timed too, for comparison.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from streamnorm.golden import FixedStreamNorm, FloatStreamNorm, NormConfig


def best_times(fns: list, repeat: int) -> list[float]:
    """Best wall time of each function, runs interleaved so both see the same machine state
    (allocator and page-cache state measurably changes the fixed-point timing otherwise)."""
    for fn in fns:
        fn()  # warm-up: page faults and caches
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, ts in zip(fns, times, strict=True):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return [min(ts) for ts in times]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--steps", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    cfg = NormConfig(channels=args.channels)
    rng = np.random.default_rng(0)
    codes = rng.integers(cfg.in_fmt.min_code, cfg.in_fmt.max_code + 1, (args.steps, args.channels))
    values = cfg.in_fmt.to_float(codes)
    paper = cfg.replace(decay=0.3, mix=0.3)
    t_fixed, t_float, t_paper = best_times(
        [
            lambda: FixedStreamNorm(cfg).process(codes),
            lambda: FloatStreamNorm(cfg).process(values),
            lambda: FixedStreamNorm(paper).process(codes),
        ],
        args.repeat,
    )
    n = args.steps * args.channels
    print(f"config: default 16-bit, C = {args.channels}, k = {cfg.window_log2}, T = {args.steps}")
    print(f"fixed-point: {n / t_fixed / 1e6:.1f} M ch-samples/s  ({t_fixed * 1e3:.0f} ms)   target >= 40")
    print(f"float:       {n / t_float / 1e6:.1f} M ch-samples/s  ({t_float * 1e3:.0f} ms)")
    print(f"fixed/float time ratio: {t_fixed / t_float:.2f}   target <= 2.0")
    print(f"fixed-point, decay 0.3 and mix 0.3 as coefficients: {n / t_paper / 1e6:.1f} M ch-samples/s")


if __name__ == "__main__":
    main()
