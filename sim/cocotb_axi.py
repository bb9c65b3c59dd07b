"""cocotb test driving the core's AXI4-Stream ports with cocotbext-axi: protocol-level checks.

cocotbext-axi packs and unpacks the beats itself, independently of `sim.beats` (which the bulk
harness uses): source and sink have `lanes` byte lanes of one word each (the ports have no tkeep,
so `byte_lanes` sets the word size: in_fmt.width bits on the source, out_fmt.width on the sink),
and lane 0 is the low word. The source sends one frame per time step (C words, so C/P beats, tlast
on the last); the sink's frames end where the core raised tlast, so a word ends a frame exactly
when its beat had tlast. Both pause as the job's patterns say. A monitor counts the handshakes
and their clock cycles (the II check), and the time steps, to drive ``freeze`` per time step.
The reset can be pulsed mid-stream: words delivered before it must be a prefix of the golden
output, everything after it the golden output of the new stream. Port names come from
`hw.ports.ports` (through `bench_ports`); inputs the bench has no use for are held at 0.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, Event, ReadOnly, RisingEdge, Timer, with_timeout
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from streamnorm.golden import NormConfig

from .beats import signed
from .bench_ports import bench_ports
from .job import JOB_ENV, SimJob, SimResult, conclude
from .pauses import parse_pauses, side_seeds
from .scoreboard import Scoreboard


class _Handshakes:
    """The beats that crossed one side, and the clock cycles of the first and the last."""

    def __init__(self) -> None:
        self.beats = 0
        self.first = self.last = 0

    def add(self, cycle: int) -> None:
        if self.beats == 0:
            self.first = cycle
        self.beats += 1
        self.last = cycle

    @property
    def cycles(self) -> int:
        return self.last - self.first + 1 if self.beats else 0


class AxiBench:
    """Clock, reset, driver (source), sink and monitor around the core."""

    def __init__(self, dut, job: SimJob) -> None:
        self.dut = dut
        self.job = job
        self.cfg = NormConfig.from_dict(job.config)
        self.ports = bp = bench_ports(self.cfg)
        self.clk, self.rst, self.freeze = (getattr(dut, p.name) for p in (bp.clock, bp.reset, bp.freeze))
        self.s = {m: getattr(dut, bp.stream(bp.source, m).name) for m in ("tvalid", "tready", "tlast")}
        self.m = {m: getattr(dut, bp.stream(bp.sink, m).name) for m in ("tvalid", "tready")}
        for port in bp.other_inputs:
            getattr(dut, port.name).value = 0
        Clock(self.clk, 10, unit="ns", impl="gpi").start(start_high=False)
        self.cycle = 0
        self.accepted = _Handshakes()  #: input beats accepted since the start
        self.delivered = _Handshakes()  #: output beats delivered since the start (across a reset)
        self.frames: list[AxiStreamFrame] = []
        self.freeze_steps = np.zeros(0, dtype=bool)
        self.step = 0
        self._wake = Event()

    async def start(self) -> None:
        """Reset the core, then start the source, the sink and the monitor: the sink has no reset
        (it keeps the words delivered before a reset mid-stream), so it and the monitor must not
        see the undefined outputs of the core before its first reset."""
        self.freeze.value = 0
        self.s["tvalid"].value = 0  # until the source drives it
        self.m["tready"].value = 0
        await Timer(1, "ns")  # a write at t = 0 can be lost on Icarus
        await self._pulse_reset()
        bp, lanes, job = self.ports, self.cfg.lanes, self.job
        self.source = AxiStreamSource(
            AxiStreamBus.from_prefix(self.dut, bp.source), self.clk, self.rst, byte_lanes=lanes
        )
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(self.dut, bp.sink), self.clk, byte_lanes=lanes)
        producer_seed, self.consumer_seed = side_seeds(job.seed)
        self.source.set_pause_generator(
            parse_pauses(job.producer_pauses, "producer_pauses").iterator(producer_seed)
        )
        self.consumer = parse_pauses(job.consumer_pauses, "consumer_pauses")
        self.sink.set_pause_generator(self.consumer.iterator(self.consumer_seed))
        cocotb.start_soon(self._monitor())

    async def reset(self) -> None:
        """Pulse rst mid-stream, dropping the frames not yet sent. The sink holds tready low
        meanwhile, as cocotbext-axi's sink does in its reset (which would drop its unfinished
        frame); its pattern starts again after the pulse."""
        self.sink.set_pause_generator(None)
        self.sink.pause = True
        self.source.clear()  # no clock edge before rst stops the source: it fetches nothing more
        await self._pulse_reset()
        self.sink.pause = False
        self.sink.set_pause_generator(self.consumer.iterator(self.consumer_seed))

    async def _pulse_reset(self) -> None:
        self.rst.value = 1
        await ClockCycles(self.clk, 3)
        self.rst.value = 0
        self.step = 0
        self._put_freeze()
        await RisingEdge(self.clk)

    async def _monitor(self) -> None:
        """Each clock: count the handshakes on both sides (and put the next time step's freeze
        value up after each input tlast)."""
        s, m = self.s, self.m
        while True:
            await RisingEdge(self.clk)
            self.cycle += 1
            if s["tvalid"].value and s["tready"].value and not self.rst.value:
                self.accepted.add(self.cycle)
                if s["tlast"].value:
                    self.step += 1
                    self._put_freeze()
            if m["tvalid"].value and m["tready"].value:  # what the sink takes, reset or not
                self.delivered.add(self.cycle)
            self._wake.set()

    def overflow(self) -> bool:
        return bool(getattr(self.dut, self.ports.overflow.name).value)

    def _put_freeze(self) -> None:
        self.freeze.value = int(self.step < len(self.freeze_steps) and self.freeze_steps[self.step])

    async def until(self, condition: Callable[[], bool]) -> None:
        while not condition():
            self._wake.clear()
            await self._wake.wait()

    def send(self, codes: np.ndarray, freeze: np.ndarray | None) -> None:
        self.freeze_steps = np.zeros(len(codes), dtype=bool) if freeze is None else freeze
        self._put_freeze()
        for step in codes.tolist():  # cocotbext-axi masks each word to its lane
            self.source.send_nowait(AxiStreamFrame(step))

    async def received(self) -> tuple[np.ndarray, np.ndarray]:
        """Every word the sink took, in order, and a tlast per word (the last word of each frame).

        Read once the clock edge is over: the sink takes the edge's beat in its own coroutine."""
        await ReadOnly()
        while not self.sink.empty():
            self.frames.append(self.sink.recv_nowait(compact=False))
        fields = [word for frame in self.frames for word in frame.tdata]
        lasts = np.zeros(len(fields), dtype=bool)
        lasts[np.cumsum([len(frame.tdata) for frame in self.frames], dtype=np.int64) - 1] = True
        return signed(fields, self.cfg.out_fmt.width), lasts

    def count_cycles(self, result: SimResult) -> None:
        result.cycles = self.cycle
        result.input_beats, result.input_cycles = self.accepted.beats, self.accepted.cycles
        result.output_beats, result.output_cycles = self.delivered.beats, self.delivered.cycles


