"""Everything `streamnorm generate` writes beside the Verilog, as ``{file name: text}``.

For FuseSoC the core file and the self-checking testbench with its memory files (and the
generator core, unless this is the generator's own output); for Vivado the IP-XACT component; for a
plain Verilog design the instantiation template; the clock constraint for every flow (SDC, and the
same line as XDC for Vivado).
"""

from __future__ import annotations

from streamnorm.golden import NormConfig

from .core import StreamNorm
from .fusesoc import GENERATOR, GENERATOR_SCRIPT, core_file, generator_core, generator_script
from .instance import Clock, constraint, template
from .ipxact import VENDOR, component_xml
from .ports import ports
from .selfcheck import selfcheck

__all__ = ["COMPONENT", "files"]

COMPONENT = "component.xml"


def _description(cfg: NormConfig, core: StreamNorm) -> str:
    return (
        f"streaming L1 normalization (streamnorm): {cfg.channels} channels, {cfg.lanes} per beat, "
        f"{cfg.in_fmt} in, {cfg.out_fmt} out, latency {core.latency} cycles"
    )


def files(
    cfg: NormConfig,
    core: StreamNorm,
    name: str,
    version: str,
    clock: Clock,
    vlnv: str | None = None,
    fusesoc_generator: bool = True,
) -> dict[str, str]:
    """The files beside ``<name>.v`` for `core` (built from `cfg`). `vlnv` names the FuseSoC core
    (default ``streamnorm:streamnorm:<name>:<version>``); `fusesoc_generator` adds the generator."""
    port_list = ports(cfg)
    description = _description(cfg, core)
    check = selfcheck(cfg, name)
    out = {
        f"{name}.core": core_file(
            name, vlnv or f"{VENDOR}:{VENDOR}:{name}:{version}", clock, check, description
        ),
        COMPONENT: component_xml(name, port_list, [f"{name}.v"], description, version),
        f"{name}_inst.v": template(name, port_list, cfg),
        f"{name}.sdc": constraint(name, clock),
        f"{name}.xdc": constraint(name, clock),
        **check.files,
    }
    if fusesoc_generator:
        out[f"{GENERATOR}.core"] = generator_core(version)
        out[GENERATOR_SCRIPT] = generator_script(version)
    return out
