"""`StreamNorm`: the top level. Wires the stages in the order of the golden model and handles flow.

Flow control. The datapath never stalls: every accepted sample moves one stage per clock. An output
FIFO deep enough for every sample in flight sits at the end, and the input is ready only while the
samples accepted but not yet delivered fit in it (a registered count). So backpressure on
``m_axis`` reaches ``s_axis`` through a register, never combinationally, no word is lost or
repeated, and with ``m_axis_tready`` high one word is accepted and one delivered every clock.

Timing contract (docs/spec.md §4). Per-channel state is read and written at fixed stages:

* window sums and long-term statistics are read-modify-write with a transparent read, so the same
  channel may return on the very next cycle (C = 1 included);
* values *in force* (the mean used for the deviation; the scale and mean used for the output) are
  written by a window's last sample and read by every sample in the same stage, read-first: the
  window's last sample still sees the old value, every later sample of that channel the new one.
  The sample path is delayed to the stage where the scale is written, so a window's statistics
  apply from the channel's next sample, as in the golden model.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import Cat, Const, Module, Mux, Shape, Signal, ValueLike, signed, unsigned
from amaranth.lib import data, memory, wiring
from amaranth.lib.fifo import SyncFIFOBuffered

from streamnorm.golden import NormConfig

from .arith import shift_round_mirrored
from .channel_memory import ChannelMemory
from .control import Sequencer
from .long_term import LongTerm
from .mix import Mix
from .multiply import ShiftAddMultiplier
from .output import DSP_STYLES, Output
from .pipeline import Pipeline
from .ports import core_signature
from .scale import Scale, scale_constants
from .short_term import ShortTermDev, ShortTermMean
from .window_sums import Deviation, WindowSum

__all__ = ["Stages", "StreamNorm", "latency", "long_term_span", "plan"]

#: Cycles from writing an empty SyncFIFOBuffered to its output being valid.
FIFO_LATENCY = 2


@dataclass(frozen=True)
class Stages:
    """Stage (cycles after acceptance) at which each step's result is available."""

    sum_x: int  #: window sum of inputs (read-modify-write)
    mean_long: int  #: long-term mean (when configured)
    mean_in_force: int  #: the window's mean written; read back by every sample here
    deviation: int  #: per-sample deviation term
    sum_dev: int  #: window sum of deviations
    dev_short: int  #: short-term deviation statistic
    dev_stat: int  #: deviation statistic in force (after long-term and mix)
    scale: int  #: mantissa and shift of r
    scale_in_force: int  #: scale record written; read back by every sample here
    output: int  #: output word ready, written into the output FIFO


def registered_view(m: Module, view: data.View, en: ValueLike, name: str) -> data.View:
    """A register holding a struct read from memory (loaded when `en`), read as the same struct."""
    r = Signal(view.shape(), name=name)
    m.d.sync += r.as_value().eq(Mux(en, view.as_value(), r.as_value()))
    return r


def long_term_span(cfg: NormConfig) -> int:
    """Cycles a long-term update may take: as many as separate two updates of one channel (N*C)."""
    return min(LongTerm.MAX_SPAN, cfg.window * cfg.channels)


def sum_span(cfg: NormConfig) -> int:
    """Cycles a window-sum update may take: as many as separate two samples of one channel (C)."""
    return min(WindowSum.MAX_SPAN, cfg.channels)


