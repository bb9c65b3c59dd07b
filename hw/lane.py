"""One lane of the datapath: the stages of the golden model, in its order, for the channels of a lane.

`Lane` builds into the core's module and pipeline (the tags it reads, ``valid``, ``wend``,
``channel`` …, are the core's, shared by every lane). Its four paths follow the data:

* `mean_path`: window sum of the inputs, short-term mean, long-term mean, mix, and the mean in
  force (written by a window's last sample, read back by every sample in the same stage);
* `deviation_path`: the deviation from the mean in force, its window sum, the short-term,
  long-term and mixed deviation statistic;
* `scale_path`: the reciprocal, once per window, and the scale record in force;
* `output_path`: every sample normalized with the scale in force (or the initial one).

Every component's output is placed at the stage the component produces it at, checked against
the schedule (`timing.check_stage`), so the two cannot disagree silently.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Shape, Value, ValueLike, signed, unsigned
from amaranth.lib import data, memory

from streamnorm.golden import NormConfig

from .arith import shift_round_mirrored
from .channel_memory import ChannelMemory
from .long_term import LongTerm
from .mix import Mix
from .multiply import ShiftAddMultiplier
from .output import Output
from .pipeline import Pipeline
from .primitives import DspStyle
from .short_term import ShortTermDev, ShortTermMean
from .timing import Retiming, Stages, check_stage, in_force_read, long_term_span
from .window_sums import Deviation, WindowSum

__all__ = ["Lane"]


class Lane:
    """The datapath of one lane, built into `m` with the core's pipeline `p`.

    Parameters
    ----------
    cfg, stages, retiming:
        The configuration, its schedule (`timing.plan`) and the retiming it was planned with.
    channels:
        The channels this lane serves, in the order the core's ``channel`` tag counts them.
    x:
        Name of the pipeline value holding this lane's input word (placed at stage 0).
    name:
        Prefix of this lane's submodules and pipeline values.
    """

    def __init__(
        self,
        m: Module,
        p: Pipeline,
        cfg: NormConfig,
        stages: Stages,
        retiming: Retiming,
        channels: list[int],
        x: str,
        dsp: DspStyle,
        name: str = "",
    ) -> None:
        self.m, self.p, self.cfg, self.st, self.rt = m, p, cfg, stages, retiming
        self.channels = channels
        self.x = x
        self.dsp = dsp
        self.name = name

    # ---- helpers ---------------------------------------------------------------------------
    def _n(self, value: str) -> str:
        """This lane's name for a pipeline value or submodule."""
        return f"{self.name}{value}"

    def _sub(self, name: str, component: object) -> object:
        self.m.submodules[self._n(name)] = component
        return component

    def _place(
        self, value: str, signal: ValueLike, producer: str, produced: int, planned: int, gate: str = "valid"
    ) -> Value:
        """Put a component's output into the pipeline at the stage it is produced, which must be the
        stage the schedule planned for it."""
        return self.p.put(self._n(value), signal, check_stage(value, producer, produced, planned), gate=gate)

    def _get(self, value: str, stage: int) -> Value:
        return self.p.get(self._n(value), stage)

    def _reg(self, value: str, signal: ValueLike, stage: int, gate: str = "valid") -> Value:
        return self.p.reg(self._n(value), signal, stage, gate=gate)

    def _per_channel(self, name: str, values: list[int], shape: Shape, addr: ValueLike) -> Value:
        """A per-channel constant one cycle after `addr`: a constant if all agree, else a small ROM."""
        mine = [values[c] for c in self.channels]
        if len(set(mine)) == 1:
            return Const(mine[0], shape)
        rom = memory.Memory(shape=shape, depth=len(mine), init=mine)
        self._sub(f"rom_{name}", rom)
        port = rom.read_port()
        self.m.d.comb += port.addr.eq(addr)
        return port.data

    def _connect_sum(self, unit: WindowSum, read: int, value: Value) -> None:
        """Connect a window sum whose address is at stage `read` and whose summand is `value`."""
        p, v = self.p, read + unit.value_offset
        self.m.d.comb += [
            unit.addr.eq(p.get("channel", read)),
            unit.start.eq(p.get("start", read + 1)),
            unit.valid.eq(p.get("valid", v)),
            unit.active.eq(p.get("active", v)),
            unit.value.eq(value),
        ]

    def _long_term(self, unit: LongTerm, short: str, short_stage: int) -> None:
        """Connect a long-term unit: its address one stage ahead of its short-term input."""
        read = short_stage - unit.lead
        p = self.p
        self.m.d.comb += [
            unit.addr.eq(p.get("channel", read)),
            unit.short.eq(self._get(short, short_stage)),
            unit.first.eq(~p.get("warm", short_stage)),
            unit.update.eq(p.get("wend", short_stage)),
        ]

    # ---- the paths -------------------------------------------------------------------------
    def build_statistics(self) -> Value:
        """The mean and deviation paths; return the deviation statistic placed at `dev_stat` (a
        window's last beat carries it to the scale service)."""
        self.mean_path()
        self.deviation_path()
        return self._get("stat", self.st.dev_stat)

    def mean_path(self) -> None:
        m, p, cfg, st = self.m, self.p, self.cfg, self.st
        c = len(self.channels)
        sum_x = self._sub("sum_x", WindowSum(signed(cfg.in_fmt.width), signed(cfg.sum_x_width), c, self.dsp))
        self._connect_sum(sum_x, 0, p.get(self.x, sum_x.value_offset))
        short_mean = self._sub("short_mean", ShortTermMean(cfg))
        m.d.comb += short_mean.sum.eq(sum_x.sum)
        at = check_stage("sum_x", "WindowSum", sum_x.latency, st.sum_x) + short_mean.latency
        self._reg("m_short", short_mean.short, at, gate="wend")
        mean_shape = signed(cfg.mean_width)
        if cfg.long_term:
            lt = self._sub(
                "long_mean",
                LongTerm(
                    mean_shape,
                    c,
                    cfg.decay_coefficient,
                    cfg.rounding,
                    long_term_span(cfg),
                    cfg.window * c,
                    self.dsp,
                ),
            )
            self._long_term(lt, "m_short", st.mean_short)
            produced = st.mean_short - lt.lead + lt.latency
            check_stage("mean_long", "LongTerm (mean)", produced, st.mean_long)
            mx = self._sub("mix_mean", Mix(mean_shape, cfg.mix_coefficient, cfg.rounding, self.rt["mix"]))
            m.d.comb += [
                mx.en.eq(p.get("wend", st.mean_long)),
                mx.long.eq(lt.long),
                mx.short.eq(self._get("m_short", st.mean_long)),
            ]
            self._place("mean_new", mx.mixed, "Mix (mean)", st.mean_long + mx.latency, st.mean_new, "wend")
        else:
            self._place(
                "mean_new",
                self._get("m_short", st.mean_short),
                "short_term",
                st.mean_short,
                st.mean_new,
                "wend",
            )
        self._mean_in_force(mean_shape)

    def _mean_in_force(self, mean_shape: Shape) -> None:
        """The mean in force: written by a window's last sample, read by every sample (read-first)."""
        m, p, cfg, st = self.m, self.p, self.cfg, self.st
        g = cfg.guard_bits
        s = st.mean_in_force
        if cfg.p == 1:
            layout = data.StructLayout({"mean": mean_shape})
            record: dict[str, Value] = {"mean": self._get("mean_new", s)}
        else:
            g2 = cfg.square_guard_bits
            layout = data.StructLayout(
                {
                    "mean": mean_shape,
                    "hi": signed(cfg.in_fmt.width),
                    "lo": unsigned(g2),
                    "lo_sq": unsigned(2 * g2),
                }
            )
            # the mean on the squares' grid, -rnd(-Mu), then its low part squared
            mean2 = shift_round_mirrored(self._get("mean_new", st.mean_new), g - g2, cfg.rounding)
            self._reg("mean2", mean2, st.mean_new, gate="wend")
            lo_sq = self._sub("lo_sq", ShiftAddMultiplier(g2, g2 + 1))
            at = st.mean_new + 1
            mean2_v = self._get("mean2", at)
            m.d.comb += [
                lo_sq.en.eq(p.get("wend", at)),
                lo_sq.a.eq(mean2_v[:g2]),
                lo_sq.b.eq(Cat(mean2_v[:g2], 0).as_signed()),
            ]
            check_stage("mean lo_sq", "ShiftAddMultiplier (Mu2_lo^2)", at + lo_sq.latency, s)
            m2 = self._get("mean2", s)
            record = {
                "mean": self._get("mean_new", s),
                "hi": m2 >> g2,
                "lo": m2[:g2],
                "lo_sq": lo_sq.product.as_unsigned(),
            }
        mem = self._sub("mean_mem", ChannelMemory(layout, len(self.channels), collide=True, style=self.dsp))
        m.d.comb += [
            mem.rd_addr.eq(p.get("channel", s)),
            mem.rd_en.eq(p.get("valid", s + 1)),
            # before a channel's first window its memory holds nothing yet: the mean in force is 0,
            # read as a cleared register, so no selection sits between the memory and an adder
            mem.rd_clear.eq(~p.get("warm", s + 1)),
            mem.wr_addr.eq(p.get("channel", s)),
            mem.wr_en.eq(p.get("wend", s)),
        ]
        for key, value in record.items():
            m.d.comb += getattr(mem.wr_data, key).eq(value)
        self.mean_rd = mem.rd_data
        self.mean_rd_stage = check_stage(
            "mean in force", "ChannelMemory", s + mem.read_latency, s + in_force_read(cfg)
        )
        # the mean in force for this sample, carried to the output stage (the statistics of the
        # last completed window, the same for the deviation and the output: spec §4)
        self.p.put(self._n("mean_used"), self.mean_rd.mean, self.mean_rd_stage)

    def deviation_path(self) -> None:
        m, p, cfg, st = self.m, self.p, self.cfg, self.st
        at = self.mean_rd_stage
        dev = self._sub("deviation", Deviation(cfg, self.rt["deviation"]))
        rd = self.mean_rd
        m.d.comb += [
            dev.en.eq(p.get("valid", at)),
            dev.x.eq(p.get(self.x, at)),
            dev.mean.eq(rd.mean),
        ]
        if cfg.p == 2:
            m.d.comb += [
                dev.mean2_hi.eq(rd.hi),
                dev.mean2_lo.eq(rd.lo),
                dev.mean2_lo_sq.eq(rd.lo_sq),
            ]
        d = check_stage("deviation", "Deviation", at + dev.latency, st.deviation)
        sum_dev = self._sub(
            "sum_dev", WindowSum(dev.dev.shape(), unsigned(cfg.sum_dev_width), len(self.channels), self.dsp)
        )
        read = d - sum_dev.value_offset
        self._connect_sum(sum_dev, read, dev.dev)
        s = check_stage("sum_dev", "WindowSum (deviations)", read + sum_dev.latency, st.sum_dev)
        self._reg("sum_dev", sum_dev.sum, s, gate="wend")
        short = self._sub("short_dev", ShortTermDev(cfg, self.rt["short_term"]))
        m.d.comb += [short.en.eq(p.get("wend", s + 1)), short.sum.eq(self._get("sum_dev", s + 1))]
        self._place("a_short", short.short, "ShortTermDev", s + 1 + short.latency, st.dev_short, "wend")
        stat_shape = short.short.shape()
        if cfg.long_term:
            lt = self._sub(
                "long_dev",
                LongTerm(
                    stat_shape,
                    len(self.channels),
                    cfg.decay_coefficient,
                    cfg.rounding,
                    long_term_span(cfg),
                    cfg.window * len(self.channels),
                    self.dsp,
                ),
            )
            self._long_term(lt, "a_short", st.dev_short)
            long_at = st.dev_short - lt.lead + lt.latency
            mx = self._sub("mix_dev", Mix(stat_shape, cfg.mix_coefficient, cfg.rounding, self.rt["mix"]))
            m.d.comb += [
                mx.en.eq(p.get("wend", long_at)),
                mx.long.eq(lt.long),
                mx.short.eq(self._get("a_short", long_at)),
            ]
            self._place("stat", mx.mixed, "Mix (deviation)", long_at + mx.latency, st.dev_stat, "wend")
        else:
            self._place(
                "stat", self._get("a_short", st.dev_short), "short_term", st.dev_short, st.dev_stat, "wend"
            )

    def output_path(self, scale: data.View, at: int) -> tuple[Value, Value]:
        """Every sample with the scale in force (`scale`, the service's read for this lane,
        arriving at stage `at`), or the initial one before the first window."""
        m, p, cfg, st = self.m, self.p, self.cfg, self.st
        o = at
        warm = p.get("warm", o)
        init = cfg.initial_scale
        ch = p.get("channel", o - 1)  # the constants' ROMs read one cycle ahead
        mant_shape, shift_shape = scale.mantissa.shape(), scale.shift.shape()
        init_ms = self._per_channel("init_ms", list(init.mantissa), mant_shape, ch)
        init_t = self._per_channel("init_t", list(init.shift), shift_shape, ch)
        beta = self._per_channel("beta", list(cfg.beta_codes), signed(cfg.out_fmt.width), ch)
        out = self._sub("output", Output(cfg, self.dsp, self.rt["output"]))
        m.d.comb += [
            out.en.eq(p.get("valid", o)),
            out.x.eq(p.get(self.x, o)),
            out.mean.eq(self._get("mean_used", o)),
            out.mantissa.eq(Mux(warm, scale.mantissa, init_ms)),
            out.shift.eq(Mux(warm, scale.shift, init_t)),
            out.beta.eq(beta),
        ]
        check_stage("output", "Output", o + out.latency, st.output)
        return out.y, out.overflow
