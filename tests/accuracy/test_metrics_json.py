"""metrics.json keeps its keys and values: a run pinned against the same run made before the
accuracy results became types (tests/accuracy/metrics_before.json).

The configuration's own JSON (`config`) and its refusal sentences belong to the configuration,
which may word them differently; everything the accuracy package computes must match: keys,
types, counts and strings exactly, floats to `tolerance.FLOAT_RTOL` (a correlation moves by a few
ulp with the NumPy release and its BLAS).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tolerance import FLOAT_RTOL, close

from streamnorm.cli import main
from streamnorm.golden import NormConfig

PINNED = Path(__file__).with_name("metrics_before.json")
CONFIG = {"channels": 2, "window_log2": 3, "decay_log2": 4}
#: The command the pinned file was made with (its `command` says so too), run in an empty folder.
ARGS = [
    "accuracy",
    "--config",
    "cfg.json",
    "--stream",
    "laplace",
    "--samples",
    "1200",
    "--seed",
    "4",
    "--warmup",
    "300",
    "--sweep",
    "out_fmt.frac=10/11,decay_log2=null/4",
    "--target-sqnr",
    "50",
    "--target-metric",
    "overall",
    "--out",
    "out",
]


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Every place where `after` has other keys, types or values than `before`."""
    if type(before) is not type(after):
        return [f"{path}: {type(before).__name__} became {type(after).__name__}"]
    if isinstance(before, dict):
        out = [] if list(before) == list(after) else [f"{path}: keys {list(before)} became {list(after)}"]
        for k in before.keys() & after.keys():
            if k == "config" and not path:
                continue  # the configuration's JSON: compared with NormConfig's own below
            if k == "refused":
                if not after[k].startswith("bad configuration: mix_log2: "):
                    out.append(f"{path}.{k}: {after[k]!r}")
                continue
            out += differences(before[k], after[k], f"{path}.{k}")
        return out
    if isinstance(before, list):
        if len(before) != len(after):
            return [f"{path}: {len(before)} items became {len(after)}"]
        pairs = enumerate(zip(before, after, strict=True))
        return [d for i, (b, a) in pairs for d in differences(b, a, f"{path}[{i}]")]
    if isinstance(before, float):  # a float from a reduction: a few ulp with the NumPy build
        return [] if close(before, after) else [f"{path}: {before!r} became {after!r}"]
    return [] if before == after else [f"{path}: {before!r} became {after!r}"]


@pytest.fixture(scope="module")
def metrics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("pinned")
    (folder / "cfg.json").write_text(json.dumps(CONFIG))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        assert main(ARGS) == 0
    return json.loads((folder / "out" / "metrics.json").read_text())


def test_metrics_json_has_the_keys_and_values_it_had(metrics: dict[str, Any]) -> None:
    before = json.loads(PINNED.read_text())
    assert differences(before, metrics) == []


def test_the_configuration_is_written_as_the_configuration_writes_itself(metrics: dict[str, Any]) -> None:
    assert metrics["config"] == NormConfig.from_dict(CONFIG).to_dict()


def test_a_float_off_by_more_than_the_tolerance_is_a_difference() -> None:
    assert differences({"x": 1.0}, {"x": 1.0 + 3e-16}) == []  # a few ulp
    moved = 1.0 + 100 * FLOAT_RTOL
    assert differences({"x": 1.0}, {"x": moved}) == [f".x: 1.0 became {moved!r}"]
    assert differences({"n": 3}, {"n": 4}) == [".n: 3 became 4"]  # integers stay exact
    assert differences({"n": 3}, {"n": 3.0}) == [".n: int became float"]
