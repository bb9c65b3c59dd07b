"""`streamnorm simulate`: the generated (or a given) Verilog on Icarus or Verilator, every word checked."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from streamnorm.accuracy.stimulus import stimulus
from streamnorm.accuracy.streams import STREAM_KINDS
from streamnorm.golden import NormConfig, ParameterError
from streamnorm.sim.netlist import manifest_beside, manifest_config
from streamnorm.sim.pauses import Pauses, RandomPauses, parse_pauses
from streamnorm.sim.request import Driver, SimRequest, Simulator

from .config_cmd import add_config_argument, load_config
from .stream_option import add_stream_argument

__all__ = ["add_parser"]

#: Time steps of a synthetic stream when --samples is not given (a recording is simulated whole).
SYNTHETIC_SAMPLES = 2000
#: Pauses on each side when neither --backpressure nor a side's pattern is given.
DEFAULT_PAUSES = RandomPauses(0.3)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help="run the Verilog in cocotb against the golden model, every output word compared",
        description="Generate the core (or take --verilog), build it on Icarus Verilog or Verilator, "
        "stream time steps through it with the producer and the consumer pausing, and compare every "
        "output word with the bit-accurate golden model. Exit status 0 only if every word matched.",
    )
    add_config_argument(p)
    p.add_argument(
        "--samples",
        type=int,
        help=f"time steps, one word per channel each (default: {SYNTHETIC_SAMPLES} of a synthetic "
        "stream, the whole recording or file)",
    )
    add_stream_argument(p)
    p.add_argument("--seed", type=int, default=1, help="seed of the stream and of random pauses (default 1)")
    p.add_argument("--simulator", choices=[s.value for s in Simulator], default=Simulator.ICARUS.value)
    p.add_argument(
        "--backpressure",
        type=float,
        metavar="P",
        help="random pauses with probability P (0 <= P < 1) on both sides: the same as "
        "--producer-pauses random:P --consumer-pauses random:P",
    )
    for side, signal in (("producer", "s_axis_tvalid"), ("consumer", "m_axis_tready")):
        p.add_argument(
            f"--{side}-pauses",
            metavar="SPEC",
            help=f"when the {side} withholds {signal}: random:P (each cycle with probability P), "
            "periodic:BITS (repeated; 1 = may transfer, 0 = paused: 1110 pauses every 4th cycle) or "
            f"bursts:RUN:PAUSE (RUN cycles free, then PAUSE paused) (default {DEFAULT_PAUSES})",
        )
    p.add_argument(
        "--driver",
        choices=[d.value for d in Driver],
        default=Driver.BULK.value,
        help="bulk: memory-file harness, fast (default); axi: cocotbext-axi source/sink on the ports",
    )
    p.add_argument("--waves", action="store_true", help="dump waveforms and say where")
    p.add_argument(
        "--verilog",
        metavar="FILE",
        help="simulate this Verilog instead of generating it; a manifest.json beside it gives the "
        "configuration when --config is not given",
    )
    p.add_argument(
        "--out", metavar="DIR", default="out/simulate", help="output folder (default out/simulate)"
    )
    p.set_defaults(run=run)


def _config(args: argparse.Namespace) -> tuple[NormConfig, str | None]:
    """The configuration, and the file it came from: --config, else the manifest beside --verilog
    (the run refuses a --config that differs from that manifest), else the default."""
    if args.config is None and args.verilog is not None:
        manifest = manifest_beside(Path(args.verilog))
        if manifest is not None:
            print(f"note: configuration from {manifest}, which the Verilog was generated for")
            return manifest_config(manifest), str(manifest)
    return load_config(args.config), args.config


def _pauses(args: argparse.Namespace) -> tuple[Pauses, Pauses]:
    if args.backpressure is not None:
        given = [f"--{side}-pauses" for side in ("producer", "consumer") if getattr(args, f"{side}_pauses")]
        if given:
            raise ParameterError(
                "backpressure", f"sets the pauses of both sides; give it or {' and '.join(given)}, not both"
            )
        try:
            both = RandomPauses(args.backpressure)
        except ParameterError as exc:
            raise ParameterError("backpressure", exc.message) from None
        return both, both
    producer, consumer = (
        DEFAULT_PAUSES if spec is None else parse_pauses(spec, f"{side}_pauses")
        for side, spec in (("producer", args.producer_pauses), ("consumer", args.consumer_pauses))
    )
    return producer, consumer


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    producer, consumer = _pauses(args)
    cfg, config_file = _config(args)
    samples = SYNTHETIC_SAMPLES if args.samples is None and args.stream in STREAM_KINDS else args.samples
    stim = stimulus(cfg, args.stream, samples, args.seed)
    if stim.saturated:
        print(f"note: {stim.saturated} input values were outside in_fmt {cfg.in_fmt} and were saturated")
    out = Path(args.out)
    request = SimRequest(
        config=cfg,
        codes=stim.codes,
        out_dir=out,
        simulator=args.simulator,
        driver=args.driver,
        producer_pauses=producer,
        consumer_pauses=consumer,
        seed=args.seed,
        verilog=Path(args.verilog) if args.verilog else None,
        waves=args.waves,
    )
    # the runner needs cocotb (the [sim] extra): imported when a simulation runs, not at start-up
    from streamnorm.sim.runner import run_simulation

    report = run_simulation(request, progress=lambda msg: print(f"[simulate] {msg}", flush=True))
    total = time.perf_counter() - started
    res = report.result
    summary = {
        "passed": res.passed,
        "config": cfg.to_dict(),
        "config_file": config_file,
        "stream": stim.source,
        "samples": int(stim.codes.shape[0]),
        "words": int(stim.codes.size),
        "lanes": cfg.lanes,
        "beats": int(stim.codes.size) // cfg.lanes,
        "input_saturated": stim.saturated,
        "simulator": report.simulator.value,
        "driver": report.driver.value,
        "producer_pauses": producer.spec,
        "consumer_pauses": consumer.spec,
        "seed": args.seed,
        "verilog": args.verilog or str(out / "src" / "streamnorm.v"),
        "result": res.to_dict(),
        "seconds": {**report.phases, "total": total},
        "words_per_second_simulation": res.words_per_second,
        "words_per_second_total": res.words_checked / total if total > 0 else 0.0,
        "build_dir": str(report.build_dir),
        "waves": str(report.waves) if report.waves else None,
    }
    (out / "results.json").write_text(json.dumps(summary, indent=2) + "\n")
    status = "PASS" if res.passed else "FAIL"
    print(
        f"{status}: {res.words_checked} of {res.words_expected} words checked on {report.simulator} "
        f"({report.driver} driver), {res.mismatch_count} mismatches"
    )
    for mismatch in res.mismatches[:1]:
        print(f"first mismatch: {mismatch.describe()}")
    for note in res.notes:
        print(f"note: {note}")
    steady = " (one beat per clock on each side)" if res.one_beat_per_clock else ""
    words = "1 word" if cfg.lanes == 1 else f"{cfg.lanes} words"
    print(
        f"beats ({words} each): {res.input_beats} in over {res.input_cycles} clock cycles, "
        f"{res.output_beats} out over {res.output_cycles}{steady}"
    )
    print(
        f"speed: {res.words_per_second:,.0f} checked words/s in simulation, "
        f"{summary['words_per_second_total']:,.0f} words/s for the whole command ({total:.1f} s)"
    )
    if report.waves:
        print(f"waveforms: {report.waves}")
    print(f"results: {out / 'results.json'}")
    return 0 if res.passed else 1
