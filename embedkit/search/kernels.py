"""Exact search kernels shared by neighbours, analogies and the evaluations.

:func:`topk_blocked` multiplies blocks of queries by blocks of candidate rows (so the score block
stays in cache and memory stays bounded), keeps a running top-k per query, and after the first
block only looks at the entries of a block that beat that query's current k-th best score.
:func:`cosine_topk` runs it on cosine scores. Unit-normalised rows come in three forms, each named
for its input: :func:`normalize_rows` (an array), :func:`unit_view` (all rows of a ``Vectors``,
lazily as :class:`UnitRows` when the matrix is too large to copy) and :func:`unit_rows` (some rows
of a ``Vectors``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np

from ..errors import InvalidArgumentError
from ..vectors import Vectors, row_norms

__all__ = [
    "CANDIDATE_BLOCK",
    "MIN_QUERIES_PER_CORE",
    "NORMALIZED_MAX_BYTES",
    "QUERY_BLOCK",
    "Index",
    "PrunedScoreFn",
    "ScoreFn",
    "UnitRows",
    "cosine_topk",
    "cpu_cores",
    "normalize_rows",
    "order_desc",
    "restrict_count",
    "topk_blocked",
    "unit_rows",
    "unit_view",
]

QUERY_BLOCK = 512
CANDIDATE_BLOCK = 8192
# Above this size (of a float32 copy) the matrix is normalised block by block as it is scanned,
# so vectors larger than memory are searched straight from their memory map.
NORMALIZED_MAX_BYTES = 1 << 28
# Score blocks of in-memory searches hold about this many floats (2 MiB), so the row maxima and
# the threshold scan that follow each product read it from the core's cache, not from memory.
CACHE_BLOCK_FLOATS = 1 << 19
MIN_QUERIES_PER_CORE = 64
"""Below this many queries per core, one thread with a multi-threaded BLAS is used instead."""

Index = Literal["exact", "hnsw"]

ScoreFn = Callable[[int, int, int, int], np.ndarray]
PrunedScoreFn = Callable[[int, int, int, int, np.ndarray], tuple[np.ndarray, np.ndarray]]


def topk_blocked(
    score_fn: ScoreFn,
    n_queries: int,
    n_candidates: int,
    k: int,
    exclude: np.ndarray | None = None,
    *,
    query_block: int = QUERY_BLOCK,
    candidate_block: int = CANDIDATE_BLOCK,
    pruned_fn: PrunedScoreFn | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The top-``k`` candidates of every query under a blocked score function.

    ``score_fn(q0, q1, c0, c1)`` returns the ``(q1 - q0, c1 - c0)`` float32 scores of queries
    ``q0:q1`` against candidates ``c0:c1`` (a fresh, writable array). ``exclude`` is an
    ``(n_queries, m)`` int array of candidate rows to skip per query (``-1`` pads).
    ``pruned_fn(q0, q1, c0, c1, thr)``, where given, replaces ``score_fn`` after each query block's
    first candidate block: ``thr`` holds the queries' current ``k``-th best scores, and it returns
    the queries (rows of the block, ascending) whose scores may exceed them and those queries'
    scores; a query it leaves out must have no score above its ``thr``.

    Returns ``(rows, scores)``, both ``(n_queries, k)``, best first; where fewer than ``k``
    candidates remain, rows are ``-1`` and scores ``-inf``.
    """
    rows_out = np.full((n_queries, k), -1, dtype=np.int64)
    scores_out = np.full((n_queries, k), -np.inf, dtype=np.float32)
    if k <= 0 or n_candidates <= 0 or n_queries <= 0:
        return rows_out, scores_out
    for q0 in range(0, n_queries, query_block):
        q1 = min(q0 + query_block, n_queries)
        ex = exclude[q0:q1] if exclude is not None else None
        # The first block seeds each query's top-k with a partial sort; the k-th best score is
        # then a threshold that later blocks must beat, so they cost a product, a row max and a
        # sparse merge of the few entries above it.
        c1 = min(candidate_block, n_candidates)
        best_s, best_i = _seed_topk(score_fn(q0, q1, 0, c1), k, ex)
        thr = best_s[:, -1].copy()
        for c0 in range(c1, n_candidates, candidate_block):
            c1 = min(c0 + candidate_block, n_candidates)
            if pruned_fn is not None:
                rows, sub = pruned_fn(q0, q1, c0, c1, thr)  # (r,), (r, c1 - c0)
            else:
                S = score_fn(q0, q1, c0, c1)  # (nq, c1 - c0)
                rows = np.flatnonzero(S.max(axis=1) > thr)
                sub = S[rows]
            if rows.size == 0:
                continue
            qi, ci = np.nonzero(sub > thr[rows, None])
            sc = sub[qi, ci]
            qi = rows[qi]
            ci = ci + c0
            if ex is not None:
                keep = ~(ex[qi] == ci[:, None]).any(axis=1)
                qi, ci, sc = qi[keep], ci[keep], sc[keep]
                if qi.size == 0:
                    continue
            _merge_hits(best_s, best_i, qi, ci, sc)
            thr = best_s[:, -1].copy()
        best_i[~np.isfinite(best_s)] = -1
        rows_out[q0:q1] = best_i
        scores_out[q0:q1] = best_s
    return rows_out, scores_out


