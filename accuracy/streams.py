"""Synthetic input streams for demos, tests and accuracy reports.

Every stream is float64 of shape (T, C) in input units, sized to the input format: typical
levels use a fraction of the range so that quantization, not clipping, dominates, except where a
stream exists to exercise the extremes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from streamnorm.golden import NormConfig, ParameterError, QFormat

from .corners import corners_stream

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

#: The synthetic stream kinds, by name; `corners` (accuracy/corners.py) is built from a configuration.
STREAM_KINDS: tuple[str, ...] = (*_GENERATORS, "corners")


def make_stream(
    kind: str, steps: int, channels: int, fmt: QFormat, seed: int = 0, config: NormConfig | None = None
) -> np.ndarray:
    """A (steps, channels) float stream of `kind` in the units of `fmt` (not yet quantized).

    `corners` is made for `config` (default: `NormConfig(channels=channels, in_fmt=fmt)`), whose
    channels and input format must be `channels` and `fmt`.
    """
    if kind not in STREAM_KINDS:
        choices = ", ".join(STREAM_KINDS)
        raise ParameterError("kind", f"unknown stream kind {json.dumps(kind)}; choose one of {choices}")
    if steps < 0:
        raise ParameterError("steps", f"must be at least 0, not {steps}")
    if channels < 1:
        raise ParameterError("channels", f"must be at least 1, not {channels}")
    if seed < 0:
        raise ParameterError("seed", f"must be at least 0, not {seed}")
    if kind == "corners":
        return _corners(steps, channels, fmt, seed, config)
    rng = np.random.default_rng(seed)
    return _GENERATORS[kind](rng, steps, channels, fmt)


def _corners(steps: int, channels: int, fmt: QFormat, seed: int, config: NormConfig | None) -> np.ndarray:
    cfg = NormConfig(channels=channels, in_fmt=fmt) if config is None else config
    if (cfg.channels, cfg.in_fmt) != (channels, fmt):
        raise ParameterError(
            "config", f"has {cfg.channels} channels of {cfg.in_fmt}, not the {channels} of {fmt} asked for"
        )
    return corners_stream(cfg, steps, seed) * fmt.lsb


def load_stream(path: str | Path, channels: int) -> np.ndarray:
    """A user's recording, in input units, as (T, C) floats.

    ``.npy``: shape (T,) or (T, C). ``.csv``: one column per channel, one row per time step,
    separated by commas or tabs, numbers quoted or not, an optional header line. ``.wav``: PCM or
    float WAV, one channel per WAV channel, samples as fractions of full scale (-1..1, as audio
    tools read them). A 1-D recording (one column) feeds every channel. Raises ParameterError
    ("path") naming the file and what is wrong.
    """
    p = Path(path)
    if not p.is_file():
        raise ParameterError("path", f"file {p} does not exist")
    suffix = p.suffix.lower()
    if suffix not in _LOADERS:
        kinds = ", ".join(_LOADERS)
        raise ParameterError("path", f"file {p}: expected a {kinds} file, not {p.suffix or 'no suffix'}")
    load, columns = _LOADERS[suffix]
    data = load(p)
    if data.dtype.kind not in "iuf":
        raise ParameterError("path", f"file {p} holds {data.dtype}, not numbers")
    data = data.astype(np.float64)
    if data.ndim == 2 and data.shape[1] == 1:
        data = data[:, 0]
    if data.ndim == 1:
        data = np.repeat(data[:, None], channels, axis=1)
    if data.ndim != 2:
        raise ParameterError("path", f"file {p} has shape {data.shape}; expected (T,) or (T, {channels})")
    if data.shape[1] != channels:
        n = data.shape[1]
        raise ParameterError(
            "path",
            f"file {p} has {n} {columns} but the configuration has {channels} channels: give one "
            f'{columns[:-1]} per channel or one for all, or set "channels": {n} in the configuration',
        )
    if data.shape[0] == 0:
        raise ParameterError("path", f"file {p} holds no time steps")
    if not np.isfinite(data).all():
        t, c = (int(i) for i in np.argwhere(~np.isfinite(data))[0])
        raise ParameterError("path", f"file {p} holds {data[t, c]} at time step {t}, channel {c}")
    return data


def _load_npy(p: Path) -> np.ndarray:
    try:
        return np.load(p, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ParameterError("path", f"file {p} is not a readable .npy array: {exc}") from None


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _load_csv(p: Path) -> np.ndarray:
    try:
        text = p.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError("path", f"file {p} cannot be read as text: {exc}") from None
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text), delimiter="\t" if "\t" in first_line else ",")
    rows: list[list[float]] = []
    header_allowed = True
    for cells in reader:
        n = reader.line_num
        cells = [c.strip() for c in cells]
        if not any(cells) and len(cells) <= 1:
            continue  # a blank line
        numbers = [_number(c) if c else None for c in cells]
        if header_allowed and any(cells) and all(x is None for x in numbers):
            header_allowed = False
            continue  # a header line: names, not a single number
        header_allowed = False
        if rows and len(cells) != len(rows[0]):
            raise ParameterError(
                "path", f"file {p}, line {n}: {len(cells)} columns where the first row has {len(rows[0])}"
            )
        for col, (cell, x) in enumerate(zip(cells, numbers, strict=True), start=1):
            if not cell:
                raise ParameterError("path", f"file {p}, line {n}, column {col} is empty")
            if x is None:
                raise ParameterError(
                    "path", f"file {p}, line {n}, column {col}: {json.dumps(cell)} is not a number"
                )
        rows.append([x for x in numbers if x is not None])
    if not rows:
        raise ParameterError("path", f"file {p} holds no numbers")
    return np.array(rows, dtype=np.float64)


def _load_wav(p: Path) -> np.ndarray:
    from scipy.io import wavfile  # only WAV input needs SciPy

    try:
        _, data = wavfile.read(p)
    except (ValueError, OSError) as exc:
        raise ParameterError("path", f"file {p} is not a readable WAV file: {exc}") from None
    # integer PCM to fractions of full scale; float WAVs already are
    if data.dtype == np.uint8:
        return (data.astype(np.float64) - 128.0) / 128.0
    if data.dtype.kind == "i":
        return data.astype(np.float64) / float(-np.iinfo(data.dtype).min)
    return data


#: Suffix -> (loader, what its columns are called in a message).
_LOADERS: dict[str, tuple[Callable[[Path], np.ndarray], str]] = {
    ".npy": (_load_npy, "columns"),
    ".csv": (_load_csv, "columns"),
    ".wav": (_load_wav, "WAV channels"),
}
