"""Pause patterns: what each named pattern pauses, its text form, and what is refused."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from streamnorm.golden import ParameterError
from streamnorm.sim.pauses import (
    MAX_PERIOD,
    BurstPauses,
    PeriodicPauses,
    RandomPauses,
    parse_pauses,
    side_seeds,
)


@pytest.mark.parametrize(
    ("spec", "first_cycles_paused"),
    [
        ("periodic:1110", [0, 0, 0, 1, 0, 0, 0, 1]),
        ("periodic:10", [0, 1, 0, 1]),
        ("bursts:3:2", [0, 0, 0, 1, 1, 0, 0, 0, 1, 1]),
        ("bursts:1:0", [0, 0, 0]),
        ("random:0", [0] * 20),
    ],
)
def test_a_pattern_pauses_the_cycles_its_text_says(spec: str, first_cycles_paused: list[int]) -> None:
    pauses = parse_pauses(spec, "producer_pauses")
    got = list(itertools.islice(pauses.iterator(seed=5), len(first_cycles_paused)))
    assert got == [bool(p) for p in first_cycles_paused]
    assert pauses.spec == spec and str(pauses) == spec


def test_random_pauses_have_the_probability_and_depend_on_the_seed() -> None:
    pauses = RandomPauses(0.3)
    a, b = pauses.period(1), pauses.period(2)
    assert a.size == MAX_PERIOD and abs(a.mean() - 0.3) < 0.02
    assert not np.array_equal(a, b) and np.array_equal(a, pauses.period(1))
    assert not a[0]  # every period has a cycle that may transfer


def test_the_iterator_repeats_the_period_the_harness_loads() -> None:
    pauses = RandomPauses(0.5)
    period = pauses.period(7)
    got = np.fromiter(itertools.islice(pauses.iterator(7), 2 * period.size + 3), dtype=bool)
    assert np.array_equal(got, np.concatenate([period, period, period[:3]]))


def test_duty_is_the_fraction_of_cycles_that_may_transfer() -> None:
    assert PeriodicPauses("1110").duty == 0.75
    assert BurstPauses(20, 5).duty == 0.8
    assert RandomPauses(0.25).duty == 0.75


def test_the_two_sides_get_independent_seeds() -> None:
    producer, consumer = side_seeds(3)
    assert producer != consumer and side_seeds(3) == (producer, consumer)
    assert side_seeds(4) != (producer, consumer)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("sometimes", "'sometimes' is not a pause pattern; write random:P"),
        ("random", "is not a pause pattern"),
        ("random:x", "is not a pause pattern"),
        ("random:1", "probability: must be in [0, 1), not 1.0"),
        ("random:-0.1", "must be in [0, 1)"),
        ("random:nan", "must be in [0, 1)"),
        ("periodic:", "must be a string of 0s and 1s"),
        ("periodic:12", "must be a string of 0s and 1s"),
        ("periodic:0000", "pauses every cycle; it needs at least one 1"),
        ("periodic:" + "1" * (MAX_PERIOD + 1), f"at most {MAX_PERIOD}"),
        ("bursts:0:3", "run: must be an integer of at least 1, not 0"),
        ("bursts:3:-1", "pause: must be an integer of at least 0, not -1"),
        ("bursts:3", "is not a pause pattern"),
        ("bursts:5000:5000", f"run + pause is 10000 cycles; at most {MAX_PERIOD}"),
    ],
)
def test_a_bad_pattern_is_refused_naming_the_parameter(spec: str, message: str) -> None:
    with pytest.raises(ParameterError) as info:
        parse_pauses(spec, "consumer_pauses")
    assert info.value.parameter == "consumer_pauses"
    assert message in info.value.message
