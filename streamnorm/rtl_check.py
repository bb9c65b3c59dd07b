"""`accuracy --rtl`: the generated Verilog on the same input codes, every word against the golden model.

The simulation (`streamnorm simulate`'s runner) compares each output word of the Verilog with
`FixedStreamNorm` on the same codes, so a pass means the accuracy figures, which are the golden
model's, are the hardware's too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from streamnorm.golden import NormConfig
from streamnorm.sim.runner import run_simulation

__all__ = ["rtl_check"]


def rtl_check(
    cfg: NormConfig,
    codes: np.ndarray,
    out_dir: Path,
    seed: int,
    simulator: str = "icarus",
    backpressure: float = 0.3,
    verilog: Path | None = None,
) -> dict[str, Any]:
    """Simulate and return what the report states: passed, words checked, the first mismatch."""
    report = run_simulation(
        cfg,
        codes,
        out_dir,
        simulator=simulator,
        stall_probability=backpressure,
        seed=seed,
        verilog=verilog,
        progress=lambda msg: print(f"[rtl] {msg}", flush=True),
    )
    res = report.result
    return {
        "ran": True,
        "passed": bool(res.passed),
        "simulator": report.simulator,
        "driver": report.driver,
        "backpressure": backpressure,
        "words_checked": int(res.words_checked),
        "words_expected": int(res.words_expected),
        "mismatch_count": int(res.mismatch_count),
        "first_mismatch": res.mismatches[0].describe() if res.mismatches else None,
        "notes": list(res.notes),
        "verilog": str(verilog) if verilog else str(Path(out_dir) / "src" / "streamnorm.v"),
        "out_dir": str(out_dir),
    }
