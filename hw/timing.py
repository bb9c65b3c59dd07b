"""The core's schedule: at which stage each step's result is ready, derived from the components.

Stage ``s`` of a word is the cycle ``s`` clocks after the beat that carried it was accepted. Each
stage component states its own latency (``latency_for``); `plan` adds them up in the order the
data flows, and nothing else in the code base writes a latency down. `StreamNorm.elaborate` builds
the same components and checks, wherever a component's output is used, that the stage it produces
it at is the stage the schedule reads it at (`check_stage`): a component whose latency changes
moves the schedule with it, and a schedule that disagrees with a component is an elaboration error
naming both, never a word mismatch.

`Retiming` is a test and exploration knob: extra register stages at the output of a stage
component (by its golden-model name), which the schedule follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from streamnorm.golden import NormConfig

from .channel_memory import ChannelMemory
from .long_term import LongTerm
from .mix import Mix
from .multiply import ShiftAddMultiplier
from .output import Output
from .output_fifo import OutputFifo
from .scale_service import ScaleService
from .short_term import ShortTermDev
from .window_sums import Deviation, WindowSum

__all__ = [
    "RETIMABLE",
    "Retiming",
    "ScheduleError",
    "ServicePlan",
    "Stages",
    "check_stage",
    "fifo_depth",
    "lanes_per_service",
    "latency",
    "long_term_span",
    "plan",
    "service",
    "sum_span",
]


def in_force_read(cfg: NormConfig) -> int:
    """Cycles to read a value in force (the mean, the scale) from its per-channel memory."""
    return ChannelMemory.read_latency_for(channels_per_lane(cfg))


#: Stage components that take extra register stages, by their golden-model names.
RETIMABLE = ("deviation", "short_term", "mix", "scale", "output")


class ScheduleError(RuntimeError):
    """The schedule and a component disagree about the stage a value is ready at."""


@dataclass(frozen=True)
class Retiming:
    """Extra register stages at the output of stage components (``{"mix": 1}``): the words stay
    the same, the latency grows, and the schedule follows (tests prove it does)."""

    extra: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, n in self.extra.items():
            if name not in RETIMABLE:
                raise ValueError(f"retiming: {name!r} is not one of {', '.join(RETIMABLE)}")
            if not isinstance(n, int) or n < 0:
                raise ValueError(f"retiming: {name} takes a number of stages >= 0, not {n!r}")

    def __getitem__(self, name: str) -> int:
        return self.extra.get(name, 0)


@dataclass(frozen=True)
class Stages:
    """Stage (cycles after acceptance) at which each step's result is available."""

    sum_x: int  #: window sum of inputs (read-modify-write, address at stage 0)
    mean_short: int  #: short-term mean, registered
    mean_long: int  #: long-term mean (when configured; else the short-term one)
    mean_new: int  #: the window's mean after the mix
    mean_in_force: int  #: the window's mean written; read back by every sample here
    deviation: int  #: per-sample deviation term
    sum_dev: int  #: window sum of deviations
    dev_short: int  #: short-term deviation statistic
    dev_stat: int  #: deviation statistic in force (after long-term and mix): to the scale service
    scale_in_force: int  #: every sample reads the scale in force here (`ServicePlan.read_stage`)
    output: int  #: output word ready, written into the output FIFO


@dataclass(frozen=True)
class ServicePlan:
    """How the per-window scales are computed (`scale_service`): `units` scale services, each
    serving `lanes_per_unit` lanes with one job every `rate` cycles."""

    units: int
    lanes_per_unit: int
    rate: int
    job_latency: int  #: cycles from a job's issue to its scale's write
    read_stage: int  #: the stage every sample reads its scale in force at


def channels_per_lane(cfg: NormConfig) -> int:
    """Channels one lane serves: the words of a channel are this many beats apart."""
    return cfg.beats_per_step


def sum_span(cfg: NormConfig) -> int:
    """Cycles a window-sum update takes (`WindowSum.span_for` the channels of one lane)."""
    return WindowSum.span_for(channels_per_lane(cfg))


def long_term_span(cfg: NormConfig) -> int:
    """Cycles a long-term update may take: as many as separate two updates of one channel (N*C)."""
    return LongTerm.span_for(
        channels_per_lane(cfg), cfg.window * channels_per_lane(cfg), cfg.decay_coefficient
    )


