"""Vectors.to_gensim() against gensim's own KeyedVectors.add_vectors on the default vectors.

    python benchmarks/bench_to_gensim.py [--repeat 3]

Both build a KeyedVectors holding the same keys and matrix (checked); the script prints the median
seconds of each and their ratio. Figures: docs/vectors.md#the-vectors-object.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import timeit

import embedkit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from gensim.models import KeyedVectors

    v = embedkit.load()

    def add_vectors() -> KeyedVectors:
        kv = KeyedVectors(v.dim, count=0, dtype=np.float32)
        kv.add_vectors(list(v.keys), np.array(v.matrix, dtype=np.float32))
        return kv

    ours, kv = timeit(v.to_gensim, args.repeat)
    theirs, kv2 = timeit(add_vectors, args.repeat)
    assert kv.index_to_key == kv2.index_to_key and np.array_equal(kv.vectors, kv2.vectors)
    print(f"{len(v):,} words x {v.dim}: to_gensim {ours:.3f} s, add_vectors {theirs:.3f} s ({theirs / ours:.1f}x)")


if __name__ == "__main__":
    main()
