"""FuseSoC: the generated core's CAPI2 core file, and the generator that regenerates it.

`core_file` is ``<name>.core``: the Verilog as a fileset and its targets, ``default`` (what a
design that depends on the core gets), ``lint`` (Verilator), ``sim`` (Icarus, the self-checking
testbench of `streamnorm.hw.selfcheck`), ``sim_verilator`` (the same testbench on Verilator) and
``synth`` (the open ECP5 flow, Edalize's ``trellis`` flow; the clock constraint is nextpnr's
``--freq``), each through Edalize's flow API.

`generator_core` is ``streamnorm_gen.core``, a FuseSoC generator a user's core invokes with the
configuration as its parameters (FuseSoC's generator API 1.0: the generator is given a YAML file
with ``parameters``, ``vlnv`` and ``files_root``, and writes a core file into its working folder).
It runs `streamnorm.hw.generator` with the Python that wrote it, the one streamnorm is installed
in, and is cached on its input: FuseSoC reruns it exactly when the parameters change.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from .instance import Clock
from .selfcheck import SelfCheck

__all__ = ["GENERATOR", "GENERATOR_SCRIPT", "core_file", "generator_core", "generator_script"]

GENERATOR = "streamnorm_gen"
GENERATOR_SCRIPT = f"{GENERATOR}.py"

#: The ECP5 device of the synth target: `streamnorm synth`'s default.
_ECP5 = ("--85k", "--package", "CABGA381")

#: The one warning `-Wall` raises on the emitted Verilog by design: bits the arithmetic does not
#: read (s_axis_tlast, the low bits a rounding drops); any other warning fails the lint.
_LINT_WAIVERS = ("-Wno-UNUSEDSIGNAL",)

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _scalar(value: Any) -> str:
    # JSON's strings, numbers, true/false/null are YAML's too
    if isinstance(value, str) and _PLAIN.match(value) and value not in ("true", "false", "null", "yes", "no"):
        return value
    return json.dumps(value)


def _empty(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    return _scalar(value)


def _yaml(value: Any, indent: int = 0) -> list[str]:
    """`value` (dicts, lists, scalars) as block YAML lines, without PyYAML (generate must work
    without FuseSoC and its dependencies installed)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{_scalar(key)}:")
                lines += _yaml(item, indent + 2)
            else:
                lines.append(f"{pad}{_scalar(key)}: {_empty(item)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                nested = _yaml(item, indent + 2)
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines += nested[1:]
            else:
                lines.append(f"{pad}- {_empty(item)}")
    return lines


def _capi2(header: str, body: dict[str, Any]) -> str:
    comments = "".join(f"# {line}\n" for line in header.splitlines())
    return "CAPI=2:\n" + comments + "\n".join(_yaml(body)) + "\n"


def core_file(name: str, vlnv: str, clock: Clock, check: SelfCheck, description: str) -> str:
    """``<name>.core``: the Verilog ``<name>.v`` and the testbench files of `check`, which lie
    beside it; `vlnv` is the core's name (a generator's is given by FuseSoC)."""
    memories = [f for f in check.files if f.endswith(".memh")]
    body = {
        "name": vlnv,
        "description": description,
        "filesets": {
            "rtl": {"files": [f"{name}.v"], "file_type": "verilogSource"},
            "selfcheck": {"files": [check.testbench], "file_type": "verilogSource"},
            # $readmemh opens them in the simulator's working folder: copied there
            "selfcheck_data": {"files": [{m: {"copyto": m}} for m in memories], "file_type": "user"},
        },
        "targets": {
            "default": {"filesets": ["rtl"], "toplevel": name},
            "lint": {
                "description": "Verilator --lint-only -Wall on the core",
                "flow": "lint",
                "flow_options": {"tool": "verilator", "verilator_options": ["-Wall", *_LINT_WAIVERS]},
                "filesets": ["rtl"],
                "toplevel": name,
            },
            "sim": {
                "description": f"Icarus: the self-checking testbench, {check.steps} time steps against "
                "the golden model",
                "flow": "sim",
                "flow_options": {"tool": "icarus", "iverilog_options": ["-g2005"]},
                "filesets": ["rtl", "selfcheck", "selfcheck_data"],
                "toplevel": check.toplevel,
            },
            "sim_verilator": {
                "description": "Verilator: the same testbench, compiled (--binary --timing)",
                "flow": "sim",
                "flow_options": {
                    "tool": "verilator",
                    "mode": "binary",
                    # the testbench makes its clock with a delay; g++ 12 needs C++20 for that
                    "verilator_options": ["--timing", "-CFLAGS", "-std=c++20", "-Wall", *_LINT_WAIVERS],
                },
                "filesets": ["rtl", "selfcheck", "selfcheck_data"],
                "toplevel": check.toplevel,
            },
            "synth": {
                "description": f"Yosys and nextpnr on an ECP5 LFE5U-85F, clock {clock.mhz:g} MHz",
                "flow": "trellis",
                "flow_options": {"nextpnr_options": [*_ECP5, "--freq", f"{clock.mhz:g}"]},
                "filesets": ["rtl"],
                "toplevel": name,
            },
        },
    }
    header = f"{name}.core: FuseSoC core file written by streamnorm generate.\nsynth clock: {clock.note}."
    return _capi2(header, body)


def generator_core(version: str) -> str:
    """``streamnorm_gen.core``: the generator, run by this Python interpreter (streamnorm's)."""
    usage = (
        "Writes a streamnorm core (Verilog, core file, IP-XACT, testbench) for the configuration in "
        "its parameters: any configuration key (channels, lanes, in_fmt: {width, frac}, gamma, ...; "
        "see docs/config.md), plus name (the Verilog module, default streamnorm) and freq (the clock "
        "constraint in MHz, default 100). The generated core's default target is the Verilog."
    )
    body = {
        "name": f"streamnorm:generators:{GENERATOR}:{version}",
        "description": "streamnorm core generator",
        "generators": {
            GENERATOR: {
                "interpreter": sys.executable,
                "command": GENERATOR_SCRIPT,
                "cache_type": "input",
                "description": "streaming L1 normalization core from a streamnorm configuration",
                "usage": usage,
            }
        },
    }
    header = (
        f"{GENERATOR}.core: the FuseSoC generator of streamnorm {version}, written by streamnorm generate.\n"
        f"Depend on streamnorm:generators:{GENERATOR} and list a `generate:` entry with\n"
        f"`generator: {GENERATOR}` and the configuration as `parameters:` (docs/integration.md)."
    )
    return _capi2(header, body)


def generator_script(version: str) -> str:
    """``streamnorm_gen.py``, the command of the generator core."""
    return (
        f'"""FuseSoC generator of streamnorm {version}: FuseSoC runs it with its input YAML file."""\n\n'
        "import sys\n\n"
        "from streamnorm.hw.generator import run_generator\n\n"
        "sys.exit(run_generator(sys.argv[1:]))\n"
    )
