"""One synthesis task of `streamnorm explore`: what a worker is sent, what it does, what it sends back.

A task is small both ways: a `SynthJob` (the configuration as JSON data, the target, the seed, the
folder to work in and the tool versions the client expects) goes out, a `SeedRun` (the figures and
a status) comes back; the netlist and the logs stay in the task's folder. A task never raises: a
design that does not fit, a tool that fails and a worker whose tools differ from the client's are
all outcomes, so one bad point cannot stop a run of hours.
"""

from __future__ import annotations

import enum
import functools
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from streamnorm.golden import NormConfig
from streamnorm.hw.synth import Family, SynthError, SynthReport, SynthRequest, synthesize
from streamnorm.hw.yosys import YosysError

from .explore_tools import tool_versions

__all__ = ["RunStatus", "SeedRun", "SynthFunction", "SynthJob", "failed_task", "run_job", "worker_tools"]

#: What performs one synthesis (`streamnorm.hw.synth.synthesize`, or a stand-in in the tests).
SynthFunction = Callable[[SynthRequest], SynthReport]

#: How `SynthError` and `YosysError` name a tool that a signal ended (a subprocess's negative
#: status): someone or something stopped it, which says nothing about the design.
_KILLED = re.compile(r"failed \(exit -\d+\)")


class RunStatus(str, enum.Enum):
    FITS = "fits"
    DOES_NOT_FIT = "does_not_fit"
    #: a tool failed, or the task could not run; `SeedRun.message` says why
    FAILED = "failed"


@dataclass(frozen=True)
class SynthJob:
    """One (configuration, seed) to synthesize, place and route."""

    config: dict[str, Any]  #: `NormConfig.to_dict()`
    target: str  #: family
    device: str
    speed: int | None
    freq_mhz: float
    seed: int
    tools: dict[str, str]  #: the client's `tool_versions`: the worker must have the same

    def key_fields(self) -> dict[str, Any]:
        """Everything that decides the outcome (the cache key's contents)."""
        return asdict(self)

    def request(self, folder: Path) -> SynthRequest:
        return SynthRequest(
            config=NormConfig.from_dict(self.config),
            out_dir=folder,
            target=Family(self.target),
            device=self.device,
            freq_mhz=self.freq_mhz,
            speed=self.speed,
            seed=self.seed,
        )


@dataclass(frozen=True)
class SeedRun:
    """The outcome of one `SynthJob`: what travels back from the worker."""

    seed: int
    status: RunStatus
    lut: int | None = None
    ff: int | None = None
    dsp: int | None = None
    bram: int | None = None
    fmax_mhz: float | None = None
    message: str = ""
    seconds: float = 0.0
    #: an outcome of the request and the tools, worth keeping; False for a failure of this
    #: machine (a missing package, a full disk), which a rerun should try again
    cacheable: bool = True
    cached: bool = False  #: read from the cache, not run now

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["status"] = self.status.value
        del out["cached"]  # a property of this run's bookkeeping, not of the outcome
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], cached: bool = False) -> SeedRun:
        return cls(**{**data, "status": RunStatus(data["status"]), "cached": cached})


def _from_report(seed: int, report: SynthReport, seconds: float) -> SeedRun:
    if not report.fits:
        return SeedRun(seed, RunStatus.DOES_NOT_FIT, message=report.message, seconds=seconds)
    return SeedRun(
        seed,
        RunStatus.FITS,
        lut=report.lut,
        ff=report.ff,
        dsp=report.dsp,
        bram=report.bram,
        fmax_mhz=report.fmax_mhz,
        message=report.message,
        seconds=seconds,
    )


@functools.cache
def worker_tools(family: str) -> dict[str, str]:
    """This worker process's `tool_versions`, read at its first task, just after it imported the
    sources: the code a worker runs is the one it imported, so an edit of the checkout during a
    run must not make it refuse the tasks of the client it started with. (A client reads them
    afresh for each run, as the workers of a new LocalCluster do.)"""
    return tool_versions(family)


def run_job(job: SynthJob, folder: str, synthesize: SynthFunction = synthesize) -> SeedRun:
    """Synthesize `job` in `folder` (created) and say how it went; never raises."""
    here = worker_tools(job.target)
    differ = {k: v for k, v in here.items() if job.tools.get(k) != v}
    if differ:
        said = ", ".join(f"{k} {v} (the client has {job.tools.get(k)})" for k, v in differ.items())
        return SeedRun(
            job.seed,
            RunStatus.FAILED,
            message=f"this worker's tools differ from the client's: {said}; install the same versions",
            cacheable=False,
        )
    t0 = time.perf_counter()
    try:
        report = synthesize(job.request(Path(folder)))
    except (SynthError, YosysError) as exc:
        seconds = time.perf_counter() - t0
        if _KILLED.search(str(exc)):  # stopped from outside (a signal), not refused: tried again
            message = f"{exc}\n(the tool was killed by a signal; not cached: a rerun tries again)"
            return SeedRun(job.seed, RunStatus.FAILED, message=message, seconds=seconds, cacheable=False)
        return SeedRun(job.seed, RunStatus.FAILED, message=str(exc), seconds=seconds)
    except Exception as exc:  # a failure of this machine or of the generator: recorded, tried again
        message = f"{type(exc).__name__}: {exc} (not cached: a rerun tries again)"
        return SeedRun(
            job.seed, RunStatus.FAILED, message=message, seconds=time.perf_counter() - t0, cacheable=False
        )
    return _from_report(job.seed, report, time.perf_counter() - t0)


def failed_task(job: SynthJob, error: BaseException) -> SeedRun:
    """The outcome of a task the cluster lost (its worker died): recorded, tried again next run."""
    message = f"the task was lost: {type(error).__name__}: {error} (not cached: a rerun tries again)"
    return SeedRun(job.seed, RunStatus.FAILED, message=message, cacheable=False)