def plan(cfg: NormConfig) -> Stages:
    """The stage of every step, from the configuration alone (docs/hardware.md, "Latency")."""
    span = long_term_span(cfg)
    mix = 0 if (not cfg.long_term or cfg.mix_log2 is None) else 3
    # p = 2: the mean on the squares' grid (one stage) and its low part squared (G2 stages)
    mean_extra = 0 if cfg.p == 1 else 1 + cfg.square_guard_bits
    sspan = sum_span(cfg)
    value_offset = WindowSum.value_offset_for(sspan)
    sum_x = sspan
    m_short = sum_x + 1  # registered
    mean_long = sum_x + span + 1 if cfg.long_term else m_short
    mean = (mean_long + mix if cfg.long_term else m_short) + mean_extra
    deviation = mean + 2 + Deviation.latency_for(cfg)  # read, registered read data, then the term
    sum_dev = deviation - value_offset + sspan
    dev_short = sum_dev + 1 + ShortTermDev.latency
    dev_stat = (sum_dev + 1 + span + 1 + mix) if cfg.long_term else dev_short
    scale = dev_stat + Scale.latency_for(cfg)
    q_latency = 0 if cfg.scale == "pow2" else cfg.guard_bits
    scale_in_force = scale + q_latency
    output = scale_in_force + 2 + Output.latency  # read, registered read data, then the stage
    return Stages(
        sum_x=sum_x,
        mean_long=mean_long,
        mean_in_force=mean,
        deviation=deviation,
        sum_dev=sum_dev,
        dev_short=dev_short,
        dev_stat=dev_stat,
        scale=scale,
        scale_in_force=scale_in_force,
        output=output,
    )


def latency(cfg: NormConfig) -> int:
    """Cycles from a word's s_axis handshake to its m_axis_tvalid, output not backpressured."""
    return plan(cfg).output + FIFO_LATENCY


