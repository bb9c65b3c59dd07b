"""`SimRequest` refuses what cannot be simulated, naming the parameter; nothing is cut or wrapped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from streamnorm.golden import NormConfig, ParameterError
from streamnorm.sim.request import Driver, ResetPlan, SimRequest, Simulator

CFG = NormConfig(channels=2)
CODES = np.zeros((10, 2), dtype=np.int64)


def test_strings_become_the_enums_and_json_keeps_the_strings() -> None:
    req = SimRequest(CFG, CODES, Path("o"), simulator="verilator", driver="axi")
    assert req.simulator is Simulator.VERILATOR and req.driver is Driver.AXI
    assert f"{req.simulator}-{req.driver}" == "verilator-axi"
    assert req.words == 20


@pytest.mark.parametrize(
    ("changes", "parameter", "message"),
    [
        ({"simulator": "modelsim"}, "simulator", "'modelsim' is not one of icarus or verilator"),
        ({"driver": "uvm"}, "driver", "'uvm' is not one of bulk or axi"),
        ({"codes": np.zeros((10, 3), dtype=int)}, "codes", "must have shape (T, 2)"),
        ({"codes": np.zeros((0, 2), dtype=int)}, "codes", "with T >= 1"),
        ({"codes": np.zeros((4, 2))}, "codes", "must be integer in_fmt codes, not float64"),
        ({"codes": np.full((4, 2), 1 << 15)}, "codes", "8 codes are outside in_fmt Q(16,12)"),
        ({"freeze": np.zeros(9, dtype=bool)}, "freeze", "must be 10 bools (one per time step)"),
        ({"seed": -1}, "seed", "must be a non-negative integer, not -1"),
        ({"producer_pauses": 0.3}, "producer_pauses", "must be a pause pattern"),
        ({"reset": ResetPlan(5, CODES)}, "reset", "a reset mid-stream needs the axi driver, not bulk"),
        ({"reset": ResetPlan(21, CODES), "driver": "axi"}, "reset", "after_words must be in 1..20"),
        ({"reset": ResetPlan(5, CODES[:, :1]), "driver": "axi"}, "reset", "must have shape (T, 2)"),
    ],
)
def test_what_cannot_be_simulated_is_refused(changes: dict, parameter: str, message: str) -> None:
    args = {"config": CFG, "codes": CODES, "out_dir": Path("o"), **changes}
    with pytest.raises(ParameterError) as info:
        SimRequest(**args)
    assert info.value.parameter == parameter
    assert message in info.value.message
