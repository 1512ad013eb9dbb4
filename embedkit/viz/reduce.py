"""Projections of word vectors to 2-D or 3-D: PCA, t-SNE and UMAP, at any size.

:func:`project` returns a :class:`~embedkit.viz.projection.Projection`: the words, their coordinates,
the method with every parameter used, and a quality figure (trustworthiness of the neighbourhoods).

Implementations were chosen by measuring them on the default vectors (``benchmarks/bench_projection.py``;
times in ``docs/projections.md#speed``, details in ``benchmarks/bench_projection.md``): t-SNE runs on
openTSNE (FFT-accelerated from 10,000 points, Barnes-Hut below), which was faster than scikit-learn's
at every size measured, and the more so the more words; UMAP on umap-learn. Nothing caps the number
of points.

The heavy packages (openTSNE, umap, ``sklearn.manifold``) are imported inside the functions that
use them. Before umap is imported, numba's on-disk cache is pointed at ``cache_dir()/numba`` and
caching is switched on for umap's and pynndescent's compiled functions, so only the first UMAP run
on a machine pays the compilation.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._deps import check, require
from ..errors import DataError, InvalidArgumentError, InvalidTypeError
from ..io.cache import cache_dir
from ..progress import is_terminal, progress_bar
from ..vectors import Vectors
from .projection import METHODS, METRICS, Method, Metric, Projection

__all__ = [
    "UMAP_FEATURE",
    "check_umap",
    "numba_cache_dir",
    "prepare_matrix",
    "project",
    "select_words",
    "trustworthiness",
    "tsne_affinities",
    "umap_compiled",
]


# --------------------------------------------------------------------------------------------
# helpers


def select_words(vectors: Vectors, words: Sequence[str] | int | None = None) -> Vectors:
    """The vectors to project: ``words`` is a list of words, a count of most frequent words, or
    ``None`` for all of them. Unknown words raise :class:`~embedkit.UnknownWordError`."""
    if words is None:
        return vectors
    if isinstance(words, (int, np.integer)) and not isinstance(words, bool):
        if words < 1:
            raise InvalidArgumentError(f"words must be a positive count, got {words}")
        return vectors.most_frequent(int(words))
    if isinstance(words, str):
        raise InvalidTypeError("words must be a list of words, a count or None, not a single string")
    return vectors.subset(list(words))  # type: ignore[arg-type]  # a bool (not a count) ends here too


def prepare_matrix(matrix: np.ndarray, metric: str) -> np.ndarray:
    """``matrix`` as contiguous float32 rows, unit-normalised for ``metric="cosine"``: what every method fits."""
    X = np.asarray(matrix, dtype=np.float32)
    if metric == "cosine":
        # On unit vectors Euclidean distance is a monotone function of cosine (|a-b|^2 = 2 - 2cos),
        # so every method can run its fast Euclidean code and still preserve cosine neighbourhoods.
        n = np.linalg.norm(X, axis=1, keepdims=True)
        X = np.divide(X, n, out=np.zeros_like(X), where=n > 0)
    return np.ascontiguousarray(X)


def trustworthiness(
    X: np.ndarray,
    Y: np.ndarray,
    *,
    k: int = 10,
    sample: int | None = 2000,
    seed: int = 0,
) -> float:
    """How well ``Y`` (the projection) keeps the ``k``-neighbourhoods of ``X``, in [0, 1].

    The value of :func:`sklearn.manifold.trustworthiness` (Euclidean in both spaces), computed
    here in numpy: importing scikit-learn alone takes about 2 s, longer than a PCA of thousands
    of words. It needs the full distance matrix, so for more than ``sample`` rows it is computed
    on a random sample of ``sample`` rows (the same rows in both spaces); ``sample=None`` uses
    every row.
    """
    X = np.asarray(X)
    Y = np.asarray(Y)
    if len(X) != len(Y):
        raise InvalidArgumentError(f"X has {len(X)} rows, Y {len(Y)}")
    if sample is not None and len(X) > sample:
        rows = np.sort(np.random.default_rng(seed).choice(len(X), size=sample, replace=False))
        X, Y = X[rows], Y[rows]
    if len(X) < 3:
        raise DataError(f"trustworthiness needs at least 3 points, got {len(X)}")
    k = max(1, min(k, (len(X) - 1) // 2))
    return _trustworthiness(X, Y, k)


def _squared_distances(X: np.ndarray) -> np.ndarray:
    X = X.astype(np.float64)
    sq = np.einsum("ij,ij->i", X, X)
    d = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
    np.maximum(d, 0.0, out=d)
    np.fill_diagonal(d, np.inf)  # a point is not its own neighbour
    return d


def _trustworthiness(X: np.ndarray, Y: np.ndarray, k: int) -> float:
    """sklearn's formula: a penalty for each ``k``-neighbour in ``Y`` by how far it ranks in ``X``."""
    n = len(X)
    dy = _squared_distances(Y)
    near = np.argpartition(dy, k - 1, axis=1)[:, :k]  # (n, k): the k nearest in Y, any order
    dx = _squared_distances(X)
    t = 0
    for r0 in range(0, n, 256):  # the rank in X of each: 1 + how many points are closer
        d = dx[r0 : r0 + 256]
        picked = np.take_along_axis(d, near[r0 : r0 + 256], axis=1)  # (rows, k)
        ranks = (d[:, None, :] < picked[:, :, None]).sum(axis=2) + 1 - k  # (rows, k)
        t += int(ranks[ranks > 0].sum())
    return float(1.0 - t * (2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0))))


