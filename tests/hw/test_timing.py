"""The schedule follows the components: retimed components stay word-exact, a disagreeing schedule
is an elaboration error that names both sides."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from amaranth.hdl import ClockDomain, Fragment, Module
from amaranth.sim import Simulator
from matrix import config, stream_for

from streamnorm.golden import FixedStreamNorm, NormConfig
from streamnorm.hw import core as core_module
from streamnorm.hw.core import StreamNorm
from streamnorm.hw.timing import RETIMABLE, Retiming, ScheduleError, latency, plan, service


def run_core(core: StreamNorm, codes: np.ndarray) -> tuple[list[int], int]:
    """Stream `codes` (T, C), `lanes` words a beat, with valid and ready always high; the words out
    (in channel order) and the cycle of the first output beat."""
    cfg = core.cfg
    wi, wo, lanes = cfg.in_fmt.width, cfg.out_fmt.width, cfg.lanes
    flat = [int(v) & ((1 << wi) - 1) for v in codes.reshape(-1)]
    beats = [
        sum(w << (i * wi) for i, w in enumerate(flat[b : b + lanes])) for b in range(0, len(flat), lanes)
    ]
    out: list[int] = []
    first = [-1]

    async def bench(ctx):
        ctx.set(core.m_axis_tready, 1)
        sent, cycle = 0, 0
        while len(out) < len(flat):
            ctx.set(core.s_axis_tvalid, int(sent < len(beats)))
            ctx.set(core.s_axis_tdata, beats[sent] if sent < len(beats) else 0)
            _, _, ready, valid, data = await ctx.tick().sample(
                core.s_axis_tready, core.m_axis_tvalid, core.m_axis_tdata
            )
            if ready and sent < len(beats):
                sent += 1
            if valid:
                for i in range(lanes):
                    w = (data >> (i * wo)) & ((1 << wo) - 1)
                    out.append(w - (1 << wo) if w >> (wo - 1) else w)
                if first[0] < 0:
                    first[0] = cycle
            cycle += 1
            assert cycle < 20 * len(beats) + 10 * core.latency, "the core stalled"

    top = Module()
    top.submodules.core = core
    top.domains.sync = ClockDomain("sync")
    sim = Simulator(top)
    sim.add_clock(1e-8, domain="sync")
    sim.add_testbench(bench)
    sim.run()
    return out, first[0]


@pytest.mark.parametrize("stage", RETIMABLE)
@pytest.mark.parametrize("name", ["c1_k0", "c3", "p2", "pow2"])
def test_a_retimed_component_moves_the_schedule_and_the_words_stay_exact(stage: str, name: str) -> None:
    cfg = config(name)
    if stage == "mix" and not cfg.long_term:
        pytest.fail("every configuration here has long-term statistics, so the mix exists")
    rt = Retiming({stage: 2})
    codes = stream_for(cfg, 24, seed=5)
    got, first = run_core(StreamNorm(cfg, retiming=rt), codes)
    assert got == FixedStreamNorm(cfg).process(codes).reshape(-1).tolist()
    uses = 2 if stage == "mix" else 1  # one mix for the mean, one for the deviation
    assert latency(cfg, rt) == latency(cfg) + 2 * uses
    assert first == latency(cfg, rt)  # the first word leaves when the schedule says


def test_the_stages_move_by_the_extra_stages_from_the_retimed_component_on() -> None:
    cfg = NormConfig()
    base, moved = plan(cfg), plan(cfg, Retiming({"output": 3}))
    assert moved.scale_in_force == base.scale_in_force  # before the output: unchanged
    assert moved.output == base.output + 3
    # the scale unit's extra stages lengthen every job of the scale service
    assert service(cfg, Retiming({"scale": 3})).job_latency == service(cfg).job_latency + 3


@pytest.mark.parametrize(
    ("stage", "component"),
    [("mean_new", "Mix (mean)"), ("deviation", "Deviation"), ("output", "Output")],
)
def test_a_schedule_that_disagrees_with_a_component_names_both(
    stage: str, component: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = NormConfig()
    wrong = dataclasses.replace(plan(cfg), **{stage: getattr(plan(cfg), stage) + 1})
    monkeypatch.setattr(core_module, "plan", lambda cfg, retiming=None: wrong)
    with pytest.raises(ScheduleError) as exc:
        Fragment.get(StreamNorm(cfg), None)
    assert exc.value.args[0].startswith(f"{stage}: {component} delivers it at stage")
    assert f"uses it at stage {getattr(wrong, stage)}" in exc.value.args[0]


def test_retiming_refuses_unknown_stages_and_negative_counts() -> None:
    with pytest.raises(ValueError, match="'sum_x' is not one of"):
        Retiming({"sum_x": 1})
    with pytest.raises(ValueError, match="number of stages >= 0"):
        Retiming({"mix": -1})
