"""Build and run a simulation with `cocotb_tools.runner`: Icarus Verilog or Verilator, two drivers.

Builds go to a folder keyed by everything that goes into them (simulator, sources, options), so a
changed input always gets a fresh build and an unchanged one is reused.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from cocotb_tools.runner import get_results, get_runner

import streamnorm
from streamnorm.golden import NormConfig
from streamnorm.hw.core import latency as core_latency
from streamnorm.hw.generate import write as write_verilog

from .cells import cell_models_for
from .harness import HARNESS_TOP, capacity, harness_verilog, write_memory_files
from .job import JOB_ENV, SimJob, SimResult
from .toolchain import icarus_path, verilator_env

__all__ = ["SIMULATORS", "RunReport", "SimulationError", "run_simulation"]

SIMULATORS = ("icarus", "verilator")
DRIVERS = ("bulk", "axi")


class SimulationError(RuntimeError):
    """The simulation could not be built or run (not a mismatch: those are results)."""


@dataclass
class RunReport:
    result: SimResult
    simulator: str
    driver: str
    build_dir: Path
    test_dir: Path
    build_seconds: float
    waves: Path | None = None
    log: Path | None = None
    phases: dict[str, float] = field(default_factory=dict)


_MODULE = re.compile(r"^\s*module\s+([A-Za-z_][A-Za-z0-9_$]*)\s*[#(;]", re.MULTILINE)


def find_top(verilog: str) -> str:
    """The module of a Verilog file that has the core's ports (a user's netlist may hold more)."""
    names = _MODULE.findall(verilog)
    for name in names:
        start = verilog.find(f"module {name}")
        header = verilog[start : verilog.find(";", start)]
        if "s_axis_tdata" in header and "m_axis_tdata" in header:
            return name
    raise SimulationError(
        "no module with s_axis_tdata and m_axis_tdata ports in the Verilog "
        f"(modules: {', '.join(names) or 'none'})"
    )


def _key(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(
            repr(p).encode() if not isinstance(p, (bytes, str)) else (p.encode() if isinstance(p, str) else p)
        )
        h.update(b"\0")
    return h.hexdigest()[:16]


@contextmanager
def _environment(env: dict[str, str]):
    """The runner's build step reads os.environ (PATH, VERILATOR_ROOT); set them for its duration."""
    saved = os.environ.copy()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _simulator_env(simulator: str) -> dict[str, str]:
    if simulator == "icarus":
        icarus_path()
        return {}
    env = verilator_env()
    return {k: env[k] for k in ("VERILATOR_ROOT", "PATH", "MAKEFLAGS")}


def _timeout_cycles(cfg: NormConfig, words: int, stall: float) -> int:
    rate = max(1e-3, (1 - stall) ** 2)
    return int(words / rate * 3) + 20 * core_latency(cfg) + 10_000