@cocotb.test()
async def axi_stream_matches_golden(dut) -> None:
    job = SimJob.load(os.environ[JOB_ENV])
    tb = AxiBench(dut, job)
    codes = np.load(job.stimulus)
    freeze = np.load(job.freeze) if job.freeze else None
    restart = np.load(job.restart_stimulus) if job.restart_stimulus else None
    board = Scoreboard(tb.cfg, codes, freeze, restart)
    await tb.start()
    timeout = job.timeout_cycles * 10
    t0 = time.perf_counter()
    tb.send(codes, freeze)
    lanes = tb.cfg.lanes
    before = None
    if job.reset_after_words is None:
        total = codes.size
    else:
        cut = job.reset_after_words
        await with_timeout(tb.until(lambda: tb.accepted.beats * lanes >= cut), timeout, "ns")
        await tb.reset()
        before = tb.delivered.beats * lanes
        tb.send(restart, None)
        total = before + restart.size
    await with_timeout(tb.until(lambda: tb.delivered.beats * lanes >= total), timeout, "ns")
    words, lasts = await tb.received()
    result = board.check(words, lasts, tb.overflow(), words_before_reset=before)
    unfinished = tb.delivered.beats * lanes - words.size
    if unfinished:
        result.notes.append(f"{unfinished} words delivered after the last tlast (in no finished frame)")
    tb.count_cycles(result)
    result.sim_seconds = time.perf_counter() - t0
    conclude(result, Path(job.results))
