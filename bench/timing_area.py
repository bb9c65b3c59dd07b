"""Fmax and area against the targets: 16-bit designs on the ECP5-85K, speed grade 6, seeds 1-3.

    .venv/bin/python bench/timing_area.py [--seeds 3] [--jobs 2] [--only NAME ...] [--out out/timing_area]

Places and routes each design of `DESIGNS` with nextpnr's placer seeds 1..N (nextpnr's default
speed grade 6, the common boards' part; its Fmax moves by a few per cent with the seed) and
prints, per design, LUT, FF, DSP and BRAM (the same for every seed) and the lowest, median and
highest Fmax, against the targets: Fmax >= 200 MHz (L1) or >= 180 MHz (p = 2), and at C = 64
LUT <= 3900 and FF <= 3000 (exact), LUT <= 2500 (pow2). `--jobs` runs that many syntheses at
once (one core each). About 3 minutes per synthesis on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from streamnorm.golden import NormConfig
from streamnorm.hw.synth import Family, SynthRequest, synthesize
from streamnorm.hw.timing import latency

#: name -> (configuration changes, Fmax target MHz, LUT limit, FF limit)
DESIGNS: dict[str, tuple[dict[str, Any], float, int | None, int | None]] = {
    "L1 exact C=1": ({"channels": 1}, 200.0, None, None),
    "L1 exact C=8": ({"channels": 8}, 200.0, None, None),
    "L1 exact C=64": ({"channels": 64}, 200.0, 3900, 3000),
    "L1 exact C=1024": ({"channels": 1024}, 200.0, None, None),
    "L1 pow2 C=1": ({"channels": 1, "scale": "pow2"}, 200.0, None, None),
    "L1 pow2 C=8": ({"channels": 8, "scale": "pow2"}, 200.0, None, None),
    "L1 pow2 C=64": ({"channels": 64, "scale": "pow2"}, 200.0, 2500, None),
    "L1 pow2 C=1024": ({"channels": 1024, "scale": "pow2"}, 200.0, None, None),
    "L2 C=64": ({"channels": 64, "p": 2}, 180.0, None, None),
}


def run(name: str, seed: int, out: Path) -> dict[str, Any]:
    fields = DESIGNS[name][0]
    cfg = NormConfig().replace(**fields)
    t0 = time.perf_counter()
    tag = f"{name.replace(' ', '_').replace('=', '')}-seed{seed}"
    report = synthesize(SynthRequest(cfg, out / tag, Family.ECP5, device="85k", freq_mhz=200.0, seed=seed))
    took = time.perf_counter() - t0
    print(
        f"  {name:16s} seed {seed}: {report.fmax_mhz or 0:6.1f} MHz, {report.lut} LUT, {report.ff} FF "
        f"({took:.0f} s)",
        flush=True,
    )
    return {"design": name, "seed": seed, **report.to_dict(), "latency": latency(cfg)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", nargs="*", default=None, help="design names (default: all)")
    ap.add_argument("--out", default="out/timing_area")
    args = ap.parse_args()
    out = Path(args.out)
    names = args.only or list(DESIGNS)
    print(f"ECP5-85K (LFE5U-85F, CABGA381), speed grade 6, constraint 200 MHz, seeds 1..{args.seeds}")
    tasks = [(n, s) for n in names for s in range(1, args.seeds + 1)]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        rows = list(pool.map(lambda t: run(t[0], t[1], out), tasks))
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(rows, indent=2) + "\n")

    print()
    print("| design | LUT | FF | DSP | BRAM | latency | Fmax low / median / high (MHz) | targets |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        mine = [r for r in rows if r["design"] == name]
        fmax = [r["fmax_mhz"] or 0.0 for r in mine]
        r0 = mine[0]
        target, lut_max, ff_max = DESIGNS[name][1:]
        med = statistics.median(fmax)
        verdict = [f"Fmax {'met' if med >= target else f'MISSED by {100 * (1 - med / target):.1f} %'}"]
        if lut_max is not None:
            verdict.append(f"LUT <= {lut_max} {'met' if r0['lut'] <= lut_max else 'MISSED'}")
        if ff_max is not None:
            verdict.append(f"FF <= {ff_max} {'met' if r0['ff'] <= ff_max else 'MISSED'}")
        print(
            f"| {name} | {r0['lut']} | {r0['ff']} | {r0['dsp']} | {r0['bram']} | {r0['latency']} | "
            f"{min(fmax):.1f} / {med:.1f} / {max(fmax):.1f} | {'; '.join(verdict)} |"
        )


if __name__ == "__main__":
    main()
