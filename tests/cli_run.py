"""Running the `streamnorm` command line as a user does, in a subprocess, for the tests."""

from __future__ import annotations

import subprocess
import sys


def streamnorm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`streamnorm ARGS...` with this interpreter; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "streamnorm.cli", *args], capture_output=True, text=True, check=False, env=env
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], message: str, code: int = 2) -> None:
    """The command failed with `code`, said `message` on stderr, and showed no traceback."""
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
