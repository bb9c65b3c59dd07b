"""`StreamNorm`: the top level. The input side, the lane datapath (`lane.Lane`) and the output side.

Flow control. The datapath never stalls: every accepted sample moves one stage per clock. An output
FIFO deep enough for every sample in flight sits at the end, and the input is ready only while the
samples accepted but not yet delivered fit in it (a registered count). So backpressure on
``m_axis`` reaches ``s_axis`` through a register, never combinationally, no word is lost or
repeated, and with ``m_axis_tready`` high one word is accepted and one delivered every clock.

Timing contract (docs/spec.md §4). Per-channel state is read and written at fixed stages, which
`timing.plan` derives from the components' latencies:

* window sums and long-term statistics are read-modify-write with a transparent read, so the same
  channel may return on the very next cycle (C = 1 included);
* values *in force* (the mean used for the deviation; the scale and mean used for the output) are
  written by a window's last sample and read by every sample in the same stage, read-first: the
  window's last sample still sees the old value, every later sample of that channel the new one.
  The sample path is delayed to the stage where the scale is written, so a window's statistics
  apply from the channel's next sample, as in the golden model.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, Signal, Value
from amaranth.lib import wiring

from streamnorm.golden import NormConfig
from streamnorm.golden.config import spell

from .control import Sequencer
from .lane import Lane
from .output_fifo import OutputFifo
from .pipeline import Pipeline
from .ports import core_signature
from .primitives import DspStyle
from .scale_service import ScaleService
from .timing import Retiming, Stages, check_stage, fifo_depth, latency, plan, service

__all__ = ["Stages", "StreamNorm", "latency", "plan"]


class StreamNorm(wiring.Component):
    """The streaming-normalization core for one `NormConfig`.

    Ports: `ports.core_signature` (emitted Verilog names ``clk``, ``rst`` (synchronous, active
    high), ``freeze``, ``s_axis_tdata/tvalid/tready/tlast``, ``m_axis_tdata/tvalid/tready/tlast``,
    ``overflow``). Data words are signed two's complement. ``s_axis_tlast`` is accepted and
    ignored: the channel of each word is the core's own counter (reset by ``rst``);
    ``m_axis_tlast`` marks channel C-1.

    Parameters
    ----------
    cfg:
        The configuration.
    dsp:
        `DspStyle.GENERIC` (portable Verilog; synthesis infers the multiplier) or `DspStyle.ECP5`
        (the per-sample multiply is an ECP5 MULT18X18D with its registers in use; for
        ``scale = "exact"``).
    retiming:
        Extra register stages at stage components' outputs (`timing.Retiming`); the schedule
        follows. For tests and exploration; the default adds none.

    Attributes
    ----------
    latency:
        Cycles from a word's ``s_axis`` handshake to its ``m_axis_tvalid`` when the output is not
        backpressured.
    stages:
        Where each step sits in the pipeline (see `timing.Stages`).
    fifo_depth:
        Words the output FIFO holds; the input stalls when that many are in flight.
    """

    def __init__(
        self, cfg: NormConfig, dsp: DspStyle | str = DspStyle.GENERIC, retiming: Retiming | None = None
    ) -> None:
        if not isinstance(cfg, NormConfig):
            raise TypeError(f"StreamNorm takes a NormConfig, not {type(cfg).__name__}")
        try:
            self.dsp = DspStyle(dsp)
        except ValueError:
            raise ValueError(
                f"dsp must be one of {', '.join(d.value for d in DspStyle)}, not {spell(dsp)}"
            ) from None
        self.cfg = cfg
        self.retiming = retiming or Retiming()
        self.stages = plan(cfg, self.retiming)
        self.service = service(cfg, self.retiming)
        self.latency = latency(cfg, self.retiming)
        self.fifo_depth = fifo_depth(cfg, self.retiming)
        super().__init__(core_signature(cfg))

    def elaborate(self, platform: object) -> Module:
        m = Module()
        p = Pipeline(m, self.dsp)
        seq = self._input_side(m, p)
        cfg = self.cfg
        lanes, stats = [], []
        for i in range(cfg.lanes):
            # lane i serves channels i, P+i, 2P+i, ...; with one lane, the names are the plain ones
            name = "" if cfg.lanes == 1 else f"lane{i}_"
            channels = list(range(i, cfg.channels, cfg.lanes))
            lane = Lane(m, p, cfg, self.stages, self.retiming, channels, self._x(i), self.dsp, name)
            stats.append(lane.build_statistics())
            lanes.append(lane)
        outputs = self._scales(m, p, lanes, stats)
        self._output_side(m, p, seq, outputs)
        return m

    def _scales(
        self, m: Module, p: Pipeline, lanes: list[Lane], stats: list[Value]
    ) -> list[tuple[Value, Value]]:
        """The scale services, fed each window's statistics by the lanes, read back by every
        sample; then each lane's output path."""
        sp = self.service
        st = self.stages
        outputs = []
        for u in range(sp.units):
            served = list(range(u * sp.lanes_per_unit, (u + 1) * sp.lanes_per_unit))
            svc = ScaleService(self.cfg, served, sp.rate, self.retiming["scale"], self.dsp)
            m.submodules[f"scale_service{u}" if sp.units > 1 else "scale_service"] = svc
            check_stage("scale", "ScaleService", svc.job_latency, sp.job_latency)
            d, r = st.dev_stat, st.scale_in_force
            m.d.comb += [
                svc.stat_valid.eq(p.get("wend", d)),
                svc.stat_beat.eq(p.get("channel", d)),
                svc.stat_parity.eq(p.get("parity", d)),
                svc.rd_beat.eq(p.get("channel", r)),
                svc.rd_parity.eq(p.get("parity", r)),
                svc.rd_en.eq(p.get("valid", r + 1)),
            ]
            for k, i in enumerate(served):
                m.d.comb += getattr(svc, f"stat{k}").eq(stats[i])
                outputs.append(lanes[i].output_path(getattr(svc, f"scale{k}"), r + svc.read_latency))
        return outputs

    def _x(self, lane: int) -> str:
        """The pipeline name of lane `lane`'s input word."""
        return "x" if self.cfg.lanes == 1 else f"x{lane}"

    def _input_side(self, m: Module, p: Pipeline) -> Sequencer:
        """Handshake, channel and window counters; each accepted word's tags placed at stage 0."""
        m.submodules.seq = seq = Sequencer(self.cfg)
        m.d.comb += [
            seq.valid.eq(self.s_axis_tvalid),
            seq.ready.eq(self.s_axis_tready),
            seq.freeze.eq(self.freeze),
        ]
        # valid bits (cleared by reset); every other value is gated by one of them
        p.put("valid", seq.accept, 0, gate=None)
        p.put("active", seq.accept & ~seq.frozen, 0, gate=None)
        p.put("wend", seq.accept & seq.end, 0, gate=None)
        for tag in ("start", "warm", "parity", "last", "channel"):
            p.put(tag, getattr(seq, tag), 0)
        wi = self.cfg.in_fmt.width
        for i in range(self.cfg.lanes):
            p.put(self._x(i), self.s_axis_tdata[i * wi : (i + 1) * wi].as_signed(), 0)
        return seq

    def _output_side(
        self, m: Module, p: Pipeline, seq: Sequencer, outputs: list[tuple[Value, Value]]
    ) -> None:
        """The output FIFO (one, a beat wide), the credit count that drives ``s_axis_tready``, the
        sticky overflow."""
        at = self.stages.output
        width = len(self.m_axis_tdata)
        m.submodules.fifo = fifo = OutputFifo(width + 1, self.fifo_depth, self.dsp)
        check_stage("m_axis_tvalid", "OutputFifo", at + fifo.latency, self.latency)
        valid_y = p.get("valid", at)
        m.d.comb += [
            fifo.w_en.eq(valid_y),
            fifo.w_data.eq(Cat(*(y for y, _ in outputs), p.get("last", at))),
            self.m_axis_tvalid.eq(fifo.r_rdy),
            self.m_axis_tdata.eq(fifo.r_data[:width]),
            self.m_axis_tlast.eq(fifo.r_data[width]),
            fifo.r_en.eq(self.m_axis_tready),
        ]
        overflow = Cat(*(ovf for _, ovf in outputs)).any()
        # words accepted and not yet delivered; the input is ready while the FIFO could take one
        # more. Ready is a register: it is decided a cycle ahead from the next count, assuming a
        # word is accepted and none delivered, so it can only err on the side of waiting.
        depth = self.fifo_depth
        outstanding = Signal(range(depth + 1))
        ready = Signal(init=1)
        m.d.comb += self.s_axis_tready.eq(ready)
        popped = fifo.r_rdy & self.m_axis_tready
        grows, shrinks = seq.accept & ~popped, popped & ~seq.accept
        m.d.sync += outstanding.eq(outstanding + seq.accept - popped)
        # ready = (next count < depth - 1), with the three possible next counts compared ahead, so
        # no adder sits between the handshake and the ready register
        m.d.sync += ready.eq(
            Mux(grows, outstanding < depth - 2, Mux(shrinks, outstanding < depth, outstanding < depth - 1))
        )
        with m.If(valid_y & overflow):
            m.d.sync += self.overflow.eq(1)
