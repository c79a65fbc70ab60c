"""Benchmarks: run by one command each, print their figures (never part of the test suite)."""
