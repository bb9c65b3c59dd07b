"""The input side: handshake, channel counter, window position, freeze, and each sample's tags."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig

__all__ = ["Sequencer"]


class Sequencer(wiring.Component):
    """Counts beats and windows and tags each accepted beat (all outputs are for this cycle).

    Channels arrive interleaved c0, c1, ..., c(C-1), `lanes` of them per beat: beat b of a time
    step carries channels b*P .. b*P+P-1, so `channel` counts beats (it is the channel itself when
    P = 1, and the address of the beat's channels in every lane's memories); the count is this
    counter, not ``s_axis_tlast``. `freeze` is sampled with each beat 0 and holds for that time
    step, so a time step is frozen as a whole (docs/spec.md §4). Tags of the accepted beat:

    * `start` / `end`: first / last active time step of a window (never when frozen);
    * `warm`: a window has completed since reset, so the statistics in force come from memory
      (otherwise the initial values apply, and a window end initialises the long-term statistics);
    * `parity`: the number of windows completed before this time step, modulo 2: which of the two
      copies of the scale in force the beat reads (`scale_service`);
    * `last`: the beat carrying channel C-1, for ``m_axis_tlast``.
    """

    def __init__(self, cfg: NormConfig) -> None:
        self._channels = cfg.beats_per_step
        self._window = cfg.window
        super().__init__(
            {
                "valid": In(1),
                "ready": In(1),
                "freeze": In(1),
                "accept": Out(1),
                "channel": Out(range(max(2, cfg.beats_per_step))),
                "frozen": Out(1),
                "start": Out(1),
                "end": Out(1),
                "warm": Out(1),
                "parity": Out(1),
                "last": Out(1),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        c, n = self._channels, self._window
        pos = Signal(range(max(2, n)))
        frozen_step = Signal()
        m.d.comb += [
            self.accept.eq(self.valid & self.ready),
            self.last.eq(self.channel == c - 1),
            # channel 0 samples freeze; the other channels of the time step reuse its value
            self.frozen.eq(Mux(self.channel == 0, self.freeze, frozen_step)),
            self.start.eq(~self.frozen & (pos == 0)),
            self.end.eq(~self.frozen & (pos == n - 1)),
        ]
        with m.If(self.accept):
            m.d.sync += frozen_step.eq(self.frozen)
            m.d.sync += self.channel.eq(Mux(self.last, 0, self.channel + 1))
            with m.If(self.last & ~self.frozen):
                m.d.sync += pos.eq(Mux(pos == n - 1, 0, pos + 1))
                with m.If(pos == n - 1):
                    m.d.sync += [self.warm.eq(1), self.parity.eq(~self.parity)]
        return m
