"""The synthesis cache of `streamnorm explore`: one folder per synthesis run, named by what decides it.

A run's outcome is decided by the configuration, the family, device, speed grade, clock constraint
and placer seed, and by the tools (`explore_tools.tool_versions`). Their hash names the folder, so
a rerun or a grown grid finds what is done, and a changed core or tool is a miss rather than a
stale answer. The synthesis writes its files there (on a worker's disk: with workers on other
machines, a shared folder brings them back); ``result.json`` beside them is the outcome, which the
client writes once the run is over, so a run killed halfway is a miss and the client's cache is
complete whatever the workers share.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .explore_tasks import SeedRun, SynthJob

__all__ = ["RESULT_FILE", "SynthCache", "job_key"]

RESULT_FILE = "result.json"


def job_key(job: SynthJob) -> str:
    """The folder name of `job`: a hash of everything that decides its outcome."""
    text = json.dumps(job.key_fields(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class SynthCache:
    """The cache folder (``DIR/cache``); absolute, since workers on other machines are given it."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())

    def folder(self, job: SynthJob) -> Path:
        return self.root / job_key(job)

    def load(self, job: SynthJob) -> SeedRun | None:
        """The recorded outcome of `job`, or None if it has not run to the end."""
        path = self.folder(job) / RESULT_FILE
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        return SeedRun.from_json(data["run"], cached=True)

    def store(self, job: SynthJob, run: SeedRun) -> None:
        """Record `run` as `job`'s outcome (atomically: a reader sees all of it or nothing)."""
        folder = self.folder(job)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{RESULT_FILE}.{os.getpid()}"
        tmp.write_text(json.dumps({"job": job.key_fields(), "run": run.to_json()}, indent=2) + "\n")
        tmp.replace(folder / RESULT_FILE)
