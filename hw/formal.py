"""A formal check of the emitted core's stream contract with Yosys' own SAT solver (no SMT solver).

The wrapper instantiates the emitted module, counts beats on both ports and states the contract as
immediate assertions under ``ifdef FORMAL`` (``read_verilog -formal``): `m_axis_tvalid` held and
`m_axis_tdata`/`m_axis_tlast` stable until `m_axis_tready`; delivered never exceeds accepted and
the difference never exceeds ``output_fifo_depth``; `s_axis_tready` only with a free place, and
always with more than one; `m_axis_tlast` exactly on the beat carrying channel C-1; a beat
delivered `latency_cycles` after the last acceptance; `overflow` sticky and cleared by `rst`.
The input is assumed to follow AXI4-Stream (held until accepted); `rst` is high in the first cycle.

The datapath cannot change any of these (only the words' values), so it is cut away: every bit not
in the sequential input cone of the handshake outputs, `m_axis_tlast`, the overflow register or
the output FIFO's output buffer becomes a free input each cycle (`cutpoint`); memories start with
any contents. That over-approximates the core, so what holds for the cut design holds for the
emitted one. The check is bounded (`sat -tempinduct-baseonly`): every property holds in every run
of `depth` cycles from reset, whatever the inputs; it is a proof for all time only when `depth`
covers every state the core can reach, which this module does not claim.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from streamnorm.golden import NormConfig, ParameterError

from .ports import ports
from .yosys import YosysError, run_yosys

__all__ = ["FormalResult", "prove", "wrapper"]

_WRAPPER = "formal_top"


@dataclass(frozen=True)
class FormalResult:
    """What a run found: `holds` for every property to `depth` cycles, else a counterexample."""

    holds: bool
    depth: int
    log: Path
    vcd: Path | None  #: the counterexample trace, when an assertion fails
    comb_path: bool  #: s_axis_tready depends combinationally on m_axis_tready (then nothing else ran)


def wrapper(cfg: NormConfig, top: str, latency: int, fifo_depth: int) -> str:
    """The Verilog harness around module `top`: the counters and the contract's assertions."""
    width = {p.name: p.width for p in ports(cfg)}
    kind = {"input": "input", "output": "wire"}
    decls = "\n".join(f"  {kind[p.direction]} [{p.width - 1}:0] {p.name};" for p in ports(cfg))
    inputs = ", ".join(p.name for p in ports(cfg) if p.direction == "input")
    conns = ", ".join(f".{p.name}({p.name})" for p in ports(cfg))
    beats = cfg.channels // cfg.lanes
    # one bit more than depth + 1 needs, signed: an overflow or underflow is seen before it wraps
    diff_w = (fifo_depth + 1).bit_length() + 2
    return f"""module {_WRAPPER}({inputs});
{decls}
  {top} dut({conns});
  localparam DEPTH = {fifo_depth}, BEATS = {beats}, LAT = {latency};
  wire s_fire = s_axis_tvalid & s_axis_tready;
  wire m_fire = m_axis_tvalid & m_axis_tready;
  reg signed [{diff_w - 1}:0] diff;  // beats accepted and not yet delivered
  reg [{latency.bit_length() - 1}:0] quiet;  // cycles since the last accepted beat, up to LAT
  reg [{max(beats - 1, 1).bit_length() - 1}:0] phase;  // delivered beats modulo C/P
  reg m_stall, s_stall, ovf_held, was_rst;
  reg [{width["m_axis_tdata"] - 1}:0] m_data_q;
  reg [{width["s_axis_tdata"] - 1}:0] s_data_q;
  reg m_last_q;
  // the Verilog has no initial values: nothing is checked before the first reset
  reg armed = 1'b0;
  always @(posedge clk) begin
    diff <= rst ? 0 : diff + s_fire - m_fire;
    quiet <= rst || s_fire ? 0 : (quiet == LAT ? LAT : quiet + 1);
    phase <= rst ? 0 : (m_fire ? (phase == BEATS - 1 ? 0 : phase + 1) : phase);
    m_stall <= !rst && m_axis_tvalid && !m_axis_tready;
    s_stall <= !rst && s_axis_tvalid && !s_axis_tready;
    m_data_q <= m_axis_tdata;
    m_last_q <= m_axis_tlast;
    s_data_q <= s_axis_tdata;
    ovf_held <= !rst && overflow;
    was_rst <= rst;
    if (rst) armed <= 1'b1;
  end
`ifdef FORMAL
  always @* begin
    if (s_stall) assume(s_axis_tvalid && s_axis_tdata == s_data_q);
    if (armed && !was_rst) begin
      if (m_stall) assert(m_axis_tvalid);
      if (m_stall) assert(m_axis_tdata == m_data_q && m_axis_tlast == m_last_q);
      assert(diff >= 0 && diff <= DEPTH);
      if (s_axis_tready) assert(diff < DEPTH);
      if (diff < DEPTH - 1) assert(s_axis_tready);
      if (m_axis_tvalid) assert(m_axis_tlast == (phase == BEATS - 1));
      if (quiet == LAT && diff > 0) assert(m_axis_tvalid);
      if (ovf_held) assert(overflow);
    end
    if (armed && was_rst) assert(!overflow && !m_axis_tvalid);
  end
`endif
endmodule
"""


