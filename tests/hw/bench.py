"""Amaranth-simulator harness for the whole core: an AXI4-Stream producer and consumer with random
valid/ready, freeze per time step and reset mid-stream, and the golden model as the reference."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from amaranth.hdl import ClockDomain, Module
from amaranth.sim import Simulator

from streamnorm.golden import FixedStreamNorm, NormConfig
from streamnorm.hw.core import StreamNorm


@dataclass
class Run:
    """What the core delivered: words, their tlast, the cycle of each handshake, the flag."""

    words: list[int] = field(default_factory=list)
    lasts: list[int] = field(default_factory=list)
    out_cycles: list[int] = field(default_factory=list)
    in_cycles: list[int] = field(default_factory=list)
    overflow: bool = False
    reset_cycle: int | None = None
    words_before_reset: int = 0


def to_signed(v: int, width: int) -> int:
    return v - (1 << width) if v >> (width - 1) else v


def simulate(
    cfg: NormConfig,
    codes: np.ndarray,
    freeze: np.ndarray | None = None,
    *,
    valid_prob: float = 1.0,
    ready_prob: float = 1.0,
    seed: int = 0,
    reset_after_words: int | None = None,
    restart_codes: np.ndarray | None = None,
) -> Run:
    """Stream `codes` (T, C) through the core; optionally pulse `rst` after that many input words
    and then stream `restart_codes` from channel 0."""
    core = StreamNorm(cfg)
    rng = np.random.default_rng(seed)
    c = cfg.channels
    words_in = [int(v) for v in np.asarray(codes).reshape(-1)]
    frz = np.zeros(len(codes), dtype=bool) if freeze is None else np.asarray(freeze)
    second = [] if restart_codes is None else [int(v) for v in np.asarray(restart_codes).reshape(-1)]
    total_out = len(second) + (len(words_in) if reset_after_words is None else reset_after_words)
    run = Run()
    mask_in = (1 << cfg.in_fmt.width) - 1
    wo = cfg.out_fmt.width

    async def bench(ctx):
        stream, frz_now, idx, cycle, phase = words_in, frz, 0, 0, 0
        limit = 50 * (len(words_in) + len(second)) + 20 * core.latency + 1000
        while True:
            if phase == 0 and reset_after_words is not None and idx == reset_after_words:
                ctx.set(core.s_axis_tvalid, 0)
                ctx.set(rst, 1)
                run.reset_cycle = cycle
                run.words_before_reset = len(run.words)
                await ctx.tick()
                ctx.set(rst, 0)
                cycle += 1
                stream, frz_now, idx, phase = second, np.zeros(len(second) // c + 1, dtype=bool), 0, 1
                continue
            have = idx < len(stream)
            valid = have and rng.random() < valid_prob
            ready = rng.random() < ready_prob
            ctx.set(core.s_axis_tvalid, int(valid))
            if have:
                ctx.set(core.s_axis_tdata, stream[idx] & mask_in)
                ctx.set(core.s_axis_tlast, int(idx % c == c - 1))
                # freeze matters only with a channel-0 word; drive noise otherwise
                ctx.set(core.freeze, int(frz_now[idx // c]) if idx % c == 0 else int(rng.random() < 0.5))
            ctx.set(core.m_axis_tready, int(ready))
            _, _, tready, mvalid, mdata, mlast, ovf = await ctx.tick().sample(
                core.s_axis_tready, core.m_axis_tvalid, core.m_axis_tdata, core.m_axis_tlast, core.overflow
            )
            if valid and tready:
                idx += 1
                run.in_cycles.append(cycle)
            if ready and mvalid:
                run.words.append(to_signed(mdata, wo))
                run.lasts.append(mlast)
                run.out_cycles.append(cycle)
            run.overflow = bool(ovf) or run.overflow
            cycle += 1
            done_in = idx >= len(stream) and (phase == 1 or reset_after_words is None)
            if done_in and len(run.words) - run.words_before_reset >= (
                len(second) if phase == 1 else len(words_in)
            ):
                break
            if cycle > limit:
                raise AssertionError(
                    f"core stalled: {len(run.words)} of {total_out} words after {cycle} cycles"
                )

    top = Module()
    top.submodules.core = core
    top.domains.sync = domain = ClockDomain("sync")
    rst = domain.rst
    sim = Simulator(top)
    sim.add_clock(1e-8, domain="sync")
    sim.add_testbench(bench)
    sim.run()
    return run


def expected(cfg: NormConfig, codes: np.ndarray, freeze: np.ndarray | None = None) -> np.ndarray:
    return FixedStreamNorm(cfg).process(codes, freeze).reshape(-1)
