"""`Progress`: what a long run tells its caller while it works.

The library draws no bar and prints nothing: the caller (the command line) decides how progress
and news look, or passes nothing to hear none of it.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress"]


class Progress(Protocol):
    def advance(self, done: int, total: int, label: str) -> None:
        """`done` of `total` units of a stage are finished; `label` names the unit under way."""

    def note(self, message: str) -> None:
        """News worth a line: a refused sweep setting, a simulation stage."""
