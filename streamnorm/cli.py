"""The `streamnorm` command line: one subcommand per job, each in its own module.

The library reports in its own terms and the command line translates: a `ParameterError` names a
parameter (``target_sqnr``), printed here as its flag (``--target-sqnr``); a missing optional
package becomes the extra that installs it. A command imports what it needs when it runs, so each
works with only its own extras installed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib import metadata

from streamnorm.golden import ConfigError, MissingExtra, ParameterError

from . import accuracy_cmd, config_cmd, explore_cmd, generate_cmd, simulate_cmd, synth_cmd

__all__ = ["flag", "main"]

#: The library parameters whose flag is not their name with dashes for underscores.
FLAGS = {"out_dir": "--out"}

#: Errors a command reports in one line (a tool that failed, a tool not installed) and their exit
#: status, by the module that defines each. They are looked up only in modules already imported:
#: an error of a module never imported cannot have been raised, and importing one to find out
#: would need its extra.
_TOOL_ERRORS = {
    ("streamnorm.hw.yosys", "YosysError"): 2,
    ("streamnorm.hw.synth", "SynthError"): 2,
    ("streamnorm.sim.runner", "SimulationError"): 2,
    ("streamnorm.sim.toolchain", "SimulatorMissing"): 3,
}

Command = Callable[[argparse.Namespace], int]


def flag(parameter: str) -> str:
    """The command-line flag of a library parameter: ``target_sqnr`` -> ``--target-sqnr``."""
    return FLAGS.get(parameter, "--" + parameter.replace("_", "-"))


class _Version(argparse.Action):
    """``--version``: the installed distribution's version, read from its metadata only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"{parser.prog} {metadata.version('streamnorm')}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="streamnorm",
        description="Streaming L1 normalization for FPGAs: golden model, Verilog, simulation, accuracy.",
    )
    p.add_argument("--version", action=_Version)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (config_cmd, generate_cmd, simulate_cmd, accuracy_cmd, synth_cmd, explore_cmd):
        module.add_parser(sub)
    return p


def _tool_error_status(exc: Exception) -> int | None:
    for (module, name), status in _TOOL_ERRORS.items():
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(exc, getattr(loaded, name)):
            return status
    return None


def _say(message: str) -> None:
    print(f"streamnorm: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except ConfigError as exc:
        _say(f"bad configuration: {exc}")
    except ParameterError as exc:
        _say(f"{flag(exc.parameter)}: {exc.message}")
    except ModuleNotFoundError as exc:
        missing = MissingExtra.of(exc)
        if missing is None:
            raise  # a package every install has: a broken install, shown as it is
        _say(
            f"{args.command} needs the [{missing.extra}] extra ({missing.module} is not installed): "
            f"pip install 'streamnorm[{missing.extra}]'"
        )
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:
        # the reader went away (`streamnorm config | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        status = _tool_error_status(exc)
        if status is None:
            raise
        _say(str(exc))
        return status
    return 2


if __name__ == "__main__":
    sys.exit(main())
