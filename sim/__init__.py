"""cocotb testbenches for the generated Verilog (lands with the verification issue)."""
