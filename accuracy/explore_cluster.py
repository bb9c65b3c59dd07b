"""Where `streamnorm explore` runs its synthesis tasks: a Dask cluster, local or reached by address.

With no address, a `LocalCluster` on this machine: one worker process per core (or `workers`), one
thread each, since every task runs Yosys and nextpnr as subprocesses that keep a core busy; more
would only make them take turns. With an address (``tcp://HOST:PORT``), the cluster a user started
with ``dask scheduler`` and ``dask worker`` (docs/explore.md).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from streamnorm.golden import ParameterError, require

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["CONNECT_SECONDS", "ClusterSpec", "default_workers", "describe_client", "open_client"]

#: How long to wait for a scheduler to answer, and for its first worker to join.
CONNECT_SECONDS = 10
#: The dashboard's port on a LocalCluster (Dask's usual one; a free one if it is taken).
DASHBOARD = "127.0.0.1:8787"


def default_workers() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class ClusterSpec:
    """A scheduler's address, or the size of a LocalCluster (None: `default_workers`)."""

    scheduler: str | None = None
    workers: int | None = None

    def __post_init__(self) -> None:
        if self.scheduler is not None and self.workers is not None:
            raise ParameterError("workers", "sizes a local cluster; a scheduler has its own workers")
        if self.workers is not None and (not isinstance(self.workers, int) or self.workers < 1):
            raise ParameterError("workers", f"{self.workers!r}: must be at least 1")
        if self.scheduler is not None and not self.scheduler.strip():
            raise ParameterError(
                "scheduler", "is empty; give the address dask scheduler printed (tcp://HOST:PORT)"
            )


@contextmanager
def open_client(spec: ClusterSpec) -> Iterator[Client]:
    """A Dask client of the cluster `spec` names, closed (with its LocalCluster) on leaving."""
    require("dask")
    from dask.distributed import Client, LocalCluster

    if spec.scheduler is None:
        n = spec.workers or default_workers()
        with warnings.catch_warnings():
            # the dashboard's port taken: Dask takes a free one, the one `describe_client` prints
            warnings.filterwarnings("ignore", "Port .* is already in use", UserWarning)
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=DASHBOARD,
            )
        with cluster, Client(cluster) as client:
            # a worker started may not have registered yet: wait, so that `describe_client` is true
            client.wait_for_workers(n)
            yield client
        return
    try:
        client = Client(spec.scheduler, timeout=CONNECT_SECONDS)
    except (OSError, ValueError) as exc:  # refused, timed out, or not an address
        raise ParameterError("scheduler", f"cannot reach {spec.scheduler}: {exc}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except TimeoutError:
            raise ParameterError(
                "scheduler",
                f"{spec.scheduler} has no worker after {CONNECT_SECONDS} s: start one with "
                f"`dask worker {spec.scheduler}` where streamnorm is installed",
            ) from None
        yield client


def describe_client(client: Client) -> str:
    """Where the tasks go, in a line: the scheduler, its workers and the dashboard's address."""
    workers = client.nthreads()
    threads = sum(workers.values())

    def count(n: int, what: str) -> str:
        return f"{n} {what}" if n == 1 else f"{n} {what}s"

    return (
        f"cluster: {client.scheduler.address}, {count(len(workers), 'worker')}, "
        f"{count(threads, 'thread')}; dashboard: {client.dashboard_link}"
    )
