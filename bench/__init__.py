"""Benchmarks run by hand (`python -m bench`), each printing ratios against a baseline from the same run."""
