"""Build and run a simulation with `cocotb_tools.runner`: Icarus Verilog or Verilator, two drivers.

Everything the request names is checked before anything is built (the output folder, a given
Verilog file's text, ports and manifest). Builds go to a folder keyed by everything that goes
into them (simulator, sources, options), so a changed input always gets a fresh build and an
unchanged one is reused.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from cocotb_tools.runner import Runner, get_results, get_runner

import streamnorm
from streamnorm.golden import ParameterError
from streamnorm.hw.core import latency as core_latency
from streamnorm.hw.generate import write as write_verilog

from .cells import cell_models_for
from .harness import HARNESS_TOP, capacity, harness_verilog, write_memory_files
from .job import JOB_ENV, SimJob, SimResult
from .netlist import check_manifest, check_ports, find_top, module_ports, read_verilog
from .request import Driver, SimRequest, Simulator
from .toolchain import icarus_path, verilator_env, verilator_fst_available

__all__ = ["RunReport", "SimulationError", "run_simulation"]

#: The cocotb test module of each driver.
_TEST_MODULE = {Driver.BULK: "streamnorm.sim.cocotb_bulk", Driver.AXI: "streamnorm.sim.cocotb_axi"}


class SimulationError(RuntimeError):
    """The simulation could not be built or run (not a mismatch: those are results)."""


@dataclass
class RunReport:
    result: SimResult
    simulator: Simulator
    driver: Driver
    build_dir: Path
    test_dir: Path
    build_seconds: float
    waves: Path | None = None
    log: Path | None = None
    phases: dict[str, float] = field(default_factory=dict)


@dataclass
class _Design:
    """What gets built: the sources, the top level and the notes the checks left."""

    sources: list[Path]
    toplevel: str
    notes: list[str]


def _key(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """The runner's build step reads os.environ (PATH, VERILATOR_ROOT); set them for its duration."""
    saved = os.environ.copy()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _simulator_env(simulator: Simulator) -> dict[str, str]:
    if simulator is Simulator.ICARUS:
        icarus_path()
        return {}
    env = verilator_env()
    return {k: env[k] for k in ("VERILATOR_ROOT", "PATH", "MAKEFLAGS")}


