"""The `--stream` option, as `simulate`, `accuracy` and `explore` all take it."""

from __future__ import annotations

from typing import Any

from streamnorm.accuracy.recordings import RECORDINGS
from streamnorm.accuracy.streams import STREAM_KINDS

__all__ = ["add_stream_argument"]


def add_stream_argument(parser: Any) -> None:
    parser.add_argument(
        "--stream",
        default="gaussian",
        metavar="KIND|RECORDING|FILE",
        help=f"a synthetic stream ({', '.join(STREAM_KINDS)}), the bundled recording "
        f"({', '.join(RECORDINGS)}), or a file: .npy of shape (T,) or (T, C), .csv (a column per "
        "channel), .wav; file values are in input units (WAV: -1..1) (default gaussian)",
    )
