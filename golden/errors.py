"""`ParameterError`: bad input named in the library's own terms (a parameter name, never a flag).

Every layer raises it for a bad argument: the message names the parameter, the value and the limit.
The command line translates the parameter to its own flag (``samples`` -> ``--samples``); Python
callers see the parameter name they passed.
"""

from __future__ import annotations

__all__ = ["ParameterError"]


class ParameterError(ValueError):
    """An argument that cannot be used. `parameter` is the keyword (or field) name it came in as.

    ``str(exc)`` is ``"<parameter>: <message>"``; `message` alone is the part after the name.
    """

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message
