"""Benchmarks and the synthetic company generator (python -m bench.generate)."""
