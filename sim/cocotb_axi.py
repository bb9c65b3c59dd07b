"""cocotb test driving the core's AXI4-Stream ports with cocotbext-axi: protocol-level checks.

A source on ``s_axis`` sends one frame per time step (C words, tlast on the last), a sink on
``m_axis`` takes frames; both pause at random (pause generators). ``freeze`` is driven per time
step, and ``rst`` can be pulsed mid-stream: frames delivered before it must be a prefix of the
golden output, everything after it the golden output of the new stream.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge, Timer, with_timeout
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamMonitor, AxiStreamSink, AxiStreamSource

from streamnorm.golden import NormConfig

from .job import JOB_ENV, SimJob, SimResult
from .scoreboard import Scoreboard, conclude


def pauses(rng: np.random.Generator, probability: float) -> Iterator[bool]:
    while True:
        yield bool(rng.random() < probability)


class AxiBench:
    """Clock, reset, driver, monitor and scoreboard around the core."""

    def __init__(self, dut, job: SimJob) -> None:
        self.dut = dut
        self.job = job
        self.cfg = NormConfig.from_dict(job.config)
        Clock(dut.clk, 10, unit="ns", impl="gpi").start(start_high=False)
        rng = np.random.default_rng(job.seed)
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst, byte_lanes=1)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, dut.rst, byte_lanes=1)
        self.monitor = AxiStreamMonitor(
            AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst, byte_lanes=1
        )
        self.source.set_pause_generator(pauses(rng, job.stall_probability))
        self.sink.set_pause_generator(pauses(rng, job.stall_probability))
        self.accepted = 0
        self.freeze_steps: np.ndarray = np.zeros(0, dtype=bool)
        self.step = 0
        cocotb.start_soon(self._watch_input())

    async def _watch_input(self) -> None:
        """Count accepted words, and put the next time step's freeze value up after each tlast."""
        dut = self.dut
        while True:
            await RisingEdge(dut.clk)
            if dut.rst.value:
                continue
            if dut.s_axis_tvalid.value and dut.s_axis_tready.value:
                self.accepted += 1
                if dut.s_axis_tlast.value:
                    self.step += 1
                    dut.freeze.value = int(
                        self.step < len(self.freeze_steps) and self.freeze_steps[self.step]
                    )

    async def reset(self) -> None:
        dut = self.dut
        dut.rst.value = 1
        await ClockCycles(dut.clk, 3)
        dut.rst.value = 0
        self.step = 0
        dut.freeze.value = int(len(self.freeze_steps) > 0 and self.freeze_steps[0])
        await RisingEdge(dut.clk)

    def send(self, codes: np.ndarray, freeze: np.ndarray | None) -> None:
        self.freeze_steps = np.zeros(len(codes), dtype=bool) if freeze is None else freeze
        self.dut.freeze.value = int(len(self.freeze_steps) > 0 and self.freeze_steps[0])
        mask = (1 << self.cfg.in_fmt.width) - 1
        for row in codes:
            self.source.send_nowait(AxiStreamFrame([int(v) & mask for v in row]))

    async def receive(self, frames: int, timeout_ns: int) -> list[int]:
        words: list[int] = []
        w = self.cfg.out_fmt.width
        for _ in range(frames):
            frame = await with_timeout(self.sink.recv(), timeout_ns, "ns")
            if len(frame.tdata) != self.cfg.channels:
                raise AssertionError(
                    f"output frame of {len(frame.tdata)} words; tlast should close every {self.cfg.channels}"
                )
            words += [v - (1 << w) if v >> (w - 1) else v for v in frame.tdata]
        return words


@cocotb.test()
async def axi_stream_matches_golden(dut) -> None:
    job = SimJob.load(os.environ[JOB_ENV])
    tb = AxiBench(dut, job)
    cfg = tb.cfg
    codes = np.load(job.stimulus)
    freeze = np.load(job.freeze) if job.freeze else None
    dut.freeze.value = 0
    await Timer(1, "ns")  # a write at t = 0 can be lost on Icarus
    await tb.reset()
    timeout = job.timeout_cycles * 10
    t0 = time.perf_counter()
    results: list[SimResult] = []
    if job.reset_after_words is None:
        board = Scoreboard(cfg, codes, freeze)
        tb.send(codes, freeze)
        results.append(board.check(await tb.receive(len(codes), timeout)))
    else:
        board = Scoreboard(cfg, codes, freeze)
        tb.send(codes, freeze)
        received: list[int] = []

        async def collect() -> None:
            while True:
                received.extend(await tb.receive(1, timeout))

        collector = cocotb.start_soon(collect())
        await with_timeout(_until(lambda: tb.accepted >= job.reset_after_words, dut), timeout, "ns")
        await tb.reset()
        collector.cancel()
        tb.source.clear()
        tb.sink.clear()
        before = board.check(np.array(received), prefix_only=True)
        if not received:
            before.notes.append("no frame was delivered before the reset")
        results.append(before)
        restart = np.load(job.restart_stimulus)
        board2 = Scoreboard(cfg, restart)
        tb.send(restart, None)
        results.append(board2.check(await tb.receive(len(restart), timeout)))
    elapsed = time.perf_counter() - t0

    result = SimResult(
        passed=all(r.passed for r in results),
        words_expected=sum(r.words_expected for r in results),
        words_checked=sum(r.words_checked for r in results),
        mismatch_count=sum(r.mismatch_count for r in results),
        mismatches=[m for r in results for m in r.mismatches],
        overflow_expected=results[-1].overflow_expected,
        sim_seconds=elapsed,
        notes=[n for r in results for n in r.notes],
    )
    if (
        job.reset_after_words is not None
        and len(results[0].mismatches) == 0
        and results[0].words_checked == 0
    ):
        result.notes.append("reset came before any frame left the core")
    conclude(result, bool(dut.overflow.value), Path(job.results))


async def _until(condition, dut) -> None:
    while not condition():
        await RisingEdge(dut.clk)
