"""Generators of documents for tests and benchmarks (see README.md)."""
