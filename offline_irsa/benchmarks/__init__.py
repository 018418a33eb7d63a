"""Benchmarks that print figures (seconds, bytes) beside a baseline measured in the same run."""