def plan(cfg: NormConfig, retiming: Retiming | None = None) -> Stages:
    """The stage of every step, from the configuration and the components' latencies alone
    (docs/hardware.md, "Latency")."""
    rt = retiming or Retiming()
    sspan = sum_span(cfg)
    sum_x = WindowSum.latency_for(sspan)
    mean_short = sum_x + 1  # ShortTermMean is wiring; its result is registered
    if cfg.long_term:
        span = long_term_span(cfg)
        # the long-term unit reads its memory ahead of its short-term input
        mean_long = mean_short - LongTerm.lead_for(channels_per_lane(cfg), span) + LongTerm.latency_for(span)
        mean_new = mean_long + Mix.latency_for(cfg, rt["mix"])
    else:
        mean_long = mean_new = mean_short
    # p = 2: the mean on the squares' grid (one register), then its low part squared
    on_grid = 0 if cfg.p == 1 else 1 + ShiftAddMultiplier.latency_for(cfg.square_guard_bits)
    mean_in_force = mean_new + on_grid
    deviation = mean_in_force + in_force_read(cfg) + Deviation.latency_for(cfg, rt["deviation"])
    sum_dev = deviation - WindowSum.value_offset_for(channels_per_lane(cfg)) + WindowSum.latency_for(sspan)
    dev_short = sum_dev + 1 + ShortTermDev.latency_for(rt["short_term"])  # the sum is registered first
    if cfg.long_term:
        span = long_term_span(cfg)
        dev_long = dev_short - LongTerm.lead_for(channels_per_lane(cfg), span) + LongTerm.latency_for(span)
        dev_stat = dev_long + Mix.latency_for(cfg, rt["mix"])
    else:
        dev_stat = dev_short
    mean_used = mean_in_force + in_force_read(cfg)  # the mean in force, read for the deviation
    service = service_plan(cfg, rt, dev_stat, mean_used)
    scale_in_force = service.read_stage
    output = scale_in_force + ScaleService.read_latency_for(cfg) + Output.latency_for(cfg, rt["output"])
    return Stages(
        sum_x=sum_x,
        mean_short=mean_short,
        mean_long=mean_long,
        mean_new=mean_new,
        mean_in_force=mean_in_force,
        deviation=deviation,
        sum_dev=sum_dev,
        dev_short=dev_short,
        dev_stat=dev_stat,
        scale_in_force=scale_in_force,
        output=output,
    )


def lanes_per_service(cfg: NormConfig) -> int:
    """Lanes one scale service serves: the most that divide P and whose jobs (one per channel,
    one per cycle) fit in a window, N time steps of C/P beats."""
    return max(d for d in range(1, cfg.lanes + 1) if cfg.lanes % d == 0 and d <= cfg.window)


#: Cycles the scale service may add to the latency by taking its jobs slowly (the samples wait
#: for their channel's new scale; it keeps the delay lines and the output FIFO within 1024 words).
SERVICE_SLACK = 512


def service_rate_limit(cfg: NormConfig, served: int) -> int:
    """The slowest a scale service may take its jobs: they fit into N time steps, and no slower
    than one division step per cycle needs."""
    return max(1, min(cfg.window // served, max(1, cfg.scale_mantissa_bits - 1)))


def service_plan(cfg: NormConfig, rt: Retiming, dev_stat: int, mean_used: int) -> ServicePlan:
    """The scale services and the stage the scale in force is read at.

    A window's last beat b of a time step reaches `dev_stat` at cycle T + b (no stalls: the
    worst case); its jobs, one per served lane, are issued one every `rate` cycles from
    T + dev_stat + 1 on, the j-th (beat-major) at T + dev_stat + 1 + j*rate, and written
    `job_latency` later. Beat b's next sample, C/P beats later, must read after that write; the
    last job is the latest relative to its channel's next sample. The rate is the slowest (the
    fewer registers the divider holds) that adds at most `SERVICE_SLACK` cycles to the latency
    of a service taking a job every cycle. A later window's writes (to the same copy two
    windows on) must not reach a copy still being read (checked)."""
    beats = cfg.beats_per_step
    served = lanes_per_service(cfg)
    job = ScaleService.job_latency_for(cfg, served, rt["scale"])
    last_job = beats * served - 1
    read = ScaleService.read_latency_for(cfg)

    def read_stage_at(rate: int) -> int:
        latest = dev_stat + 1 + last_job * rate + job + 1 - beats - (beats - 1)
        return max(latest, mean_used - read)  # never before the mean in force: the output needs both

    rate = next(
        r
        for r in range(service_rate_limit(cfg, served), 0, -1)
        if r == 1 or read_stage_at(r) - read_stage_at(1) <= SERVICE_SLACK
    )
    read_stage = read_stage_at(rate)
    overwrite_limit = (cfg.window - 1) * beats + dev_stat + job + 1
    if read_stage > overwrite_limit:
        raise ScheduleError(
            f"scale service: reading at stage {read_stage} would meet the next window's writes "
            f"(limit {overwrite_limit}); {served} lanes per service at rate {rate} do not fit a "
            f"window of {cfg.window} time steps"
        )
    return ServicePlan(cfg.lanes // served, served, rate, job, read_stage)


def service(cfg: NormConfig, retiming: Retiming | None = None) -> ServicePlan:
    """The scale services of the plan (`service_plan` at the plan's stages)."""
    rt = retiming or Retiming()
    st = plan(cfg, rt)
    return service_plan(cfg, rt, st.dev_stat, st.mean_in_force + in_force_read(cfg))


def fifo_depth(cfg: NormConfig, retiming: Retiming | None = None) -> int:
    """Beats the output FIFO holds: every beat in flight, the latency and two more (the input's
    ready is a register, decided a cycle ahead), so the input never waits with the output ready."""
    output = plan(cfg, retiming).output
    depth = output + OutputFifo.latency_for(1) + 2
    while output + OutputFifo.latency_for(depth) + 2 > depth:  # a deeper FIFO reads more slowly
        depth = output + OutputFifo.latency_for(depth) + 2
    return depth


def latency(cfg: NormConfig, retiming: Retiming | None = None) -> int:
    """Cycles from a word's s_axis handshake to its m_axis_tvalid, output not backpressured."""
    return fifo_depth(cfg, retiming) - 2


def check_stage(value: str, producer: str, produced: int, planned: int) -> int:
    """`produced` if it is the stage the schedule reads `value` at, else a ScheduleError naming both."""
    if produced != planned:
        raise ScheduleError(
            f"{value}: {producer} delivers it at stage {produced}, but the schedule (hw/timing.py "
            f"plan) uses it at stage {planned}"
        )
    return produced
