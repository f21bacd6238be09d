"""Benchmarks (not run in CI): ``python -m bench.reminders``, ``python -m bench.digest``."""
