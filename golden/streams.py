"""Synthetic input streams for demos, tests and accuracy reports.

Every stream is float64 of shape (T, C) in input units, sized to the input format: typical
levels use a fraction of the range so that quantization, not clipping, dominates, except where a
stream exists to exercise the extremes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .formats import QFormat

__all__ = ["STREAM_KINDS", "load_stream", "make_stream"]


def _levels(rng: np.random.Generator, channels: int, fmt: QFormat) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel offset and spread: spreads from 1/64 to 1/16 of full scale, offsets up to 1/4."""
    full = fmt.max_value
    spread = full * 2.0 ** rng.uniform(-6, -4, channels)
    offset = full * rng.uniform(-0.25, 0.25, channels)
    return offset, spread


def _gaussian(rng: np.random.Generator, t: int, c: int, fmt: QFormat) -> np.ndarray:
    offset, spread = _levels(rng, c, fmt)
    return offset + spread * rng.standard_normal((t, c))


def _laplace(rng: np.random.Generator, t: int, c: int, fmt: QFormat) -> np.ndarray:
    offset, spread = _levels(rng, c, fmt)
    return offset + spread / np.sqrt(2) * rng.laplace(size=(t, c))


def _student_t(rng: np.random.Generator, t: int, c: int, fmt: QFormat) -> np.ndarray:
    # 3 degrees of freedom: finite variance, heavy tails; rare samples reach the range ends.
    offset, spread = _levels(rng, c, fmt)
    return offset + spread / np.sqrt(3) * rng.standard_t(3, size=(t, c))


def _drift(rng: np.random.Generator, t: int, c: int, fmt: QFormat) -> np.ndarray:
    # Offset and gain wander slowly (periods of thousands of samples), as a sensor front-end does.
    offset, spread = _levels(rng, c, fmt)
    n = np.arange(t)[:, None]
    period = rng.uniform(2000, 20000, c)
    phase = rng.uniform(0, 2 * np.pi, c)
    wander = np.sin(2 * np.pi * n / period + phase)
    gain = 2.0 ** (1.0 * np.sin(2 * np.pi * n / (1.7 * period) + phase))
    base = offset + 0.5 * fmt.max_value * 0.25 * wander
    return base + spread * gain * rng.standard_normal((t, c))


def _steps(rng: np.random.Generator, t: int, c: int, fmt: QFormat) -> np.ndarray:
    # Piecewise-constant offset and spread with occasional bursts of 8x the spread.
    offset, spread = _levels(rng, c, fmt)
    seg = max(1, t // 8)
    jumps = rng.uniform(-0.2, 0.2, (t // seg + 1, c)) * fmt.max_value
    level = np.repeat(jumps, seg, axis=0)[:t]
    burst = rng.random((t, c)) < 0.01
    scale = np.where(burst, 8.0, 1.0)
    return offset + level + spread * scale * rng.standard_normal((t, c))


def _quiet(rng: np.random.Generator, t: int, c: int, fmt: QFormat) -> np.ndarray:
    # Near-constant: a few LSBs of noise around an offset, so the deviation approaches eps.
    offset, _ = _levels(rng, c, fmt)
    return offset + fmt.lsb * rng.uniform(0.25, 2.0, c) * rng.standard_normal((t, c))


_GENERATORS: dict[str, Callable[[np.random.Generator, int, int, QFormat], np.ndarray]] = {
    "gaussian": _gaussian,
    "laplace": _laplace,
    "student_t": _student_t,
    "drift": _drift,
    "steps": _steps,
    "quiet": _quiet,
}

#: The synthetic stream kinds, by name.
STREAM_KINDS: tuple[str, ...] = tuple(_GENERATORS)


def make_stream(kind: str, steps: int, channels: int, fmt: QFormat, seed: int = 0) -> np.ndarray:
    """A (steps, channels) float stream of `kind` in the units of `fmt` (not yet quantized)."""
    if kind not in _GENERATORS:
        raise ValueError(f"unknown stream kind {kind!r}; choose one of {', '.join(STREAM_KINDS)}")
    if steps < 0 or channels < 1:
        raise ValueError(f"a stream needs steps >= 0 and channels >= 1, not {steps}, {channels}")
    rng = np.random.default_rng(seed)
    return _GENERATORS[kind](rng, steps, channels, fmt)


def load_stream(path: str | Path, channels: int) -> np.ndarray:
    """A user's recording from ``.npy`` (shape (T,) or (T, C)), in input units, as (T, C) floats.

    A 1-D recording feeds every channel. Raises ValueError naming the file and what is wrong.
    """
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"stream file {p} does not exist")
    if p.suffix.lower() != ".npy":
        raise ValueError(f"stream file {p}: expected a .npy file")
    try:
        data = np.load(p, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ValueError(f"stream file {p} is not a readable .npy array: {exc}") from None
    if data.dtype.kind not in "iuf":
        raise ValueError(f"stream file {p} holds {data.dtype}, not numbers")
    data = data.astype(np.float64)
    if data.ndim == 1:
        data = np.repeat(data[:, None], channels, axis=1)
    if data.ndim != 2 or data.shape[1] != channels:
        raise ValueError(f"stream file {p} has shape {data.shape}; expected (T,) or (T, {channels})")
    if not np.isfinite(data).all():
        t, c = (int(i) for i in np.argwhere(~np.isfinite(data))[0])
        raise ValueError(f"stream file {p} holds {data[t, c]} at time step {t}, channel {c}")
    return data
