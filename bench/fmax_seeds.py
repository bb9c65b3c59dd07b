"""Fmax across placer seeds: the 16-bit L1 designs at C = 64 on the ECP5-85K, speed grades 6 and 8.

    .venv/bin/python bench/fmax_seeds.py [--seeds 5] [--out out/fmax_seeds]

nextpnr's result moves by a few per cent with its placer seed, so one run cannot say whether a
design meets a clock it is close to. This places and routes each design with seeds 1..N and
prints the lowest, median and highest Fmax and how many seeds reach the 200 MHz target (issue 7).
Takes about 15 minutes with 5 seeds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from streamnorm.golden import NormConfig
from streamnorm.hw.synth import Family, SynthRequest, synthesize

TARGET_MHZ = 200.0
DESIGNS = {"L1 exact": {}, "L1 pow2": {"scale": "pow2"}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default="out/fmax_seeds")
    args = ap.parse_args()
    out = Path(args.out)
    rows = []
    print(f"ECP5-85K (LFE5U-85F, CABGA381), C = 64, constraint {TARGET_MHZ:g} MHz, seeds 1..{args.seeds}")
    for name, fields in DESIGNS.items():
        cfg = NormConfig(channels=64).replace(**fields)
        for speed in (6, 8):
            fmax = []
            for seed in range(1, args.seeds + 1):
                t0 = time.perf_counter()
                tag = f"{name.replace(' ', '_')}-s{speed}-seed{seed}"
                report = synthesize(
                    SynthRequest(cfg, out / tag, Family.ECP5, "85k", TARGET_MHZ, speed=speed, seed=seed)
                )
                fmax.append(report.fmax_mhz)
                took = time.perf_counter() - t0
                print(
                    f"  {name:9s} -{speed} seed {seed}: {report.fmax_mhz:6.1f} MHz ({took:.0f} s)", flush=True
                )
            rows.append({"design": name, "speed": speed, "fmax_mhz": fmax})
    print()
    print(f"| design | speed grade | lowest | median | highest | seeds at >= {TARGET_MHZ:g} MHz |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        f = r["fmax_mhz"]
        met = sum(x >= TARGET_MHZ for x in f)
        print(
            f"| {r['design']} | -{r['speed']} | {min(f):.1f} | {statistics.median(f):.1f} | {max(f):.1f} "
            f"| {met} of {len(f)} |"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "fmax_seeds.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"\nreports: {out}/*/synth.json; this table: {out}/fmax_seeds.json")


if __name__ == "__main__":
    main()
