"""Time projections of the default vectors: PCA, t-SNE (openTSNE vs scikit-learn) and UMAP.

    flock /tmp/ek/bench.lock python benchmarks/bench_projection.py --sizes 2000 10000
    flock /tmp/ek/bench.lock python benchmarks/bench_projection.py --sizes 50000 --methods pca tsne-opentsne umap
    flock /tmp/ek/bench.lock python benchmarks/bench_projection.py --cold-umap 2000

The words are the N most frequent of GloVe 6B 50d, unit-normalised (embedkit's ``metric="cosine"``).
Both t-SNEs run 750 iterations (250 early exaggeration x12 + 500), perplexity 30, PCA initialisation,
each library's automatic learning rate (openTSNE n/12 then n, scikit-learn max(n/48, 50)), one thread (``--n-jobs``, also applied to OpenMP and BLAS pools). UMAP runs with umap-learn's defaults and a seed, after a
warm-up fit in the same process, so its times exclude numba's compilation; ``--cold-umap N`` measures
fresh processes instead (an empty numba cache, then the cache the first one wrote). Each row prints
the median of ``--repeats`` runs and the trustworthiness (k=10, a 2,000-point sample).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

METHODS = ["pca", "tsne-opentsne", "tsne-sklearn", "umap"]


def _x(n: int) -> tuple[object, np.ndarray]:
    import embedkit
    from embedkit.viz.reduce import prepare_matrix

    v = embedkit.load().most_frequent(n)
    return v, prepare_matrix(v.matrix, "cosine")


def run_one(method: str, n: int, *, seed: int, n_jobs: int) -> tuple[float, float]:
    from threadpoolctl import threadpool_limits

    # scikit-learn's Barnes-Hut gradient uses every OpenMP thread whatever n_jobs says; hold both
    # t-SNEs (and BLAS) to the same thread count so the comparison is like for like.
    with threadpool_limits(n_jobs):
        return _run_one(method, n, seed=seed, n_jobs=n_jobs)


def _run_one(method: str, n: int, *, seed: int, n_jobs: int) -> tuple[float, float]:
    from embedkit.viz.reduce import project, trustworthiness

    v, X = _x(n)
    if method == "tsne-sklearn":
        from sklearn.manifold import TSNE

        t0 = time.perf_counter()
        Y = TSNE(
            n_components=2,
            perplexity=30.0,
            init="pca",
            learning_rate="auto",
            max_iter=750,
            early_exaggeration=12.0,
            random_state=seed,
            n_jobs=n_jobs,
        ).fit_transform(X)
        secs = time.perf_counter() - t0
        return secs, trustworthiness(X, Y, k=10, sample=2000)
    emb_method = {"pca": "pca", "tsne-opentsne": "tsne", "umap": "umap"}[method]
    t0 = time.perf_counter()
    p = project(v, method=emb_method, seed=seed, n_jobs=n_jobs, trust_k=0)
    secs = time.perf_counter() - t0
    return secs, trustworthiness(X, p.coords, k=10, sample=2000)


_COLD = """
import sys, time
t0 = time.perf_counter()
import embedkit
from embedkit.viz.reduce import project
v = embedkit.load()
p = project(v, int(sys.argv[1]), method="umap", seed=0, trust_k=0)
print(time.perf_counter() - t0)
"""


def cold_umap(n: int) -> dict[str, float]:
    """Seconds for a whole fresh process (import, compile or cache load, fit): empty cache, then warm."""
    out = {}
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, NUMBA_CACHE_DIR=d)
        for label in ("empty numba cache", "numba cache from the first run"):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", _COLD, str(n)], env=env, check=True, capture_output=True)
            out[label] = time.perf_counter() - t0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[2000, 10000])
    ap.add_argument("--methods", nargs="+", choices=METHODS, default=METHODS)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--cold-umap", type=int, default=0, metavar="N", help="also time fresh processes, N words")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args()
    os.environ.setdefault("EMBEDKIT_CACHE", str(Path.home() / ".cache" / "embedkit"))

    results = []
    if "umap" in args.methods and args.sizes:
        run_one("umap", 500, seed=args.seed, n_jobs=args.n_jobs)  # compile (or load from cache) first
    print(f"{'method':<15} {'words':>7} {'seconds':>9} {'trust':>6}   (median of {args.repeats})", flush=True)
    for n in args.sizes:
        row = {}
        for m in args.methods:
            runs = [run_one(m, n, seed=args.seed, n_jobs=args.n_jobs) for _ in range(args.repeats)]
            secs = statistics.median(r[0] for r in runs)
            row[m] = secs
            results.append({"method": m, "words": n, "seconds": secs, "trustworthiness": runs[0][1]})
            print(f"{m:<15} {n:>7,} {secs:>9.2f} {runs[0][1]:>6.3f}", flush=True)
        if "tsne-opentsne" in row and "tsne-sklearn" in row:
            print(
                f"{'':<15} {n:>7,}  scikit-learn / openTSNE = {row['tsne-sklearn'] / row['tsne-opentsne']:.2f}x",
                flush=True,
            )
    if args.cold_umap:
        cold = cold_umap(args.cold_umap)
        for label, secs in cold.items():
            print(f"fresh process, UMAP of {args.cold_umap:,} words, {label}: {secs:.1f} s", flush=True)
            results.append({"method": "umap-fresh-process", "words": args.cold_umap, "case": label, "seconds": secs})
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