def _seed_topk(S: np.ndarray, k: int, ex: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The sorted top-``k`` ``(scores, rows)`` of a first score block (candidates from row 0)."""
    nq, width = S.shape
    if ex is not None:
        hit = (ex >= 0) & (ex < width)
        if hit.any():
            qi, j = np.nonzero(hit)
            S[qi, ex[qi, j]] = -np.inf
    if width > k:
        part = np.argpartition(S, width - k, axis=1)[:, width - k :]
    else:
        part = np.broadcast_to(np.arange(width), (nq, width))
    best_s = np.full((nq, k), -np.inf, dtype=np.float32)
    best_i = np.full((nq, k), -1, dtype=np.int64)
    m = part.shape[1]
    best_s[:, :m] = np.take_along_axis(S, part, axis=1)
    best_i[:, :m] = part
    if width > k:
        # argpartition picks arbitrarily among scores tied with the k-th: redo those rare rows
        # with a stable sort so that the lower row (the more frequent word) wins.
        tied = np.flatnonzero((best_s.min(axis=1, keepdims=True) <= S).sum(axis=1) > k)
        for r in tied.tolist():
            o = np.argsort(-S[r], kind="stable")[:k]
            best_s[r], best_i[r] = S[r, o], o
    order = order_desc(best_s, best_i)
    return np.take_along_axis(best_s, order, axis=1), np.take_along_axis(best_i, order, axis=1)


def _merge_hits(best_s: np.ndarray, best_i: np.ndarray, qi: np.ndarray, ci: np.ndarray, sc: np.ndarray) -> None:
    """Merge new candidates ``(query qi, row ci, score sc)`` into the sorted top-k, in place."""
    k = best_s.shape[1]
    rows = np.unique(qi)
    all_q = np.concatenate([np.repeat(rows, k), qi])
    all_s = np.concatenate([best_s[rows].ravel(), sc])
    all_i = np.concatenate([best_i[rows].ravel(), ci])
    key_i = np.where(all_i < 0, np.iinfo(np.int64).max, all_i)
    # By query, then score descending, then row ascending (the more frequent word wins ties).
    order = np.lexsort((key_i, -all_s, all_q))
    all_q, all_s, all_i = all_q[order], all_s[order], all_i[order]
    start = np.searchsorted(all_q, rows)
    pos = np.arange(len(all_q)) - np.repeat(start, np.diff(np.append(start, len(all_q))))
    sel = pos < k
    best_s[all_q[sel], pos[sel]] = all_s[sel]
    best_i[all_q[sel], pos[sel]] = all_i[sel]


def order_desc(s: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Per row, column order by score descending, ties by smaller index (``-1`` padding last)."""
    key_i = np.where(i < 0, np.iinfo(np.int64).max, i)
    # A stable sort on the index, then a stable sort on the score, gives the tie order we want.
    o1 = np.argsort(key_i, axis=1, kind="stable")
    s1 = np.take_along_axis(s, o1, axis=1)
    o2 = np.argsort(-s1, axis=1, kind="stable")
    return np.take_along_axis(o1, o2, axis=1)


def normalize_rows(q: np.ndarray) -> np.ndarray:
    """The rows of ``q`` divided by their norms, as float32 (a zero row stays zero)."""
    q = np.asarray(q, dtype=np.float32)
    n = row_norms(q)[:, None]  # huge rows in float64, so they do not overflow to inf
    with np.errstate(invalid="ignore"):
        return np.divide(q, n, out=np.zeros_like(q), where=n > 0)


def restrict_count(vectors: Vectors, restrict: int | None) -> int:
    """How many rows a search covers: ``len(vectors)``, or its first ``restrict`` (a positive int)."""
    if restrict is None:
        return len(vectors)
    if restrict < 1:
        raise InvalidArgumentError(f"restrict must be a positive number of words, got {restrict}")
    return min(int(restrict), len(vectors))


def cosine_topk(
    vectors: Vectors,
    queries: np.ndarray,
    k: int,
    exclude: np.ndarray | None = None,
    *,
    restrict: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows and cosine scores of the top-``k`` rows for each query vector (rows of ``queries``)."""
    n_cand = restrict_count(vectors, restrict)
    Q = normalize_rows(queries)
    if _use_normalized(vectors):
        normed = vectors.normalized

        def chunk(q0: int, q1: int) -> tuple[np.ndarray, np.ndarray]:
            Qc = Q[q0:q1]

            def score(a: int, b: int, c0: int, c1: int) -> np.ndarray:
                return Qc[a:b] @ normed[c0:c1].T

            qb = min(QUERY_BLOCK, q1 - q0)
            cb = max(1024, CACHE_BLOCK_FLOATS // max(qb, 1))
            ex = None if exclude is None else exclude[q0:q1]
            return topk_blocked(score, q1 - q0, n_cand, k, ex, query_block=qb, candidate_block=cb)

        return _per_core(chunk, len(Q))
    matrix, inv = vectors.matrix, _inverse_norms(vectors)

    def score_blockwise(q0: int, q1: int, c0: int, c1: int) -> np.ndarray:
        S = Q[q0:q1] @ np.asarray(matrix[c0:c1], dtype=np.float32).T
        S *= inv[c0:c1]
        return S

    # Each query block scans the whole matrix: bigger query blocks mean fewer passes over the map.
    return topk_blocked(score_blockwise, len(Q), n_cand, k, exclude, query_block=4 * QUERY_BLOCK)


def cpu_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _per_core(chunk: Callable[[int, int], tuple[np.ndarray, np.ndarray]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """``chunk(q0, q1)`` over the queries, split between one thread per core, each with a
    single-threaded BLAS: the cores share no barrier per product (a multi-threaded BLAS synchronises
    its threads after every cache-sized product) and each also does its own top-k scans and merges,
    which a multi-threaded BLAS leaves to one core. A query's scores do not depend on the split (its
    dot products are not divided), so neither do its answers."""
    workers = min(cpu_cores(), n // MIN_QUERIES_PER_CORE)
    if workers <= 1:
        return chunk(0, n)
    from threadpoolctl import threadpool_limits

    bounds = np.linspace(0, n, workers + 1).astype(int)
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(chunk, bounds[:-1], bounds[1:]))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _use_normalized(vectors: Vectors) -> bool:
    """Whether to use (and cache) the full unit-normalised copy rather than normalise per block."""
    return "normalized" in vectors.__dict__ or len(vectors) * vectors.dim * 4 <= NORMALIZED_MAX_BYTES


def _inverse_norms(vectors: Vectors) -> np.ndarray:
    n = vectors.norms
    return np.divide(1.0, n, out=np.zeros_like(n), where=n > 0)


class UnitRows:
    """The unit-normalised rows of ``vectors``, read on demand: ``u[c0:c1]`` or ``u[rows]``.

    Small matrices use (and cache) :attr:`Vectors.normalized`; larger ones (above
    :data:`NORMALIZED_MAX_BYTES` as float32) are normalised per request from their memory map
    with the cached :attr:`Vectors.norms`, so no function that uses this copies the whole matrix.
    """

    def __init__(self, vectors: Vectors) -> None:
        self._full = vectors.normalized if _use_normalized(vectors) else None
        self._matrix = vectors.matrix
        self._inv = None if self._full is not None else _inverse_norms(vectors)
        self.shape = vectors.shape

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, idx) -> np.ndarray:
        if self._full is not None:
            return self._full[idx]
        assert self._inv is not None
        block = np.asarray(self._matrix[idx], dtype=np.float32)
        return block * self._inv[idx][..., None]


def unit_view(vectors: Vectors) -> np.ndarray | UnitRows:
    """:attr:`Vectors.normalized` when small enough to copy, else a :class:`UnitRows` view."""
    return vectors.normalized if _use_normalized(vectors) else UnitRows(vectors)


def unit_rows(vectors: Vectors, rows: np.ndarray) -> np.ndarray:
    """The unit-normalised rows ``rows`` of ``vectors`` (float32, without normalising the rest).

    These are the rows ``rows`` of :func:`unit_view` computed without building the view; above
    :data:`NORMALIZED_MAX_BYTES` they may differ from it in the last float32 bit (they divide by
    the row norm, :class:`UnitRows` multiplies by a cached inverse norm).
    """
    if _use_normalized(vectors):
        return np.asarray(vectors.normalized[rows])
    return normalize_rows(vectors.matrix[rows])
