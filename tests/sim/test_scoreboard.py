"""The scoreboard every driver checks through: it passes the golden output and nothing else."""

from __future__ import annotations

import numpy as np
import pytest
from matrix import config, stream_for

from streamnorm.golden import FixedStreamNorm
from streamnorm.sim.scoreboard import Scoreboard

CFG = config("c3")


def golden(codes: np.ndarray, freeze: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
    model = FixedStreamNorm(CFG)
    words = model.process(codes, freeze).reshape(-1)
    lasts = np.arange(words.size) % CFG.channels == CFG.channels - 1
    return words, lasts, bool(model.overflow)


@pytest.fixture
def stream() -> np.ndarray:
    return stream_for(CFG, 40, seed=1)


def test_the_golden_output_passes(stream: np.ndarray) -> None:
    result = Scoreboard(CFG, stream).check(*golden(stream))
    assert result.passed, result.summary()
    assert result.words_checked == result.words_expected == stream.size
    assert result.notes == []


def test_one_differing_bit_fails_and_is_described(stream: np.ndarray) -> None:
    words, lasts, overflow = golden(stream)
    words[44] ^= 1
    result = Scoreboard(CFG, stream).check(words, lasts, overflow)
    assert not result.passed and result.mismatch_count == 1
    m = result.mismatches[0]
    assert (m.index, m.time_step, m.channel, m.got, m.expected) == (44, 14, 2, words[44], words[44] ^ 1)
    assert m.input_code == stream[14, 2]
    assert "word 44 (time step 14, channel 2)" in m.describe()


def test_a_wrong_tlast_fails(stream: np.ndarray) -> None:
    words, lasts, overflow = golden(stream)
    lasts[7] = not lasts[7]
    result = Scoreboard(CFG, stream).check(words, lasts, overflow)
    assert not result.passed and result.tlast_errors == 1 and result.mismatch_count == 0
    assert "tlast wrong on 1 words, the first at word 7 (time step 2, channel 1)" in result.notes


@pytest.mark.parametrize("cut", [slice(None, -1), slice(None, None)])
def test_a_missing_or_an_extra_word_fails(stream: np.ndarray, cut: slice) -> None:
    words, lasts, overflow = golden(stream)
    if cut.stop is None:  # one word too many
        words, lasts = np.append(words, words[:1]), np.append(lasts, False)
    else:
        words, lasts = words[cut], lasts[cut]
    result = Scoreboard(CFG, stream).check(words, lasts, overflow)
    assert not result.passed and result.mismatch_count == 0
    assert f"received {len(words)} words, expected {stream.size}" in result.notes


def test_the_overflow_flag_must_be_the_golden_models(stream: np.ndarray) -> None:
    words, lasts, overflow = golden(stream)
    result = Scoreboard(CFG, stream).check(words, lasts, not overflow)
    assert not result.passed
    assert result.notes == [f"overflow flag {not overflow}, the golden model's {overflow}"]


def test_freeze_is_part_of_the_expected_output(stream: np.ndarray) -> None:
    freeze = np.random.default_rng(2).random(len(stream)) < 0.4
    board = Scoreboard(CFG, stream, freeze)
    assert board.check(*golden(stream, freeze)).passed
    assert not board.check(*golden(stream)).passed


def test_with_a_reset_a_prefix_then_the_whole_restart_stream_passes(stream: np.ndarray) -> None:
    restart = stream_for(CFG, 30, seed=3)
    before, before_lasts, _ = golden(stream)
    after, after_lasts, overflow = golden(restart)
    board = Scoreboard(CFG, stream, restart=restart)
    words, lasts = np.concatenate([before[:50], after]), np.concatenate([before_lasts[:50], after_lasts])
    result = board.check(words, lasts, overflow, words_before_reset=50)
    assert result.passed, result.summary()
    assert result.words_checked == 50 + restart.size
    # a word after the reset that differs is reported as such
    words[60] += 1
    bad = board.check(words, lasts, overflow, words_before_reset=50)
    assert not bad.passed and bad.mismatches[0].after_reset and bad.mismatches[0].index == 10
    assert "word 10 after the reset" in bad.mismatches[0].describe()


def test_with_a_reset_words_that_are_not_a_prefix_fail(stream: np.ndarray) -> None:
    restart = stream_for(CFG, 30, seed=3)
    before, before_lasts, _ = golden(stream)
    after, after_lasts, overflow = golden(restart)
    # the words before the reset skip one: not a prefix
    words = np.concatenate([before[1:51], after])
    lasts = np.concatenate([before_lasts[:50], after_lasts])
    result = Scoreboard(CFG, stream, restart=restart).check(words, lasts, overflow, words_before_reset=50)
    assert not result.passed and result.mismatch_count > 0
    assert not result.mismatches[0].after_reset
