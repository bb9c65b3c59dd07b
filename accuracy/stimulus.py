"""`stream`, `samples` and `seed` turned into input codes, the same for every command.

A stream is a synthetic kind (`STREAM_KINDS`), a bundled recording (`RECORDINGS`) or a file
(`load_stream`). Errors name the parameter they are about: a bad file is the `stream`'s fault.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from streamnorm.golden import NormConfig, ParameterError

from .recordings import RECORDINGS, load_recording
from .streams import STREAM_KINDS, load_stream, make_stream

__all__ = ["SYNTHETIC_SAMPLES", "Stimulus", "check_stimulus_arguments", "stimulus", "stream_name"]

#: Time steps of a synthetic stream when `samples` is not given.
SYNTHETIC_SAMPLES = 20000


@dataclass(frozen=True)
class Stimulus:
    values: np.ndarray  #: (T, C) in input units
    codes: np.ndarray  #: (T, C) in_fmt codes
    clipped: np.ndarray  #: (T, C) bool: input values saturated by quantization (counted, never silent)
    source: str

    @property
    def saturated(self) -> int:
        return int(np.count_nonzero(self.clipped))


def check_stimulus_arguments(stream: str, samples: int | None, seed: int) -> None:
    """Refuse what is wrong with the arguments alone, before any file is read."""
    if samples is not None and samples < 1:
        raise ParameterError("samples", f"must be at least 1, not {samples}")
    if seed < 0:
        raise ParameterError("seed", f"must be at least 0, not {seed}")
    if stream not in STREAM_KINDS and stream not in RECORDINGS and not Path(stream).suffix:
        raise ParameterError(
            "stream",
            f"{json.dumps(stream)} is neither a stream kind ({', '.join(STREAM_KINDS)}), "
            f"a bundled recording ({', '.join(RECORDINGS)}) nor a file (.npy, .csv, .wav)",
        )


def stream_name(stream: str) -> str:
    """What to call `stream` in a title: the kind or recording, or the file's name."""
    return stream if stream in STREAM_KINDS or stream in RECORDINGS else Path(stream).name


def stimulus(cfg: NormConfig, stream: str, samples: int | None, seed: int) -> Stimulus:
    """Synthetic stream `stream` of `samples` time steps (default `SYNTHETIC_SAMPLES`), a bundled
    recording, or the recording in file `stream` (a recording's first `samples` steps, if given)."""
    check_stimulus_arguments(stream, samples, seed)
    if stream in STREAM_KINDS:
        steps = samples if samples is not None else SYNTHETIC_SAMPLES
        values = make_stream(stream, steps, cfg.channels, cfg.in_fmt, seed, config=cfg)
        source = f"synthetic {stream}, seed {seed}"
    else:
        if stream in RECORDINGS:
            values = load_recording(stream, cfg.channels, cfg.in_fmt)
            source = f"recording {stream}: {RECORDINGS[stream].description}"
        else:
            try:
                values = load_stream(stream, cfg.channels)
            except ParameterError as exc:
                raise ParameterError("stream", exc.message) from None
            source = f"file {stream}"
        if samples is not None:
            if samples > len(values):
                raise ParameterError(
                    "samples", f"{samples} is more than the {len(values)} time steps in {stream}"
                )
            values = values[:samples]
    codes, clipped = cfg.in_fmt.quantize_report(values, cfg.rounding)
    return Stimulus(values, codes, clipped, source)
