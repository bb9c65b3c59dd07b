"""Cost on FPGAs: L1 (exact and power-of-two scale) against L2, for C = 1, 64 and 1024 channels.

    .venv/bin/python bench/l1_vs_l2.py [--out out/l1_vs_l2] [--quick]

Synthesizes and places-and-routes (YoWASP Yosys + nextpnr) the default 16-bit design at each
channel count on an ECP5-85K (speed grade 6, the slowest, and 8 for the C = 64 L1 designs) and
iCE40UP5K and HX8K, and prints a table of LUT, FF, DSP, BRAM and Fmax with the L2/L1 ratios. Targets
(issue 7), at C = 64 on the ECP5-85K: Fmax >= 200 MHz for p = 1; at most one DSP block for the
exact scale and none for pow2; L2 costs more LUTs and DSPs than L1; block RAM grows with C while
LUTs stay nearly flat. `--quick` does C = 64 on ECP5 only. Takes about 20 minutes in full.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from streamnorm.golden import NormConfig
from streamnorm.hw.synth import SynthReport, SynthRequest, synthesize

DESIGNS = {
    "L1 exact": {},
    "L1 pow2": {"scale": "pow2"},
    "L2": {"p": 2},
}


def run(name: str, channels: int, target: str, device: str, speed: int | None, out: Path) -> SynthReport:
    cfg = NormConfig(channels=channels).replace(**DESIGNS[name])
    tag = f"{name.replace(' ', '_')}-C{channels}-{target}-{device}" + (f"-s{speed}" if speed else "")
    t0 = time.perf_counter()
    report = synthesize(SynthRequest(cfg, out / tag, target, device=device, freq_mhz=200.0, speed=speed))
    took = time.perf_counter() - t0
    fmax = f"{report.fmax_mhz:6.1f} MHz" if report.fmax_mhz else "   -      "
    status = (
        f"LUT {report.lut:6d}  FF {report.ff:6d}  DSP {report.dsp:3d}  BRAM {report.bram:3d}  Fmax {fmax}"
        if report.fits
        else "does not fit"
    )
    print(
        f"  {name:9s} C={channels:<5d} {report.device}{f'-{speed}' if speed else ''}: {status}  "
        f"({took:.0f} s)",
        flush=True,
    )
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out/l1_vs_l2")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--targets", default="ecp5,ice40", help="comma-separated: ecp5, ice40")
    args = ap.parse_args()
    targets = set(args.targets.split(","))
    out = Path(args.out)
    channel_counts = (64,) if args.quick else (1, 64, 1024)
    rows: list[dict] = []
    if "ecp5" in targets:
        print("ECP5-85K (LFE5U-85F, CABGA381), speed grade 6 unless noted; constraint 200 MHz", flush=True)
        for c in channel_counts:
            for name in DESIGNS:
                r = run(name, c, "ecp5", "85k", None, out)
                rows.append({"design": name, "channels": c, "device": r.device, "speed": 6, **r.to_dict()})
        for name in ("L1 exact", "L1 pow2"):
            r = run(name, 64, "ecp5", "85k", 8, out)
            rows.append({"design": name, "channels": 64, "device": r.device, "speed": 8, **r.to_dict()})
    if "ice40" in targets and not args.quick:
        # the UP5K (with DSP blocks) has 39 I/O pins in its sg48 package, fewer than the core's
        # ports; the HX8K (ct256) has the pins and 32 block RAMs, no DSP blocks
        print("iCE40 (UP5K sg48; HX8K ct256)", flush=True)
        for c in channel_counts:
            for name in DESIGNS:
                for device in ("up5k", "hx8k"):
                    r = run(name, c, "ice40", device, None, out)
                    rows.append(
                        {"design": name, "channels": c, "device": r.device, "speed": None, **r.to_dict()}
                    )

    print()
    print("| design | C | device | LUT | FF | DSP | BRAM | Fmax (MHz) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        dev = r["device"] + (f" (-{r['speed']})" if r["speed"] else "")
        if not r["fits"]:
            print(f"| {r['design']} | {r['channels']} | {dev} | does not fit | | | | |")
            continue
        print(
            f"| {r['design']} | {r['channels']} | {dev} | {r['lut']} | {r['ff']} | {r['dsp']} | {r['bram']} "
            f"| {r['fmax_mhz']:.1f} |"
        )
    print()
    by = {(r["design"], r["channels"]): r for r in rows if r["speed"] == 6 and r["fits"]}
    for c in channel_counts:
        l1, l2 = by.get(("L1 exact", c)), by.get(("L2", c))
        if l1 and l2:
            dsp = f"{l2['dsp'] / l1['dsp']:.1f}x" if l1["dsp"] else f"{l2['dsp']} vs 0"
            print(
                f"C = {c}: L2 / L1 exact: LUT {l2['lut'] / l1['lut']:.2f}x, FF {l2['ff'] / l1['ff']:.2f}x, "
                f"DSP {dsp}, Fmax {l2['fmax_mhz'] / l1['fmax_mhz']:.2f}x"
            )
    out.mkdir(parents=True, exist_ok=True)
    (out / "table.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"\nfull reports: {out}/*/synth.json; this table: {out}/table.json")


if __name__ == "__main__":
    main()
