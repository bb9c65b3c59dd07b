"""What a plain Verilog design needs beside the core: an instantiation template and the clock.

`template` is ``<name>_inst.v``: the core instantiated with every port of `ports(cfg)`, each on a
signal of its own name, with a comment per port (direction, width, meaning) and its bus interface.
`Clock` is the clock constraint: the Fmax the last ``streamnorm synth`` measured (read from its
``synth.json``) or, without a measurement, the clock asked for, said so in the constraint file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from streamnorm.golden import NormConfig, ParameterError

from .interfaces import bus_interfaces
from .ports import CLOCK_PORTS, Port

__all__ = ["DEFAULT_MHZ", "Clock", "constraint", "template"]

#: The clock asked for when none is given and nothing was measured.
DEFAULT_MHZ = 100.0


@dataclass(frozen=True)
class Clock:
    """The clock constraint of the generated files: `mhz`, and where the number comes from."""

    mhz: float
    note: str  #: one line: measured (by what, on what) or requested

    def __post_init__(self) -> None:
        # bool is an int to Python; `freq: true` in a generator's YAML is no clock
        if isinstance(self.mhz, bool) or not (isinstance(self.mhz, (int, float)) and 0 < self.mhz < 2000):
            raise ParameterError("freq", f"{self.mhz!r} MHz: must be a clock between 0 and 2000 MHz")

    @property
    def period_ns(self) -> float:
        """The period, rounded up to the picosecond: never a faster clock than `mhz`."""
        return math.ceil(round(1e6 / self.mhz, 6)) / 1000

    @classmethod
    def requested(cls, mhz: float = DEFAULT_MHZ) -> Clock:
        return cls(
            mhz,
            f"requested {mhz:g} MHz, not measured: run streamnorm synth and generate with --fmax-from "
            "its synth.json to constrain at the measured Fmax",
        )

    @classmethod
    def measured(cls, synth_json: str | Path, cfg: NormConfig, mhz: float | None = None) -> Clock:
        """The Fmax in `synth_json` (``streamnorm synth``'s report), which must be of `cfg`; or
        `mhz`, if given, which must not exceed it."""
        path = Path(synth_json)
        try:
            report = json.loads(path.read_text())
        except OSError as exc:
            raise ParameterError("fmax_from", f"cannot read {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise ParameterError("fmax_from", f"{path} is not JSON: {exc}") from None
        if not isinstance(report, dict) or "fmax_mhz" not in report or "config" not in report:
            raise ParameterError("fmax_from", f"{path} is not a synth.json of streamnorm synth")
        if NormConfig.from_dict(report["config"]) != cfg:
            differ = sorted(k for k, v in cfg.to_dict().items() if report["config"].get(k) != v)
            raise ParameterError(
                "fmax_from",
                f"{path} measured another configuration (differs in {', '.join(differ)}): run "
                "streamnorm synth with this --config",
            )
        fmax = report["fmax_mhz"]
        if fmax is None:
            raise ParameterError(
                "fmax_from", f"{path} has no Fmax: {report.get('message') or 'the design did not fit'}"
            )
        where = (
            f"on {report.get('device')} {report.get('package')} speed {report.get('speed_grade')} "
            f"(nextpnr, {report.get('target')})"
        )
        if mhz is None:
            return cls(fmax, f"the Fmax streamnorm synth measured {where}: {fmax:g} MHz ({path})")
        if mhz > fmax:
            raise ParameterError(
                "freq", f"{mhz:g} MHz is above the Fmax {fmax:g} MHz measured {where} ({path})"
            )
        return cls(mhz, f"requested {mhz:g} MHz; streamnorm synth measured Fmax {fmax:g} MHz {where}")


def constraint(name: str, clock: Clock) -> str:
    """The SDC/XDC file: one ``create_clock`` on the core's clock port, and where its number is from."""
    clk = CLOCK_PORTS[0]
    return (
        f"# {name}: clock constraint written by streamnorm generate (SDC; Vivado reads it as XDC).\n"
        f"# {clock.note}.\n"
        f"# The core has one clock; every path is synchronous to it.\n"
        f"create_clock -name {clk} -period {clock.period_ns:.3f} [get_ports {clk}]\n"
    )


def _comment(port: Port, bus: str | None) -> str:
    width = f"{port.width} bit{'s' if port.width > 1 else ''}"
    where = f" [{bus}]" if bus else ""
    return f"{port.direction:<6} {width}{where}: {port.meaning.replace('`', '')}"


def template(name: str, ports: list[Port], cfg: NormConfig) -> str:
    """``<name>_inst.v``: an instance of `name` with every port, for pasting into a design."""
    bus_of = {
        p.name: f"{b.name}, {b.protocol.value} {b.mode}"
        for b in bus_interfaces(ports)
        for p in b.signals.values()
    }
    width = max(len(p.name) for p in ports)
    lines = [
        f"// {name}_inst.v: instantiation template of {name} (streamnorm generate). Paste it into your",
        "// design and connect each port to your own signal; every port is listed, none may be left",
        f"// open. {cfg.channels} channels, {cfg.lanes} word(s) per beat: tdata lane i is bits",
        f"// [i*{cfg.in_fmt.width} +: {cfg.in_fmt.width}] in ({cfg.in_fmt}), [i*{cfg.out_fmt.width} +: "
        f"{cfg.out_fmt.width}] out ({cfg.out_fmt}).",
        "// Hold rst high for at least one clock after power-up, before the first word.",
        f"{name} u_{name} (",
    ]
    for i, p in enumerate(ports):
        comma = "," if i < len(ports) - 1 else " "
        lines.append(
            f"    .{p.name:<{width}} ({p.name:<{width}}){comma} // {_comment(p, bus_of.get(p.name))}"
        )
    lines.append(");")
    return "\n".join(lines) + "\n"
