"""`NormConfig`: the one configuration object that the golden model, the hardware and the testbenches take.

It validates itself when built (naming the field, the bad value and the limit) and derives every
internal width by bit-growth analysis; `docs/spec.md` §2 explains each derived quantity.
"""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ParameterError
from .formats import (
    MAX_FORMAT_WIDTH,
    MAX_INTERNAL_WIDTH,
    Overflow,
    QFormat,
    Rounding,
    norm_reciprocal,
)

__all__ = ["ConfigError", "NormConfig", "Scale", "ScaleTable"]

MAX_CHANNELS = 65536
MAX_WINDOW_LOG2 = 20
MAX_DECAY_LOG2 = 24
MAX_GAMMA_LOG2 = 16
MAX_FRAC = 48

JSON_KEYS = (
    "channels",
    "in_fmt",
    "out_fmt",
    "window_log2",
    "decay_log2",
    "mix_log2",
    "p",
    "scale",
    "eps",
    "gaussian_scale",
    "gamma",
    "beta",
    "rounding",
    "overflow",
)


class ConfigError(ParameterError):
    """A configuration that cannot work. `field` is the JSON key (dotted for nested ones)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(field_name, message)
        self.field = field_name


class Scale(str, enum.Enum):
    """How the per-window scale is rounded (spec §3). A `str` enum: JSON keeps the string."""

    EXACT = "exact"  #: an (out_fmt.width + 1)-bit mantissa: one multiplier per sample
    POW2 = "pow2"  #: a power of two: the per-sample multiply is a shift

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ScaleTable:
    """Per-channel scale ``r = ms * 2**-t`` (output LSBs per statistic-grid unit, see spec §3)."""

    mantissa: tuple[int, ...]  #: signed mantissa ``ms``
    shift: tuple[int, ...]  #: output right shift ``t``


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_real(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_int(name: str, v: Any, lo: int, hi: int) -> None:
    if not _is_int(v):
        raise ConfigError(name, f"must be an integer, not {v!r}")
    if not lo <= v <= hi:
        raise ConfigError(name, f"{v} is out of range; must be {lo}..{hi}")


def _fmt_from(name: str, v: Any) -> QFormat:
    if isinstance(v, QFormat):
        return v
    if not isinstance(v, dict):
        raise ConfigError(name, f'must be an object {{"width": W, "frac": F}}, not {v!r}')
    unknown = sorted(set(v) - {"width", "frac"})
    if unknown:
        raise ConfigError(f"{name}.{unknown[0]}", "unknown key (allowed: width, frac)")
    for key in ("width", "frac"):
        if key not in v:
            raise ConfigError(f"{name}.{key}", "missing")
    return _make_fmt(name, v["width"], v["frac"])


def _make_fmt(name: str, width: Any, frac: Any) -> QFormat:
    _check_int(f"{name}.width", width, 2, MAX_FORMAT_WIDTH)
    _check_int(f"{name}.frac", frac, -MAX_FRAC, MAX_FRAC)
    return QFormat(width, frac)


def _per_channel(name: str, v: Any, channels: int) -> tuple[float, ...]:
    """Expand a scalar or per-channel list to one float per channel."""
    if isinstance(v, (list, tuple)):
        if len(v) != channels:
            raise ConfigError(name, f"has {len(v)} entries but channels = {channels}")
        vals = list(v)
    else:
        vals = [v] * channels
    for i, x in enumerate(vals):
        if not _is_real(x) or not math.isfinite(x):
            where = f"{name}[{i}]" if isinstance(v, (list, tuple)) else name
            raise ConfigError(where, f"must be a finite number, not {x!r}")
    return tuple(float(x) for x in vals)


@dataclass(frozen=True)
class NormConfig:
    """Configuration of one streaming-normalization core (JSON keys are the attribute names).

    Parameters
    ----------
    channels:
        Interleaved channels C (1..65536); one word per channel per time step.
    in_fmt, out_fmt:
        Signed Q formats of input and output words (width 2..32).
    window_log2:
        k: window of N = 2**k samples per channel (0..20; 0 = statistics move every sample).
    decay_log2:
        d: long-term statistics decay by 1 - 2**-d per window (1..24), or None for none.
    mix_log2:
        j: with long-term statistics, weight 2**-j on the short-term value (1..24), or None for
        long-term alone.
    p:
        1 = mean absolute deviation, 2 = standard deviation (the comparison datapath).
    scale:
        "exact" rounds the scale to an (out_fmt.width + 1)-bit mantissa; "pow2" to a power of two
        (no per-sample multiplier).
    eps:
        Added to the deviation statistic, in input units; bounds the gain; must lie on the
        statistics grid (`stat_frac` fraction bits).
    gaussian_scale:
        Scale the deviation to a standard-deviation estimate for Gaussian data (x sqrt(pi/2) for p=1).
    gamma, beta:
        Output gain and offset, one value or one per channel (beta in output units).
    rounding, overflow:
        The rounding mode of every rounding point; the output's overflow behaviour.
    """

    channels: int = 8
    in_fmt: QFormat = field(default_factory=lambda: QFormat(16, 12))
    out_fmt: QFormat = field(default_factory=lambda: QFormat(16, 11))
    window_log2: int = 4
    decay_log2: int | None = 6
    mix_log2: int | None = 1
    p: int = 1
    scale: Scale = Scale.EXACT
    eps: float = 2.0**-10
    gaussian_scale: bool = True
    gamma: float | tuple[float, ...] = 1.0
    beta: float | tuple[float, ...] = 0.0
    rounding: Rounding = Rounding.HALF_EVEN
    overflow: Overflow = Overflow.SATURATE

    # ---- construction and validation -------------------------------------------------------
    def __post_init__(self) -> None:
        set_ = object.__setattr__
        _check_int("channels", self.channels, 1, MAX_CHANNELS)
        set_(self, "in_fmt", _fmt_from("in_fmt", self.in_fmt))
        set_(self, "out_fmt", _fmt_from("out_fmt", self.out_fmt))
        _check_int("window_log2", self.window_log2, 0, MAX_WINDOW_LOG2)
        if self.decay_log2 is not None:
            _check_int("decay_log2", self.decay_log2, 1, MAX_DECAY_LOG2)
        if self.mix_log2 is not None:
            if self.decay_log2 is None:
                raise ConfigError(
                    "mix_log2",
                    f"{self.mix_log2} needs long-term statistics; set decay_log2 or make mix_log2 null",
                )
            _check_int("mix_log2", self.mix_log2, 1, MAX_DECAY_LOG2)
        if self.p not in (1, 2) or not _is_int(self.p):
            raise ConfigError(
                "p",
                f"must be 1 (mean absolute deviation) or 2 (standard deviation), not {self.p!r}",
            )
        if not isinstance(self.scale, Scale):
            try:
                set_(self, "scale", Scale(self.scale))
            except ValueError:
                raise ConfigError("scale", f'must be "exact" or "pow2", not {self.scale!r}') from None
        if not _is_real(self.eps) or not math.isfinite(self.eps) or self.eps <= 0:
            raise ConfigError("eps", f"must be a positive number, not {self.eps!r}")
        if not isinstance(self.gaussian_scale, bool):
            raise ConfigError("gaussian_scale", f"must be true or false, not {self.gaussian_scale!r}")
        for name, enum_type in (("rounding", Rounding), ("overflow", Overflow)):
            v = getattr(self, name)
            if not isinstance(v, enum_type):
                try:
                    set_(self, name, enum_type(v))
                except ValueError:
                    allowed = ", ".join(m.value for m in enum_type)
                    raise ConfigError(name, f"{v!r} is not one of {allowed}") from None
        for name in ("gamma", "beta"):
            v = getattr(self, name)
            if isinstance(v, list):
                set_(self, name, tuple(v))
        gammas = _per_channel("gamma", self.gamma, self.channels)
        for i, gm in enumerate(gammas):
            where = f"gamma[{i}]" if isinstance(self.gamma, tuple) else "gamma"
            if gm == 0 or not 2.0**-MAX_GAMMA_LOG2 <= abs(gm) <= 2.0**MAX_GAMMA_LOG2:
                raise ConfigError(
                    where,
                    f"{gm!r} is out of range; |gamma| must be 2^-{MAX_GAMMA_LOG2}..2^{MAX_GAMMA_LOG2} "
                    "(a zero gain makes the output constant)",
                )
        betas = _per_channel("beta", self.beta, self.channels)
        _, out_of_range = self.out_fmt.quantize_report(np.array(betas), self.rounding)
        if out_of_range.any():
            i = int(np.argmax(out_of_range))
            where = f"beta[{i}]" if isinstance(self.beta, tuple) else "beta"
            raise ConfigError(
                where,
                f"{betas[i]!r} is outside out_fmt {self.out_fmt} "
                f"({self.out_fmt.min_value}..{self.out_fmt.max_value})",
            )
        self._check_derived()

    def _check_derived(self) -> None:
        e = math.ldexp(self.eps, self.stat_frac)
        if e != math.floor(e) or e < 1:
            lo = math.floor(e)
            hint = (
                f"nearest representable: {math.ldexp(lo, -self.stat_frac)!r} or "
                f"{math.ldexp(lo + 1, -self.stat_frac)!r}"
                if lo >= 1
                else f"smallest representable: {math.ldexp(1, -self.stat_frac)!r}"
            )
            raise ConfigError(
                "eps",
                f"{self.eps!r} is not a multiple of the statistics LSB 2^-{self.stat_frac} "
                f"(eps * 2^{self.stat_frac} = {e!r}); {hint}; a power of two always works",
            )
        # Name the field that can fix it: eps when a larger eps (fewer guard bits) would fit,
        # otherwise the format or window that is too wide on its own.
        g_min = max(self.window_log2, 3 + (self.decay_log2 or 0))
        spare = self.guard_bits - g_min
        limits = [
            (
                "product_width",
                self.product_width,
                "in_fmt.width" if self.in_fmt.width >= self.out_fmt.width else "out_fmt.width",
            ),
            ("sum_dev_width", self.mean_width + self.window_log2, "in_fmt.width"),
            ("sum_dev_width", self.sum_dev_width, "in_fmt.width"),
            ("dev_stat_width", self.dev_stat_width + 1, "in_fmt.frac"),
            # the reciprocal's dividend: an M-bit quotient of a denominator of bits(A_max + eps)
            ("reciprocal_width", self.scale_mantissa_bits + self.denominator_width + 1, "in_fmt.frac"),
        ]
        for name, width, fmt_field in limits:
            if width > MAX_INTERNAL_WIDTH:
                culprit = "eps" if width - spare <= MAX_INTERNAL_WIDTH else fmt_field
                raise ConfigError(
                    culprit,
                    f"the derived {name} is {width} bits, past the {MAX_INTERNAL_WIDTH}-bit limit "
                    f"(guard_bits = {self.guard_bits}: {self.gain_guard_bits} for the gain that "
                    f"eps = {self.eps!r} allows, {self.decay_log2 or 0} for decay_log2, at least "
                    f"window_log2 = {self.window_log2}); "
                    + (
                        "raise eps: it bounds the gain and so the guard bits"
                        if culprit == "eps"
                        else f"reduce {fmt_field}"
                    ),
                )
        if self.p == 2:
            if self.square_guard_bits < 1:
                raise ConfigError(
                    "in_fmt.width",
                    f"{self.in_fmt.width} bits leave no guard bit for the p = 2 squares at "
                    f"window_log2 = {self.window_log2} "
                    f"(need 2*(width+1) + window_log2 <= {MAX_INTERNAL_WIDTH})",
                )
            if self.second_moment_width > MAX_INTERNAL_WIDTH:
                raise ConfigError(
                    "in_fmt.frac",
                    f"{self.in_fmt.frac} puts the initial second moment (1.0 squared) at "
                    f"2^{2 * (self.in_fmt.frac + self.square_guard_bits)}, past the "
                    f"{MAX_INTERNAL_WIDTH}-bit limit; use fewer fraction bits than the width allows",
                )
        t_min, _ = self.shift_range
        if t_min < 1:  # spec §3 shows this cannot happen; keep the guarantee checked
            raise ConfigError("eps", f"the output shift range starts at {t_min}; internal error")

    # ---- JSON ------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any) -> NormConfig:
        if not isinstance(data, dict):
            raise ConfigError("(config)", f"must be a JSON object, not {type(data).__name__}")
        unknown = sorted(set(data) - set(JSON_KEYS))
        if unknown:
            raise ConfigError(unknown[0], f"unknown key (allowed: {', '.join(JSON_KEYS)})")
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> NormConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError("(config)", f"not valid JSON: {exc}") from None
        return cls.from_dict(data)

    @classmethod
    def from_file(cls, path: str | Path) -> NormConfig:
        p = Path(path)
        try:
            text = p.read_text()
        except OSError as exc:
            raise ConfigError("(config)", f"cannot read {p}: {exc.strerror}") from None
        try:
            return cls.from_json(text)
        except ConfigError as exc:
            raise ConfigError(exc.field, f"{exc.message} (in {p})") from None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, QFormat):
                v = {"width": v.width, "frac": v.frac}
            elif isinstance(v, (Rounding, Overflow, Scale)):
                v = v.value
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def replace(self, **changes: Any) -> NormConfig:
        data = self.to_dict()
        data.update(changes)
        return NormConfig.from_dict(data)

    # ---- derived quantities (spec §2) ------------------------------------------------------
    @property
    def window(self) -> int:
        return 1 << self.window_log2

    @property
    def long_term(self) -> bool:
        return self.decay_log2 is not None

    @cached_property
    def gaussian_factor(self) -> float:
        """g in ``r = gamma*g/(a + eps)``: with `gaussian_scale` and p = 1, ``sqrt(2/pi)``, so that
        ``a*sqrt(pi/2)`` (the mean absolute deviation as a standard-deviation estimate for Gaussian
        data) is what the input is divided by; otherwise 1 (for p = 2, a already is one)."""
        return math.sqrt(2 / math.pi) if (self.gaussian_scale and self.p == 1) else 1.0

    @property
    def gain_numerator_bits(self) -> int:
        return self.out_fmt.width + 3

    @cached_property
    def gain_numerators(self) -> tuple[tuple[int, int, int], ...]:
        """Per channel ``(sign, kk, ek)`` with ``gamma_c * g = sign * kk * 2**ek`` (kk has MK bits)."""
        mk = self.gain_numerator_bits
        out = []
        for gm in _per_channel("gamma", self.gamma, self.channels):
            v = abs(gm) * self.gaussian_factor
            _, ex = math.frexp(v)  # v = mant * 2**ex, mant in [0.5, 1)
            kk = int(QFormat(MAX_INTERNAL_WIDTH, mk - ex).quantize(v, self.rounding))
            ek = ex - mk
            if kk == 1 << mk:
                kk, ek = kk >> 1, ek + 1
            out.append((1 if gm > 0 else -1, kk, ek))
        return tuple(out)

    @cached_property
    def beta_codes(self) -> tuple[int, ...]:
        betas = _per_channel("beta", self.beta, self.channels)
        return tuple(int(c) for c in self.out_fmt.quantize(np.array(betas), self.rounding))

    @property
    def scale_mantissa_bits(self) -> int:
        return self.out_fmt.width + 1 if self.scale is Scale.EXACT else 1

    @cached_property
    def max_gain(self) -> float:
        """R: the largest gain, output LSBs per input LSB (deviation statistic at 0)."""
        kmax = max(kk * 2.0**ek for _, kk, ek in self.gain_numerators)
        return kmax * 2.0 ** (self.out_fmt.frac - self.in_fmt.frac) / self.eps

    @cached_property
    def gain_guard_bits(self) -> int:
        """Guard bits so one statistic LSB moves the output by at most 1/8 LSB at the largest gain."""
        return max(0, math.ceil(math.log2(self.max_gain))) + 3

    @cached_property
    def guard_bits(self) -> int:
        return max(self.window_log2, self.gain_guard_bits + (self.decay_log2 or 0))

    @property
    def stat_frac(self) -> int:
        return self.in_fmt.frac + self.guard_bits

    @property
    def eps_code(self) -> int:
        return int(math.ldexp(self.eps, self.stat_frac))

    @property
    def sum_x_width(self) -> int:
        return self.in_fmt.width + self.window_log2

    @property
    def dev_width(self) -> int:
        return self.in_fmt.width + self.guard_bits

    @property
    def sum_dev_width(self) -> int:
        return self.dev_width + self.window_log2 if self.p == 1 else self.sum_sq_width

    @property
    def mean_width(self) -> int:
        return self.in_fmt.width + self.guard_bits

    @property
    def dev_stat_max(self) -> int:
        """Largest value the deviation statistic A can take (initial value included)."""
        return max(((1 << self.in_fmt.width) - 1) << self.guard_bits, 1 << self.stat_frac)

    @property
    def dev_stat_width(self) -> int:
        return self.dev_stat_max.bit_length()

    @property
    def denominator_width(self) -> int:
        """Bits of the scale's denominator ``A + eps`` at its largest."""
        return (self.dev_stat_max + self.eps_code).bit_length()

    @property
    def square_guard_bits(self) -> int:
        return min(self.guard_bits, (MAX_INTERNAL_WIDTH - self.window_log2) // 2 - self.in_fmt.width)

    @property
    def square_width(self) -> int:
        return 2 * (self.in_fmt.width + self.square_guard_bits)

    @property
    def sum_sq_width(self) -> int:
        return self.square_width + self.window_log2

    @property
    def second_moment_width(self) -> int:
        """Bits of the second moment V (p = 2), its initial value ``2^2(Fi+G2)`` included."""
        g2, wi = self.square_guard_bits, self.in_fmt.width
        largest = max((((1 << wi) - 1) ** 2) << (2 * g2), 1 << (2 * (self.in_fmt.frac + g2)))
        return largest.bit_length()

    @property
    def product_width(self) -> int:
        return self.in_fmt.width + self.guard_bits + self.scale_mantissa_bits + 1

    def scale_for(self, dev_stat: Any) -> tuple[np.ndarray, np.ndarray]:
        """The scale stage: ``(ms, t)`` arrays for deviation statistics A (shape (..., C))."""
        a = np.asarray(dev_stat, dtype=np.int64)
        sign = np.array([s for s, _, _ in self.gain_numerators], dtype=np.int64)
        kk = np.array([k for _, k, _ in self.gain_numerators], dtype=np.int64)
        ek = np.array([e for _, _, e in self.gain_numerators], dtype=np.int64)
        m, e = norm_reciprocal(
            kk, ek + self.stat_frac, a + self.eps_code, self.scale_mantissa_bits, self.rounding
        )
        t = self.stat_frac + self.scale_mantissa_bits - 1 - e - self.out_fmt.frac
        return sign * m, t

    @cached_property
    def initial_scale(self) -> ScaleTable:
        ms, t = self.scale_for(np.full(self.channels, 1 << self.stat_frac))
        return ScaleTable(tuple(int(x) for x in ms), tuple(int(x) for x in t))

    @cached_property
    def shift_range(self) -> tuple[int, int]:
        """``(t_min, t_max)``: the output shift at the smallest and largest deviation."""
        _, t_lo = self.scale_for(np.zeros(self.channels, dtype=np.int64))
        _, t_hi = self.scale_for(np.full(self.channels, self.dev_stat_max))
        return int(t_lo.min()), int(t_hi.max())

    def derived(self) -> dict[str, Any]:
        """Every derived quantity, for `streamnorm config --check` and the hardware manifest."""
        d: dict[str, Any] = {
            "window": self.window,
            "guard_bits": self.guard_bits,
            "stat_frac": self.stat_frac,
            "eps_code": self.eps_code,
            "max_gain_lsb": self.max_gain,
            "scale_mantissa_bits": self.scale_mantissa_bits,
            "gain_numerator_bits": self.gain_numerator_bits,
            "shift_range": list(self.shift_range),
            "sum_x_width": self.sum_x_width,
            "mean_width": self.mean_width,
            "dev_stat_width": self.dev_stat_width,
            "product_width": self.product_width,
        }
        if self.p == 1:
            d |= {"dev_width": self.dev_width, "sum_dev_width": self.sum_dev_width}
        else:
            d |= {
                "square_guard_bits": self.square_guard_bits,
                "square_width": self.square_width,
                "sum_sq_width": self.sum_sq_width,
                "second_moment_width": self.second_moment_width,
            }
        return d
