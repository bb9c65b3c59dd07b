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

from .job import JOB_ENV, SimJob
from .scoreboard import Scoreboard, conclude


def read_output(path: Path, width: int, count: int) -> np.ndarray:
    """Words the harness wrote with $writememh, as signed integers."""
    tokens = [tok for line in path.read_text().splitlines() for tok in line.split("//")[0].split()][:count]
    # an undefined word (x or z bits) becomes a value no format can hold, so it cannot match
    words = np.array(
        [
            int(t, 16) if t.isalnum() and "x" not in t.lower() and "z" not in t.lower() else 1 << 62
            for t in tokens
        ],
        dtype=np.int64,
    )
    return np.where((words >= (1 << (width - 1))) & (words < (1 << width)), words - (1 << width), words)


@cocotb.test()
async def bulk_stream_matches_golden(dut) -> None:
    job = SimJob.load(os.environ[JOB_ENV])
    cfg = NormConfig.from_dict(job.config)
    codes = np.load(job.stimulus)
    freeze = np.load(job.freeze) if job.freeze else None
    board = Scoreboard(cfg, codes, freeze)

    dut.start.value = 0
    await Timer(1, "ns")  # a write at t = 0 can be lost on Icarus
    dut.start.value = 1
    t0 = time.perf_counter()
    await with_timeout(RisingEdge(dut.done), job.timeout_cycles * 10, "ns")
    elapsed = time.perf_counter() - t0
    await Timer(20, "ns")  # $writememh runs on done

    words = read_output(Path("output.hex"), cfg.out_fmt.width, int(dut.words_out.value))
    result = board.check(words)
    result.sim_seconds = elapsed
    result.cycles = int(dut.cycles.value)
    result.tlast_errors = int(dut.tlast_errors.value)
    if result.tlast_errors:
        result.passed = False
        result.notes.append(f"m_axis_tlast wrong on {result.tlast_errors} words")
    conclude(result, bool(dut.overflow.value), Path(job.results))
