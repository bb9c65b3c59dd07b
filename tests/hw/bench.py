"""Amaranth-simulator bench for the whole core: an AXI4-Stream producer and consumer pausing as
named patterns (`streamnorm.sim.pauses`), `lanes` words a beat (`streamnorm.sim.beats`), freeze
per time step and reset mid-stream, checked by the scoreboard the cocotb benches use
(`streamnorm.sim.scoreboard`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from amaranth.hdl import ClockDomain, Module
from amaranth.sim import Simulator

from streamnorm.golden import NormConfig
from streamnorm.hw.core import StreamNorm
from streamnorm.sim.beats import pack, unpack
from streamnorm.sim.job import SimResult
from streamnorm.sim.pauses import NO_PAUSES, Pauses, side_seeds
from streamnorm.sim.request import ResetPlan
from streamnorm.sim.scoreboard import Scoreboard


@dataclass
class Run:
    """The scoreboard's verdict, and the cycle of each handshake (one per beat)."""

    result: SimResult
    in_cycles: list[int] = field(default_factory=list)
    out_cycles: list[int] = field(default_factory=list)
    words_before_reset: int | None = None


def simulate(
    cfg: NormConfig,
    codes: np.ndarray,
    freeze: np.ndarray | None = None,
    *,
    producer: Pauses = NO_PAUSES,
    consumer: Pauses = NO_PAUSES,
    seed: int = 0,
    reset: ResetPlan | None = None,
) -> Run:
    """Stream `codes` (T, C) through the core; with `reset`, pulse `rst` once that many input
    words were accepted and then stream its restart codes from channel 0."""
    core = StreamNorm(cfg)
    per_step, lanes = cfg.beats_per_step, cfg.lanes
    beats_in = pack(codes, cfg)
    frz = np.zeros(len(codes), dtype=bool) if freeze is None else np.asarray(freeze)
    second = [] if reset is None else pack(reset.restart, cfg)
    producer_seed, consumer_seed = side_seeds(seed)
    producer_paused, consumer_paused = producer.iterator(producer_seed), consumer.iterator(consumer_seed)
    noise = np.random.default_rng(seed)
    beats: list[int] = []
    lasts: list[int] = []
    in_cycles: list[int] = []
    out_cycles: list[int] = []
    overflow = False
    before_reset: int | None = None

    async def bench(ctx):
        nonlocal overflow, before_reset
        stream, frz_now, idx, cycle, phase = beats_in, frz, 0, 0, 0
        limit = 50 * (len(beats_in) + len(second)) + 20 * core.latency + 1000
        while True:
            if phase == 0 and reset is not None and idx * lanes >= reset.after_words:
                ctx.set(core.s_axis_tvalid, 0)
                ctx.set(rst, 1)
                before_reset = len(beats)
                await ctx.tick()
                ctx.set(rst, 0)
                cycle += 1
                stream, frz_now, idx, phase = second, np.zeros(len(second) // per_step + 1, dtype=bool), 0, 1
                continue
            have = idx < len(stream)
            # both patterns advance every cycle, as cocotbext-axi's pause generators do
            valid = not next(producer_paused) and have
            ready = not next(consumer_paused)
            ctx.set(core.s_axis_tvalid, int(valid))
            if have:
                ctx.set(core.s_axis_tdata, stream[idx])
                ctx.set(core.s_axis_tlast, int(idx % per_step == per_step - 1))
                # freeze matters only with a time step's first beat; drive noise otherwise
                first = idx % per_step == 0
                ctx.set(core.freeze, int(frz_now[idx // per_step]) if first else int(noise.random() < 0.5))
            ctx.set(core.m_axis_tready, int(ready))
            _, _, tready, mvalid, mdata, mlast, ovf = await ctx.tick().sample(
                core.s_axis_tready, core.m_axis_tvalid, core.m_axis_tdata, core.m_axis_tlast, core.overflow
            )
            if valid and tready:
                idx += 1
                in_cycles.append(cycle)
            if ready and mvalid:
                beats.append(mdata)
                lasts.append(mlast)
                out_cycles.append(cycle)
            overflow = bool(ovf)  # the core's flag is sticky itself (until a reset)
            cycle += 1
            delivered = len(beats) - (before_reset or 0)
            if idx >= len(stream) and (phase == 1 or reset is None) and delivered >= len(stream):
                break
            if cycle > limit:
                raise AssertionError(f"core stalled: {len(beats)} beats out after {cycle} cycles")

    top = Module()
    top.submodules.core = core
    top.domains.sync = domain = ClockDomain("sync")
    rst = domain.rst
    sim = Simulator(top)
    sim.add_clock(1e-8, domain="sync")
    sim.add_testbench(bench)
    sim.run()
    board = Scoreboard(cfg, codes, freeze, None if reset is None else reset.restart)
    words_before = None if before_reset is None else before_reset * lanes
    result = board.check(*unpack(beats, lasts, cfg), overflow, words_before_reset=words_before)
    result.input_beats, result.output_beats = len(in_cycles), len(out_cycles)
    result.input_cycles = in_cycles[-1] - in_cycles[0] + 1 if in_cycles else 0
    result.output_cycles = out_cycles[-1] - out_cycles[0] + 1 if out_cycles else 0
    return Run(result, in_cycles, out_cycles, words_before)
