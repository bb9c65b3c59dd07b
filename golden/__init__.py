"""Golden model: the bit-accurate fixed-point definition of streamnorm's arithmetic, and its float twin."""

from .coefficients import Coefficient
from .config import ConfigError, NormConfig, Scale
from .errors import MissingExtra, ParameterError, require
from .fixed import FixedStreamNorm
from .floating import FloatStreamNorm
from .formats import Overflow, QFormat, Rounding
from .params import Params
from .stream import StatsTrace

__all__ = [
    "Coefficient",
    "ConfigError",
    "FixedStreamNorm",
    "FloatStreamNorm",
    "MissingExtra",
    "NormConfig",
    "Overflow",
    "ParameterError",
    "Params",
    "QFormat",
    "Rounding",
    "Scale",
    "StatsTrace",
    "require",
]
