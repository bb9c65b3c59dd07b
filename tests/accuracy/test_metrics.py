"""The accuracy metrics on cases small enough to work out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamnorm.accuracy.metrics import compare, compare_channels, floor_sqnr_db, sqnr_db


def test_sqnr_of_one_half_unit_error_in_four_unit_samples() -> None:
    # signal power 1, noise power 0.5^2 / 4 = 1/16: 10 log10(16)
    assert sqnr_db([1, -1, 1, -1], [1.5, -1, 1, -1]) == pytest.approx(10 * math.log10(16))


def test_sqnr_is_infinite_when_equal_and_minus_infinite_for_a_silent_reference() -> None:
    assert sqnr_db([1.0, 2.0], [1.0, 2.0]) == math.inf
    assert sqnr_db([0.0, 0.0], [0.0, 1.0]) == -math.inf


def test_compare_counts_in_lsbs_and_leaves_overflowed_words_out_of_the_in_range_figures() -> None:
    lsb = 0.5
    ref = np.array([0.0, 1.0, 2.0, 3.0])
    fixed = np.array([0.25, 1.0, 2.0, 2.5])  # errors: +0.5, 0, 0, -1 LSB
    st = compare(ref, fixed, lsb, overflow=np.array([False, False, False, True]))
    assert st.samples == 4
    assert st.rms_error_lsb == pytest.approx(math.sqrt(1.25 / 4))
    assert st.max_error_lsb == pytest.approx(1.0)
    assert st.mean_error_lsb == pytest.approx(-0.125)
    # signal power 14/4 = 3.5, ideal rounding noise 0.25/12, error power 0.3125 * 0.25
    assert st.floor_sqnr_db == pytest.approx(10 * math.log10(3.5 / (0.25 / 12)))
    assert st.sqnr_db == pytest.approx(10 * math.log10(3.5 / (0.3125 * 0.25)))
    assert st.noise_over_floor_db == pytest.approx(10 * math.log10(0.3125 * 12))
    assert st.noise_over_floor_db == pytest.approx(st.floor_sqnr_db - st.sqnr_db)
    assert st.overflow_words == 1
    assert st.rms_error_lsb_in_range == pytest.approx(math.sqrt(0.25 / 3))
    assert st.max_error_lsb_in_range == pytest.approx(0.5)


def test_an_ideal_rounding_sits_on_the_floor() -> None:
    rng = np.random.default_rng(3)
    ref = rng.normal(0, 1, 200_000)
    lsb = 2.0**-8
    st = compare(ref, np.round(ref / lsb) * lsb, lsb)
    assert abs(st.noise_over_floor_db) < 0.05
    assert st.rms_error_lsb == pytest.approx(1 / math.sqrt(12), rel=0.01)
    assert floor_sqnr_db(ref, lsb) == pytest.approx(st.floor_sqnr_db)


def test_compare_channels_is_compare_per_column() -> None:
    ref = np.array([[1.0, 4.0], [2.0, -4.0], [3.0, 4.0]])
    fixed = ref + np.array([[0.5, 0.0], [0.0, 1.0], [0.0, 0.0]])
    ovf = np.array([[False, False], [False, True], [False, False]])
    per = compare_channels(ref, fixed, 0.25, ovf)
    assert len(per) == 2
    assert per[0] == compare(ref[:, 0], fixed[:, 0], 0.25, ovf[:, 0])
    assert per[1].max_error_lsb == pytest.approx(4.0) and per[1].max_error_lsb_in_range == 0.0


def test_compare_refuses_arrays_of_different_shape() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        compare(np.zeros(3), np.zeros(4), 1.0)
