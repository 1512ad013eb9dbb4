"""Loading and neighbour search: embedkit against gensim on the 400,000 x 50 GloVe 6B vectors.

Run:  python benchmarks/bench_core.py [--repeat 3]

Writes the GloVe text (and word2vec binary) file once into $EMBEDKIT_BENCH_DIR (default
/tmp/embedkit-bench), then times, in the same process:
  * parsing GloVe text: embedkit.load(cache=False) vs KeyedVectors.load_word2vec_format(no_header=True)
  * parsing word2vec binary: embedkit.load(cache=False) vs load_word2vec_format(binary=True)
  * a cached load: embedkit.load (memory-mapped cache) vs KeyedVectors.load(mmap="r") of gensim's own file
  * 1,000 neighbour queries (k=10): nearest_many vs 1,000 calls of most_similar
and checks that the results are identical. Prints a Markdown table of medians and ratios and writes a
dated JSON record (default benchmarks/results/core_<date>.json: command, machine and load average,
commit, versions, every repeat and the medians).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import SCRATCH, TABLE_HEAD, finish_record, measured, new_record, record_path, row, timings, write_record


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (gensim's parse takes ~30 s a run)")
    ap.add_argument("--out", default=None, help="JSON record (default benchmarks/results/core_<date>.json)")
    args = ap.parse_args()
    out = record_path("core", args.out)
    record = new_record("bench_core", repeat=args.repeat, cached_load_repeat=max(5, args.repeat))

    os.environ.setdefault("EMBEDKIT_CACHE", tempfile.mkdtemp(prefix="ek-bench-cache-"))
    from gensim.models import KeyedVectors

    import embedkit

    record["embedkit_imported_from"] = os.path.dirname(embedkit.__file__)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    glove = embedkit.load("glove-6b-50d")
    txt = SCRATCH / "glove.6B.50d.txt"
    binf = SCRATCH / "glove.6B.50d.bin"
    if not txt.exists():
        embedkit.save(glove, txt, format="glove")
    if not binf.exists():
        embedkit.save(glove, binf, format="word2vec-binary")
    print(f"# GloVe text file: {txt} ({txt.stat().st_size / 1e6:.1f} MB); binary: {binf.stat().st_size / 1e6:.1f} MB")

    record["data"] = {
        "n": len(glove),
        "dim": glove.dim,
        "text_bytes": txt.stat().st_size,
        "binary_bytes": binf.stat().st_size,
    }
    lines = [TABLE_HEAD]

    def add(task: str, ek: list[float], gs: list[float], note: str) -> None:
        record["results"].append(measured(task, ek, gs, note=note))
        write_record(out, record)  # after every task, so an interrupted run keeps what it measured
        lines.append(row(task, statistics.median(ek), statistics.median(gs), note))

    t_ek, v = timings(lambda: embedkit.load(txt, cache=False), args.repeat)
    t_gs, kv = timings(lambda: KeyedVectors.load_word2vec_format(str(txt), no_header=True), args.repeat)
    assert v.keys == kv.index_to_key and np.array_equal(v.matrix, kv.vectors), "GloVe text parse differs from gensim"
    assert np.array_equal(v.matrix, glove.matrix)
    add("parse GloVe text, 400k x 50", t_ek, t_gs, "identical keys and matrix")

    t_ek, v = timings(lambda: embedkit.load(binf, cache=False), args.repeat)
    t_gs, kvb = timings(lambda: KeyedVectors.load_word2vec_format(str(binf), binary=True), args.repeat)
    assert v.keys == kvb.index_to_key and np.array_equal(v.matrix, kvb.vectors), "binary parse differs from gensim"
    add("parse word2vec binary, 400k x 50", t_ek, t_gs, "identical keys and matrix")

    embedkit.load(txt)  # fills the cache
    native = SCRATCH / "glove.6B.50d.kv"
    if not native.exists():
        kv.save(str(native))
    t_ek, v = timings(lambda: embedkit.load(txt), max(5, args.repeat))
    assert v.is_memmap
    t_gs, _ = timings(lambda: KeyedVectors.load(str(native), mmap="r"), max(5, args.repeat))
    add("cached load (memory-mapped)", t_ek, t_gs, "gensim: KeyedVectors.load(mmap='r') of its own file")

    queries = glove.keys[1000:2000]
    kv.fill_norms()
    _ = glove.normalized
    t_ek, ours = timings(lambda: embedkit.nearest_many(glove, queries, k=10), args.repeat)
    t_gs, ref = timings(lambda: [kv.most_similar(w, topn=10) for w in queries], args.repeat)
    same = sum(r.words == [w for w, _ in g] for r, g in zip(ours, ref))
    err = max(abs(a - b) for r, g in zip(ours, ref) for a, (_, b) in zip(r.scores, g))
    add("1,000 queries, top-10 of 400k", t_ek, t_gs, f"{same}/1000 identical lists, max score diff {err:.1e}")

    finish_record(record)
    write_record(out, record)
    print("\n".join(lines))
    print(f"# record: {out}")


if __name__ == "__main__":
    main()
