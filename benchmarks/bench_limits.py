"""How close each exact path runs to what bounds it on this machine.

Run:  python benchmarks/bench_limits.py [--repeat 3] [--queries 1000] [--restrict 300000]

For each exact path on the default GloVe 6B 50d vectors (400,000 x 50):

* ``nearest_many``: 1,000 random words' top-10 over the whole vocabulary;
* ``evaluate_analogies`` 3CosAdd (its product kernel and its rows kernel) and 3CosMul: the Google
  set at ``--restrict``;
* ``evaluate_similarity``: WordSim353 and SimLex999;

the script counts the work the path cannot avoid and measures the machine's rate for that work,
in the same process and the same thread layout as the path:

* matrix products: floating-point operations of the products the path computes, timed at the
  GEMM rate this machine reaches at the path's own block shape (``m x d @ d x n`` with the path's
  query and candidate blocks, and its threading: one multi-threaded BLAS call for ``nearest_many``,
  one single-threaded BLAS per core for the analogy evaluation);
* memory traffic: bytes the path must read or write at least once (the vocabulary matrix per pass,
  the score blocks it scans for the top-k, 3CosMul's three-row combination, the rows kernel's
  similarity rows, pair differences and the sums it builds, counted in one run), timed at the
  bandwidth an elementwise pass of that size reaches (in cache for the small blocks, from memory
  for the matrix);
* for similarity, the lookups and the dot products of the pairs (microseconds): everything else is
  overhead.

The bound of a path is the larger of its product time and its traffic time (they overlap at
best); the table gives the measured median, the bound and their ratio ("x over bound"). Prints a
Markdown table and writes a dated JSON record (benchmarks/results/limits_<date>.json) with the
command, machine, load average, every repeat and every measured rate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import ROOT, finish_record, new_record, record_path, timings, write_record

sys.path.insert(0, str(ROOT))


def gemm_rate(m: int, n: int, d: int, *, per_core: bool, seconds: float = 1.0) -> float:
    """FLOP/s of ``(m x d) @ (d x n)`` in float32: one multi-threaded BLAS call at a time, or
    (``per_core``) one single-threaded call per core at the same time, as the analogy workers run."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    A = rng.standard_normal((m, d), dtype=np.float32)
    B = rng.standard_normal((n, d), dtype=np.float32)
    flop = 2.0 * m * n * d

    def loop(budget: float) -> int:
        out = np.empty((m, n), dtype=np.float32)
        count, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < budget:
            np.matmul(A, B.T, out=out)
            count += 1
        return count

    loop(0.2)  # warm up
    if not per_core:
        t0 = time.perf_counter()
        count = loop(seconds)
        return count * flop / (time.perf_counter() - t0)
    from embedkit.search.kernels import cpu_cores

    workers = cpu_cores()
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        t0 = time.perf_counter()
        counts = list(pool.map(loop, [seconds] * workers))
        return sum(counts) * flop / (time.perf_counter() - t0)


