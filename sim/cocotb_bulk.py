"""cocotb test for the bulk harness: start it, wait for the last word, check every word.

Runs inside the simulator (`cocotb_tools.runner` points cocotb here); the job comes from the file
named by the STREAMNORM_JOB environment variable.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import cocotb
import numpy as np
from cocotb.triggers import RisingEdge, Timer, with_timeout

from streamnorm.golden import NormConfig

from .harness import read_output
from .job import JOB_ENV, SimJob, conclude
from .scoreboard import Scoreboard


@cocotb.test()
async def bulk_stream_matches_golden(dut) -> None:
    job = SimJob.load(os.environ[JOB_ENV])
    cfg = NormConfig.from_dict(job.config)
    board = Scoreboard(cfg, np.load(job.stimulus), np.load(job.freeze) if job.freeze else None)

    dut.start.value = 0
    await Timer(1, "ns")  # a write at t = 0 can be lost on Icarus
    dut.start.value = 1
    t0 = time.perf_counter()
    await with_timeout(RisingEdge(dut.done), job.timeout_cycles * 10, "ns")
    elapsed = time.perf_counter() - t0
    await Timer(20, "ns")  # $writememh runs on done

    words, lasts = read_output(Path("output.hex"), cfg, int(dut.beats_out.value))
    result = board.check(words, lasts, overflow=bool(dut.overflow.value))
    result.sim_seconds = elapsed
    result.cycles = int(dut.cycles.value)
    result.input_beats, result.output_beats = int(dut.beats_in.value), int(dut.beats_out.value)
    result.input_cycles = int(dut.in_last.value) - int(dut.in_first.value) + 1
    result.output_cycles = int(dut.out_last.value) - int(dut.out_first.value) + 1
    conclude(result, Path(job.results))