def numba_cache_dir() -> Path:
    """Where numba keeps compiled UMAP code: ``cache_dir()/numba`` (unless ``$NUMBA_CACHE_DIR`` is set)."""
    env = os.environ.get("NUMBA_CACHE_DIR")
    if env:
        return Path(env)
    return cache_dir() / "numba"


_UMAP_CACHING_ON = False


def umap_compiled() -> bool:
    """Whether numba's cache (:func:`numba_cache_dir`) already holds compiled UMAP code.

    Without it the first UMAP compiles that code, which takes far longer than the projection.
    """
    root = numba_cache_dir()
    return root.is_dir() and any("umap" in str(p) for p in root.rglob("*.nbi"))


UMAP_FEATURE = "UMAP projections (method='umap')"  # how the missing-extra message names the feature


def check_umap() -> None:
    """Raise :class:`~embedkit.errors.MissingDependencyError` (one line naming ``embedkit[umap]``) when
    umap-learn is not installed, without importing it (its import must come after the numba cache is set)."""
    check("umap", "umap", UMAP_FEATURE)


def _import_umap():
    """Import umap with numba's disk cache switched on for its compiled functions.

    umap-learn is the optional extra ``embedkit[umap]``; without it this raises
    :class:`~embedkit.errors.MissingDependencyError` saying so in one line.
    """
    global _UMAP_CACHING_ON  # noqa: PLW0603  (a once-per-process switch)
    target = str(numba_cache_dir())
    os.environ.setdefault("NUMBA_CACHE_DIR", target)
    if "numba" in sys.modules:  # numba reads the variable once, at import
        import numba.core.config

        # numba sets its config attributes at run time, from the environment
        if not numba.core.config.CACHE_DIR:  # type: ignore[attr-defined]  # set at run time
            numba.core.config.CACHE_DIR = target  # type: ignore[attr-defined]  # set at run time
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        umap = require("umap", "umap", UMAP_FEATURE)
    if not _UMAP_CACHING_ON:
        _enable_numba_caching()
        _UMAP_CACHING_ON = True
    return umap