def stream_rate(nbytes: int, *, per_core: bool, seconds: float = 1.0) -> float:
    """Bytes/s of an elementwise multiply-in-place over float32 arrays of ``nbytes`` (reads two
    arrays and writes one: 3 x nbytes per pass), on one thread or one per core at once."""
    n = max(1024, nbytes // 4)

    def loop(budget: float) -> int:
        a = np.full(n, 1.0000001, dtype=np.float32)
        b = np.full(n, 0.9999999, dtype=np.float32)
        count, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < budget:
            np.multiply(a, b, out=a)
            count += 1
        return count

    loop(0.1)
    from embedkit.search.kernels import cpu_cores

    workers = cpu_cores() if per_core else 1
    with ThreadPoolExecutor(workers) as pool:
        t0 = time.perf_counter()
        counts = list(pool.map(loop, [seconds] * workers))
        return sum(counts) * 3 * 4 * n / (time.perf_counter() - t0)


def _rows_kernel_counts(v, aset, nc: int) -> dict[str, int]:
    """What the rows kernel computes on the Google set at restrict ``nc``, counted in one run: its
    blocks of questions and their distinct words, and the elements of the similarity rows, the pair
    differences and the sums it builds (summed over the kernel's workers)."""
    from embedkit.evaluation import cosadd
    from embedkit.evaluation.analogies import evaluate_analogies

    made: list = []
    init = cosadd._RowSums.__init__

    def recording_init(self, *a):
        init(self, *a)
        made.append(self)

    cosadd._RowSums.__init__ = recording_init
    try:
        evaluate_analogies(v, aset, restrict=nc, n_boot=1, kernel="rows")
    finally:
        cosadd._RowSums.__init__ = init
    return {key: sum(m.counts[key] for m in made) for key in made[0].counts}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--restrict", type=int, default=300000)
    ap.add_argument("--out", default=None, help="JSON record (default benchmarks/results/limits_<date>.json)")
    args = ap.parse_args()
    out = record_path("limits", args.out)
    record = new_record("bench_limits", repeat=args.repeat, queries=args.queries, restrict=args.restrict)
    os.environ.setdefault("EMBEDKIT_CACHE", tempfile.mkdtemp(prefix="ek-bench-cache-"))

    import embedkit
    from embedkit.evaluation.analogies import evaluate_analogies
    from embedkit.evaluation.benchmark_files import read_analogies
    from embedkit.evaluation.cosadd import ROWS_CANDIDATE_BLOCK
    from embedkit.evaluation.similarity import evaluate_similarity
    from embedkit.search.kernels import CACHE_BLOCK_FLOATS, QUERY_BLOCK, cpu_cores
    from embedkit.search.neighbors import nearest_many

    record["embedkit_imported_from"] = os.path.dirname(embedkit.__file__)
    v = embedkit.load("glove-6b-50d")
    v.normalized  # noqa: B018 -- made once, outside the timings, as every path reuses it
    n, d = v.shape
    rng = np.random.default_rng(0)
    words = [v.keys[i] for i in rng.choice(n, args.queries, replace=False)]
    rows: list[dict] = []
    rates: dict[str, float] = {}

    def add(path: str, ts: list[float], bound_flop: float, flop_rate: float, bound_bytes: float, bw: float, **extra):
        t_flop = bound_flop / flop_rate if bound_flop else 0.0
        t_mem = bound_bytes / bw if bound_bytes else 0.0
        bound = max(t_flop, t_mem)
        med = statistics.median(ts)
        rec = {
            "path": path,
            "seconds": ts,
            "median_s": med,
            "flop": bound_flop,
            "flop_rate": flop_rate,
            "flop_bound_s": t_flop,
            "bytes": bound_bytes,
            "bandwidth": bw,
            "memory_bound_s": t_mem,
            "bound_s": bound,
            "bound_kind": "matrix products" if t_flop >= t_mem else "memory traffic",
            "over_bound": med / bound if bound else float("inf"),
            **extra,
        }
        rows.append(rec)
        record["results"] = rows
        write_record(out, record)
        print(f"{path}: {med:.3f} s, bound {bound:.3f} s ({rec['bound_kind']}), {rec['over_bound']:.2f}x", flush=True)

    # Machine rates at the shapes the paths use.
    rates["memory_stream_per_core"] = stream_rate(v.matrix.nbytes, per_core=True)
    rates["cache_stream_per_core"] = stream_rate(1 << 20, per_core=True)
    rates["cache_stream_one_thread"] = stream_rate(1 << 20, per_core=False)
    # nearest_many splits the queries between the cores, each with cache-sized score blocks
    per_core_q = max(1, args.queries // cpu_cores())
    nb_q = min(QUERY_BLOCK, per_core_q)
    rates["gemm_neighbors"] = gemm_rate(nb_q, max(1024, CACHE_BLOCK_FLOATS // nb_q), d, per_core=True)
    # the block shapes of evaluate_analogies (its batch_size default, its candidate block) and of 3CosMul
    q_block, c_block, cm_q_block, cm_c_block = 1024, 4096, 1024, 1024
    record["rates"] = rates

    # -- nearest_many: one product of the queries with every row; the matrix is read once per
    # query block, and the score blocks are scanned once for the top-k.
    ts, _ = timings(lambda: nearest_many(v, words, k=10), args.repeat)
    q = len(words)
    passes = -(-per_core_q // QUERY_BLOCK) * cpu_cores()
    add(
        "nearest_many (1,000 queries, k=10, 400,000 rows)",
        ts,
        2.0 * q * n * d,
        rates["gemm_neighbors"],
        passes * v.matrix.nbytes + 4.0 * q * n,
        rates["memory_stream_per_core"],
    )

    # -- analogies: the questions answered at this restrict, and the distinct words of each block.
    aset = read_analogies("google")
    nc = args.restrict
    rates["gemm_3cosadd"] = gemm_rate(q_block, c_block, d, per_core=True)  # measured next to the path
    ts, r = timings(lambda: evaluate_analogies(v, aset, restrict=nc, n_boot=1, kernel="product"), args.repeat)
    answered = r.outcomes >= 0
    qs = [q for q, ok in zip((q for s in aset.sections for q in s.questions), answered, strict=True) if ok]
    nq = len(qs)
    add(
        "evaluate_analogies 3CosAdd, product kernel (Google set)",
        ts,
        2.0 * nq * nc * d,
        rates["gemm_3cosadd"],
        4.0 * nq * nc + -(-nq // q_block) * nc * d * 4,
        rates["cache_stream_per_core"],
        questions=nq,
        accuracy=r.accuracy,
    )
    # The rows kernel: its products (each block's distinct words), and its traffic counted in one
    # untimed run: the similarity rows U (written, read for their maxima), the pair differences D
    # (two rows read, written, read for their maxima) and, for the questions whose bound beats their
    # k-th best, the sums (two rows read, one written, one scanned): 4 bytes per access.
    counts = _rows_kernel_counts(v, aset, nc)
    rates["gemm_3cosadd_rows"] = gemm_rate(
        max(1, counts["words"] // counts["blocks"]), ROWS_CANDIDATE_BLOCK, d, per_core=True
    )
    ts, r = timings(lambda: evaluate_analogies(v, aset, restrict=nc, n_boot=1, kernel="rows"), args.repeat)
    add(
        "evaluate_analogies 3CosAdd, rows kernel (Google set)",
        ts,
        2.0 * counts["word_cols"] * d,
        rates["gemm_3cosadd_rows"],
        4.0 * (2 * counts["word_cols"] + 4 * counts["pair_cols"] + 4 * counts["sum_cols"]),
        rates["cache_stream_per_core"],
        questions=nq,
        accuracy=r.accuracy,
        **counts,
    )
    distinct = 0
    for b0 in range(0, nq, cm_q_block):
        distinct += len({w.upper() for q in qs[b0 : b0 + cm_q_block] for w in q[:3]})
    rates["gemm_3cosmul"] = gemm_rate(max(1, distinct // -(-nq // cm_q_block)), cm_c_block, d, per_core=True)
    ts, r = timings(lambda: evaluate_analogies(v, aset, restrict=nc, method="3cosmul", n_boot=1), args.repeat)
    # the three gathered rows combined per question and candidate: a gather-write, two
    # read-modify-writes reading one row each, and the top-k scan: 4 bytes x 7 accesses
    add(
        "evaluate_analogies 3CosMul (Google set)",
        ts,
        2.0 * distinct * nc * d,
        rates["gemm_3cosmul"],
        7 * 4.0 * nq * nc,
        rates["cache_stream_per_core"],
        questions=nq,
        distinct_rows=distinct,
        accuracy=r.accuracy,
    )

    # -- similarity: the pairs' lookups and dot products.
    for name in ("wordsim353", "simlex999"):
        ts, r = timings(lambda name=name: evaluate_similarity(v, name, n_boot=1), args.repeat)
        add(
            f"evaluate_similarity {name} (1 bootstrap resample)",
            ts,
            2.0 * r.pairs * d,
            rates["gemm_neighbors"],
            2 * 4.0 * r.pairs * d,
            rates["cache_stream_one_thread"],
            pairs=r.pairs,
        )

    finish_record(record)
    write_record(out, record)
    print("\n| path | median | bound | bounded by | x over bound |\n|---|---|---|---|---|")
    for rec in rows:
        print(
            f"| {rec['path']} | {rec['median_s']:.3f} s | {rec['bound_s'] * 1000:.3g} ms | {rec['bound_kind']} | "
            f"{rec['over_bound']:.2f}x |"
        )
    print("\nrates: " + ", ".join(f"{k} {val / 1e9:.1f} G/s" for k, val in rates.items()))
    print(f"record: {out}")


if __name__ == "__main__":
    main()
