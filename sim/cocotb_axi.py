"""cocotb test driving the core's AXI4-Stream ports with cocotbext-axi: protocol-level checks.

A source on the input stream sends one frame per time step (C/P beats of `lanes` words, tlast on
the last), a sink on the output stream takes them; both pause as the job's patterns say. A
monitor records every output handshake (beat and tlast) for the scoreboard. ``freeze`` is driven
per time step, and the reset can be pulsed mid-stream: words delivered before it must be a prefix
of the golden output, everything after it the golden output of the new stream. Port names come
from `hw.ports.ports` (through `bench_ports`); inputs the bench has no use for are held at 0.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, Event, RisingEdge, Timer, with_timeout
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from streamnorm.golden import NormConfig

from .beats import pack, unpack
from .bench_ports import bench_ports
from .job import JOB_ENV, SimJob, conclude
from .pauses import parse_pauses, side_seeds
from .scoreboard import Scoreboard


class AxiBench:
    """Clock, reset, driver (source), sink and monitor around the core."""

    def __init__(self, dut, job: SimJob) -> None:
        self.dut = dut
        self.cfg = NormConfig.from_dict(job.config)
        self.ports = bp = bench_ports(self.cfg)
        self.clk, self.rst, self.freeze = (getattr(dut, p.name) for p in (bp.clock, bp.reset, bp.freeze))
        self.s = {m: getattr(dut, bp.stream(bp.source, m).name) for m in ("tvalid", "tready", "tlast")}
        self.m = {m: getattr(dut, bp.stream(bp.sink, m).name) for m in ("tdata", "tvalid", "tready", "tlast")}
        for port in bp.other_inputs:
            getattr(dut, port.name).value = 0
        Clock(self.clk, 10, unit="ns", impl="gpi").start(start_high=False)
        self.source = AxiStreamSource(
            AxiStreamBus.from_prefix(dut, bp.source), self.clk, self.rst, byte_lanes=1
        )
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, bp.sink), self.clk, self.rst, byte_lanes=1)
        producer_seed, consumer_seed = side_seeds(job.seed)
        producer = parse_pauses(job.producer_pauses, "producer_pauses")
        consumer = parse_pauses(job.consumer_pauses, "consumer_pauses")
        self.source.set_pause_generator(producer.iterator(producer_seed))
        self.sink.set_pause_generator(consumer.iterator(consumer_seed))
        self.accepted = 0  #: input beats accepted since the start
        self.beats: list[int] = []  #: output beats delivered, in order (across a reset)
        self.lasts: list[int] = []
        self.freeze_steps = np.zeros(0, dtype=bool)
        self.step = 0
        self._wake = Event()
        cocotb.start_soon(self._monitor())

    async def _monitor(self) -> None:
        """Each clock: count accepted input beats (and put the next time step's freeze value up
        after each tlast), and record every output handshake."""
        s, m = self.s, self.m
        while True:
            await RisingEdge(self.clk)
            if self.rst.value:
                continue
            if s["tvalid"].value and s["tready"].value:
                self.accepted += 1
                if s["tlast"].value:
                    self.step += 1
                    self._put_freeze()
            if m["tvalid"].value and m["tready"].value:
                self.beats.append(int(m["tdata"].value))
                self.lasts.append(int(m["tlast"].value))
                if self.lasts[-1]:
                    self.sink.clear()  # the monitor keeps the beats; the sink's frames are not needed
            self._wake.set()

    def overflow(self) -> bool:
        return bool(getattr(self.dut, self.ports.overflow.name).value)

    def _put_freeze(self) -> None:
        self.freeze.value = int(self.step < len(self.freeze_steps) and self.freeze_steps[self.step])

    async def until(self, condition: Callable[[], bool]) -> None:
        while not condition():
            self._wake.clear()
            await self._wake.wait()

    async def reset(self) -> None:
        self.rst.value = 1
        await ClockCycles(self.clk, 3)
        self.rst.value = 0
        self.step = 0
        self._put_freeze()
        await RisingEdge(self.clk)

    def send(self, codes: np.ndarray, freeze: np.ndarray | None) -> None:
        self.freeze_steps = np.zeros(len(codes), dtype=bool) if freeze is None else freeze
        self._put_freeze()
        beats = pack(codes, self.cfg)
        per_step = self.cfg.beats_per_step
        for start in range(0, len(beats), per_step):
            self.source.send_nowait(AxiStreamFrame(beats[start : start + per_step]))

    def received(self) -> tuple[np.ndarray, np.ndarray]:
        """The words delivered so far, and a tlast per word."""
        return unpack(self.beats, self.lasts, self.cfg)


@cocotb.test()
async def axi_stream_matches_golden(dut) -> None:
    job = SimJob.load(os.environ[JOB_ENV])
    tb = AxiBench(dut, job)
    codes = np.load(job.stimulus)
    freeze = np.load(job.freeze) if job.freeze else None
    restart = np.load(job.restart_stimulus) if job.restart_stimulus else None
    board = Scoreboard(tb.cfg, codes, freeze, restart)
    tb.freeze.value = 0
    await Timer(1, "ns")  # a write at t = 0 can be lost on Icarus
    await tb.reset()
    timeout = job.timeout_cycles * 10
    t0 = time.perf_counter()
    tb.send(codes, freeze)
    lanes = tb.cfg.lanes
    if job.reset_after_words is None:
        await with_timeout(tb.until(lambda: len(tb.beats) * lanes >= codes.size), timeout, "ns")
        result = board.check(*tb.received(), tb.overflow())
    else:
        await with_timeout(tb.until(lambda: tb.accepted * lanes >= job.reset_after_words), timeout, "ns")
        await tb.reset()
        tb.source.clear()
        tb.sink.clear()
        before = len(tb.beats) * lanes
        tb.send(restart, None)
        await with_timeout(tb.until(lambda: len(tb.beats) * lanes >= before + restart.size), timeout, "ns")
        result = board.check(*tb.received(), tb.overflow(), words_before_reset=before)
    result.sim_seconds = time.perf_counter() - t0
    conclude(result, Path(job.results))
