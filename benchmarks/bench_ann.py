"""Approximate neighbours: the candidate libraries and embedkit's index against exact search, in one run.

Run:  nice python benchmarks/bench_ann.py                       # all installed candidates + embedkit
      nice python benchmarks/bench_ann.py --libraries usearch faiss --ef 50 100
      nice python benchmarks/bench_ann.py --file BIG.bin --libraries embedkit --queries 1000
      (pip install faiss-cpu usearch voyager hnswlib pynndescent for the full table; none but
      faiss-cpu is an embedkit dependency; a missing one is skipped and named in the record)

On the 400,000 x 50 GloVe 6B vectors (or the first --limit words, or --file), for --queries words
from rank 1,000 on: times the exact batched ``nearest_many`` (the reference), then for each library
in turn (one build at a time, freed before the next) builds an HNSW graph (or pynndescent's
NN-descent graph) on the unit-normalised rows with M and ef_construction (or the library's
equivalents), saves it to a scratch folder (size on disk), and times the same batch of top-10
queries for each ef, measuring recall@10 against the exact top-10 (the query word itself excluded
everywhere). Builds and queries use --threads threads (BLAS too), so libraries compare on equal
terms on a shared machine; the load average is recorded before every build.

The "embedkit" row is ``nearest_many(index="hnsw")`` end to end: graph built by ``embedkit.ann``
(and saved beside the cache, checksummed), candidates rescored exactly.

Writes a dated JSON record (default ``benchmarks/results/ann_<date>.json``) and prints a table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import ROOT, cpu_model, version, write_record

LIBRARIES = ["voyager", "pynndescent", "usearch", "faiss", "hnswlib", "embedkit"]
# pynndescent has no ef: its query breadth is epsilon; these are paired with --ef in order
PYNN_EPSILON = {50: 0.1, 100: 0.2, 200: 0.3}


def rss_anon() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0


def recall(keys, rows, labels, exact) -> float:
    hit = 0
    for r, lab, e in zip(rows, labels, exact):
        got = [keys[i] for i in lab if i != r and i >= 0][:10]
        hit += len(set(e.words) & set(got))
    return hit / (10 * len(rows))


def timed(fn, repeat: int):
    """Median wall and CPU seconds of ``repeat`` calls, and the last result.

    On a shared machine the wall time depends on the neighbours' load; with one thread the CPU
    time of this process is the fairer figure, so both are kept.
    """
    ts, cs, out = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        cs.append(time.process_time() - c)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), statistics.median(cs), out


# Each builder returns (searcher(ef) -> labels (nq, 11), save(path) -> None, params dict).
def build_hnswlib(X, M, efc, threads):
    import hnswlib

    h = hnswlib.Index(space="ip", dim=X.shape[1])
    h.init_index(len(X), M=M, ef_construction=efc, random_seed=0)
    h.add_items(X, np.arange(len(X)), num_threads=threads)

    def search(Q, ef):
        h.set_ef(ef)
        return h.knn_query(Q, k=11, num_threads=threads)[0]

    return search, lambda p: h.save_index(str(p)), {"M": M, "ef_construction": efc}


def build_faiss(X, M, efc, threads):
    import faiss

    faiss.omp_set_num_threads(threads)
    f = faiss.IndexHNSWFlat(X.shape[1], M, faiss.METRIC_INNER_PRODUCT)
    f.hnsw.efConstruction = efc
    f.add(X)

    def search(Q, ef):
        f.hnsw.efSearch = ef
        return f.search(Q, 11)[1]

    return search, lambda p: faiss.write_index(f, str(p)), {"M": M, "efConstruction": efc}


def build_usearch(X, M, efc, threads):
    from usearch.index import Index

    u = Index(ndim=X.shape[1], metric="ip", dtype="f32", connectivity=M, expansion_add=efc)
    u.add(np.arange(len(X)), X, threads=threads)

    def search(Q, ef):
        u.expansion_search = ef
        return u.search(Q, 11, threads=threads).keys.astype(np.int64)

    return search, lambda p: u.save(str(p)), {"connectivity": M, "expansion_add": efc, "dtype": "f32"}


def build_voyager(X, M, efc, threads):
    import voyager

    v = voyager.Index(
        voyager.Space.InnerProduct,
        num_dimensions=X.shape[1],
        M=M,
        ef_construction=efc,
        random_seed=1,
        max_elements=len(X),
        storage_data_type=voyager.StorageDataType.Float32,
    )
    v.add_items(X, ids=list(range(len(X))), num_threads=threads)

    def search(Q, ef):
        return v.query(Q, k=11, num_threads=threads, query_ef=ef)[0].astype(np.int64)

    return search, lambda p: v.save(str(p)), {"M": M, "ef_construction": efc, "storage": "Float32"}


def build_pynndescent(X, M, efc, threads):
    import pynndescent

    # n_neighbors = 2M matches the HNSW base layer's degree; there is no ef_construction.
    nn = pynndescent.NNDescent(X, metric="dot", n_neighbors=2 * M, random_state=0, n_jobs=threads)
    nn.prepare()

    def search(Q, ef):
        return nn.query(Q, k=11, epsilon=PYNN_EPSILON.get(ef, 0.1))[0].astype(np.int64)

    def save(p):
        Path(p).write_bytes(pickle.dumps(nn))  # its only format; never used as a cache

    return search, save, {"n_neighbors": 2 * M, "epsilon_for_ef": PYNN_EPSILON}


BUILDERS = {
    "hnswlib": build_hnswlib,
    "faiss": build_faiss,
    "usearch": build_usearch,
    "voyager": build_voyager,
    "pynndescent": build_pynndescent,
}
DISTS = {
    "hnswlib": "hnswlib",
    "faiss": "faiss-cpu",
    "usearch": "usearch",
    "voyager": "voyager",
    "pynndescent": "pynndescent",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--M", type=int, default=16)
    ap.add_argument("--efc", type=int, default=100)
    ap.add_argument("--ef", type=int, nargs="+", default=[50, 100, 200])
    ap.add_argument("--limit", type=int, default=None, help="use only the first N words")
    ap.add_argument("--file", default=None, help="a vector file instead of GloVe (random words as queries)")
    ap.add_argument("--libraries", nargs="+", default=LIBRARIES, choices=LIBRARIES)
    ap.add_argument("--threads", type=int, default=1, help="threads for every build and query (BLAS too)")
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions of each query batch (median)")
    ap.add_argument("--out", default=None, help="JSON record (default benchmarks/results/ann_<date>.json)")
    args = ap.parse_args()
    os.environ["NUMBA_NUM_THREADS"] = str(args.threads)
    own_cache = None
    if "EMBEDKIT_CACHE" not in os.environ:  # a private cache, removed at the end (graph included)
        own_cache = os.environ["EMBEDKIT_CACHE"] = tempfile.mkdtemp(prefix="ek-ann-cache-")
    sys.path.insert(0, str(ROOT))
    from threadpoolctl import threadpool_limits

    import embedkit
    from embedkit.search import ann

    threadpool_limits(args.threads)
    today = dt.date.today().isoformat()
    out = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / f"ann_{today}.json"
    if args.file:
        v = embedkit.load(args.file, limit=args.limit)
        pick = np.random.default_rng(0).choice(len(v), args.queries, replace=False)
        qs = [v.keys[i] for i in pick]
    else:
        v = embedkit.load("glove-6b-50d", limit=args.limit)
        qs = v.keys[1000 : 1000 + args.queries]
    rows = v.indices(qs)
    t_exact, c_exact, exact = timed(lambda: embedkit.nearest_many(v, qs, k=10), args.repeat)
    record = {
        "date": today,
        "command": "python " + " ".join(sys.argv),
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": cpu_model(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "load_at_start": os.getloadavg(),
        },
        "data": {
            "source": args.file or "glove-6b-50d",
            "n": len(v),
            "dim": v.dim,
            "queries": len(qs),
            "queries_are": "random words (seed 0)" if args.file else "ranks 1,000 onwards",
        },
        "params": {
            "M": args.M,
            "ef_construction": args.efc,
            "ef": args.ef,
            "k": 10,
            "threads": args.threads,
            "repeat": args.repeat,
        },
        "exact": {
            "seconds": t_exact,
            "cpu_seconds": c_exact,
            "queries_per_s": len(qs) / t_exact,
            "queries_per_cpu_s": len(qs) / c_exact,
        },
        "versions": {},
        "skipped": {},
        "results": [],
        "complete": False,
    }
    print(
        f"# {len(v):,} x {v.dim}; {len(qs)} queries; {args.threads} thread(s); exact nearest_many "
        f"{t_exact:.3f} s wall, {c_exact:.3f} s CPU ({len(qs) / c_exact:.0f} queries per CPU second)"
    )
    print("| library | build (CPU) | build (wall) | on disk | memory | ef | recall@10 | queries/CPU s | vs exact |")
    print("|---|---|---|---|---|---|---|---|---|")
    X = np.array(v.normalized, dtype=np.float32, order="C")  # a plain ndarray (voyager rejects a memmap)
    Q = np.ascontiguousarray(X[rows])
    scratch = Path(tempfile.mkdtemp(prefix="ek-bench-ann-"))
    try:
        for name in args.libraries:
            load = os.getloadavg()
            if name == "embedkit":
                rec = _bench_embedkit(v, qs, exact, args, ann, embedkit)
            else:
                record["versions"][name] = version(DISTS[name])
                if record["versions"][name] is None:
                    record["skipped"][name] = "not installed"
                    print(f"# {name}: not installed, skipped")
                    continue
                before = rss_anon()
                t, c = time.perf_counter(), time.process_time()
                try:
                    search, save, params = BUILDERS[name](X, args.M, args.efc, args.threads)
                except Exception as exc:  # noqa: BLE001 - one library's failure must not lose the others' figures
                    record["skipped"][name] = f"{type(exc).__name__}: {exc}"
                    print(f"# {name}: failed, skipped ({type(exc).__name__}: {exc})")
                    continue
                build, build_cpu = time.perf_counter() - t, time.process_time() - c
                memory = rss_anon() - before
                path = scratch / f"{name}.index"
                save(path)
                rec = {
                    "library": name,
                    "params": params,
                    "build_s": build,
                    "build_cpu_s": build_cpu,
                    "disk_bytes": path.stat().st_size,
                    "memory_bytes": memory,
                    "runs": [],
                }
                path.unlink()
                for ef in args.ef:
                    tq, cq, lab = timed(lambda search=search, ef=ef: search(Q, ef), args.repeat)
                    rec["runs"].append(
                        {
                            "ef": ef,
                            "recall_at_10": recall(v.keys, rows, lab, exact),
                            "queries_per_s": len(qs) / tq,
                            "queries_per_cpu_s": len(qs) / cq,
                        }
                    )
                del search, save
            rec["load_before_build"] = load
            record["results"].append(rec)
            write_record(out, record)  # after every library, so an interrupted run keeps what it measured
            for r in rec["runs"]:
                print(
                    f"| {rec['library']} | {rec['build_cpu_s']:.1f} s | {rec['build_s']:.1f} s | "
                    f"{rec['disk_bytes'] / 1e6:.0f} MB | {rec['memory_bytes'] / 1e6:.0f} MB | {r['ef']} | "
                    f"{r['recall_at_10']:.4f} | {r['queries_per_cpu_s']:,.0f} | "
                    f"{r['queries_per_cpu_s'] * c_exact / len(qs):.1f}x |",
                    flush=True,
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if own_cache:
            shutil.rmtree(own_cache, ignore_errors=True)
    record["machine"]["load_at_end"] = os.getloadavg()
    record["complete"] = True
    write_record(out, record)
    print(f"# record: {out}")


def _bench_embedkit(v, qs, exact, args, ann, embedkit) -> dict:
    """nearest_many(index="hnsw") end to end: build (and save beside the cache), then query with rescoring.

    It uses embedkit's defaults (M, ef_construction) and the backend's own thread count (all cores).
    """
    if (args.M, args.efc) != (ann.M_DEFAULT, ann.EF_CONSTRUCTION_DEFAULT):
        raise SystemExit(f"the embedkit row uses M={ann.M_DEFAULT}, ef_construction={ann.EF_CONSTRUCTION_DEFAULT}")
    before = rss_anon()
    t, c = time.perf_counter(), time.process_time()
    index = ann.get_index(v)
    build, build_cpu = time.perf_counter() - t, time.process_time() - c
    rec = {
        "library": "embedkit",
        "backend": ann.BACKEND,
        "threads": "all",
        "build_cpu_s": build_cpu,
        "params": {"M": ann.M_DEFAULT, "ef_construction": ann.EF_CONSTRUCTION_DEFAULT},
        "build_s": build,
        "disk_bytes": index.path.stat().st_size if index.path else 0,
        "memory_bytes": rss_anon() - before,
        "runs": [],
    }
    for ef in args.ef:
        tq, cq, got = timed(lambda ef=ef: embedkit.nearest_many(v, qs, k=10, index="hnsw", ef=ef), args.repeat)
        hit = sum(len(set(a.words) & set(b.words)) for a, b in zip(exact, got)) / (10 * len(qs))
        rec["runs"].append(
            {"ef": ef, "recall_at_10": hit, "queries_per_s": len(qs) / tq, "queries_per_cpu_s": len(qs) / cq}
        )
    return rec


if __name__ == "__main__":
    main()
