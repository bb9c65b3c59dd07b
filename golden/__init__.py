"""Golden model: the bit-accurate fixed-point definition of streamnorm's arithmetic, and its float twin."""

from .config import ConfigError, NormConfig, Scale
from .errors import ParameterError
from .fixed import FixedStreamNorm
from .floating import FloatStreamNorm
from .formats import Overflow, QFormat, Rounding
from .stream import StatsTrace

__all__ = [
    "ConfigError",
    "FixedStreamNorm",
    "FloatStreamNorm",
    "NormConfig",
    "Overflow",
    "ParameterError",
    "QFormat",
    "Rounding",
    "Scale",
    "StatsTrace",
]
