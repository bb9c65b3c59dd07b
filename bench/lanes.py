"""What lanes cost: P = 1, 2, 4, 8 at C = 64, 16-bit, ECP5-85K speed grade 6, L1 exact and pow2.

    .venv/bin/python bench/lanes.py [--lanes 1 2 4 8] [--scales exact pow2] [--seed 1] [--jobs 2]
                                    [--out out/lanes]

Synthesizes each (scale, P) with Yosys and nextpnr (placer seed `--seed`, 200 MHz constraint) and
prints the table docs/cost.md holds: LUT, FF, DSP, BRAM, Fmax, throughput P x Fmax in M samples/s
and samples/s per LUT, against the targets of issue 12: LUT(P) <= P x LUT(1), DSP(P) = P x DSP(1),
Fmax(P) >= 0.9 x Fmax(1). Each synthesis takes several minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from streamnorm.golden import NormConfig
from streamnorm.hw.synth import Family, SynthRequest, synthesize
from streamnorm.hw.timing import latency, service


def run(scale: str, lanes: int, seed: int, out: Path) -> dict[str, Any]:
    cfg = NormConfig(channels=64, lanes=lanes, scale=scale)
    t0 = time.perf_counter()
    report = synthesize(
        SynthRequest(
            cfg,
            out / f"{scale}-P{lanes}-seed{seed}",
            Family.ECP5,
            device="85k",
            freq_mhz=200.0,
            seed=seed,
        )
    )
    print(
        f"  {scale:5s} P={lanes}: {report.fmax_mhz or 0:6.1f} MHz, {report.lut} LUT, {report.ff} FF, "
        f"{report.dsp} DSP, {report.bram} BRAM ({time.perf_counter() - t0:.0f} s)",
        flush=True,
    )
    sp = service(cfg)
    return {
        "scale": scale,
        "lanes": lanes,
        "seed": seed,
        **report.to_dict(),
        "latency": latency(cfg),
        "scale_services": sp.units,
        "lanes_per_service": sp.lanes_per_unit,
    }


def _verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| scale | P | LUT | FF | DSP | BRAM | latency | scale units | Fmax (MHz) | M samples/s "
        "| samples/s per LUT | LUT <= P x LUT(1) | DSP = P x DSP(1) | Fmax >= 0.9 x Fmax(1) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scale in dict.fromkeys(r["scale"] for r in rows):
        mine = sorted((r for r in rows if r["scale"] == scale), key=lambda r: r["lanes"])
        one = next((r for r in mine if r["lanes"] == 1), None)
        for r in mine:
            fmax = r["fmax_mhz"] or 0.0
            rate = r["lanes"] * fmax
            checks = ["–"] * 3
            if one is not None and r["lanes"] > 1:
                checks = [
                    _verdict(r["lut"] <= r["lanes"] * one["lut"]),
                    _verdict(r["dsp"] == r["lanes"] * one["dsp"]),
                    _verdict(fmax >= 0.9 * (one["fmax_mhz"] or 0.0)),
                ]
            lines.append(
                f"| {scale} | {r['lanes']} | {r['lut']} | {r['ff']} | {r['dsp']} | {r['bram']} "
                f"| {r['latency']} "
                f"| {r['scale_services']} × {r['lanes_per_service']} lanes | {fmax:.1f} | {rate:.0f} "
                f"| {rate * 1e6 / max(1, r['lut']):,.0f} | {' | '.join(checks)} |"
            )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lanes", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--scales", nargs="+", default=["exact", "pow2"], choices=["exact", "pow2"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default="out/lanes")
    args = ap.parse_args()
    out = Path(args.out)
    print(
        f"C = 64, 16-bit, ECP5-85K (LFE5U-85F, CABGA381), speed grade 6, 200 MHz constraint, seed {args.seed}"
    )
    tasks = [(s, p) for s in args.scales for p in args.lanes]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        rows = list(pool.map(lambda t: run(t[0], t[1], args.seed, out), tasks))
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    print()
    print("\n".join(table(rows)))


if __name__ == "__main__":
    main()
