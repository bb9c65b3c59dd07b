"""The streaming-normalization core in Amaranth, built from a `NormConfig`: one component per stage
of the golden model (`window_sums`, `short_term`, `long_term`, `mix`, `scale`, `output`), the top
level in `core`, Verilog emission in `emit`/`generate`, synthesis in `synth`."""