def _enable_numba_caching() -> None:
    # umap-learn compiles most of its functions without cache=True, so every new process paid the
    # whole compilation again before the first fit (cold and cached times: docs/projections.md#speed).
    # Switching caching on for the
    # not-yet-compiled dispatchers makes numba store and reuse them like its own cached code.
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    names = [
        "umap.umap_",
        "umap.layouts",
        "umap.spectral",
        "umap.distances",
        "umap.utils",
        "umap.sparse",
        "pynndescent.pynndescent_",
        "pynndescent.utils",
        "pynndescent.distances",
        "pynndescent.rp_trees",
        "pynndescent.sparse",
        "pynndescent.graph_utils",
    ]
    for name in names:
        try:
            mod = importlib.import_module(name)
        except ImportError:  # pragma: no cover - a layout change in a future release
            continue
        for obj in list(vars(mod).values()):
            if isinstance(obj, CPUDispatcher) and isinstance(obj._cache, NullCache) and not obj.overloads:  # type: ignore[attr-defined]  # no public accessor
                try:
                    obj.enable_caching()
                except Exception:  # noqa: BLE001, S110  # pragma: no cover - caching is only an optimisation
                    pass


class _Progress:
    """Progress on stderr for the stages of a fit (a no-op when ``enabled`` is false): a bar on a
    terminal, plain lines in a log (:func:`~embedkit.progress.progress_bar`)."""

    def __init__(self, enabled: bool, total: int, desc: str) -> None:
        self.bar = None
        if enabled:
            self.bar = progress_bar(
                desc=desc,
                total=total,
                delay=0.0,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}]",
            )

    def stage(self, desc: str) -> None:
        if self.bar is not None:
            self.bar.set_description_str(desc)
            self.bar.refresh()

    def update(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def finish(self) -> None:
        """Show the bar full (tqdm may have skipped the last updates within its refresh interval)."""
        if self.bar is not None:
            self.bar.n = self.bar.total or 0  # the bar always has its total
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------------------------
# the methods


def pca(X: np.ndarray, dim: int) -> tuple[np.ndarray, dict[str, Any]]:
    """The first ``dim`` principal coordinates of the rows of ``X`` and their explained variance ratios."""
    X64 = np.asarray(X, dtype=np.float64)
    mean = X64.mean(axis=0)
    Xc = X64 - mean
    # The d x d covariance is cheap even for 400,000 rows; eigh on it is exact PCA.
    cov = Xc.T @ Xc / max(len(Xc) - 1, 1)
    evals, evecs = np.linalg.eigh(cov)
    order = np.argsort(evals)[::-1][:dim]
    comps = evecs[:, order].T  # (dim, d)
    # scikit-learn's sign convention: the largest-magnitude loading of each component is positive.
    signs = np.sign(comps[np.arange(len(comps)), np.argmax(np.abs(comps), axis=1)])
    comps *= signs[:, None]
    Y = Xc @ comps.T
    total = float(evals.sum())
    ratio = [float(e / total) if total > 0 else 0.0 for e in evals[order]]
    return Y, {"explained_variance_ratio": ratio}


def tsne_affinities(X: np.ndarray, perplexity: float, *, seed: int | None, n_jobs: int):
    """openTSNE's default affinities for Euclidean data, built without importing pynndescent.

    openTSNE's neighbour lookup asks ``importlib.import_module("pynndescent")`` whether pynndescent is
    installed, even for the Euclidean metric where it then uses an exact search (under 1,000 points) or
    Annoy. That import compiles pynndescent's numba kernels eagerly, in every fresh environment (each CI
    run), which takes longer than a whole t-SNE of 2,000 words (both times: ``docs/projections.md#speed``).
    Building the same index here (the same class, k and seed openTSNE's ``"auto"`` picks)
    gives identical affinities without that import.
    """
    from openTSNE import affinity, nearest_neighbors

    n = len(X)
    index_cls = nearest_neighbors.Sklearn if n < 1000 else nearest_neighbors.Annoy
    k = min(n - 1, int(3 * perplexity))
    index = index_cls(X, k, metric="euclidean", n_jobs=n_jobs, random_state=seed, verbose=False)
    return affinity.MultiscaleMixture(perplexities=[perplexity], knn_index=index, n_jobs=n_jobs)


def _tsne(
    X: np.ndarray,
    dim: int,
    *,
    perplexity: float,
    seed: int | None,
    n_jobs: int,
    n_iter: int,
    early_exaggeration_iter: int,
    bar: _Progress,
) -> tuple[np.ndarray, dict[str, Any], dict[str, Any]]:
    import openTSNE

    method = "fft" if dim <= 2 and len(X) >= 10_000 else "bh"

    def on_iter(iteration: int, error: float, embedding: np.ndarray) -> bool:
        bar.update(50)
        return False

    bar.stage("t-SNE: affinities")
    tsne = openTSNE.TSNE(
        n_components=dim,
        perplexity=perplexity,
        n_iter=n_iter,
        early_exaggeration_iter=early_exaggeration_iter,
        metric="euclidean",
        initialization="pca",
        negative_gradient_method=method,
        n_jobs=n_jobs,
        random_state=seed,
        callbacks=on_iter,
        callbacks_every_iters=50,
        verbose=False,
    )
    # openTSNE only logs (never prints); its affinity stage reports nothing, the optimiser every 50 steps.
    bar.stage("t-SNE: optimising")
    emb = tsne.fit(X, affinities=tsne_affinities(X, perplexity, seed=seed, n_jobs=n_jobs))
    bar.finish()
    params = {
        "implementation": f"openTSNE {openTSNE.__version__}",
        "perplexity": perplexity,
        "n_iter": n_iter,
        "early_exaggeration_iter": early_exaggeration_iter,
        "early_exaggeration": 12,
        # openTSNE's "auto": n / exaggeration, i.e. n / 12 in the early phase, then n.
        "learning_rate": [len(X) / 12, float(len(X))],
        "initialization": "pca",
        "negative_gradient_method": method,
        "n_jobs": n_jobs,
    }
    kl = getattr(emb, "kl_divergence", None)
    return np.asarray(emb), params, {"kl_divergence": None if kl is None else float(kl)}


def _umap(
    X: np.ndarray, dim: int, *, n_neighbors: int, min_dist: float, seed: int | None, bar: _Progress
) -> tuple[np.ndarray, dict[str, Any]]:
    bar.stage("UMAP: loading compiled code")
    umap = _import_umap()
    bar.update(1)
    bar.stage("UMAP: neighbours and layout (the first run on a machine also compiles umap's code)")
    model = umap.UMAP(
        n_components=dim,
        n_neighbors=n_neighbors,
        min_dist=min_dist,
        metric="euclidean",
        random_state=seed,
        # A seed makes umap run single-threaded; without one it uses every core.
        n_jobs=1 if seed is not None else -1,
        # umap shows its epoch bar without its verbose prints when "disable" is given explicitly.
        # Its bar only on a terminal: in a log, the stage lines say what is running.
        tqdm_kwds={
            "disable": bar.bar is None or not is_terminal(sys.stderr),
            "file": sys.stderr,
            "leave": False,
            "desc": "UMAP: epochs",
        },
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Y = model.fit_transform(X)
    bar.finish()
    params = {
        "implementation": f"umap-learn {umap.__version__}",
        "n_neighbors": n_neighbors,
        "min_dist": min_dist,
        # umap's own rule when n_epochs is None: 500 epochs up to 10,000 points, else 200.
        "n_epochs": int(model.n_epochs) if model.n_epochs is not None else (500 if len(X) <= 10_000 else 200),
        "init": "spectral",
    }
    return np.asarray(Y), params


def project(
    vectors: Vectors,
    words: Sequence[str] | int | None = None,
    *,
    method: Method = "pca",
    dim: int = 2,
    seed: int | None = 0,
    metric: Metric = "cosine",
    perplexity: float = 30.0,
    n_iter: int = 500,
    early_exaggeration_iter: int = 250,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    n_jobs: int = 1,
    trust_k: int = 10,
    trust_sample: int | None = 2000,
    progress: bool = False,
) -> Projection:
    """Project word vectors to ``dim`` dimensions by PCA, t-SNE or UMAP.

    Parameters
    ----------
    vectors:
        The vectors.
    words:
        Which words: a list, a count of most frequent words, or ``None`` for all.
    method:
        ``"pca"`` (exact, via the covariance matrix), ``"tsne"`` (openTSNE) or ``"umap"`` (umap-learn).
    dim:
        Output dimensions (2 or 3 for pictures).
    seed:
        Random seed; the same seed gives the same coordinates. ``seed=None`` lets UMAP use every
        core (it runs single-threaded when seeded) at the price of reproducibility.
    metric:
        ``"cosine"`` (the default: rows are unit-normalised first, so Euclidean neighbourhoods
        are cosine neighbourhoods) or ``"euclidean"`` (raw vectors).
    perplexity, n_iter, early_exaggeration_iter, n_jobs:
        t-SNE settings (openTSNE's defaults; perplexity is lowered to ``(n - 1) / 3`` for tiny sets).
    n_neighbors, min_dist:
        UMAP settings (umap-learn's defaults; ``n_neighbors`` is capped at ``n - 1``).
    trust_k, trust_sample:
        Neighbourhood size and sample size for :func:`trustworthiness`; ``trust_k=0`` skips it.
    progress:
        Show a progress bar on stderr while compiling and fitting (t-SNE and UMAP).

    Returns
    -------
    Projection

    Examples
    --------
    >>> import embedkit
    >>> p = project(embedkit.load(), 1000, method="pca")
    >>> p.coords.shape, p.words[:3]
    ((1000, 2), ('the', ',', '.'))
    >>> round(p.trustworthiness, 3)
    0.703
    """
    if method not in METHODS:
        raise InvalidArgumentError(f"method must be one of {METHODS}, got {method!r}")
    if method == "umap":
        check_umap()  # before any work or progress output
    if metric not in METRICS:
        raise InvalidArgumentError(f"metric must be one of {METRICS}, got {metric!r}")
    if dim < 1:
        raise InvalidArgumentError(f"dim must be >= 1, got {dim}")
    chosen = select_words(vectors, words)
    n = len(chosen)
    minimum = 2 if method == "pca" else 5
    if n < minimum:
        raise DataError(f"{method} needs at least {minimum} words, got {n}")
    X = prepare_matrix(chosen.matrix, metric)
    params: dict[str, Any] = {"dim": dim, "metric": metric, "seed": seed}
    info: dict[str, Any] = {}
    timings: dict[str, float] = {}
    stages = {"pca": 0, "tsne": n_iter + early_exaggeration_iter, "umap": 2}[method]
    bar = _Progress(progress and method != "pca", stages, method)
    t0 = time.perf_counter()
    try:
        if method == "pca":
            Y, info = pca(X, dim)
            params["implementation"] = "numpy (eigendecomposition of the covariance)"
        elif method == "tsne":
            perp = float(min(perplexity, (n - 1) / 3))
            Y, extra, info = _tsne(
                X,
                dim,
                perplexity=perp,
                seed=seed,
                n_jobs=n_jobs,
                n_iter=n_iter,
                early_exaggeration_iter=early_exaggeration_iter,
                bar=bar,
            )
            params.update(extra)
        else:
            Y, extra = _umap(X, dim, n_neighbors=int(min(n_neighbors, n - 1)), min_dist=min_dist, seed=seed, bar=bar)
            params.update(extra)
    finally:
        bar.close()
    timings["fit"] = time.perf_counter() - t0
    tw = None
    if trust_k > 0 and n >= 3:
        t1 = time.perf_counter()
        tw = trustworthiness(X, Y, k=trust_k, sample=trust_sample, seed=0 if seed is None else seed)
        timings["trustworthiness"] = time.perf_counter() - t1
        params["trustworthiness"] = {
            "k": max(1, min(trust_k, (min(n, trust_sample or n) - 1) // 2)),
            "sample": min(n, trust_sample) if trust_sample else n,
        }
    return Projection(tuple(chosen.keys), Y, method, params, tw, info, timings, chosen.source)
