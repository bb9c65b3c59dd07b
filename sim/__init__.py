"""cocotb verification of the emitted Verilog: the bulk harness and the cocotbext-axi bench, the
scoreboard fed by the golden model, and the runner (Icarus Verilog or Verilator)."""
