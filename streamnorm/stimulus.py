"""Turning `--stream KIND|FILE --samples N --seed S` into input codes, the same for every command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from streamnorm.golden import NormConfig
from streamnorm.golden.recordings import RECORDINGS, load_recording
from streamnorm.golden.streams import STREAM_KINDS, load_stream, make_stream

__all__ = ["Stimulus", "stimulus"]


@dataclass(frozen=True)
class Stimulus:
    values: np.ndarray  #: (T, C) in input units
    codes: np.ndarray  #: (T, C) in_fmt codes
    saturated: int  #: input values clipped by quantization (counted, never silent)
    source: str


def stimulus(cfg: NormConfig, stream: str, samples: int | None, seed: int) -> Stimulus:
    """Synthetic stream `stream` of `samples` time steps, a bundled recording (`RECORDINGS`), or
    the recording in file `stream` (a recording's first `samples` steps, if given)."""
    if samples is not None and samples < 1:
        raise ValueError(f"--samples must be at least 1, not {samples}")
    if stream in STREAM_KINDS:
        values = make_stream(
            stream, samples if samples is not None else 20000, cfg.channels, cfg.in_fmt, seed
        )
        source = f"synthetic {stream}, seed {seed}"
    elif stream in RECORDINGS or Path(stream).suffix:
        if stream in RECORDINGS:
            values = load_recording(stream, cfg.channels, cfg.in_fmt)
            source = f"recording {stream}: {RECORDINGS[stream].description}"
        else:
            values = load_stream(stream, cfg.channels)
            source = f"file {stream}"
        if samples is not None:
            if samples > len(values):
                raise ValueError(f"--samples {samples} is more than the {len(values)} time steps in {stream}")
            values = values[:samples]
    else:
        raise ValueError(
            f"--stream {stream!r} is neither a stream kind ({', '.join(STREAM_KINDS)}), "
            f"a bundled recording ({', '.join(RECORDINGS)}) nor a file (.npy, .csv, .wav)"
        )
    codes, clipped = cfg.in_fmt.quantize_report(values, cfg.rounding)
    return Stimulus(values, codes, int(np.count_nonzero(clipped)), source)
