"""Words to AXI4-Stream beats and back: `lanes` words a beat, lane i in bits [i*w +: w].

A time step of C words is C/P beats (P = `cfg.lanes`); beat b carries channels b*P .. b*P+P-1
and tlast is high on the beat that carries channel C-1. The scoreboard works on words: the bulk
harness and the Amaranth bench pack their stimulus with `pack` and unpack what they received
with `unpack`; the cocotbext-axi bench has cocotbext-axi pack and unpack (a word a byte lane),
so its packing is checked independently of this module's, and only uses `signed`.
"""

from __future__ import annotations

import numpy as np

from streamnorm.golden import NormConfig

__all__ = ["pack", "signed", "unpack"]


def pack(codes: np.ndarray, cfg: NormConfig) -> list[int]:
    """(T, C) signed input codes as T*C/P non-negative beat values."""
    w, lanes = cfg.in_fmt.width, cfg.lanes
    fields = np.asarray(codes, dtype=np.int64).reshape(-1, lanes) & ((1 << w) - 1)
    if lanes == 1:
        return fields[:, 0].tolist()
    return [sum(int(v) << (i * w) for i, v in enumerate(row)) for row in fields.tolist()]


def signed(fields: np.ndarray | list[int], width: int) -> np.ndarray:
    """Non-negative `width`-bit fields as the two's-complement words they hold."""
    fields = np.asarray(fields, dtype=np.int64)
    return np.where(fields >> (width - 1), fields - (1 << width), fields)


def unpack(beats: list[int], lasts: list[int], cfg: NormConfig) -> tuple[np.ndarray, np.ndarray]:
    """Received output beats and their tlast as signed words and a tlast per word (a beat's
    tlast on its last word), as the scoreboard takes them."""
    w, lanes = cfg.out_fmt.width, cfg.lanes
    mask = (1 << w) - 1
    if lanes * w < 63:  # a beat fits an int64: vectorized
        b = np.asarray(beats, dtype=np.int64).reshape(-1, 1)
        fields = ((b >> (np.arange(lanes) * w)) & mask).reshape(-1)
    else:
        fields = np.array([(b >> (i * w)) & mask for b in beats for i in range(lanes)], dtype=np.int64)
    words = signed(fields, w)
    word_lasts = np.zeros(len(words), dtype=bool)
    word_lasts[lanes - 1 :: lanes] = np.asarray(lasts, dtype=bool)
    return words, word_lasts