def _script(top: str, depth: int) -> list[str]:
    keep = (
        f"{top}/o:s_axis_tready {top}/o:m_axis_tvalid %u {top}/o:m_axis_tlast %u %ci* "
        f"{top}/o:overflow %ci6 %u"  # the sticky register and its set and reset, not the datapath
    )
    return [
        "read_verilog -formal formal_top.v",
        "read_verilog core.v",
        f"hierarchy -top {_WRAPPER}",
        "proc",
        # memories power up with anything (the file's initial values are not a promise)
        "delete t:$meminit_v2 t:$meminit",
        "opt_clean",
        # s_axis_tready has no combinational path from m_axis_tready (docs/hardware.md)
        f"select -assert-none {top}/i:m_axis_tready %coe* {top}/o:s_axis_tready %i",
        "memory -nomap",
        "memory_map",
        "opt -fast",
        # single bits, so the cones below separate tlast from the data it travels with
        "simplemap",
        f"splitnets {top}",
        f"select -set keep {keep}",
        # the output register's data, so m_axis_tdata's stability is checked on the real logic
        f"select -set held {top}/w:*fifo.buf* %ci1",
        f"select -set cut {top}/t:* @keep %d @held %d",
        "cutpoint -noscopeinfo @cut",
        "opt_clean",
        "flatten",
        "opt -fast",
        "async2sync",
        f"sat -tempinduct -tempinduct-baseonly -prove-asserts -set-assumes -set-at 1 rst 1 "
        f"-seq 1 -maxsteps {depth} -dump_vcd counterexample.vcd",
    ]


def prove(verilog: Path, manifest: Path, depth: int, out_dir: Path) -> FormalResult:
    """Check the contract of the core in `verilog` (with its `manifest`) for `depth` cycles."""
    if depth < 2:
        raise ParameterError("depth", f"{depth} cycles check nothing after the reset cycle; at least 2")
    data = json.loads(manifest.read_text())
    cfg = NormConfig.from_dict(data["config"])
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(verilog, out_dir / "core.v")
    top = data["top"]
    (out_dir / "formal_top.v").write_text(
        wrapper(cfg, top, data["latency_cycles"], data["output_fifo_depth"])
    )
    vcd = out_dir / "counterexample.vcd"
    vcd.unlink(missing_ok=True)
    (out_dir / "formal.ys").write_text("\n".join(_script(top, depth)) + "\n")
    log = out_dir / "formal.log"
    try:
        run_yosys(["-q", "-l", "formal.log", "formal.ys"], out_dir)
    except YosysError:
        if "selection is not empty" not in log.read_text():
            raise
        return FormalResult(False, depth, log, None, comb_path=True)
    holds = "SUCCESS!" in log.read_text()
    return FormalResult(holds, depth, log, None if holds else vcd, comb_path=False)
