"""Choosing among explored points: the Pareto fronts of accuracy against cost, and the recommendation.

A point is on the front of accuracy against LUTs if no other point is at least as accurate with at
most as many LUTs and better in one of the two; against Fmax likewise, with the higher median Fmax
the better. Only points that were synthesized and fit are on a front. The recommendation is the
cheapest point that meets the accuracy target and whose median Fmax reaches the clock: the fewest
LUTs, then flip-flops, DSP blocks, block RAMs, then the higher SQNR, then grid order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import groupby

from .explore_result import ExplorePoint

__all__ = ["fronts", "pareto_front", "recommend"]


def pareto_front(values: Mapping[int, tuple[float, float]]) -> list[int]:
    """The indices of `values` (index -> (a, b), both larger-is-better) that no other one dominates.

    Walked from the largest `a` down: a point survives if it has its group's largest `b` and beats
    the largest `b` of every point with a larger `a`. Equal points are all on the front.
    """
    order = sorted(values, key=lambda i: (-values[i][0], -values[i][1]))
    front: list[int] = []
    best_b = -math.inf
    for _, group in groupby(order, key=lambda i: values[i][0]):
        members = list(group)
        top = values[members[0]][1]
        if top > best_b:
            front += [i for i in members if values[i][1] == top]
            best_b = top
    return sorted(front)


def fronts(points: Sequence[ExplorePoint]) -> tuple[list[int], list[int]]:
    """The fronts of SQNR against LUTs and against median Fmax, as indices into `points`."""
    lut: dict[int, tuple[float, float]] = {}
    fmax: dict[int, tuple[float, float]] = {}
    for i, p in enumerate(points):
        if p.synth is None or p.synth.area is None or p.sqnr_db is None:
            continue
        lut[i] = (p.sqnr_db, -p.synth.area[0])
        if p.synth.fmax_mhz is not None:
            fmax[i] = (p.sqnr_db, p.synth.fmax_mhz)
    return pareto_front(lut), pareto_front(fmax)


def recommend(points: Sequence[ExplorePoint], freq_mhz: float) -> int | None:
    """The index of the cheapest point meeting the target whose median Fmax is at least `freq_mhz`."""
    best: tuple[tuple[float, ...], int] | None = None
    for i, p in enumerate(points):
        if not p.meets_target or p.synth is None or p.sqnr_db is None:
            continue
        area, fmax = p.synth.area, p.synth.fmax_mhz
        if area is None or fmax is None or fmax < freq_mhz:
            continue
        key = (*area, -p.sqnr_db, i)
        if best is None or key < best[0]:
            best = (key, i)
    return None if best is None else best[1]
