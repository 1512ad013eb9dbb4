"""Benchmarks inside a comparison: every set scored on the items all sets cover (placeholder
until the evaluation module lands)."""

from __future__ import annotations


def compare_benchmark(vecs, names, bench, *, restrict, n_boot, seed):
    raise NotImplementedError("intrinsic benchmarks in reports need embedkit.evaluate")
