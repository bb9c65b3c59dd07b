"""Amaranth hardware generated from a `NormConfig` (lands with the hardware issue)."""
