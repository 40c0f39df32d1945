"""Benchmarks: `make bench` (all) or `make bench ARGS=lockboard` (those whose name matches)."""
