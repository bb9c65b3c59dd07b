"""Drive a feed-forward component of fixed latency with one input vector per cycle, collect outputs."""

from __future__ import annotations

from collections.abc import Sequence

from amaranth.hdl import ClockDomain, Module
from amaranth.sim import Simulator


def run_pipelined(
    dut: object, inputs: dict[str, Sequence[int]], outputs: Sequence[str], latency: int
) -> dict[str, list[int]]:
    """Apply ``inputs[name][i]`` in cycle i; return each output as seen `latency` cycles later
    (sampled just before the clock edge ending that cycle, so latency 0 means combinational)."""
    n = len(next(iter(inputs.values())))
    got: dict[str, list[int]] = {name: [] for name in outputs}

    async def bench(ctx):
        for cycle in range(n + latency):
            if cycle < n:
                for name, values in inputs.items():
                    ctx.set(getattr(dut, name), int(values[cycle]))
            if hasattr(dut, "en") and "en" not in inputs:
                # stages load only for a valid sample: every input is one, then bubbles follow
                ctx.set(dut.en, int(cycle < n))
            sampled = await ctx.tick().sample(*(getattr(dut, name) for name in outputs))
            if cycle >= latency:
                for name, value in zip(outputs, sampled[2:], strict=True):
                    got[name].append(int(value))

    simulate_clocked(dut, bench)
    return got


def simulate_clocked(dut: object, bench: object) -> None:
    """Run `bench` against `dut` with a clock, even if the design itself has no registers."""
    top = Module()
    top.submodules.dut = dut
    top.domains.sync = ClockDomain("sync")
    sim = Simulator(top)
    sim.add_clock(1e-8, domain="sync")
    sim.add_testbench(bench)
    sim.run()
