"""The configuration matrix every hardware-level test runs (Amaranth simulation and cocotb).

Each entry exercises something the others do not; tests/hw and tests/sim both take it, so the
RTL and the emitted Verilog are checked on the same configurations.
"""

from __future__ import annotations

import numpy as np

from streamnorm.accuracy.streams import make_stream
from streamnorm.golden import NormConfig

# name -> (config changes, time steps). Each exercises something the others do not.
MATRIX: dict[str, tuple[dict, int]] = {
    "c1_k0": ({"channels": 1, "window_log2": 0}, 120),
    "c1_k0_no_long_term": ({"channels": 1, "window_log2": 0, "decay_log2": None, "mix_log2": None}, 80),
    "c3": ({"channels": 3, "window_log2": 2, "decay_log2": 3, "mix_log2": 1}, 60),
    "c256_memory": ({"channels": 256, "window_log2": 1, "decay_log2": 1}, 8),
    "p2": ({"channels": 3, "p": 2, "window_log2": 2, "decay_log2": 3}, 60),
    "p2_pow2_c1": ({"channels": 1, "p": 2, "scale": "pow2", "window_log2": 0, "decay_log2": 2}, 80),
    "pow2": ({"channels": 4, "scale": "pow2", "window_log2": 2, "decay_log2": 2}, 50),
    "mix_off": ({"channels": 2, "window_log2": 1, "decay_log2": 2, "mix_log2": None}, 60),
    "long_term_off": ({"channels": 2, "window_log2": 3, "decay_log2": None, "mix_log2": None}, 60),
    "saturating": ({"channels": 2, "gamma": 6.0, "window_log2": 1, "decay_log2": 2}, 60),
    "wrap": ({"channels": 2, "overflow": "wrap", "gamma": 6.0, "window_log2": 1, "decay_log2": 2}, 60),
    "narrow_8bit": (
        {
            "channels": 2,
            "in_fmt": {"width": 8, "frac": 6},
            "out_fmt": {"width": 8, "frac": 4},
            "eps": 2.0**-4,
            "window_log2": 2,
            "decay_log2": 2,
        },
        60,
    ),
    "per_channel_gamma_beta": (
        {
            "channels": 3,
            "gamma": [1.0, -2.0, 0.5],
            "beta": [0.5, 0.0, -1.0],
            "window_log2": 2,
            "decay_log2": 2,
            "rounding": "half_up",
        },
        50,
    ),
    "truncate_long_window": ({"channels": 2, "rounding": "truncate", "window_log2": 4, "decay_log2": 1}, 80),
    # the paper's coefficients (kappa = 0.7, alpha = (0.7, 0.3) and (0.5, 0.5)): adder trees, not shifts
    "paper_recurrent": (
        {"channels": 3, "window_log2": 2, "decay_log2": None, "decay": 0.3, "mix_log2": None, "mix": 0.3},
        60,
    ),
    "paper_feedforward_p2_lanes2": (
        {
            "channels": 4,
            "lanes": 2,
            "p": 2,
            "window_log2": 1,
            "decay_log2": None,
            "decay": 0.3,
            "mix_log2": None,
            "mix": 0.5,
            "rounding": "truncate",
        },
        60,
    ),
    # lanes: P words a beat. C = P puts every channel in every beat (one beat a time step)
    "c4_lanes4": ({"channels": 4, "lanes": 4, "window_log2": 2, "decay_log2": 2}, 60),
    "c4_lanes4_k0": ({"channels": 4, "lanes": 4, "window_log2": 0, "decay_log2": 2}, 80),
    "c6_lanes2_p2": ({"channels": 6, "lanes": 2, "p": 2, "window_log2": 2, "decay_log2": 3}, 60),
    "c8_lanes4_pow2": ({"channels": 8, "lanes": 4, "scale": "pow2", "window_log2": 2, "decay_log2": 2}, 50),
    # per-channel state banked over 8 lanes, 128 entries each
    "c1024_lanes8": ({"channels": 1024, "lanes": 8, "window_log2": 1, "decay_log2": 1}, 6),
}

#: The entries with more than one word a beat.
LANE_CONFIGS = [name for name, (changes, _) in MATRIX.items() if changes.get("lanes", 1) > 1]


def stream_for(cfg: NormConfig, steps: int, seed: int) -> np.ndarray:
    """A heavy-tailed stream with bursts of full-scale words, so saturation paths are exercised."""
    codes = cfg.in_fmt.quantize(make_stream("student_t", steps, cfg.channels, cfg.in_fmt, seed))
    rng = np.random.default_rng(seed)
    burst = rng.random(codes.shape) < 0.03
    extremes = rng.choice([cfg.in_fmt.min_code, cfg.in_fmt.max_code], size=codes.shape)
    return np.where(burst, extremes, codes)


def config(name: str) -> NormConfig:
    return NormConfig().replace(**MATRIX[name][0])