class StreamNorm(wiring.Component):
    """The streaming-normalization core for one `NormConfig`.

    Ports (emitted Verilog names): ``clk``, ``rst`` (synchronous, active high), ``freeze``,
    ``s_axis_tdata/tvalid/tready/tlast``, ``m_axis_tdata/tvalid/tready/tlast``, ``overflow``.
    Data words are signed two's complement. ``s_axis_tlast`` is accepted and ignored: the channel of
    each word is the core's own counter (reset by ``rst``); ``m_axis_tlast`` marks channel C-1.

    Parameters
    ----------
    cfg:
        The configuration.
    dsp:
        "generic" (portable Verilog; synthesis infers the multiplier) or "ecp5" (the per-sample
        multiply is an ECP5 MULT18X18D with its registers in use; for ``scale = "exact"``).

    Attributes
    ----------
    latency:
        Cycles from a word's ``s_axis`` handshake to its ``m_axis_tvalid`` when the output is not
        backpressured.
    stages:
        Where each step sits in the pipeline (see `Stages`).
    fifo_depth:
        Words the output FIFO holds; the input stalls when that many are in flight.
    """

    def __init__(self, cfg: NormConfig, dsp: str = "generic") -> None:
        if not isinstance(cfg, NormConfig):
            raise TypeError(f"StreamNorm takes a NormConfig, not {type(cfg).__name__}")
        if dsp not in DSP_STYLES:
            raise ValueError(f"dsp must be one of {', '.join(DSP_STYLES)}, not {dsp!r}")
        self.cfg = cfg
        self.dsp = dsp
        self.stages = plan(cfg)
        self.latency = latency(cfg)
        self.fifo_depth = self.latency + 2
        super().__init__(core_signature(cfg))

    # ---- helpers -------------------------------------------------------------------------------
    def _per_channel(
        self, m: Module, name: str, values: list[int], shape: Shape, addr: ValueLike
    ) -> ValueLike:
        """A per-channel constant one cycle after `addr`: a constant if all agree, else a small ROM."""
        if len(set(values)) == 1:
            return Const(values[0], shape)
        rom = memory.Memory(shape=shape, depth=len(values), init=values)
        m.submodules[f"rom_{name}"] = rom
        port = rom.read_port()
        m.d.comb += port.addr.eq(addr)
        return port.data

    # ---- the hardware --------------------------------------------------------------------------
    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self.cfg
        st = self.stages
        c = cfg.channels
        g, mb = cfg.guard_bits, cfg.scale_mantissa_bits
        p = Pipeline(m)

        # -- input side and flow control
        m.submodules.seq = seq = Sequencer(cfg)
        # words accepted and not yet delivered; the input is ready while the FIFO could take one
        # more. Ready is a register: it is decided a cycle ahead from the next count, assuming a
        # word is accepted and none delivered, so it can only err on the side of waiting.
        outstanding = Signal(range(self.fifo_depth + 1))
        ready = Signal(init=1)
        m.d.comb += [
            self.s_axis_tready.eq(ready),
            seq.valid.eq(self.s_axis_tvalid),
            seq.ready.eq(self.s_axis_tready),
            seq.freeze.eq(self.freeze),
        ]
        # valid bits (cleared by reset); every other value is gated by one of them
        p.put("valid", seq.accept, 0, gate=None)
        p.put("active", seq.accept & ~seq.frozen, 0, gate=None)
        p.put("wend", seq.accept & seq.end, 0, gate=None)
        for tag in ("start", "warm", "last", "channel"):
            p.put(tag, getattr(seq, tag), 0)
        p.put("x", self.s_axis_tdata.as_signed(), 0)

        # -- window_sums (inputs), short_term mean
        sspan = sum_span(cfg)
        m.submodules.sum_x = sum_x = WindowSum(signed(cfg.in_fmt.width), signed(cfg.sum_x_width), c, sspan)
        v = sum_x.value_offset
        m.d.comb += [
            sum_x.addr.eq(p.get("channel", 0)),
            sum_x.start.eq(p.get("start", v)),
            sum_x.active.eq(p.get("active", v)),
            sum_x.value.eq(p.get("x", v)),
        ]
        m.submodules.short_mean = short_mean = ShortTermMean(cfg)
        m.d.comb += short_mean.sum.eq(sum_x.sum)
        p.reg("m_short", short_mean.short, st.sum_x, gate="wend")
        mean_shape = signed(cfg.mean_width)

        # -- long_term and mix of the mean
        span = long_term_span(cfg)
        if cfg.long_term:
            m.submodules.long_mean = lt = LongTerm(mean_shape, c, cfg.decay_log2, cfg.rounding, span)
            self._connect_long_term(m, p, lt, "m_short", st.sum_x)
            m.submodules.mix_mean = mx = Mix(mean_shape, cfg.mix_log2, cfg.rounding)
            m.d.comb += [
                mx.en.eq(p.get("wend", st.mean_long)),
                mx.long.eq(lt.long),
                mx.short.eq(p.get("m_short", st.mean_long)),
            ]
            p.put("mean_new", mx.mixed, st.mean_long + mx.latency, gate="wend")
        else:
            p.put("mean_new", p.get("m_short", st.sum_x + 1), st.sum_x + 1, gate="wend")
        mean_stage = p.stage_of("mean_new")

        # -- the mean in force: written by a window's last sample, read by every sample
        if cfg.p == 1:
            mean_layout = data.StructLayout({"mean": mean_shape})
            record = {"mean": p.get("mean_new", st.mean_in_force)}
        else:
            g2 = cfg.square_guard_bits
            mean_layout = data.StructLayout(
                {
                    "mean": mean_shape,
                    "hi": signed(cfg.in_fmt.width),
                    "lo": unsigned(g2),
                    "lo_sq": unsigned(2 * g2),
                }
            )
            mean2 = shift_round_mirrored(p.get("mean_new", mean_stage), g - g2, cfg.rounding)  # -rnd(-Mu)
            p.reg("mean2", mean2, mean_stage, gate="wend")
            m.submodules.lo_sq = lo_sq = ShiftAddMultiplier(g2, g2 + 1)
            mean2_v = p.get("mean2", mean_stage + 1)
            m.d.comb += [
                lo_sq.en.eq(p.get("wend", mean_stage + 1)),
                lo_sq.a.eq(mean2_v[:g2]),
                lo_sq.b.eq(Cat(mean2_v[:g2], 0).as_signed()),
            ]
            m2 = p.get("mean2", st.mean_in_force)
            record = {
                "mean": p.get("mean_new", st.mean_in_force),
                "hi": (m2 >> g2),
                "lo": m2[:g2],
                "lo_sq": lo_sq.product.as_unsigned(),
            }
        m.submodules.mean_mem = mean_mem = ChannelMemory(mean_layout, c, transparent=False)
        s = st.mean_in_force
        m.d.comb += [
            mean_mem.rd_addr.eq(p.get("channel", s)),
            mean_mem.wr_addr.eq(p.get("channel", s)),
            mean_mem.wr_en.eq(p.get("wend", s)),
        ]
        for key, value in record.items():
            m.d.comb += getattr(mean_mem.wr_data, key).eq(value)
        warm = p.get("warm", s + 2)
        # a block RAM's read data goes straight into a register (ECP5: 5.6 ns clock-to-out)
        mean_rd = registered_view(m, mean_mem.rd_data, p.get("valid", s + 1), "mean_rd")

        # -- window_sums (deviations)
        m.submodules.deviation = dev = Deviation(cfg)
        m.d.comb += [
            dev.en.eq(p.get("valid", s + 2)),
            dev.x.eq(p.get("x", s + 2)),
            dev.mean.eq(Mux(warm, mean_rd.mean, 0)),
        ]
        if cfg.p == 2:
            m.d.comb += [
                dev.mean2_hi.eq(Mux(warm, mean_rd.hi, 0)),
                dev.mean2_lo.eq(Mux(warm, mean_rd.lo, 0)),
                dev.mean2_lo_sq.eq(Mux(warm, mean_rd.lo_sq, 0)),
            ]
        sum_dev_shape = unsigned(cfg.sum_dev_width)
        m.submodules.sum_dev = sum_dev = WindowSum(dev.dev.shape(), sum_dev_shape, c, sspan)
        d = st.deviation
        read = d - sum_dev.value_offset
        m.d.comb += [
            sum_dev.addr.eq(p.get("channel", read)),
            sum_dev.start.eq(p.get("start", d)),
            sum_dev.active.eq(p.get("active", d)),
            sum_dev.value.eq(dev.dev),
        ]
        d = st.sum_dev  # from here on, stages count from the sum of deviations
        p.reg("sum_dev", sum_dev.sum, d, gate="wend")
        m.submodules.short_dev = short_dev = ShortTermDev(cfg)
        m.d.comb += [short_dev.en.eq(p.get("wend", d + 1)), short_dev.sum.eq(p.get("sum_dev", d + 1))]
        p.put("a_short", short_dev.short, st.dev_short, gate="wend")
        stat_shape = short_dev.short.shape()
        if cfg.long_term:
            m.submodules.long_dev = ltd = LongTerm(stat_shape, c, cfg.decay_log2, cfg.rounding, span)
            self._connect_long_term(m, p, ltd, "a_short", d + 1)
            m.submodules.mix_dev = mxd = Mix(stat_shape, cfg.mix_log2, cfg.rounding)
            m.d.comb += [
                mxd.en.eq(p.get("wend", d + 2 + span)),
                mxd.long.eq(ltd.long),
                mxd.short.eq(p.get("a_short", d + 2 + span)),
            ]
            p.put("stat", mxd.mixed, st.dev_stat, gate="wend")
        else:
            p.put("stat", p.get("a_short", st.dev_short), st.dev_short, gate="wend")

        # -- scale: reciprocal of the deviation statistic, once per window
        consts = scale_constants(cfg)
        a = st.dev_stat
        m.submodules.scale = sc = Scale(cfg)
        ch_prev = p.get("channel", a - 1)
        m.d.comb += [
            sc.en.eq(p.get("wend", a)),
            sc.stat.eq(p.get("stat", a)),
            sc.kk.eq(self._per_channel(m, "kk", [k for k, _, _ in consts], sc.kk.shape(), ch_prev)),
            sc.negative.eq(self._per_channel(m, "neg", [n for _, n, _ in consts], unsigned(1), ch_prev)),
            sc.tconst.eq(
                self._per_channel(m, "tconst", [t for _, _, t in consts], sc.tconst.shape(), ch_prev)
            ),
        ]
        r = st.scale
        mean_at_r = p.get("mean_new", r)
        q_shape = signed(g + mb + 1)
        if cfg.scale == "pow2":
            # its own full-width signal, so no bit of the record is wired to another of its bits
            q_value = Signal(q_shape)
            m.d.comb += q_value.eq(Mux(sc.mantissa[-1], -mean_at_r[:g], mean_at_r[:g]))
        else:
            m.submodules.q_mul = qm = ShiftAddMultiplier(g, mb + 1)
            m.d.comb += [qm.en.eq(p.get("wend", r)), qm.a.eq(mean_at_r[:g]), qm.b.eq(sc.mantissa)]
            q_value = qm.product
        s = st.scale_in_force
        scale_layout = data.StructLayout(
            {
                "mantissa": sc.mantissa.shape(),
                "shift": sc.shift.shape(),
                "mean_hi": signed(cfg.in_fmt.width),
                "q": q_shape,
            }
        )
        p.put("mantissa", sc.mantissa, r, gate="wend")
        p.put("shift", sc.shift, r, gate="wend")
        m.submodules.scale_mem = scale_mem = ChannelMemory(scale_layout, c, transparent=False)
        m.d.comb += [
            scale_mem.rd_addr.eq(p.get("channel", s)),
            scale_mem.wr_addr.eq(p.get("channel", s)),
            scale_mem.wr_en.eq(p.get("wend", s)),
            scale_mem.wr_data.mantissa.eq(p.get("mantissa", s)),
            scale_mem.wr_data.shift.eq(p.get("shift", s)),
            scale_mem.wr_data.mean_hi.eq(p.get("mean_new", s) >> g),
            scale_mem.wr_data.q.eq(q_value),
        ]

        # -- output: with the scale in force, or the initial one before the first window
        o = s + 2
        warm = p.get("warm", o)
        init = cfg.initial_scale
        ch = p.get("channel", o - 1)
        init_ms = self._per_channel(m, "init_ms", list(init.mantissa), sc.mantissa.shape(), ch)
        init_t = self._per_channel(m, "init_t", list(init.shift), sc.shift.shape(), ch)
        beta = self._per_channel(m, "beta", list(cfg.beta_codes), signed(cfg.out_fmt.width), ch)
        rd = registered_view(m, scale_mem.rd_data, p.get("valid", s + 1), "scale_rd")
        m.submodules.output = out = Output(cfg, self.dsp)
        m.d.comb += [
            out.en.eq(p.get("valid", o)),
            out.x.eq(p.get("x", o)),
            out.mean_hi.eq(Mux(warm, rd.mean_hi, 0)),
            out.mantissa.eq(Mux(warm, rd.mantissa, init_ms)),
            out.q.eq(Mux(warm, rd.q, 0)),
            out.shift.eq(Mux(warm, rd.shift, init_t)),
            out.beta.eq(beta),
        ]

        # -- output FIFO, credits, sticky overflow
        y = st.output
        m.submodules.fifo = fifo = SyncFIFOBuffered(width=cfg.out_fmt.width + 1, depth=self.fifo_depth)
        valid_y = p.get("valid", y)
        m.d.comb += [
            fifo.w_en.eq(valid_y),
            fifo.w_data.eq(Cat(out.y, p.get("last", y))),
            self.m_axis_tvalid.eq(fifo.r_rdy),
            self.m_axis_tdata.eq(fifo.r_data[: cfg.out_fmt.width]),
            self.m_axis_tlast.eq(fifo.r_data[cfg.out_fmt.width]),
            fifo.r_en.eq(self.m_axis_tready),
        ]
        popped = fifo.r_rdy & self.m_axis_tready
        grows, shrinks = seq.accept & ~popped, popped & ~seq.accept
        m.d.sync += outstanding.eq(outstanding + seq.accept - popped)
        # ready = (next count < depth - 1), with the three possible next counts compared ahead, so
        # no adder sits between the handshake and the ready register
        depth = self.fifo_depth
        m.d.sync += ready.eq(
            Mux(grows, outstanding < depth - 2, Mux(shrinks, outstanding < depth, outstanding < depth - 1))
        )
        with m.If(valid_y & out.overflow):
            m.d.sync += self.overflow.eq(1)
        return m

    def _connect_long_term(self, m: Module, p: Pipeline, lt: LongTerm, short: str, read_stage: int) -> None:
        """Long-term unit reading at `read_stage`, its short-term input one stage later."""
        m.d.comb += [
            lt.addr.eq(p.get("channel", read_stage)),
            lt.short.eq(p.get(short, read_stage + 1)),
            lt.first.eq(~p.get("warm", read_stage + 1)),
            lt.update.eq(p.get("wend", read_stage + 1)),
        ]
