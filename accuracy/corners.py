"""The `corners` stimulus: the cases random data almost never reaches, built from the configuration.

A random stream makes an exact rounding tie with a probability of about ``2^-s`` at a shift of
``s`` bits, and it never parks the deviation at zero or drives the denominator into its top bits,
so a core whose tie or leading-one logic is wrong passes it. This stream is made of whole windows:

* **extremes**: every channel's first window after reset is constant, at 0 on half of the
  channels (deviation 0 at once: the eps regime, the largest gain) and at ``min_code`` or
  ``max_code`` on the others (a deviation of half the range from the initial mean 0: the
  denominator's top bit); then alternating ``min_code``/``max_code`` samples (both output rails at
  the largest gain), and constant windows at the rails in turn (the mean changes sign, and a
  deviation of the whole range from a mean at the other rail).
* **ties**: windows solved for exact rounding ties. The statistics in force and the long-term
  state are read from a golden model that has run the stream so far; each candidate input code is
  put through the golden stages, and a code is chosen that lands exactly on a half at the rounding
  point aimed at: the output, the square's guard rounding (``p = 2``), the window's deviation
  mean, the long-term and mix updates of the mean and the deviation, the scale's reciprocal.
  A window for which no code makes the tie aimed at is kept as it is: its random levels move the
  statistics' low bits for the next attempt.

`CornerCounter` is the instrumented golden model that counts what a stream reaches (`reached`),
at every rounding point and corner; `corner_report` runs it. Some ties cannot happen in some
configurations (with ``G - k >= d`` every mean difference is a multiple of ``2^d``, so the
long-term mean's update never ties): the counter shows them as 0, and `corners_stream` does not
pretend otherwise.

The control patterns are for the simulator's reset and freeze plans: `freeze_pattern` toggles
freeze at every phase of a window, `reset_points` lists where a reset mid-stream falls.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np

from streamnorm.golden import FixedStreamNorm, NormConfig, ParameterError, StatsTrace, stages
from streamnorm.golden.coefficients import Coefficient
from streamnorm.golden.formats import bit_length, shift_round

__all__ = [
    "CORNERS",
    "CornerCounter",
    "corner_report",
    "corners_stream",
    "freeze_pattern",
    "reset_points",
    "rounding_points",
]

#: Everything `CornerCounter` counts besides the ties: input and output rails, the eps regime,
#: the denominator's top bit, a change of sign of the mean in force.
CORNERS: tuple[str, ...] = (
    "input_min",
    "input_max",
    "output_min",
    "output_max",
    "overflow_low",
    "overflow_high",
    "eps_regime",
    "denominator_top_bit",
    "mean_sign_change",
)

#: Candidate input codes per channel and solve; every code when the input format has no more.
_CANDIDATES = 1 << 13

#: Windows of output ties right after reset.
_OUTPUT_WINDOWS = 8

#: Tie windows after each round of extremes.
_TIE_WINDOWS = 48


def rounding_points(cfg: NormConfig) -> tuple[str, ...]:
    """The rounding points (spec §3) this configuration has, in datapath order.

    A point with a zero shift rounds nothing and is left out (``k = 0``: the window mean; the shift
    form of a coefficient with ``log2 = 0`` cannot be configured).
    """
    points = []
    if cfg.p == 2 and cfg.guard_bits > cfg.square_guard_bits:
        points.append("square")
    if cfg.window_log2 >= 1:
        points.append("short_term_dev")
    if cfg.long_term:
        points += ["long_term_mean", "long_term_dev"]
        if cfg.mix_coefficient is not None:
            points += ["mix_mean", "mix_dev"]
    return (*points, "scale", "output")


def _ties(v: np.ndarray, s: np.ndarray | int) -> np.ndarray:
    """Where ``v / 2^s`` is exactly halfway between two integers (never at ``s = 0``)."""
    s = np.asarray(s, dtype=np.int64)
    low = v & ((np.int64(1) << s) - 1)
    return (s >= 1) & (low == ((np.int64(1) << s) >> 1))


def _weighted_ties(short: np.ndarray, long: np.ndarray, weight: Coefficient) -> np.ndarray:
    """Ties of ``rnd_Fc(cc * (s - l))``: the long-term and mix updates' one rounding."""
    return _ties((short - long) * weight.code, weight.frac)


