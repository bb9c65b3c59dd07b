"""`streamnorm explore` on a LocalCluster: wall time with 1 and 2 workers, and a rerun from the cache.

    .venv/bin/python bench/explore.py [--out out/bench_explore]

A 12-point grid at C = 8 (fraction bits 3..5, window 2^1 .. 2^4) of the cheapest cores at C = 8
to synthesize (8-bit words, pow2 scale, no long-term statistics), on the ECP5-25K at 150 MHz,
2 placer seeds a point: 24 synthesis runs. The grid is explored twice from an empty
cache, on a LocalCluster of 1 worker and of 2 workers (the wall time includes starting the cluster
and the accuracy stage, as a user waits for it), then rerun on the second cache, where every run
is found and nothing is synthesized. Prints the figures, and the machine's load average, since
other work on the machine takes cores from the workers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from streamnorm.accuracy.explore import ExploreRequest, parse_grid, run_explore
from streamnorm.accuracy.explore_cluster import ClusterSpec, open_client
from streamnorm.accuracy.explore_result import ExploreResult
from streamnorm.golden import NormConfig

BASE = NormConfig(
    channels=8,
    in_fmt={"width": 8, "frac": 6},
    out_fmt={"width": 8, "frac": 4},
    eps=2.0**-4,
    window_log2=2,
    decay_log2=None,
    mix_log2=None,
    scale="pow2",
)
GRID = "out_fmt.frac=3:5,window_log2=1:4"
SEEDS = 2
FREQ_MHZ = 150.0


def explore(out: Path, workers: int) -> tuple[float, ExploreResult]:
    """Wall time of one exploration into `out` on a LocalCluster of `workers`, and its result."""
    request = ExploreRequest(
        BASE, parse_grid([GRID], BASE), 0.0, out, samples=2000, device="25k", freq_mhz=FREQ_MHZ, seeds=SEEDS
    )
    t0 = time.perf_counter()
    with open_client(ClusterSpec(workers=workers)) as client:
        result = run_explore(request, client)
    return time.perf_counter() - t0, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out/bench_explore")
    args = ap.parse_args()
    root = Path(args.out)
    print(f"grid {GRID} at C = 8, {SEEDS} seeds, ECP5-25K at {FREQ_MHZ:g} MHz; {os.cpu_count()} cores")
    times = {}
    for workers in (1, 2):
        out = root / f"workers{workers}"
        shutil.rmtree(out, ignore_errors=True)  # an empty cache: every run is synthesized
        load = os.getloadavg()[0]
        seconds, result = explore(out, workers)
        runs, cached = result.task_counts()
        assert cached == 0 and runs == 12 * SEEDS, (runs, cached)
        times[workers] = seconds
        print(f"  {workers} worker(s): {seconds:7.1f} s for {runs} runs (load average before: {load:.1f})")
        for p in result.points:
            if p.synth is None or not p.synth.fits:
                first = p.synth.message.splitlines()[0] if p.synth else "not synthesized"
                print(f"    {p.label()}: {first}")
        sys.stdout.flush()
    seconds, result = explore(root / "workers2", 2)
    runs, cached = result.task_counts()
    # a run that failed for the machine's sake (a tool killed from outside) is not cached: redone
    print(f"  rerun, 2 workers: {seconds:7.1f} s, {cached} of {runs} runs from the cache")
    print()
    print(f"1 worker / 2 workers: {times[1] / times[2]:.2f}x faster with 2")
    print(f"rerun from the cache: {times[2] / seconds:.0f}x faster than the first run with 2 workers")
    if result.recommended_point is not None:
        print(f"recommended: {result.recommended_point.label()}")


if __name__ == "__main__":
    main()