def run_simulation(
    cfg: NormConfig,
    codes: np.ndarray,
    out_dir: Path,
    *,
    freeze: np.ndarray | None = None,
    simulator: str = "icarus",
    driver: str = "bulk",
    stall_probability: float = 0.0,
    seed: int = 0,
    verilog: Path | None = None,
    extra_sources: tuple[Path, ...] = (),
    waves: bool = False,
    reset_after_words: int | None = None,
    restart_codes: np.ndarray | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunReport:
    """Generate (or take) the Verilog, build it, run the cocotb test, and return what it found."""
    if simulator not in SIMULATORS:
        raise SimulationError(f"unknown simulator {simulator!r}; choose {' or '.join(SIMULATORS)}")
    if driver not in DRIVERS:
        raise SimulationError(f"unknown driver {driver!r}; choose {' or '.join(DRIVERS)}")
    if reset_after_words is not None and driver != "axi":
        raise SimulationError("a reset mid-stream needs the axi driver")
    say = progress or (lambda _msg: None)
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    env = _simulator_env(simulator)
    phases: dict[str, float] = {}

    # -- the design under test
    t = time.perf_counter()
    src_dir = out_dir / "src"
    src_dir.mkdir(exist_ok=True)
    if verilog is None:
        say("generating Verilog")
        dut_path, _ = write_verilog(cfg, src_dir, "streamnorm")
    else:
        dut_path = Path(verilog).resolve()
        if not dut_path.is_file():
            raise SimulationError(f"--verilog {verilog}: no such file")
    dut_text = dut_path.read_text()
    top = find_top(dut_text)
    sources = [dut_path, *(Path(p).resolve() for p in extra_sources)]
    models = cell_models_for(dut_text, src_dir)
    if models is not None:
        say(f"post-synthesis netlist: adding the {models.family} cell models")
        sources += models.sources
    words = int(np.asarray(codes).size)
    if driver == "bulk":
        max_words = capacity(words)
        harness = src_dir / "harness.v"
        harness.write_text(harness_verilog(cfg, top, max_words))
        sources.append(harness)
        toplevel, module = HARNESS_TOP, "streamnorm.sim.cocotb_bulk"
    else:
        toplevel, module = top, "streamnorm.sim.cocotb_axi"
    phases["generate"] = time.perf_counter() - t

    # -- build, in a folder keyed by its inputs
    # Yosys' cell models use SystemVerilog elaboration tasks ($error); our own Verilog is 2005
    build_args: list[str] = ["-g2012"] if simulator == "icarus" else []
    if simulator == "verilator":
        # --timing: the bulk harness makes its own clock with a delay; g++ 12 needs C++20 for it
        build_args = [
            "-Wno-fatal",
            "-Wno-lint",
            "-Wno-style",
            "-O3",
            "--x-assign",
            "fast",
            "--x-initial",
            "fast",
            "--timing",
            "-CFLAGS",
            "-std=c++20",
        ]
        if waves:
            build_args.append("--trace-fst")
    key = _key(
        streamnorm.__version__,
        simulator,
        toplevel,
        build_args,
        waves,
        *(p.read_bytes() for p in sources),
    )
    build_dir = out_dir / "build" / f"{simulator}-{driver}-{key}"
    runner = get_runner(simulator)
    t = time.perf_counter()
    fresh = not build_dir.exists()
    say(f"building with {simulator} in {build_dir}" + ("" if fresh else " (reused)"))
    try:
        with _environment(env):
            runner.build(
                sources=[str(p) for p in sources],
                hdl_toplevel=toplevel,
                build_dir=str(build_dir),
                build_args=build_args,
                timescale=("1ns", "1ps"),
                waves=waves,
                always=fresh,
                log_file=str(build_dir / "build.log") if fresh else None,
            )
    except (SystemExit, RuntimeError) as exc:  # cocotb's runner exits or raises on a failed build
        log = build_dir / "build.log"
        tail = "\n".join(log.read_text().splitlines()[-15:]) if log.exists() else ""
        shutil.rmtree(build_dir, ignore_errors=True)  # never reuse a half-built folder
        raise SimulationError(f"{simulator} could not build the design ({exc}):\n{tail}") from None
    phases["build"] = time.perf_counter() - t

    # -- the run
    test_dir = out_dir / "run"
    shutil.rmtree(test_dir, ignore_errors=True)
    test_dir.mkdir(parents=True)
    np.save(test_dir / "stimulus.npy", np.asarray(codes, dtype=np.int64))
    job = SimJob(
        config=cfg.to_dict(),
        driver=driver,
        stimulus=str(test_dir / "stimulus.npy"),
        results=str(test_dir / "result.json"),
        stall_probability=stall_probability,
        seed=seed,
        timeout_cycles=_timeout_cycles(
            cfg, words + (0 if restart_codes is None else restart_codes.size), stall_probability
        ),
    )
    if freeze is not None:
        np.save(test_dir / "freeze.npy", np.asarray(freeze, dtype=bool))
        job.freeze = str(test_dir / "freeze.npy")
    if reset_after_words is not None:
        if restart_codes is None:
            raise SimulationError("reset_after_words needs restart_codes")
        np.save(test_dir / "restart.npy", np.asarray(restart_codes, dtype=np.int64))
        job.reset_after_words = reset_after_words
        job.restart_stimulus = str(test_dir / "restart.npy")
    if driver == "bulk":
        write_memory_files(test_dir, cfg, np.asarray(codes), freeze, stall_probability, seed)
    job.save(test_dir / "job.json")
    say(f"simulating {words} words on {simulator} ({driver} driver)")
    t = time.perf_counter()
    xml = test_dir / "results.xml"
    log = test_dir / "sim.log"
    with _environment(env), contextlib.suppress(SystemExit):
        # cocotb's runner exits on a failed test when it runs under pytest; the verdict is read
        # from the result file and the results XML below either way.
        runner.test(
            test_module=module,
            hdl_toplevel=toplevel,
            build_dir=str(build_dir),
            test_dir=str(test_dir),
            extra_env={JOB_ENV: str(test_dir / "job.json"), "COCOTB_RANDOM_SEED": str(seed)},
            plusargs=[f"+words={words}"] if driver == "bulk" else [],
            waves=waves,
            results_xml=str(xml),
            log_file=str(log),
        )
    phases["simulate"] = time.perf_counter() - t
    result_path = Path(job.results)
    if not result_path.exists():
        tail = "\n".join(log.read_text().splitlines()[-25:]) if log.exists() else "(no log)"
        raise SimulationError(f"the cocotb test did not finish; end of {log}:\n{tail}")
    result = SimResult.load(result_path)
    _, failed = get_results(xml)
    if failed and result.passed:
        result.passed = False
        result.notes.append(f"cocotb reported {failed} failed test(s); see {log}")
    wave_file = None
    if waves:
        found = _find_waves(test_dir, build_dir)
        if found is None:
            result.notes.append("--waves: the simulator wrote no waveform file")
        else:
            wave_file = out_dir / f"waves{found.suffix}"
            shutil.move(str(found), wave_file)
    return RunReport(
        result=result,
        simulator=simulator,
        driver=driver,
        build_dir=build_dir,
        test_dir=test_dir,
        build_seconds=phases["build"],
        waves=wave_file,
        log=log,
        phases=phases,
    )


def _find_waves(*folders: Path) -> Path | None:
    for folder in folders:
        for pattern in ("*.fst", "*.vcd"):
            found = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime)
            if found:
                return found[-1]
    return None
