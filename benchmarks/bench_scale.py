"""Vectors larger than memory: peak memory and time of loading and querying a 3,000,000 x 300 file.

Run:  python benchmarks/make_big_vectors.py            # once: writes /tmp/embedkit-big/big-3000000x300.bin
      python benchmarks/bench_scale.py [--file PATH] [--queries 1000] [--gensim] [--float16]

Each step runs in a fresh Python process so that its peak resident memory (VmHWM) is its own:
  1. cold load: the word2vec binary is parsed in chunks straight into the memory-mapped cache;
  2. warm load: the cache is memory-mapped;
  3. a batch of exact neighbour queries (k=10) on the memory-mapped matrix, normalised block by block;
  4. (--float16) the same cold load and queries with float16 storage;
  5. (--gensim) gensim's KeyedVectors.load_word2vec_format of the same file, the peer.
Any word2vec text or binary or GloVe file works (--file /tmp/embedkit-bench/glove.6B.50d.txt, which
benchmarks/bench_core.py writes, gives the text path).
Prints a Markdown table with the matrix size for scale. RssAnon is the process's own memory; the
rest of RSS is file pages of the memory map, which the kernel can drop at any time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, os, sys, time
def mem():
    out = {}
    for line in open("/proc/self/status"):
        k, _, v = line.partition(":")
        if k in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
            out[k] = int(v.split()[0]) * 1024
    return out
step, path, nq, dtype = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
t = time.perf_counter()
if step == "gensim":
    from gensim.models import KeyedVectors
    import embedkit
    fmt = embedkit.detect_format(path)
    kv = KeyedVectors.load_word2vec_format(path, binary=fmt == "word2vec-binary", no_header=fmt == "glove")
    res = {"seconds": time.perf_counter() - t, "shape": list(kv.vectors.shape)}
else:
    import embedkit
    v = embedkit.load(path, dtype=dtype)
    res = {"seconds": time.perf_counter() - t, "shape": list(v.shape), "memmap": v.is_memmap}
    if step == "query":
        import numpy as np
        qs = [v.keys[i] for i in np.random.default_rng(0).choice(len(v), nq, replace=False)]
        t = time.perf_counter()
        out = embedkit.nearest_many(v, qs, k=10)
        res["query_seconds"] = time.perf_counter() - t
        res["first"] = [qs[0], out[0].words[:3], out[0].scores[:1]]
res.update(mem())
print(json.dumps(res))
"""


def run(step: str, path: Path, cache: Path, nq: int, dtype: str = "float32") -> dict:
    env = dict(os.environ, EMBEDKIT_CACHE=str(cache))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, step, str(path), str(nq), dtype],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def gb(x: float) -> str:
    return f"{x / 1e9:.2f} GB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=Path("/tmp/embedkit-big/big-3000000x300.bin"))
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--gensim", action="store_true", help="also load with gensim (needs the whole matrix in memory)")
    ap.add_argument("--float16", action="store_true", help="also run with float16 storage")
    args = ap.parse_args()
    if not args.file.exists():
        sys.exit(f"{args.file} is missing: run python benchmarks/make_big_vectors.py first")
    cache = Path(tempfile.mkdtemp(prefix="ek-scale-cache-", dir="/tmp"))
    rows = []
    try:
        cold = run("load", args.file, cache, 0)
        n, dim = cold["shape"]
        size = n * dim * 4
        print(f"# {args.file}: {n:,} x {dim}, float32 matrix {gb(size)}, file {gb(args.file.stat().st_size)}")
        rows.append(("cold load (parse into the cache)", cold))
        rows.append(("warm load (memory-mapped cache)", run("load", args.file, cache, 0)))
        q = run("query", args.file, cache, args.queries)
        rows.append((f"{args.queries} exact queries, k=10 (incl. warm load)", q))
        if args.float16:
            rows.append(("cold load, float16 storage", run("load", args.file, cache, 0, "float16")))
            q16 = run("query", args.file, cache, args.queries, "float16")
            rows.append((f"{args.queries} exact queries, float16", q16))
        if args.gensim:
            rows.append(("gensim KeyedVectors.load_word2vec_format", run("gensim", args.file, cache, 0)))
        print("| step | time | peak RSS | peak RSS / matrix | RssAnon at end | note |")
        print("|---|---|---|---|---|---|")
        for name, r in rows:
            t = r.get("query_seconds", r["seconds"])
            note = (
                f"load {r['seconds']:.2f} s; first: {r['first'][0]} -> {r['first'][1]}" if "query_seconds" in r else ""
            )
            print(f"| {name} | {t:.2f} s | {gb(r['VmHWM'])} | {r['VmHWM'] / size:.2f} | {gb(r['RssAnon'])} | {note} |")
    finally:
        for f in cache.iterdir():
            f.unlink()
        cache.rmdir()


if __name__ == "__main__":
    main()
