"""streamnorm: streaming L1 normalization for FPGAs (command line; the parts live in
`streamnorm.golden`, `streamnorm.hw` and `streamnorm.sim`)."""

__version__ = "0.1.0"
