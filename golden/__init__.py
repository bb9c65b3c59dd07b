"""Golden model: the bit-accurate fixed-point definition of streamnorm's arithmetic, and its float twin."""

from .config import ConfigError, NormConfig
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
    "QFormat",
    "Rounding",
    "StatsTrace",
]
