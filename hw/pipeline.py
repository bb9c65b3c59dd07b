"""Stage bookkeeping for the core's pipeline, which never stalls.

Stage ``s`` of a sample is the cycle ``s`` clocks after the one in which the sample was accepted.
A value is *placed* at the stage where it is computed; asking for it at a later stage returns a
delayed copy (a register chain, shared by every consumer). This keeps the top level free of
hand-counted delay registers: a consumer says at which stage it needs a value, nothing more.
"""

from __future__ import annotations

from amaranth.hdl import Module, Signal, Value, ValueLike

__all__ = ["Pipeline"]


class Pipeline:
    """Named values of the sample in flight, by stage.

    Parameters
    ----------
    m:
        The module that receives the delay registers (in its ``sync`` domain).
    """

    def __init__(self, m: Module) -> None:
        self._m = m
        self._copies: dict[str, dict[int, Value]] = {}
        self._resettable: set[str] = set()

    def put(self, name: str, value: ValueLike, stage: int, *, reset: bool = False) -> Value:
        """Place `value` at `stage`. `reset`: its delay registers clear on reset (valid bits)."""
        if name in self._copies:
            raise ValueError(f"pipeline value {name!r} is already placed")
        v = Value.cast(value)
        self._copies[name] = {stage: v}
        if reset:
            self._resettable.add(name)
        return v

    def stage_of(self, name: str) -> int:
        return min(self._copies[name])

    def get(self, name: str, stage: int) -> Value:
        """`name` as seen at `stage` (delayed from where it was placed)."""
        copies = self._copies[name]
        home = min(copies)
        if stage < home:
            raise ValueError(f"{name!r} is computed at stage {home}, not available at stage {stage}")
        have = max(s for s in copies if s <= stage)
        v = copies[have]
        while have < stage:
            have += 1
            r = Signal.like(v, name=f"{name}_s{have}", reset_less=name not in self._resettable)
            self._m.d.sync += r.eq(v)
            copies[have] = v = r
        return v

    def reg(self, name: str, value: ValueLike, stage: int, *, reset: bool = False) -> Value:
        """Register `value` (computed at `stage`) and place the register at ``stage + 1``."""
        v = Value.cast(value)
        r = Signal(v.shape(), name=f"{name}_s{stage + 1}", reset_less=not reset)
        self._m.d.sync += r.eq(v)
        return self.put(name, r, stage + 1, reset=reset)
