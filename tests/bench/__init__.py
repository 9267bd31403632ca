"""Tests of the benchmarks themselves (their shape and behaviour checks, not their speed)."""
