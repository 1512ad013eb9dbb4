"""Loading and neighbour search: embedkit against gensim on the 400,000 x 50 GloVe 6B vectors.

Run:  python benchmarks/bench_core.py [--repeat 3]

Writes the GloVe text (and word2vec binary) file once into $EMBEDKIT_BENCH_DIR (default
/tmp/embedkit-bench), then times, in the same process:
  * parsing GloVe text: embedkit.load(cache=False) vs KeyedVectors.load_word2vec_format(no_header=True)
  * parsing word2vec binary: embedkit.load(cache=False) vs load_word2vec_format(binary=True)
  * a cached load: embedkit.load (memory-mapped cache) vs KeyedVectors.load(mmap="r") of gensim's own file
  * 1,000 neighbour queries (k=10): nearest_many vs 1,000 calls of most_similar
and checks that the results are identical. Prints a Markdown table of medians and ratios.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import SCRATCH, TABLE_HEAD, row, timeit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (gensim's parse takes ~30 s a run)")
    args = ap.parse_args()

    os.environ.setdefault("EMBEDKIT_CACHE", tempfile.mkdtemp(prefix="ek-bench-cache-"))
    from gensim.models import KeyedVectors

    import embedkit

    SCRATCH.mkdir(parents=True, exist_ok=True)
    glove = embedkit.load("glove-6b-50d")
    txt = SCRATCH / "glove.6B.50d.txt"
    binf = SCRATCH / "glove.6B.50d.bin"
    if not txt.exists():
        embedkit.save(glove, txt, format="glove")
    if not binf.exists():
        embedkit.save(glove, binf, format="word2vec-binary")
    print(f"# GloVe text file: {txt} ({txt.stat().st_size / 1e6:.1f} MB); binary: {binf.stat().st_size / 1e6:.1f} MB")

    lines = [TABLE_HEAD]

    t_ek, v = timeit(lambda: embedkit.load(txt, cache=False), args.repeat)
    t_gs, kv = timeit(lambda: KeyedVectors.load_word2vec_format(str(txt), no_header=True), args.repeat)
    assert v.keys == kv.index_to_key and np.array_equal(v.matrix, kv.vectors), "GloVe text parse differs from gensim"
    assert np.array_equal(v.matrix, glove.matrix)
    lines.append(row("parse GloVe text, 400k x 50", t_ek, t_gs, "identical keys and matrix"))

    t_ek, v = timeit(lambda: embedkit.load(binf, cache=False), args.repeat)
    t_gs, kvb = timeit(lambda: KeyedVectors.load_word2vec_format(str(binf), binary=True), args.repeat)
    assert v.keys == kvb.index_to_key and np.array_equal(v.matrix, kvb.vectors), "binary parse differs from gensim"
    lines.append(row("parse word2vec binary, 400k x 50", t_ek, t_gs, "identical keys and matrix"))

    embedkit.load(txt)  # fills the cache
    native = SCRATCH / "glove.6B.50d.kv"
    if not native.exists():
        kv.save(str(native))
    t_ek, v = timeit(lambda: embedkit.load(txt), max(5, args.repeat))
    assert v.is_memmap
    t_gs, _ = timeit(lambda: KeyedVectors.load(str(native), mmap="r"), max(5, args.repeat))
    lines.append(row("cached load (memory-mapped)", t_ek, t_gs, "gensim: KeyedVectors.load(mmap='r') of its own file"))

    queries = glove.keys[1000:2000]
    kv.fill_norms()
    _ = glove.normalized
    t_ek, ours = timeit(lambda: embedkit.nearest_many(glove, queries, k=10), args.repeat)
    t_gs, ref = timeit(lambda: [kv.most_similar(w, topn=10) for w in queries], args.repeat)
    same = sum(r.words == [w for w, _ in g] for r, g in zip(ours, ref))
    err = max(abs(a - b) for r, g in zip(ours, ref) for a, (_, b) in zip(r.scores, g))
    lines.append(
        row("1,000 queries, top-10 of 400k", t_ek, t_gs, f"{same}/1000 identical lists, max score diff {err:.1e}")
    )

    print("\n".join(lines))


if __name__ == "__main__":
    main()
