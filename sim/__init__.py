"""cocotb verification of the emitted Verilog against the golden model.

`request` (what to simulate: `SimRequest`, `Simulator`, `Driver`), `pauses` (named producer and
consumer pause patterns), `runner` (`run_simulation`), the drivers (`harness` + `cocotb_bulk`,
`cocotb_axi`), the one `scoreboard` they all check through, and `netlist` (a given Verilog file
checked against the port declaration and its manifest before it is built).
"""
