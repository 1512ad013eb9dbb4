"""Approximate neighbours: hnswlib vs faiss-cpu HNSW vs embedkit's exact batched path.

Run:  python benchmarks/bench_ann.py [--queries 2000] [--M 16] [--efc 200] [--ef 50 100] [--limit N]
      python benchmarks/bench_ann.py --embedkit          # only embedkit's nearest_many(index="hnsw")
      python benchmarks/bench_ann.py --file /tmp/embedkit-big/big-3000000x300.bin --queries 1000 --ef 50 100 200
          # embedkit only, on any vector file (benchmarks/make_big_vectors.py writes the 3M x 300 one);
          # queries are random words (seeded), and the graph is built on all cores
      (pip install faiss-cpu to include faiss; it is not a dependency)

On the 400,000 x 50 GloVe 6B vectors (or the first --limit words), for --queries words from rank
1,000 on: builds both libraries' HNSW graphs on the unit-normalised rows with the same M and
ef_construction (both on all cores), then times the same batch of top-10 queries for each ef,
alternating libraries, and measures recall@10 against the exact top-10 of nearest_many (the
query word itself excluded everywhere). Prints build time, index memory, recall, queries per
second and the speed-up over the exact batched path, then the same for embedkit's own
nearest_many(index="hnsw") (graph loaded from beside the cache, exact rescoring included).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))


def rss_anon() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    return 0


def recall(keys, rows, labels, exact) -> float:
    hit = 0
    for r, lab, e in zip(rows, labels, exact):
        got = [keys[i] for i in lab if i != r and i >= 0][:10]
        hit += len(set(e.words) & set(got))
    return hit / (10 * len(rows))


def timed(fn, repeat: int = 3):
    ts, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--M", type=int, default=16)
    ap.add_argument("--efc", type=int, default=100)
    ap.add_argument("--ef", type=int, nargs="+", default=[50, 100])
    ap.add_argument("--limit", type=int, default=None, help="use only the first N words")
    ap.add_argument("--embedkit", action="store_true", help="only measure nearest_many(index='hnsw')")
    ap.add_argument("--file", default=None, help="a vector file instead of GloVe (implies --embedkit)")
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions (median)")
    args = ap.parse_args()
    os.environ.setdefault("EMBEDKIT_CACHE", tempfile.mkdtemp(prefix="ek-ann-cache-"))
    import embedkit
    from embedkit.search import ann

    if args.file:
        args.embedkit = True
        t = time.perf_counter()
        v = embedkit.load(args.file, limit=args.limit)
        print(f"# loaded {args.file} in {time.perf_counter() - t:.1f} s (memory-mapped: {v.is_memmap})")
        pick = np.random.default_rng(0).choice(len(v), args.queries, replace=False)
        qs = [v.keys[i] for i in pick]
    else:
        v = embedkit.load("glove-6b-50d", limit=args.limit)
        qs = v.keys[1000 : 1000 + args.queries]
    rows = v.indices(qs)
    t_exact, exact = timed(lambda: embedkit.nearest_many(v, qs, k=10), args.repeat)
    print(f"# {v.shape[0]:,} x {v.dim}; {len(qs)} queries; exact nearest_many: {t_exact:.3f} s "
          f"({len(qs) / t_exact:.0f} queries/s)")
    print("| library | M | ef_construction | build | index memory | ef | recall@10 | queries/s | vs exact |")
    print("|---|---|---|---|---|---|---|---|---|")

    if not args.embedkit:
        X = np.ascontiguousarray(v.normalized)
        Q = X[rows]
        builds = {}
        import hnswlib

        before = rss_anon()
        t = time.perf_counter()
        h = hnswlib.Index(space="ip", dim=v.dim)
        h.init_index(len(X), M=args.M, ef_construction=args.efc, random_seed=0)
        h.add_items(X, np.arange(len(X)))
        builds["hnswlib"] = (time.perf_counter() - t, rss_anon() - before)

        def q_hnswlib(ef):
            h.set_ef(ef)
            return h.knn_query(Q, k=11)[0]

        searchers = {"hnswlib": q_hnswlib}
        try:
            import faiss
        except ImportError:
            faiss = None
        if faiss is not None:
            before = rss_anon()
            t = time.perf_counter()
            f = faiss.IndexHNSWFlat(v.dim, args.M, faiss.METRIC_INNER_PRODUCT)
            f.hnsw.efConstruction = args.efc
            f.add(X)
            builds["faiss"] = (time.perf_counter() - t, rss_anon() - before)

            def q_faiss(ef):
                f.hnsw.efSearch = ef
                return f.search(Q, 11)[1]

            searchers["faiss"] = q_faiss
        for ef in args.ef:
            for name, fn in searchers.items():
                tq, lab = timed(lambda: fn(ef))
                bt, mem = builds[name]
                print(f"| {name} | {args.M} | {args.efc} | {bt:.1f} s | {mem / 1e6:.0f} MB | {ef} | "
                      f"{recall(v.keys, rows, lab, exact):.4f} | {len(qs) / tq:.0f} | {t_exact / tq:.1f}x |")
        del X, Q

    t = time.perf_counter()
    before = rss_anon()
    ann.get_index(v, M=args.M, ef_construction=args.efc)
    t_build = time.perf_counter() - t
    mem = rss_anon() - before
    for ef in args.ef:
        t_q, got = timed(lambda: _ek_query(v, qs, ef, args.M, args.efc), args.repeat)
        hit = sum(len(set(a.words) & set(b.words)) for a, b in zip(exact, got)) / (10 * len(qs))
        print(f"| embedkit nearest_many(index='hnsw') | {args.M} | {args.efc} | {t_build:.1f} s (or load) | "
              f"{mem / 1e6:.0f} MB | {ef} | {hit:.4f} | {len(qs) / t_q:.0f} | {t_exact / t_q:.1f}x |")
    path = ann.index_path(v, M=args.M, ef_construction=args.efc)
    if path is not None and path.exists():
        print(f"# graph saved beside the cache: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    print(f"# peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")


def _ek_query(v, qs, ef, M, efc):
    import embedkit
    from embedkit.search import ann

    old = ann.M_DEFAULT, ann.EF_CONSTRUCTION_DEFAULT
    ann.M_DEFAULT, ann.EF_CONSTRUCTION_DEFAULT = M, efc
    try:
        return embedkit.nearest_many(v, qs, k=10, index="hnsw", ef=ef)
    finally:
        ann.M_DEFAULT, ann.EF_CONSTRUCTION_DEFAULT = old


if __name__ == "__main__":
    main()
