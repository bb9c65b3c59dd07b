"""Synthetic streams: shapes, determinism, and the property each exists to exercise."""

from __future__ import annotations

import numpy as np
import pytest

from streamnorm.accuracy.streams import STREAM_KINDS, make_stream
from streamnorm.golden import ParameterError, QFormat

FMT = QFormat(16, 12)


@pytest.mark.parametrize("kind", STREAM_KINDS)
def test_stream_is_finite_deterministic_and_shaped(kind: str) -> None:
    a = make_stream(kind, 500, 3, FMT, seed=4)
    assert a.shape == (500, 3) and np.isfinite(a).all()
    assert np.array_equal(a, make_stream(kind, 500, 3, FMT, seed=4))
    assert not np.array_equal(a, make_stream(kind, 500, 3, FMT, seed=5))


def test_quiet_stream_deviates_by_a_few_lsb() -> None:
    a = make_stream("quiet", 2000, 4, FMT, seed=1)
    mad = np.mean(np.abs(a - a.mean(axis=0)), axis=0)
    assert np.all(mad < 3 * FMT.lsb)


def test_student_t_has_heavier_tails_than_gaussian() -> None:
    def kurtosis(a: np.ndarray) -> float:
        c = a - a.mean(axis=0)
        return float(np.mean(c**4) / np.mean(c**2) ** 2)

    assert kurtosis(make_stream("student_t", 20000, 1, FMT, 2)) > 2 * kurtosis(
        make_stream("gaussian", 20000, 1, FMT, 2)
    )


def test_unknown_kind_names_the_parameter_and_the_choices() -> None:
    with pytest.raises(ParameterError, match=r'^kind: unknown stream kind "pink".*gaussian') as info:
        make_stream("pink", 10, 1, FMT)
    assert info.value.parameter == "kind"