def _out_dir(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise ParameterError("out_dir", f"{path} is a file, not a folder; name a folder (it is created)")
    path = path.resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _design(request: SimRequest, src_dir: Path, say: Callable[[str], None]) -> _Design:
    """The DUT (generated, or the given file once its text, ports and manifest are checked),
    its cell models, and the bulk harness around it."""
    cfg = request.config
    notes: list[str] = []
    if request.verilog is None:
        say("generating Verilog")
        dut_path, _ = write_verilog(cfg, src_dir, "streamnorm")
        dut_text = dut_path.read_text()
    else:
        dut_path = request.verilog.resolve()
        dut_text = read_verilog(dut_path)
        manifest = check_manifest(dut_path, cfg)
        if manifest is not None:
            say(f"{manifest} records the same configuration")
    modules = module_ports(dut_text)
    top = find_top(modules, cfg, dut_path)
    notes += check_ports(modules[top], top, cfg, dut_path)
    sources = [dut_path, *(p.resolve() for p in request.extra_sources)]
    models = cell_models_for(dut_text, src_dir)
    if models is not None:
        say(f"post-synthesis netlist: adding the {models.family} cell models")
        sources += models.sources
    if request.driver is Driver.AXI:
        return _Design(sources, top, notes)
    harness = src_dir / "harness.v"
    harness.write_text(harness_verilog(cfg, top, capacity(request.codes.size // cfg.lanes)))
    return _Design([*sources, harness], HARNESS_TOP, notes)


def _vcd_only(request: SimRequest) -> bool:
    """Verilator waves without its FST writer, which needs liblz4's headers: cocotb's runner
    passes --trace, a VCD, which needs no library."""
    return request.waves and request.simulator is Simulator.VERILATOR and not verilator_fst_available()


def _build_args(request: SimRequest) -> list[str]:
    if request.simulator is Simulator.ICARUS:
        # Yosys' cell models use SystemVerilog elaboration tasks ($error); our own Verilog is 2005
        return ["-g2012"]
    # --timing: the bulk harness makes its own clock with a delay; g++ 12 needs C++20 for it
    args = ["-Wno-fatal", "-Wno-lint", "-Wno-style", "-O3", "--x-assign", "fast", "--x-initial", "fast"]
    args += ["--timing", "-CFLAGS", "-std=c++20"]
    if request.waves and not _vcd_only(request):
        args.append("--trace-fst")
    return args


def _timeout_cycles(request: SimRequest) -> int:
    rate = max(1e-3, request.producer_pauses.duty * request.consumer_pauses.duty)
    return int(request.words / rate * 3) + 20 * core_latency(request.config) + 10_000


def _job(request: SimRequest, test_dir: Path) -> SimJob:
    """The job file the cocotb test reads, with the arrays it needs beside it."""
    np.save(test_dir / "stimulus.npy", request.codes)
    job = SimJob(
        config=request.config.to_dict(),
        stimulus=str(test_dir / "stimulus.npy"),
        results=str(test_dir / "result.json"),
        producer_pauses=request.producer_pauses.spec,
        consumer_pauses=request.consumer_pauses.spec,
        seed=int(request.seed),
        timeout_cycles=_timeout_cycles(request),
    )
    if request.freeze is not None:
        np.save(test_dir / "freeze.npy", request.freeze)
        job.freeze = str(test_dir / "freeze.npy")
    if request.reset is not None:
        np.save(test_dir / "restart.npy", request.reset.restart)
        job.reset_after_words = request.reset.after_words
        job.restart_stimulus = str(test_dir / "restart.npy")
    job.save(test_dir / "job.json")
    return job


def _build(
    runner: Runner,
    request: SimRequest,
    design: _Design,
    out_dir: Path,
    env: dict[str, str],
    say: Callable[[str], None],
) -> Path:
    """Build the design in a folder keyed by its inputs (reused when they are unchanged)."""
    simulator = request.simulator
    build_args = _build_args(request)
    key = _key(
        streamnorm.__version__,
        simulator,
        design.toplevel,
        build_args,
        request.waves,
        *(p.read_bytes() for p in design.sources),
    )
    build_dir = out_dir / "build" / f"{simulator}-{request.driver}-{key}"
    fresh = not build_dir.exists()
    say(f"building with {simulator} in {build_dir}" + ("" if fresh else " (reused)"))
    try:
        with _environment(env):
            runner.build(
                sources=[str(p) for p in design.sources],
                hdl_toplevel=design.toplevel,
                build_dir=str(build_dir),
                build_args=build_args,
                timescale=("1ns", "1ps"),
                waves=request.waves,
                always=fresh,
                log_file=str(build_dir / "build.log") if fresh else None,
            )
    except (SystemExit, RuntimeError) as exc:  # cocotb's runner exits or raises on a failed build
        log = build_dir / "build.log"
        tail = "\n".join(log.read_text().splitlines()[-15:]) if log.exists() else ""
        shutil.rmtree(build_dir, ignore_errors=True)  # never reuse a half-built folder
        raise SimulationError(f"{simulator} could not build the design ({exc}):\n{tail}") from None
    return build_dir


def _test(
    runner: Runner, request: SimRequest, design: _Design, build_dir: Path, test_dir: Path, env: dict[str, str]
) -> SimResult:
    """Run the driver's cocotb test in a fresh `test_dir` and read what it found."""
    shutil.rmtree(test_dir, ignore_errors=True)
    test_dir.mkdir(parents=True)
    job = _job(request, test_dir)
    plusargs: list[str] = []
    if request.driver is Driver.BULK:
        plusargs = write_memory_files(
            test_dir,
            request.config,
            request.codes,
            request.freeze,
            request.producer_pauses,
            request.consumer_pauses,
            request.seed,
        )
    xml, log = test_dir / "results.xml", test_dir / "sim.log"
    with _environment(env), contextlib.suppress(SystemExit):
        # cocotb's runner exits on a failed test when it runs under pytest; the verdict is read
        # from the result file and the results XML below either way.
        runner.test(
            test_module=_TEST_MODULE[request.driver],
            hdl_toplevel=design.toplevel,
            build_dir=str(build_dir),
            test_dir=str(test_dir),
            extra_env={JOB_ENV: str(test_dir / "job.json"), "COCOTB_RANDOM_SEED": str(request.seed)},
            plusargs=plusargs,
            waves=request.waves,
            results_xml=str(xml),
            log_file=str(log),
        )
    result_path = Path(job.results)
    if not result_path.exists():
        tail = "\n".join(log.read_text().splitlines()[-25:]) if log.exists() else "(no log)"
        raise SimulationError(f"the cocotb test did not finish; end of {log}:\n{tail}")
    result = SimResult.load(result_path)
    _, failed = get_results(xml)
    if failed and result.passed:
        result.passed = False
        result.notes.append(f"cocotb reported {failed} failed test(s); see {log}")
    return result


def run_simulation(request: SimRequest, progress: Callable[[str], None] | None = None) -> RunReport:
    """Check what the request names, generate (or take) the Verilog, build it, run the cocotb
    test, and return what it found."""
    say = progress or (lambda _msg: None)
    out_dir = _out_dir(request.out_dir)
    phases: dict[str, float] = {}

    t = time.perf_counter()
    src_dir = out_dir / "src"
    src_dir.mkdir(exist_ok=True)
    design = _design(request, src_dir, say)
    env = _simulator_env(request.simulator)
    if _vcd_only(request):
        design.notes.append(
            "waves: Verilator writes VCD, not FST: its FST writer needs the lz4 headers "
            "(apt-get install liblz4-dev)"
        )
    phases["generate"] = time.perf_counter() - t

    t = time.perf_counter()
    runner = get_runner(request.simulator.value)  # one object: its test step reads what its build set
    build_dir = _build(runner, request, design, out_dir, env, say)
    phases["build"] = time.perf_counter() - t

    say(
        f"simulating {request.codes.size} words on {request.simulator} ({request.driver} driver; "
        f"pauses: producer {request.producer_pauses}, consumer {request.consumer_pauses})"
    )
    t = time.perf_counter()
    test_dir = out_dir / "run"
    result = _test(runner, request, design, build_dir, test_dir, env)
    phases["simulate"] = time.perf_counter() - t
    result.notes = design.notes + result.notes

    wave_file = None
    if request.waves:
        found = _find_waves(test_dir, build_dir)
        if found is None:
            result.notes.append("waves: the simulator wrote no waveform file")
        else:
            wave_file = out_dir / f"waves{found.suffix}"
            shutil.move(str(found), wave_file)
    return RunReport(
        result=result,
        simulator=request.simulator,
        driver=request.driver,
        build_dir=build_dir,
        test_dir=test_dir,
        build_seconds=phases["build"],
        waves=wave_file,
        log=test_dir / "sim.log",
        phases=phases,
    )


def _find_waves(*folders: Path) -> Path | None:
    for folder in folders:
        for pattern in ("*.fst", "*.vcd"):
            found = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime)
            if found:
                return found[-1]
    return None
