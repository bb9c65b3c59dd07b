"""Simulation speed: 1 M words of the default configuration, 30 % random pauses on both sides.

    .venv/bin/python bench/sim_speed.py [--words 1000000] [--backpressure 0.3] [--lanes 1]

(`--backpressure P` is `streamnorm simulate`'s: random pauses with probability P on the producer
and, independently, on the consumer; `--lanes P` sets the configuration's `lanes`, P words a
beat.)

Runs the whole `streamnorm simulate` command (generate, build in a fresh folder, simulate, check
every word) once on Icarus and once on Verilator, and prints checked words per second for the
whole command and for the simulation alone, and the Verilator/Icarus ratio of this run.
Targets (issue 5): Icarus >= 50k checked words/s; Verilator >= 4x Icarus.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from streamnorm.golden import NormConfig


def run(simulator: str, samples: int, backpressure: float, config: Path, work: Path) -> dict:
    out = work / simulator
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamnorm.cli",
            "simulate",
            "--config",
            str(config),
            "--simulator",
            simulator,
            "--samples",
            str(samples),
            "--backpressure",
            str(backpressure),
            "--stream",
            "drift",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{simulator} run failed:\n{proc.stdout}\n{proc.stderr}")
    res = json.loads((out / "results.json").read_text())
    return {
        "wall": wall,
        "words": res["words"],
        "sim_rate": res["words_per_second_simulation"],
        "seconds": res["seconds"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=1_000_000)
    ap.add_argument("--backpressure", type=float, default=0.3)
    ap.add_argument("--lanes", type=int, default=1)
    args = ap.parse_args()
    cfg = NormConfig(lanes=args.lanes)
    channels = cfg.channels
    samples = args.words // channels
    print(
        f"default config (C = {channels}, P = {cfg.lanes}): {samples} time steps = "
        f"{samples * channels} words, random pauses {args.backpressure} on both sides",
        flush=True,
    )
    results = {}
    with tempfile.TemporaryDirectory(prefix="sim_speed_") as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(cfg.to_json())
        for sim in ("icarus", "verilator"):
            r = results[sim] = run(sim, samples, args.backpressure, config, Path(tmp))
            phases = ", ".join(f"{k} {v:.1f} s" for k, v in r["seconds"].items() if k != "total")
            whole = r["words"] / r["wall"]
            print(
                f"{sim:9s}: whole command {whole:>10,.0f} words/s ({r['wall']:.1f} s: {phases}); "
                f"simulation alone {r['sim_rate']:>10,.0f} words/s",
                flush=True,
            )
    ic, vl = results["icarus"], results["verilator"]
    print(
        f"verilator / icarus: {ic['wall'] / vl['wall']:.1f}x whole command, "
        f"{vl['sim_rate'] / ic['sim_rate']:.1f}x simulation alone (target >= 4x)"
    )
    print(
        f"icarus target >= 50,000 words/s: whole command {ic['words'] / ic['wall']:,.0f}, "
        f"simulation {ic['sim_rate']:,.0f}"
    )


if __name__ == "__main__":
    main()
