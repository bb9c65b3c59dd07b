"""One distribution, three folders: a built wheel (not only the editable install) carries and imports
`streamnorm.golden`, `streamnorm.hw`, `streamnorm.sim` and the command line."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_built_wheel_holds_and_imports_every_package(tmp_path: Path) -> None:
    # built from a copy: setuptools keeps a build/ folder in the tree, and a stale one in the
    # checkout would slip old files into the wheel
    junk = shutil.ignore_patterns(".*", "build", "dist", "out", "*.egg-info", "__pycache__", "sim_build")
    source = shutil.copytree(ROOT, tmp_path / "source", ignore=junk)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("streamnorm-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    shipped = ("golden/config.py", "hw/core.py", "sim/runner.py", "cli.py", "sim/models/ecp5_mult18x18d.v")
    for module in shipped:
        assert f"streamnorm/{module}" in names, module
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "streamnorm = streamnorm.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    # the unpacked wheel first on the path, so the editable install cannot answer the imports
    probe = (
        "import streamnorm, streamnorm.golden, streamnorm.hw, streamnorm.sim, streamnorm.cli;"
        "print(streamnorm.golden.__file__)"
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
