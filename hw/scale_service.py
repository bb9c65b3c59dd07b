"""The scale service: per-window scales computed at the window rate, shared by several lanes.

The scale (``r = gamma*g/(A + eps)`` as a mantissa and a shift, spec §3) changes once per window
and channel, and a channel's new scale is needed only by its next sample, a whole time step (C/P
beats) after the window's last. So instead of a scale unit in every lane, taking one channel per
clock, one unit serves ``len(lanes)`` lanes: the lanes write each window's deviation statistic
into per-lane memories (`stat`), and the service walks the channels, one job every `rate`
cycles, and writes each scale into the lane's scale memory.

The scale in force lives in two copies, by the parity of the number of windows completed: a
beat reads the copy of its time step (`parity`, tagged by the sequencer), the service writes a
window's scales into the other one, so no write has to wait for a read or the other way round.
`timing.service_read_stage` places the read late enough that every channel's new scale is
written before its next sample reads it, and `timing.plan` checks that a window's writes never
reach a copy still being read.

Timing: `stat_valid`, `stat_beat`, `stat_parity` and ``stat<k>`` at the lanes' ``dev_stat``
stage (a window-end beat); `rd_beat`, `rd_parity` at the read stage, `rd_en` a cycle later,
``scale<k>`` after `read_latency`.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Shape, Signal, Value, unsigned
from amaranth.lib import data, memory, wiring
from amaranth.lib.wiring import In, Out

from streamnorm.golden import NormConfig

from .channel_memory import ChannelMemory
from .delay import DelayLine
from .primitives import DspStyle
from .scale import Scale, scale_constants

__all__ = ["ScaleService", "scale_layout"]


def scale_layout(cfg: NormConfig) -> data.StructLayout:
    """One scale in force: the signed mantissa and the output shift."""
    return data.StructLayout({"mantissa": Scale.mantissa_shape(cfg), "shift": Scale.shift_shape(cfg)})


def _stat_width(cfg: NormConfig) -> int:
    return cfg.dev_stat_width if cfg.p == 1 else cfg.second_moment_width


class ScaleService(wiring.Component):
    """Scales for the channels of `lanes` (lane indices, served in this order within a beat).

    Parameters
    ----------
    cfg:
        The configuration.
    lanes:
        The lanes served; lane i holds channels i, P+i, 2P+i, ...
    rate:
        Cycles between two jobs (the scale unit takes one job per cycle; a larger rate leaves it
        room to be slower).
    extra:
        Extra register stages of the scale unit (`timing.Retiming`).
    style:
        Vendor primitives.

    Attributes
    ----------
    job_latency:
        Cycles from a job's issue (reading its statistic) to its scale's write.
    read_latency:
        Cycles from `rd_beat` to ``scale<k>``.
    """

    def __init__(
        self,
        cfg: NormConfig,
        lanes: list[int],
        rate: int = 1,
        extra: int = 0,
        style: DspStyle = DspStyle.GENERIC,
    ) -> None:
        self._cfg = cfg
        self._lanes = list(lanes)
        self._rate = rate
        self._extra = extra
        self._style = style
        beats = cfg.beats_per_step
        self._beat_bits = (beats - 1).bit_length()
        self.job_latency = self.job_latency_for(cfg, len(self._lanes), extra)
        self.read_latency = self.read_latency_for(cfg)
        beat = range(max(2, beats))
        members: dict[str, object] = {
            "stat_valid": In(1),
            "stat_beat": In(beat),
            "stat_parity": In(1),
            "rd_beat": In(beat),
            "rd_parity": In(1),
            "rd_en": In(1),
        }
        for k in range(len(self._lanes)):
            members[f"stat{k}"] = In(unsigned(_stat_width(cfg)))
            members[f"scale{k}"] = Out(scale_layout(cfg))
        super().__init__(members)

    @staticmethod
    def scale_memory_depth(cfg: NormConfig) -> int:
        """Two copies of a lane's scales, addressed by parity and beat."""
        return 2 << (cfg.beats_per_step - 1).bit_length()

    @staticmethod
    def read_latency_for(cfg: NormConfig) -> int:
        return ChannelMemory.read_latency_for(ScaleService.scale_memory_depth(cfg))

    @staticmethod
    def job_latency_for(cfg: NormConfig, lanes: int, extra: int = 0) -> int:
        """The statistic's read, the choice among the lanes (when several), the scale unit."""
        read = ChannelMemory.read_latency_for(cfg.beats_per_step)
        return read + (1 if lanes > 1 else 0) + Scale.latency_for(cfg, extra)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg, lanes = self._cfg, self._lanes
        beats, served = cfg.beats_per_step, len(lanes)
        beat_shape = range(max(2, beats))

        # -- the jobs of one window end: beat-major, the served lanes in turn within a beat. The
        # issue decision reads registered flags only (beats waiting, the rate's cooldown over);
        # the counters behind them move by at most one a cycle.
        job_beat = Signal(beat_shape)
        job_lane = Signal(range(max(2, served)))
        write_parity = Signal()
        pending = Signal(range(beats + 1))  # beats written whose jobs are not all issued
        pending_none, pending_one = Signal(init=1), Signal()
        cooldown = Signal(range(max(2, self._rate)))
        cool = Signal(init=1)  # cooldown == 0
        issue = ~pending_none & cool
        last_lane = job_lane == served - 1
        beat_done = issue & last_lane
        new_window = self.stat_valid & (self.stat_beat == 0)
        add = self.stat_valid & ~new_window
        with m.If(new_window):
            # a new window end (the last one's jobs are all issued: the plan ensures it); its
            # scales go to the copy the next time step reads
            m.d.sync += [
                pending.eq(1),
                pending_none.eq(0),
                pending_one.eq(1),
                write_parity.eq(~self.stat_parity),
                job_beat.eq(0),
                job_lane.eq(0),
            ]
        with m.Else():
            m.d.sync += [
                pending.eq(pending + add - beat_done),
                pending_none.eq(Mux(add, 0, Mux(beat_done, pending_one, pending_none))),
                pending_one.eq(
                    Mux(add & ~beat_done, pending_none, Mux(~add & beat_done, pending == 2, pending_one))
                ),
            ]
            with m.If(issue):
                with m.If(last_lane):
                    m.d.sync += [job_lane.eq(0), job_beat.eq(job_beat + 1)]
                with m.Else():
                    m.d.sync += job_lane.eq(job_lane + 1)
        with m.If(issue):
            m.d.sync += [cooldown.eq(self._rate - 1), cool.eq(self._rate == 1)]
        with m.Elif(~cool):
            m.d.sync += [cooldown.eq(cooldown - 1), cool.eq(cooldown == 1)]

        # -- the statistics, written by the lanes, read by the jobs
        read = ChannelMemory.read_latency_for(beats)
        stat_mems = []
        for k in range(served):
            mem = ChannelMemory(unsigned(_stat_width(cfg)), beats, style=self._style)
            m.submodules[f"stat_mem{k}"] = mem
            m.d.comb += [
                mem.wr_addr.eq(self.stat_beat),
                mem.wr_data.eq(getattr(self, f"stat{k}")),
                mem.wr_en.eq(self.stat_valid),
                mem.rd_addr.eq(job_beat),
            ]
            stat_mems.append(mem)

        # -- the job's tags travel beside it: valid, lane, beat, parity
        def delayed(v: Value, n: int, name: str, reset: bool = False) -> Value:
            for i in range(n):
                r = Signal(Value.cast(v).shape(), name=f"{name}_d{i + 1}", reset_less=not reset)
                m.d.sync += r.eq(v)
                v = r
            return v

        tag_valid = [Value.cast(issue)]
        for i in range(self.job_latency):
            r = Signal(name=f"job_valid_d{i + 1}")
            m.d.sync += r.eq(tag_valid[-1])
            tag_valid.append(r)
        m.d.comb += [mem.rd_en.eq(tag_valid[1]) for mem in stat_mems]
        stats = [mem.rd_data for mem in stat_mems]
        lane_at = delayed(job_lane, read, "job_lane")
        # the constants of the job's channel: per-lane ROMs, read one cycle ahead of the data
        consts = scale_constants(cfg)
        sc = Scale(cfg, self._extra, self._style, self._rate)
        m.submodules.scale = sc
        rom_addr = delayed(job_beat, read - 1, "rom_addr")

        def per_lane(index: int) -> list[Value]:
            values = [[c[index] for c in consts[lane :: cfg.lanes]] for lane in lanes]
            shape = Shape.cast(
                sc.kk.shape() if index == 0 else (unsigned(1) if index == 1 else sc.tconst.shape())
            )
            out = []
            for k, vals in enumerate(values):
                if len(set(vals)) == 1:
                    out.append(Const(vals[0], shape))
                    continue
                rom = memory.Memory(shape=shape, depth=len(vals), init=vals)
                m.submodules[f"rom{index}_{k}"] = rom
                port = rom.read_port()
                m.d.comb += port.addr.eq(rom_addr)
                out.append(port.data)
            return out

        kk, negative, tconst = per_lane(0), per_lane(1), per_lane(2)

        def choose(values: list[Value], name: str) -> Value:
            """The served lane's value (registered when there is a choice)."""
            if served == 1:
                return values[0]
            chosen = Signal(Value.cast(values[0]).shape(), name=name, reset_less=True)
            m.d.sync += chosen.eq(Cat(*values).word_select(lane_at, len(Value.cast(values[0]))))
            return chosen

        enter = read + (1 if served > 1 else 0)
        m.d.comb += [
            sc.en.eq(tag_valid[enter]),
            sc.stat.eq(choose(stats, "stat_chosen")),
            sc.kk.eq(choose(kk, "kk_chosen")),
            sc.negative.eq(choose(negative, "negative_chosen")),
            sc.tconst.eq(choose(tconst, "tconst_chosen")),
        ]

        # -- the scales in force: two copies per lane, written by the jobs, read by the lane
        at_write = self.job_latency
        w_valid = tag_valid[at_write]
        # the job's lane, beat and parity travel to its write in a small ring (`DelayLine`), a
        # write and a read per job, rather than in a register per cycle
        tags = Cat(job_lane, job_beat, write_parity)
        m.submodules.job_tags = line = DelayLine(tags.shape(), at_write, self._style)
        fetch = at_write - line.read_latency
        m.d.comb += [
            line.d.eq(tags),
            line.put.eq(issue),
            line.fetch.eq(tag_valid[fetch]),
            line.hold.eq(tag_valid[fetch + 1]),
        ]
        w_lane = line.q[: len(job_lane)]
        w_beat = line.q[len(job_lane) : len(job_lane) + len(job_beat)]
        w_parity = line.q[-1]
        depth = self.scale_memory_depth(cfg)
        for k in range(served):
            mem = ChannelMemory(scale_layout(cfg), depth, style=self._style)
            m.submodules[f"scale_mem{k}"] = mem
            m.d.comb += [
                mem.wr_addr.eq(Cat(w_beat[: self._beat_bits], w_parity)),
                mem.wr_data.mantissa.eq(sc.mantissa),
                mem.wr_data.shift.eq(sc.shift),
                mem.wr_en.eq(w_valid & (w_lane == k)),
                mem.rd_addr.eq(Cat(self.rd_beat[: self._beat_bits], self.rd_parity)),
                mem.rd_en.eq(self.rd_en),
                getattr(self, f"scale{k}").eq(mem.rd_data),
            ]
        return m
