"""The `streamnorm` command line: one subcommand per job, each in its own module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from streamnorm.golden import ConfigError
from streamnorm.hw.synth import SynthError
from streamnorm.hw.yosys import YosysError
from streamnorm.sim.runner import SimulationError
from streamnorm.sim.toolchain import SimulatorMissing

from . import accuracy_cmd, config_cmd, generate_cmd, simulate_cmd, synth_cmd

__all__ = ["UserError", "main"]


class UserError(Exception):
    """Bad input from the user: printed as one line, no traceback."""


Command = Callable[[argparse.Namespace], int]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="streamnorm",
        description="Streaming L1 normalization for FPGAs: golden model, Verilog, simulation, accuracy.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (config_cmd, generate_cmd, simulate_cmd, accuracy_cmd, synth_cmd):
        module.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except ConfigError as exc:
        print(f"streamnorm: bad configuration: {exc}", file=sys.stderr)
    except SimulatorMissing as exc:
        print(f"streamnorm: {exc}", file=sys.stderr)
        return 3
    except (SimulationError, SynthError, YosysError) as exc:
        print(f"streamnorm: {exc}", file=sys.stderr)
    except (UserError, FileNotFoundError, ValueError) as exc:
        print(f"streamnorm: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("streamnorm: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`streamnorm config | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
