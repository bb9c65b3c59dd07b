"""The output FIFO: every word out once, in order, whatever the handshakes; one per clock when ready."""

from __future__ import annotations

import numpy as np
import pytest
from pipe_bench import simulate_clocked

from streamnorm.hw.output_fifo import OutputFifo


def run(
    depth: int, write_prob: float, read_prob: float, words: int, seed: int
) -> tuple[list[int], list[int]]:
    """Write `words` words (never more than `depth` outstanding, as the core's credits ensure);
    return the words read and the cycles they left in."""
    fifo = OutputFifo(16, depth)
    rng = np.random.default_rng(seed)
    got: list[int] = []
    cycles: list[int] = []

    async def bench(ctx) -> None:
        sent, cycle = 0, 0
        while len(got) < words:
            outstanding = sent - len(got)
            w = sent < words and outstanding < depth and rng.random() < write_prob
            r = rng.random() < read_prob
            ctx.set(fifo.w_en, int(w))
            ctx.set(fifo.w_data, sent if w else 0)
            ctx.set(fifo.r_en, int(r))
            _, _, rdy, data = await ctx.tick().sample(fifo.r_rdy, fifo.r_data)
            if r and rdy:
                got.append(data)
                cycles.append(cycle)
            sent += int(w)
            cycle += 1
            assert cycle < 20 * words + 100, "the FIFO stalled"

    simulate_clocked(fifo, bench)
    return got, cycles


@pytest.mark.parametrize("depth", [4, 20, 33, 70])
@pytest.mark.parametrize(("write_prob", "read_prob"), [(1.0, 1.0), (0.7, 0.7), (1.0, 0.3), (0.3, 1.0)])
def test_every_word_leaves_once_and_in_order(depth: int, write_prob: float, read_prob: float) -> None:
    got, _ = run(depth, write_prob, read_prob, 300, seed=depth)
    assert got == list(range(300))


@pytest.mark.parametrize("depth", [20, 70])
def test_one_word_per_clock_after_the_latency_when_both_sides_are_ready(depth: int) -> None:
    got, cycles = run(depth, 1.0, 1.0, 200, seed=1)
    assert got == list(range(200))
    assert cycles == list(range(cycles[0], cycles[0] + 200))
    assert cycles[0] == OutputFifo.latency_for(depth)