def _scale_ties(cfg: NormConfig, dev_stat: np.ndarray, kk: np.ndarray) -> np.ndarray:
    """Ties of the reciprocal ``div(kk * 2^sh, D)``: twice the remainder equals the divisor.

    The same normalization as the golden model's `norm_reciprocal`, kept apart so that the count
    does not lean on the code it checks.
    """
    den = np.asarray(dev_stat, dtype=np.int64) + cfg.eps_code
    kk = np.broadcast_to(np.asarray(kk, dtype=np.int64), den.shape)
    pk = bit_length(kk) - 1
    pd = bit_length(den) - 1
    below = (kk << np.maximum(pd - pk, 0)) < (den << np.maximum(pk - pd, 0))
    sh = cfg.scale_mantissa_bits - 1 + pd - pk + below
    num = kk << np.maximum(sh, 0)
    div = den << np.maximum(-sh, 0)
    return 2 * (num % div) == div


class CornerCounter(FixedStreamNorm):
    """The golden model, counting what the stream it runs reaches.

    `reached` counts, per rounding point (`rounding_points`), the exact ties met there, and per
    corner (`CORNERS`) the words or window ends that reach it. It computes exactly what
    `FixedStreamNorm` does; the counting only looks at the values passing each stage.
    """

    def __init__(self, cfg: NormConfig) -> None:
        self.reached: Counter[str] = Counter()
        self._counting = False
        self._statistic = "mean"
        super().__init__(cfg)

    def reset(self) -> None:
        super().reset()
        self._last_sign = np.zeros(self.cfg.channels, dtype=np.int64)

    def _count(self, name: str, hits: np.ndarray | bool) -> None:
        if self._counting:
            self.reached[name] += int(np.count_nonzero(hits))

    def _run_block(
        self, xg: np.ndarray, frozen: np.ndarray | None, trace: bool
    ) -> tuple[np.ndarray, StatsTrace[Any] | None]:
        # Only the stream is counted, not the initial scale that reset() computes.
        cfg = self.cfg
        self._counting = True
        try:
            x = xg >> cfg.guard_bits
            self._count("input_min", x == cfg.in_fmt.min_code)
            self._count("input_max", x == cfg.in_fmt.max_code)
            y, tr = super()._run_block(xg, frozen, trace)
            self._count("output_min", y == cfg.out_fmt.min_code)
            self._count("output_max", y == cfg.out_fmt.max_code)
        finally:
            self._counting = False
        return y, tr

    def _deviation(self, centered: np.ndarray) -> np.ndarray:
        if self.cfg.p == 2:
            self._count("square", _ties(centered, self.cfg.guard_bits - self.cfg.square_guard_bits))
        return super()._deviation(centered)

    def _short_term_dev(self, sum_dev: np.ndarray) -> np.ndarray:
        if self.cfg.window_log2 >= 1:
            self._count("short_term_dev", _ties(sum_dev, self.cfg.window_log2))
        return super()._short_term_dev(sum_dev)

    def _mean_history(self, sum_x: np.ndarray) -> np.ndarray:
        self._statistic = "mean"
        hist = super()._mean_history(sum_x)
        signs = np.sign(hist)
        for row in signs:
            flips = (row != 0) & (self._last_sign != 0) & (row != self._last_sign)
            self._count("mean_sign_change", flips)
            self._last_sign = np.where(row != 0, row, self._last_sign)
        return hist

    def _stat_history(self, sum_dev: np.ndarray) -> np.ndarray:
        self._statistic = "dev"
        return super()._stat_history(sum_dev)

    def _long_term_run(self, short: np.ndarray, long: np.ndarray) -> np.ndarray:
        # The base class's loop over windows, with each update's tie counted where the channel
        # has long-term state (a first window only starts it: no rounding there).
        decay = self._params.decay
        assert decay is not None
        hist = np.empty_like(short)
        prev, ready = long, self._long_ready
        for w in range(short.shape[0]):
            self._count(f"long_term_{self._statistic}", ready & _weighted_ties(short[w], prev, decay))
            hist[w] = np.where(ready, self._long_term(prev, short[w]), short[w])
            prev, ready = hist[w], np.ones_like(ready)
        return hist

    def _mix(self, long: np.ndarray | None, short: np.ndarray) -> np.ndarray:
        weight = self._params.mix
        if long is not None and weight is not None:
            self._count(f"mix_{self._statistic}", _weighted_ties(short, long, weight))
        return super()._mix(long, short)

    def _scale(self, dev_stat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cfg = self.cfg
        kk = np.array([k for _, k, _ in self._params.gains], dtype=np.int64)
        self._count("scale", _scale_ties(cfg, dev_stat, kk))
        self._count("eps_regime", dev_stat < cfg.eps_code)
        self._count("denominator_top_bit", dev_stat + cfg.eps_code >= 1 << (cfg.denominator_width - 1))
        return super()._scale(dev_stat)

    def _output(
        self, centered: np.ndarray, mantissa: np.ndarray, shift: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        product = centered * mantissa
        self._count("output", _ties(product, shift))
        unbounded = shift_round(product, shift, self.cfg.rounding) + self._beta
        self._count("overflow_low", unbounded < self.cfg.out_fmt.min_code)
        self._count("overflow_high", unbounded > self.cfg.out_fmt.max_code)
        return super()._output(centered, mantissa, shift)

    # ---- the state the tie solver reads: whole windows only, so the partial sums are empty ----
    def window_state(self) -> dict[str, np.ndarray | Coefficient | None]:
        """The statistics in force, the long-term state and the weights, at a window boundary."""
        assert self.window_position == 0, "the tie windows are whole windows"
        return {
            "mean": self._mean,
            "stat": self._stat,
            "mantissa": self._mantissa,
            "shift": self._shift,
            "long_mean": self._long_mean,
            "long_stat": self._long_stat,
            "long_ready": self._long_ready,
            "beta": self._beta,
            "decay": self._params.decay,
            "mix": self._params.mix,
            "kk": np.array([k for _, k, _ in self._params.gains], dtype=np.int64),
            "gains": self._params.gains,
        }


def corner_report(cfg: NormConfig, codes: np.ndarray, freeze: np.ndarray | None = None) -> dict[str, int]:
    """How often `codes` (T, C) reach each rounding point's tie and each corner, from reset."""
    counter = CornerCounter(cfg)
    counter.process(codes, freeze)
    return {name: counter.reached[name] for name in (*rounding_points(cfg), *CORNERS)}


# ---- the stream ------------------------------------------------------------------------------


def _candidates(cfg: NormConfig, rng: np.random.Generator) -> np.ndarray:
    """Every input code, or (wide formats) a random draw plus the codes the ties of a mean on the
    grid need: small odd multiples of each power of two away from 0 and from either rail."""
    fmt = cfg.in_fmt
    lo, hi = fmt.min_code, fmt.max_code
    if hi - lo + 1 <= _CANDIDATES:
        return np.arange(lo, hi + 1, dtype=np.int64)
    steps = np.array([o << j for j in range(fmt.width) for o in (1, 3, 5, 7)], dtype=np.int64)
    drawn = rng.integers(lo, hi, _CANDIDATES, endpoint=True)
    codes = np.concatenate(([lo, hi, 0], steps, -steps, lo + steps, hi - steps, drawn))
    return np.unique(codes[(codes >= lo) & (codes <= hi)])


def _sample_ties(cfg: NormConfig, state: dict, x: np.ndarray, point: str) -> np.ndarray:
    """(K, C): candidate codes `x` (K, 1) that tie at a per-sample point with the statistics in
    force and whose output stays in range (a saturated word would hide the rounding)."""
    centered = (x << cfg.guard_bits) - state["mean"]
    if point == "square":
        return _ties(centered, cfg.guard_bits - cfg.square_guard_bits)
    product = centered * state["mantissa"]
    y = shift_round(product, state["shift"], cfg.rounding) + state["beta"]
    fmt = cfg.out_fmt
    return _ties(product, state["shift"]) & (y >= fmt.min_code) & (y <= fmt.max_code)


def _window_end_ties(cfg: NormConfig, state: dict, base: np.ndarray, x: np.ndarray) -> dict[str, np.ndarray]:
    """(K, C) tie masks at every window-end rounding point, for a window of `base` (N-1, C)
    followed by candidate code `x` (K, 1), through the golden stages."""
    g = cfg.guard_bits
    mean = state["mean"]
    base_dev = stages.deviation(cfg, (base << g) - mean).sum(axis=0)
    sum_x = (base.sum(axis=0) + x) << g
    sum_dev = base_dev + stages.deviation(cfg, (x << g) - mean)
    m_s = stages.short_term_mean(cfg, sum_x)
    s_s = stages.short_term_dev(cfg, sum_dev)
    ties = {"short_term_dev": _ties(sum_dev, cfg.window_log2)}
    stat = s_s
    if cfg.long_term:
        ready, decay = state["long_ready"], state["decay"]
        ties["long_term_mean"] = ready & _weighted_ties(m_s, state["long_mean"], decay)
        ties["long_term_dev"] = ready & _weighted_ties(s_s, state["long_stat"], decay)
        l_m = np.where(ready, stages.long_term(cfg, state["long_mean"], m_s, decay), m_s)
        l_s = np.where(ready, stages.long_term(cfg, state["long_stat"], s_s, decay), s_s)
        stat = l_s
        if state["mix"] is not None:
            ties["mix_mean"] = _weighted_ties(m_s, l_m, state["mix"])
            ties["mix_dev"] = _weighted_ties(s_s, l_s, state["mix"])
            stat = stages.mix(cfg, l_s, s_s, state["mix"])
    dev_stat = stages.to_dev_stat(cfg, stat)
    ties["scale"] = _scale_ties(cfg, dev_stat, state["kk"])
    mean = m_s
    if cfg.long_term:
        mean = l_m if state["mix"] is None else stages.mix(cfg, l_m, m_s, state["mix"])
    ties["output"] = _output_tie_reachable(cfg, mean, *cfg.scale_for(dev_stat, state["gains"]))
    return ties


def _two_adic(v: np.ndarray) -> np.ndarray:
    """The number of trailing zero bits of each nonzero value (63 for 0)."""
    v = np.asarray(v, dtype=np.int64)
    return np.where(v == 0, 63, bit_length(v & -v) - 1)


def _output_tie_reachable(cfg: NormConfig, mean: np.ndarray, ms: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Where a window with mean `mean` and scale ``(ms, t)`` in force has inputs whose output ties.

    ``(X*2^G - Mu)*ms`` is a half of ``2^t`` exactly when its trailing zeros number ``t - 1``.
    Below ``G`` the mean's trailing zeros are every centered value's: then every input ties if
    ``tz(Mu) + tz(ms) = t - 1``. A mean on the input grid leaves ``X - Mu/2^G = ±2^h`` with
    ``h = t - 1 - tz(ms) - G``, reachable inside the input range and with the output (about
    ``ms/2^(tz(ms)+1)`` then) in range.
    """
    g = cfg.guard_bits
    tz_mean, tz_ms = _two_adic(mean), _two_adic(ms)
    h = t - 1 - tz_ms - g
    off_grid = (tz_mean < g) & (tz_mean + tz_ms == t - 1)
    on_grid = (tz_mean >= g) & (h >= 0) & (h <= cfg.in_fmt.width - 2)
    small = (np.abs(ms) >> (tz_ms + 1)) <= cfg.out_fmt.max_code // 2
    return off_grid | (on_grid & small)


def _nearest(mask: np.ndarray, x: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Per channel, the candidate code in `mask` nearest to `level`, or -1 where there is none."""
    dist = np.where(mask, np.abs(x - level), np.iinfo(np.int64).max)
    best = np.argmin(dist, axis=0)
    return np.where(mask.any(axis=0), best, -1)


def _tie_window(
    cfg: NormConfig, model: CornerCounter, level: np.ndarray, x: np.ndarray, aim: list[str]
) -> np.ndarray:
    # (an empty `aim` keeps the last sample at `level`: the mean stays where it is)
    """One window (N, C) around `level` (C,) whose samples tie at the per-sample points and whose
    last sample ties at the first window-end point in `aim` that some code reaches, per channel.

    The per-sample ties come in mirrored pairs ``level ± j``: with the mean in force at ``level``
    both tie, and the window's mean stays at ``level`` (on the input grid, where output ties are
    reachable) for the next window.
    """
    n, c = cfg.window, cfg.channels
    state = model.window_state()
    rows = np.repeat(level[None], n, axis=0)
    # The statistics in force do not change inside a window: one solve per point serves every
    # sample; the output and the square's rounding take turns.
    points = [p for p in ("output", "square") if p in rounding_points(cfg)]
    picks = [_nearest(_sample_ties(cfg, state, x, p) & (x != level), x, level) for p in points]
    fmt = cfg.in_fmt
    free = n if not aim else n - 1  # the samples the window end leaves alone
    for i in range(0, free, 2):
        pick = picks[(i // 2) % len(picks)]
        tie = x[np.maximum(pick, 0), 0]
        mirror = 2 * level - tie
        ok = (pick >= 0) & (mirror >= fmt.min_code) & (mirror <= fmt.max_code)
        rows[i] = np.where(ok, tie, level)
        if i + 1 < free:
            rows[i + 1] = np.where(ok, mirror, level)
    if not aim:
        return rows
    ends = _window_end_ties(cfg, state, rows[:-1], x)
    last = rows[-1].copy()
    done = np.zeros(c, dtype=bool)
    for point in aim:
        pick = _nearest(ends[point], x, last)
        take = (pick >= 0) & ~done
        last = np.where(take, x[np.maximum(pick, 0), 0], last)
        done |= take
    rows[-1] = last
    return rows


def _settle_windows(cfg: NormConfig) -> int:
    """Windows for the long-term statistics to forget most of a step (a few time constants 1/c)."""
    if cfg.decay_coefficient is None:
        return 2
    c = cfg.decay_coefficient.code * 2.0**-cfg.decay_coefficient.frac
    return min(64, math.ceil(2 / c))


def _first_level(cfg: NormConfig, seed: int) -> np.ndarray:
    """(C,) the level of the first windows: 0 on alternate channels, a rail (min and max in turn)
    on the others."""
    fmt = cfg.in_fmt
    ch = np.arange(cfg.channels)
    rail = np.where((ch // 2 + seed) % 2 == 0, fmt.min_code, fmt.max_code)
    return np.where((ch + seed) % 2 == 1, 0, rail).astype(np.int64)


def _extremes(cfg: NormConfig, seed: int) -> np.ndarray:
    """The extremes after the first windows (see the module's docstring), whole windows."""
    fmt = cfg.in_fmt
    n, c = cfg.window, cfg.channels
    lo, hi = fmt.min_code, fmt.max_code
    ch = np.arange(c)
    rail = np.where((ch // 2 + seed) % 2 == 0, lo, hi)
    alternate = np.where((np.arange(n)[:, None] + ch) % 2 == 0, hi, lo)
    settle = _settle_windows(cfg)
    parts = [
        np.tile(alternate, (2, 1)),
        np.repeat(np.where(rail == lo, hi, lo)[None], settle * n, axis=0),
        np.repeat(rail[None], settle * n, axis=0),
        np.tile(alternate, (2, 1)),
    ]
    return np.concatenate(parts).astype(np.int64)


def corners_stream(cfg: NormConfig, steps: int, seed: int = 0) -> np.ndarray:
    """`steps` time steps (T, C) of in_fmt codes: extremes, then tie windows, in rounds (each
    with its own random levels, from `seed`) until `steps` are made; cut to `steps` at the end."""
    if steps < 0:
        raise ParameterError("steps", f"must be at least 0, not {steps}")
    if seed < 0:
        raise ParameterError("seed", f"must be at least 0, not {seed}")
    rng = np.random.default_rng(seed)
    x = _candidates(cfg, rng)[:, None]
    fmt = cfg.in_fmt
    span = (fmt.max_code - fmt.min_code) // 4
    model = CornerCounter(cfg)
    chunks: list[np.ndarray] = []
    made = 0
    # The output's ties are made inside a window, once a window end was solved to make them
    # reachable: that is what aiming at "output" at a window end means.
    ends = [p for p in rounding_points(cfg) if p != "square"]
    round_no = 0

    def emit(block: np.ndarray) -> None:
        nonlocal made
        chunks.append(block)
        model.process(block)
        made += len(block)

    # Right after reset a constant window puts the mean exactly on the input grid (the long-term
    # state starts from it); mirrored ties keep it there, where the output's ties are.
    level = _first_level(cfg, seed)
    emit(np.repeat(level[None], 2 * cfg.window, axis=0))
    for _ in range(_OUTPUT_WINDOWS):
        if made >= steps:
            break
        emit(_tie_window(cfg, model, level, x, []))
    while made < steps:
        emit(_extremes(cfg, seed + round_no))
        aimed: Counter[str] = Counter()
        for w in range(_TIE_WINDOWS):
            if made >= steps:
                break
            # A new level every few windows moves the statistics' low bits.
            if w % 4 == 0:
                level = rng.integers(-span, span, cfg.channels, endpoint=True)
            before = Counter(model.reached)
            emit(_tie_window(cfg, model, level, x, sorted(ends, key=lambda p: aimed[p])))
            for p in ends:
                aimed[p] += model.reached[p] - before[p]
        round_no += 1
    return np.concatenate(chunks)[:steps] if chunks else np.zeros((0, cfg.channels), dtype=np.int64)


# ---- control patterns for the simulator's freeze and reset plans -----------------------------


def freeze_pattern(cfg: NormConfig, steps: int) -> np.ndarray:
    """(steps,) bools: freeze switched on at every phase of a window in turn, for 1, 2, ... steps.

    Round ``j`` runs active steps up to window position ``j mod N`` and then freezes for
    ``1 + j mod 3`` steps, so over ``N`` rounds freeze rises (and falls) at every position of the
    window, including the step that would end one.
    """
    if steps < 0:
        raise ParameterError("steps", f"must be at least 0, not {steps}")
    n = cfg.window
    out: list[bool] = []
    pos = j = 0
    while len(out) < steps:
        target = j % n
        while pos != target:
            out.append(False)
            pos = (pos + 1) % n
        out += [True] * (1 + j % 3)
        out.append(False)
        pos = (pos + 1) % n
        j += 1
    return np.array(out[:steps], dtype=bool)


def reset_points(cfg: NormConfig, steps: int) -> tuple[int, ...]:
    """Input words after which a reset mid-stream exercises each phase of the window (the
    `after_words` of the simulator's reset plan): mid-beat, at each window position, at a window's
    last word and the first word of the next. Only those inside a stream of `steps` time steps."""
    c, n = cfg.channels, cfg.window
    words = {1, c // 2 + 1, c * n, c * n + 1, c * (n + n // 2) + 1, c * 2 * n - 1}
    words |= {c * (2 * n + j) + 1 for j in range(n)}
    return tuple(sorted(w for w in words if 1 <= w <= steps * c))
