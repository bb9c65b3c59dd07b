"""The FuseSoC generator: a streamnorm core from the parameters FuseSoC passes.

FuseSoC (generator API 1.0) runs ``streamnorm_gen.py INPUT.yml`` in the folder the core is to be
written to; INPUT.yml holds ``parameters`` (here: configuration keys, plus `name` and `freq`),
``vlnv`` (the name the generated core must have) and ``files_root``. The generator writes what
``streamnorm generate`` writes, under that name, less the generator itself.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from streamnorm.golden import NormConfig, ParameterError

from .fusesoc import GENERATOR, GENERATOR_SCRIPT
from .generate import write
from .instance import Clock

__all__ = ["PARAMETERS", "generate_from", "run_generator"]

#: The generator's own parameters; every other parameter is a configuration key.
PARAMETERS = ("name", "freq")


def generate_from(input_file: str | Path, out_dir: str | Path) -> None:
    """Write the core that the FuseSoC generator input `input_file` asks for into `out_dir`."""
    try:
        import yaml
    except ImportError:
        raise ParameterError(
            "input", "PyYAML is not installed: pip install 'streamnorm[integration]'"
        ) from None
    path = Path(input_file)
    request = yaml.safe_load(path.read_text())
    if not isinstance(request, dict) or request.get("gapi") != "1.0" or "vlnv" not in request:
        raise ParameterError("input", f"{path} is not a FuseSoC generator input (gapi 1.0)")
    parameters = dict(request.get("parameters") or {})
    options = {k: parameters.pop(k) for k in PARAMETERS if k in parameters}
    cfg = NormConfig.from_dict(parameters)
    write(
        cfg,
        out_dir,
        options.get("name", "streamnorm"),
        command=f"FuseSoC generator {GENERATOR} for {request['vlnv']}",
        clock=Clock.requested(options["freq"]) if "freq" in options else Clock.requested(),
        vlnv=request["vlnv"],
        fusesoc_generator=False,
    )


def run_generator(argv: Sequence[str]) -> int:
    """The generator's command line, run by FuseSoC in the folder the core goes to. A bad
    parameter is one line on stderr (naming the parameter) and exit status 2."""
    if len(argv) != 1:
        print(f"usage: {GENERATOR_SCRIPT} INPUT.yml (FuseSoC's generator input)", file=sys.stderr)
        return 2
    try:
        generate_from(argv[0], Path.cwd())
    except ParameterError as exc:
        print(f"{GENERATOR}: {exc}", file=sys.stderr)
        return 2
    return 0
