"""`NormConfig`: the one configuration object that the golden model, the hardware and the testbenches take.

It validates itself when built (naming the field, the bad value and the limit) and derives every
internal width by bit-growth analysis; `docs/spec.md` §2 explains each derived quantity.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .coefficients import Coefficient
from .errors import ParameterError
from .formats import (
    MAX_FORMAT_WIDTH,
    MAX_INTERNAL_WIDTH,
    Overflow,
    QFormat,
    Rounding,
    norm_reciprocal,
)
from .gain import Gain, check_gamma, gain_numerator, gamma_code, gamma_format, gaussian_code
from .params import Params, beta_code, per_channel

__all__ = ["ConfigError", "NormConfig", "Scale", "ScaleTable"]

MAX_CHANNELS = 65536
MAX_WINDOW_LOG2 = 20
MAX_DECAY_LOG2 = 24
MAX_FRAC = 48

JSON_KEYS = (
    "channels",
    "lanes",
    "in_fmt",
    "out_fmt",
    "window_log2",
    "decay_log2",
    "decay",
    "mix_log2",
    "mix",
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

    @classmethod
    def of(cls, error: ParameterError) -> ConfigError:
        """A refusal from a shared check (gamma, beta, coefficients) as a configuration error."""
        return cls(error.parameter, error.message)


class _Unset:
    """The default of `decay_log2` / `mix_log2`: the shift form unless the value twin is given."""

    def __repr__(self) -> str:
        return "default"


UNSET: Any = _Unset()
#: The two spellings of each weight, and the shift form's default: (shift key, value key, default).
TWINS = (("decay_log2", "decay", 6), ("mix_log2", "mix", 1))


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


def spell(v: Any) -> str:
    """A value as the JSON configuration spells it (``null``, ``true``, ``"pow2"``), for messages."""
    if isinstance(v, enum.Enum):
        v = v.value
    if isinstance(v, tuple):
        v = list(v)
    try:
        return json.dumps(v)
    except (TypeError, ValueError):
        return repr(v)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_real(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_int(name: str, v: Any, lo: int, hi: int) -> None:
    if not _is_int(v):
        raise ConfigError(name, f"must be an integer, not {spell(v)}")
    if not lo <= v <= hi:
        raise ConfigError(name, f"{v} is out of range; must be {lo}..{hi}")


def _fmt_from(name: str, v: Any) -> QFormat:
    if isinstance(v, QFormat):
        return v
    if not isinstance(v, dict):
        raise ConfigError(name, f'must be an object {{"width": W, "frac": F}}, not {spell(v)}')
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


def _per_channel(name: str, v: Any, channels: int) -> list[tuple[str, float]]:
    """Expand a scalar or per-channel list to one ``(where, value)`` per channel, finite numbers."""
    try:
        pairs = per_channel(name, v, channels)
    except ParameterError as exc:
        raise ConfigError.of(exc) from None
    for where, x in pairs:
        if not _is_real(x) or not math.isfinite(x):
            raise ConfigError(where, f"must be a finite number, not {spell(x)}")
    return [(where, float(x)) for where, x in pairs]


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON objects with a key given twice are refused (json.loads would keep the last silently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ConfigError(key, f"given twice ({spell(out[key])} and {spell(value)}); give it once")
        out[key] = value
    return out


@dataclass(frozen=True)
class NormConfig:
    """Configuration of one streaming-normalization core (JSON keys are the attribute names).

    Parameters
    ----------
    channels:
        Interleaved channels C (1..65536); one word per channel per time step.
    lanes:
        P, words per AXI4-Stream beat (a divisor of C): a time step is C/P beats, beat b carrying
        channels b*P .. b*P+P-1. The arithmetic is per channel and does not depend on P.
    in_fmt, out_fmt:
        Signed Q formats of input and output words (width 2..32).
    window_log2:
        k: window of N = 2**k samples per channel (0..20; 0 = statistics move every sample).
    decay_log2, decay:
        The weight of a new short-term value in the long-term update ``l += decay*(s - l)``
        (kappa = 1 - decay), as a shift d (1..24: weight 2**-d) or as a value in [2**-16, 1) (a
        coefficient, settable at run time); at most one of the two; neither for no long-term
        statistics. Left out, decay_log2 is 6 unless decay is given.
    mix_log2, mix:
        With long-term statistics, the weight of the short-term value in the mix, as a shift j
        (1..24: weight 2**-j) or a value in [2**-16, 1); neither for long-term alone. Left out,
        mix_log2 is 1 unless mix is given.
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
    lanes: int = 1
    in_fmt: QFormat = field(default_factory=lambda: QFormat(16, 12))
    out_fmt: QFormat = field(default_factory=lambda: QFormat(16, 11))
    window_log2: int = 4
    decay_log2: int | None = UNSET
    decay: float | None = None
    mix_log2: int | None = UNSET
    mix: float | None = None
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
        _check_int("lanes", self.lanes, 1, self.channels)
        if self.channels % self.lanes:
            raise ConfigError(
                "lanes",
                f"lanes = {self.lanes} does not divide channels = {self.channels}: every beat carries "
                f"the same number of words (divisors of {self.channels}: "
                f"{', '.join(str(d) for d in range(1, self.channels + 1) if self.channels % d == 0)})",
            )
        set_(self, "in_fmt", _fmt_from("in_fmt", self.in_fmt))
        set_(self, "out_fmt", _fmt_from("out_fmt", self.out_fmt))
        _check_int("window_log2", self.window_log2, 0, MAX_WINDOW_LOG2)
        for shift, value, default in TWINS:
            if getattr(self, shift) is UNSET:
                set_(self, shift, default if getattr(self, value) is None else None)
            elif getattr(self, shift) is not None and getattr(self, value) is not None:
                raise ConfigError(
                    value,
                    f"{shift} = {spell(getattr(self, shift))} and {value} = {spell(getattr(self, value))} "
                    f"are two spellings of one weight; give one and make the other null",
                )
        if self.decay_log2 is not None:
            _check_int("decay_log2", self.decay_log2, 1, MAX_DECAY_LOG2)
        for key in ("mix_log2", "mix"):
            if getattr(self, key) is not None and not self.long_term:
                raise ConfigError(
                    key,
                    f"{spell(getattr(self, key))} needs long-term statistics; set decay_log2 or decay, "
                    f"or make {key} null",
                )
        if self.mix_log2 is not None:
            _check_int("mix_log2", self.mix_log2, 1, MAX_DECAY_LOG2)
        if self.p not in (1, 2) or not _is_int(self.p):
            raise ConfigError(
                "p",
                f"must be 1 (mean absolute deviation) or 2 (standard deviation), not {spell(self.p)}",
            )
        if not isinstance(self.scale, Scale):
            try:
                set_(self, "scale", Scale(self.scale))
            except ValueError:
                raise ConfigError("scale", f'must be "exact" or "pow2", not {spell(self.scale)}') from None
        if not _is_real(self.eps) or not math.isfinite(self.eps) or self.eps <= 0:
            raise ConfigError("eps", f"must be a positive number, not {spell(self.eps)}")
        if not isinstance(self.gaussian_scale, bool):
            raise ConfigError("gaussian_scale", f"must be true or false, not {spell(self.gaussian_scale)}")
        for name, enum_type in (("rounding", Rounding), ("overflow", Overflow)):
            v = getattr(self, name)
            if not isinstance(v, enum_type):
                try:
                    set_(self, name, enum_type(v))
                except ValueError:
                    allowed = ", ".join(m.value for m in enum_type)
                    raise ConfigError(name, f"{spell(v)} is not one of {allowed}") from None
        for name in ("gamma", "beta"):
            v = getattr(self, name)
            if isinstance(v, list):
                set_(self, name, tuple(v))
        try:
            for where, gm in _per_channel("gamma", self.gamma, self.channels):
                check_gamma(where, gm)
            for where, b in _per_channel("beta", self.beta, self.channels):
                beta_code(where, b, self.out_fmt, self.rounding)
            for key in ("decay", "mix"):
                if getattr(self, key) is not None:
                    Coefficient.for_value(key, getattr(self, key), self.rounding)
        except ConfigError:
            raise
        except ParameterError as exc:
            raise ConfigError.of(exc) from None
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
                f"{spell(self.eps)} is not a multiple of the statistics LSB 2^-{self.stat_frac} "
                f"(eps * 2^{self.stat_frac} = {e!r}); {hint}; a power of two always works",
            )
        for name, width in _width_limits(self):
            if width > MAX_INTERNAL_WIDTH:
                culprit, default, reduced = _width_culprit(self, name)
                what = f"{culprit} = {spell(_field_value(self, culprit))}"
                cause = (
                    f"{what} drives it (at {spell(default)} it would be {reduced} bits)"
                    if reduced <= MAX_INTERNAL_WIDTH
                    else f"no one field at its default brings it under; the most, {what}, "
                    f"at {spell(default)} leaves {reduced} bits"
                )
                raise ConfigError(
                    culprit,
                    f"the derived {name} is {width} bits, past the {MAX_INTERNAL_WIDTH}-bit limit; "
                    f"{cause}. guard_bits = {self.guard_bits}: {self.gain_guard_bits} for "
                    f"the largest gain, 2^{math.log2(self.max_gain):.1f} output LSBs per input LSB (gamma, "
                    f"eps and out_fmt.frac - in_fmt.frac set it), {self.decay_guard_bits} for the decay, "
                    f"at least window_log2 = {self.window_log2}",
                )
        if self.p == 2:
            if self.square_guard_bits < 1:
                raise ConfigError(
                    "in_fmt.width",
                    f"{self.in_fmt.width} bits leave no guard bit for the p = 2 squares at "
                    f"window_log2 = {self.window_log2}"
                    + (
                        f" and {self.coefficient_product_bits} bits of coefficient product"
                        if self.coefficient_product_bits
                        else ""
                    )
                    + f" (need 2*(width+1) + max(window_log2, product bits) <= {MAX_INTERNAL_WIDTH})",
                )
            if self.in_fmt.frac + self.square_guard_bits < 0:
                # V's grid is 2^-2(Fi+G2); the initial 1.0 squared must be a whole code on it
                raise ConfigError(
                    "in_fmt.frac",
                    f"{self.in_fmt.frac} with {self.square_guard_bits} square guard bits puts the p = 2 "
                    f"second moment's grid at 2^{-2 * (self.in_fmt.frac + self.square_guard_bits)}, "
                    f"coarser than 1.0, so the initial deviation 1.0 cannot be held; it needs in_fmt.frac "
                    f">= {-self.square_guard_bits} here, or more square guard bits (a narrower in_fmt)",
                )
            pc = self.coefficient_product_bits
            if self.second_moment_width + pc > MAX_INTERNAL_WIDTH:
                raise ConfigError(
                    "in_fmt.frac",
                    f"{self.in_fmt.frac} puts the initial second moment (1.0 squared) at "
                    f"2^{2 * (self.in_fmt.frac + self.square_guard_bits)}"
                    + (f", which a coefficient multiplies with {pc} more bits," if pc else "")
                    + f" past the {MAX_INTERNAL_WIDTH}-bit limit; "
                    "use fewer fraction bits than the width allows",
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
            data = json.loads(text, object_pairs_hook=_refuse_duplicates)
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
        """This configuration with `changes`; setting one spelling of a weight (`decay` or
        `decay_log2`, `mix` or `mix_log2`) replaces the other unless both are changed."""
        data = self.to_dict()
        for shift, value, _ in TWINS:
            for key, twin in ((shift, value), (value, shift)):
                if changes.get(key) is not None and twin not in changes:
                    data[twin] = None
        data.update(changes)
        return NormConfig.from_dict(data)

    # ---- derived quantities (spec §2) ------------------------------------------------------
    @property
    def beats_per_step(self) -> int:
        """AXI4-Stream beats per time step: C/P."""
        return self.channels // self.lanes

    @property
    def window(self) -> int:
        return 1 << self.window_log2

    @property
    def long_term(self) -> bool:
        return self.decay_log2 is not None or self.decay is not None

    @cached_property
    def decay_coefficient(self) -> Coefficient | None:
        """``(cd, Fd)``: the configured long-term weight (``(1, d)`` for decay_log2 = d)."""
        if self.decay is not None:
            return Coefficient.for_value("decay", self.decay, self.rounding)
        return None if self.decay_log2 is None else Coefficient.shift(self.decay_log2)

    @cached_property
    def mix_coefficient(self) -> Coefficient | None:
        """``(cm, Fm)``: the configured short-term weight of the mix, None for no mix."""
        if self.mix is not None:
            return Coefficient.for_value("mix", self.mix, self.rounding)
        return None if self.mix_log2 is None else Coefficient.shift(self.mix_log2)

    @property
    def decay_guard_bits(self) -> int:
        """d': bits for the long-term recurrence's accumulated rounding error (0 without it)."""
        return 0 if self.decay_coefficient is None else self.decay_coefficient.guard_bits

    @property
    def coefficient_product_bits(self) -> int:
        """Pc: bits a coefficient product ``cc*(s - l)`` needs beyond the statistic's own width (the
        difference's sign and the code's Fc bits; 0 for shifts, whose product is the difference)."""
        return max(
            (c.product_bits for c in (self.decay_coefficient, self.mix_coefficient) if c is not None),
            default=0,
        )

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
    def gamma_fmt(self) -> QFormat:
        """``Q(Wg, Fg)``, the gamma register: every allowed gamma with MK significant bits."""
        return gamma_format(self.gain_numerator_bits)

    @cached_property
    def gamma_codes(self) -> tuple[int, ...]:
        """Per channel gamma in `gamma_fmt`, sign-magnitude (the magnitude rounded)."""
        return tuple(gamma_code(g, self.gamma_fmt, self.rounding) for _, g in self._gammas())

    @cached_property
    def gaussian_code(self) -> tuple[int, int]:
        """``(gq, Fq)``: g as an unsigned fraction, ``(1, 0)`` when g = 1."""
        return gaussian_code(self.gaussian_factor != 1.0, self.gain_numerator_bits, self.rounding)

    @cached_property
    def gain_numerators(self) -> tuple[Gain, ...]:
        """Per channel ``(sign, kk, ek)`` with ``gamma_c * g ~ sign * kk * 2**ek`` (kk has MK bits):
        ``normalize_round(|gamma_code| * gq)``, integer arithmetic only (spec §2)."""
        frac, mk = self.gamma_fmt.frac, self.gain_numerator_bits
        return tuple(gain_numerator(c, frac, self.gaussian_code, mk, self.rounding) for c in self.gamma_codes)

    @cached_property
    def beta_codes(self) -> tuple[int, ...]:
        betas = _per_channel("beta", self.beta, self.channels)
        return tuple(beta_code(w, b, self.out_fmt, self.rounding) for w, b in betas)

    def _gammas(self) -> list[tuple[str, float]]:
        return _per_channel("gamma", self.gamma, self.channels)

    @cached_property
    def initial_params(self) -> Params:
        """The run-time parameters after reset: the configuration's values, as registers hold them."""
        return Params.initial(self)

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
        return max(self.window_log2, self.gain_guard_bits + self.decay_guard_bits)

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
        """G2: the window sum of squares, and a coefficient's product on V, must fit 62 bits."""
        room = MAX_INTERNAL_WIDTH - max(self.window_log2, self.coefficient_product_bits)
        return min(self.guard_bits, room // 2 - self.in_fmt.width)

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

    def scale_for(self, dev_stat: Any, gains: Sequence[Gain] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The scale stage: ``(ms, t)`` arrays for deviation statistics A (shape (..., C)), with the
        per-channel gain numerators `gains` (the configuration's unless given)."""
        gains = self.gain_numerators if gains is None else gains
        a = np.asarray(dev_stat, dtype=np.int64)
        sign = np.array([s for s, _, _ in gains], dtype=np.int64)
        kk = np.array([k for _, k, _ in gains], dtype=np.int64)
        ek = np.array([e for _, _, e in gains], dtype=np.int64)
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
            "beats_per_step": self.beats_per_step,
            "window": self.window,
            "guard_bits": self.guard_bits,
            "stat_frac": self.stat_frac,
            "eps_code": self.eps_code,
            "max_gain_lsb": self.max_gain,
            "scale_mantissa_bits": self.scale_mantissa_bits,
            "gain_numerator_bits": self.gain_numerator_bits,
            "gamma_fmt": {"width": self.gamma_fmt.width, "frac": self.gamma_fmt.frac},
            "gamma_codes": list(self.gamma_codes),
            "gaussian_code": {"code": self.gaussian_code[0], "frac": self.gaussian_code[1]},
            "shift_range": list(self.shift_range),
            "sum_x_width": self.sum_x_width,
            "mean_width": self.mean_width,
            "dev_stat_width": self.dev_stat_width,
            "product_width": self.product_width,
        }
        for key in ("decay_coefficient", "mix_coefficient"):
            c = getattr(self, key)
            if c is not None:
                d[key] = c.to_json()
        if self.long_term:
            d["decay_guard_bits"] = self.decay_guard_bits
        if self.coefficient_product_bits:
            d["coefficient_product_bits"] = self.coefficient_product_bits
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


def _width_limits(cfg: NormConfig) -> list[tuple[str, int]]:
    """The derived widths that must stay within `MAX_INTERNAL_WIDTH`, by name."""
    return [
        ("product_width", cfg.product_width),
        ("sum_dev_width", cfg.mean_width + cfg.window_log2),
        ("sum_dev_width", cfg.sum_dev_width),
        ("dev_stat_width", cfg.dev_stat_width + 1),
        # the reciprocal's dividend: an M-bit quotient of a denominator of bits(A_max + eps)
        ("reciprocal_width", cfg.scale_mantissa_bits + cfg.denominator_width + 1),
        # a coefficient times a difference of two statistics (the mean's, the deviation's)
        ("coefficient_product_width", cfg.mean_width + cfg.coefficient_product_bits),
        ("coefficient_product_width", cfg.dev_stat_width + cfg.coefficient_product_bits),
    ]


#: Fields that drive the derived widths, tried one at a time at their defaults to find the culprit.
_WIDTH_DRIVERS = (
    "eps",
    "gamma",
    "out_fmt.frac",
    "in_fmt.frac",
    "in_fmt.width",
    "out_fmt.width",
    "window_log2",
    "decay_log2",
    "decay",
)


def _field_value(cfg: NormConfig, path: str) -> Any:
    key, _, sub = path.partition(".")
    v = getattr(cfg, key)
    return getattr(v, sub) if sub else v


def _with_field(cfg: NormConfig, path: str, value: Any) -> NormConfig:
    """`cfg` with one field replaced, not validated (its derived properties only are read)."""
    clone = object.__new__(NormConfig)
    clone.__dict__.update({f.name: getattr(cfg, f.name) for f in fields(cfg)})
    key, _, sub = path.partition(".")
    if sub:
        fmt = getattr(cfg, key)
        value = QFormat(value if sub == "width" else fmt.width, value if sub == "frac" else fmt.frac)
    clone.__dict__[key] = value
    return clone


def _width_culprit(cfg: NormConfig, name: str) -> tuple[str, Any, int]:
    """The field whose default value shrinks the failing width most: (field, default, new width)."""
    default_cfg = NormConfig()
    best: tuple[str, Any, int] | None = None
    for path in _WIDTH_DRIVERS:
        default = _field_value(default_cfg, path)
        if _field_value(cfg, path) == default:
            continue
        try:
            width = dict(_width_limits(_with_field(cfg, path, default)))[name]
        except (ValueError, OverflowError, ZeroDivisionError):
            continue
        if best is None or width < best[2]:
            best = (path, default, width)
    if best is None:  # every driver is at its default: the format itself is too wide
        return "in_fmt.width", 16, dict(_width_limits(cfg))[name]
    return best
