"""What a run-time write may contain, checked and quantized (spec §4, `set_params`, `set_stats`).

`Params` is what a core's gamma, beta, decay and mix registers contain: built from the
configuration at reset, replaced, validated and quantized, by `set_params`. The fixed-point model
reads the codes, the float model the values as given (coefficients as quantized). `stat_codes`
checks a statistics write.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .coefficients import Coefficient
from .errors import ParameterError
from .formats import QFormat, Rounding, quantize_real
from .gain import Gain, check_gamma, gain_numerator, gamma_code

if TYPE_CHECKING:
    from .config import NormConfig

__all__ = ["RUNTIME_FIELDS", "Params", "beta_code", "per_channel", "stat_codes"]

RUNTIME_FIELDS = ("gamma", "beta", "decay", "mix")


def per_channel(name: str, value: Any, channels: int) -> list[tuple[str, Any]]:
    """A scalar or one value per channel, as ``(where, value)`` pairs (`where` names the entry)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if len(value) != channels:
            raise ParameterError(name, f"has {len(value)} entries but channels = {channels}")
        return [(f"{name}[{i}]", v) for i, v in enumerate(value)]
    return [(name, value)] * channels


def beta_code(where: str, value: Any, fmt: QFormat, rounding: Rounding) -> int:
    """beta quantized to `fmt` (out_fmt); refused unless finite and inside the format."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise ParameterError(where, f"must be a finite number, not {value!r}")
    code = quantize_real(value, fmt.frac, rounding)
    if not fmt.min_code <= code <= fmt.max_code:
        raise ParameterError(
            where, f"{value!r} is outside out_fmt {fmt} ({fmt.min_value}..{fmt.max_value})"
        )
    return code


@dataclass(frozen=True)
class Params:
    """Per channel gamma and beta, and the coefficients, as their registers hold them."""

    gamma: tuple[float, ...]  #: as given: the float model's gain (times g)
    gamma_codes: tuple[int, ...]  #: `gamma_fmt` codes
    gains: tuple[Gain, ...]  #: ``Kc = (sign, kk, ek)`` from the codes
    beta: tuple[float, ...]  #: as given, in output units: the float model's offset
    beta_codes: tuple[int, ...]  #: `out_fmt` codes
    decay: Coefficient | None  #: the long-term weight in force (None without long-term statistics)
    mix: Coefficient | None  #: the mix weight in force (None: no mix)

    @classmethod
    def initial(cls, cfg: NormConfig) -> Params:
        """The configuration's values: what a core's registers read after reset."""
        return cls(
            gamma=tuple(float(g) for _, g in per_channel("gamma", cfg.gamma, cfg.channels)),
            gamma_codes=cfg.gamma_codes,
            gains=cfg.gain_numerators,
            beta=tuple(float(b) for _, b in per_channel("beta", cfg.beta, cfg.channels)),
            beta_codes=cfg.beta_codes,
            decay=cfg.decay_coefficient,
            mix=cfg.mix_coefficient,
        )

    def updated(self, cfg: NormConfig, **fields: Any) -> Params:
        """These parameters with `fields` replaced; every field is checked before any is taken."""
        unknown = sorted(set(fields) - set(RUNTIME_FIELDS))
        if unknown:
            raise ParameterError(
                unknown[0], f"not a run-time parameter (those are: {', '.join(RUNTIME_FIELDS)})"
            )
        changes: dict[str, Any] = {}
        if "gamma" in fields:
            changes |= _gammas(cfg, fields["gamma"])
        if "beta" in fields:
            pairs = per_channel("beta", fields["beta"], cfg.channels)
            codes = tuple(beta_code(w, v, cfg.out_fmt, cfg.rounding) for w, v in pairs)
            changes |= {"beta": tuple(float(v) for _, v in pairs), "beta_codes": codes}
        for name in ("decay", "mix"):
            if name in fields:
                if getattr(cfg, name) is None:
                    shift = getattr(cfg, f"{name}_log2")
                    form = f"{name}_log2 = {shift}, a shift" if shift is not None else f"no {name}"
                    raise ParameterError(
                        name,
                        f"the configuration has {form}; only a {name} configured as a value has a "
                        "register that can be set at run time",
                    )
                coefficient: Coefficient = getattr(self, name)
                changes[name] = coefficient.requantize(name, fields[name], cfg.rounding)
        return dataclasses.replace(self, **changes)


def _gammas(cfg: NormConfig, value: Any) -> dict[str, Any]:
    limit = max(abs(c) for c in cfg.gamma_codes)
    gammas, codes = [], []
    for where, v in per_channel("gamma", value, cfg.channels):
        g = check_gamma(where, v)
        code = gamma_code(g, cfg.gamma_fmt, cfg.rounding)
        if abs(code) > limit:
            largest = limit * 2.0**-cfg.gamma_fmt.frac
            raise ParameterError(
                where,
                f"{g!r} is larger in magnitude than the largest configured gamma, {largest!r}, which "
                "sized the guard bits (docs/spec.md §2, R); configure the largest gain you will write",
            )
        gammas.append(g)
        codes.append(code)
    gains = tuple(
        gain_numerator(c, cfg.gamma_fmt.frac, cfg.gaussian_code, cfg.gain_numerator_bits, cfg.rounding)
        for c in codes
    )
    return {"gamma": tuple(gammas), "gamma_codes": tuple(codes), "gains": gains}


def stat_codes(
    cfg: NormConfig, mean: Any, dev_stat: Any, channels: Any
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """A statistics write checked (spec §4): the channel indices, then the mean and deviation codes
    (``None`` where left out), each int64 with one entry per listed channel."""
    if mean is None and dev_stat is None:
        raise ParameterError("mean", "give mean, dev_stat or both")
    if channels is None:
        ch = np.arange(cfg.channels)
    else:
        ch = np.asarray(channels)
        if ch.ndim != 1 or ch.dtype.kind not in "iu" or ch.size == 0:
            raise ParameterError("channels", f"must be a non-empty list of channel indices, not {channels!r}")
        bad = (ch < 0) | (ch >= cfg.channels)
        if bad.any():
            raise ParameterError(
                "channels", f"{int(ch[bad][0])} is not a channel; channels are 0..{cfg.channels - 1}"
            )
        if np.unique(ch).size != ch.size:
            raise ParameterError("channels", f"lists a channel twice: {ch.tolist()}")
        ch = ch.astype(np.intp)
    g = cfg.guard_bits
    lo, hi = cfg.in_fmt.min_code << g, cfg.in_fmt.max_code << g
    m = None
    if mean is not None:
        m = _codes("mean", mean, ch.size, lo, hi, "the input range on the statistics grid")
    a = None
    if dev_stat is not None:
        a = _codes("dev_stat", dev_stat, ch.size, 0, cfg.dev_stat_max, "0..dev_stat_max")
        step = 1 << (g - cfg.square_guard_bits) if cfg.p == 2 else 1
        off = a % step != 0
        if off.any():
            raise ParameterError(
                f"dev_stat[{int(np.argmax(off))}]",
                f"{int(a[off][0])} is not a multiple of 2^(G - G2) = {step}: for p = 2 the statistic "
                "is loaded as the second moment (A / 2^(G - G2))^2, which must give A back exactly",
            )
    return ch, m, a


def _codes(name: str, value: Any, n: int, lo: int, hi: int, what: str) -> np.ndarray:
    """Integer codes, a scalar or one per listed channel, inside ``lo..hi``."""
    v = np.asarray(value)
    if v.dtype.kind not in "iu":
        raise ParameterError(name, f"must be integer codes on the statistics grid, not {v.dtype} values")
    if v.ndim == 0:
        v = np.full(n, v)
    if v.shape != (n,):
        raise ParameterError(name, f"has shape {v.shape}; give one code or one per channel ({n})")
    bad = (v < lo) | (v > hi)
    if bad.any():
        i = int(np.argmax(bad))
        raise ParameterError(f"{name}[{i}]", f"{int(v[i])} is outside {what}, {lo}..{hi}")
    return v.astype(np.int64)
