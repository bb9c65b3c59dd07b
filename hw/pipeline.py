"""Stage bookkeeping for the core's pipeline, which never stalls.

Stage ``s`` of a sample is the cycle ``s`` clocks after the one in which the sample was accepted.
A value is *placed* at the stage where it is computed; asking for it at a later stage returns a
delayed copy (a register chain, shared by every consumer). This keeps the top level free of
hand-counted delay registers: a consumer says at which stage it needs a value, nothing more.
"""

from __future__ import annotations

from amaranth.hdl import Const, Module, Mux, Signal, Value, ValueLike

from .delay import BitDelay, DelayLine
from .primitives import DspStyle

__all__ = ["BIT_DELAY_MIN", "DELAY_LINE_MIN", "Pipeline", "enable_chain", "load_when", "retime"]

#: A gated value delayed by this many stages or more travels in a `DelayLine` memory.
DELAY_LINE_MIN = 4
#: A valid bit delayed by this many stages or more travels in a `BitDelay` ring (cheaper than the
#: registers from here on, and no valid bit that gates anything is lost: the ring is masked after
#: reset as the registers would be cleared).
BIT_DELAY_MIN = 24


class Pipeline:
    """Named values of the sample in flight, by stage.

    Each value has a *gate*, the name of a valid bit placed in the same pipeline: its delay
    registers load only when the gate is high at their stage (see `load_when`). Values meaningful
    for every sample are gated by ``valid``; values only a window's last sample carries, by the
    window-end bit. Valid bits themselves are plain registers that clear on reset.

    `get` creates registers on first use, so call it outside ``m.If``/``m.Switch`` blocks (a
    register created inside one would load only under that block's condition).

    Parameters
    ----------
    m:
        The module that receives the delay registers (in its ``sync`` domain).
    style:
        Vendor primitives for the delay lines' memories (`channel_memory.ChannelMemory`).
    spacing:
        Tokens are at least this many cycles apart (a unit taking one job every `spacing`
        cycles). A gated register then holds its token's value for `spacing` stages, so a delay
        takes one register per `spacing` stages instead of one per stage.
    """

    def __init__(self, m: Module, style: DspStyle = DspStyle.GENERIC, spacing: int = 1) -> None:
        if spacing < 1:
            raise ValueError(f"spacing must be at least 1, not {spacing}")
        self._m = m
        self._style = style
        self._spacing = spacing
        self._copies: dict[str, dict[int, Value]] = {}
        self._held: dict[str, set[int]] = {}  #: stages whose copy is a register loaded by the gate
        self._gates: dict[str, str | None] = {}
        self._lines = 0

    def put(self, name: str, value: ValueLike, stage: int, *, gate: str | None = "valid") -> Value:
        """Place `value` at `stage`. `gate`: the valid bit its registers load on; None for a valid
        bit itself (then its registers clear on reset)."""
        if name in self._copies:
            raise ValueError(f"pipeline value {name!r} is already placed")
        if gate is not None and gate not in self._copies:
            raise ValueError(f"gate {gate!r} of {name!r} must be placed first")
        v = Value.cast(value)
        self._copies[name] = {stage: v}
        self._held[name] = set()
        self._gates[name] = gate
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
        if isinstance(v, Const) or have == stage:
            return v  # a constant needs no delay
        gate = self._gates[name]
        if gate is not None and self._spacing > 1:
            return self._spaced(name, have, stage)
        if gate is not None and stage - have >= DELAY_LINE_MIN:
            # a long jump: one small memory instead of a register per stage
            self._lines += 1
            line = DelayLine(v.shape(), stage - have, self._style)
            self._m.submodules[f"delay_{name}_{have}_{stage}"] = line
            fetch = stage - line.read_latency
            self._m.d.comb += [
                line.d.eq(v),
                line.put.eq(self.get(gate, have)),
                line.fetch.eq(self.get(gate, fetch)),
                line.hold.eq(self.get(gate, fetch + 1)),
            ]
            copies[stage] = line.q
            return line.q
        if gate is None and stage - have >= BIT_DELAY_MIN:
            # a valid bit's long jump: a ring in memory, masked after reset
            line = BitDelay(stage - have, self._style)
            self._m.submodules[f"bitdelay_{name}_{have}_{stage}"] = line
            self._m.d.comb += line.d.eq(v)
            copies[stage] = line.q
            return line.q
        while have < stage:
            if gate is None:
                r = Signal.like(v, name=f"{name}_s{have + 1}")
                self._m.d.sync += r.eq(v)
            else:
                r = load_when(self._m, self.get(gate, have), v, name=f"{name}_s{have + 1}")
            have += 1
            copies[have] = v = r
        return v

    def _spaced(self, name: str, have: int, stage: int) -> Value:
        """`get` for tokens `spacing` cycles apart: a register loaded at stage h still holds its
        token's value at stages h + 1 ... h + spacing (the next token loads it `spacing` cycles
        later), so the chain needs a register only every `spacing` stages."""
        copies, held, gate = self._copies[name], self._held[name], self._gates[name]
        assert gate is not None
        # the latest register at or before `stage` (a held copy covers the stages after it)
        for s in sorted((s for s in held if s <= stage), reverse=True):
            if stage - s < self._spacing:
                copies[stage] = copies[s]
                return copies[s]
            break
        v = copies[have]
        while True:
            r = load_when(self._m, self.get(gate, have), v, name=f"{name}_s{have + 1}")
            copies[have + 1] = r
            held.add(have + 1)
            if stage - (have + 1) < self._spacing:
                copies[stage] = r
                return r
            have, v = have + self._spacing, r

    def reg(self, name: str, value: ValueLike, stage: int, *, gate: str = "valid") -> Value:
        """Register `value` (computed at `stage`, loaded when `gate`) and place it at ``stage + 1``."""
        r = load_when(self._m, self.get(gate, stage), value, name=f"{name}_s{stage + 1}")
        v = self.put(name, r, stage + 1, gate=gate)
        self._held[name].add(stage + 1)
        return v


def load_when(m: Module, en: ValueLike, value: ValueLike, name: str | None = None) -> Value:
    """A register that takes `value` when `en` is high and holds otherwise.

    Every data register of the core is one of these, enabled by the valid bit of its stage: an
    FPGA flip-flop's clock enable costs nothing, idle stages stop toggling (power), and an
    event-driven simulator has nothing to evaluate on a cycle without data.
    """
    v = Value.cast(value)
    if isinstance(v, Const):
        return v
    r = Signal(v.shape(), reset_less=True, name=name)
    m.d.sync += r.eq(Mux(en, v, r))
    return r


def enable_chain(m: Module, en: ValueLike, length: int, name: str = "en") -> list[Value]:
    """`en` delayed by 0, 1, ..., `length` cycles: the enable of each stage of a `length`-stage pipeline."""
    chain = [Value.cast(en)]
    for i in range(length):
        r = Signal(name=f"{name}{i + 1}")
        m.d.sync += r.eq(chain[-1])
        chain.append(r)
    return chain


def retime(m: Module, valid: ValueLike, value: ValueLike, stages: int, name: str) -> Value:
    """`value`, valid in the cycles `valid` marks, delayed by `stages` more registers (each loaded
    when the token reaches it): the extra stages of a `timing.Retiming`."""
    v, en = Value.cast(value), Value.cast(valid)
    for i in range(stages):
        v = load_when(m, en, v, name=f"{name}_retime{i + 1}")
        nxt = Signal(name=f"{name}_retime_en{i + 1}")
        m.d.sync += nxt.eq(en)
        en = nxt
    return v
