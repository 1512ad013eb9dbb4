"""Nearest neighbours by cosine similarity, single and batched.

The batched path multiplies blocks of queries by blocks of candidate rows (so the score block
stays in cache and memory stays bounded), keeps a running top-k per query, and after the first
block only looks at the entries of a block that beat that query's current k-th best score.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Literal, NamedTuple

import numpy as np

from .vectors import Vectors

__all__ = ["Neighbor", "Neighbors", "nearest", "nearest_many", "topk_blocked"]

QUERY_BLOCK = 512
CANDIDATE_BLOCK = 8192
# Above this size (of a float32 copy) the matrix is normalised block by block as it is scanned,
# so vectors larger than memory are searched straight from their memory map.
NORMALIZED_MAX_BYTES = 1 << 28

Index = Literal["exact", "hnsw"]


class Neighbor(NamedTuple):
    """One neighbour: the word and its score (cosine similarity, or 3CosMul's score)."""

    word: str
    score: float


class Neighbors(tuple):
    """The neighbours of one query, best first: a tuple of :class:`Neighbor` ``(word, score)``.

    ``query`` holds what was asked (a word, a tuple of analogy words, or ``None`` for a vector).
    """

    query: object

    def __new__(cls, items: Sequence[tuple[str, float]], query: object = None) -> Neighbors:
        obj = super().__new__(cls, (Neighbor(w, float(s)) for w, s in items))
        obj.query = query
        return obj

    @property
    def words(self) -> list[str]:
        return [n.word for n in self]

    @property
    def scores(self) -> list[float]:
        return [n.score for n in self]

    def to_dict(self) -> dict:
        """``{"query": ..., "results": [{"word": ..., "score": ...}, ...]}``."""
        q = list(self.query) if isinstance(self.query, tuple) else self.query
        return {"query": q, "results": [{"word": n.word, "score": n.score} for n in self]}

    def __repr__(self) -> str:
        inner = ", ".join(f"({n.word!r}, {n.score:.4f})" for n in self)
        return f"Neighbors([{inner}])"


ScoreFn = Callable[[int, int, int, int], np.ndarray]


def topk_blocked(
    score_fn: ScoreFn,
    n_queries: int,
    n_candidates: int,
    k: int,
    exclude: np.ndarray | None = None,
    *,
    query_block: int = QUERY_BLOCK,
    candidate_block: int = CANDIDATE_BLOCK,
) -> tuple[np.ndarray, np.ndarray]:
    """The top-``k`` candidates of every query under a blocked score function.

    ``score_fn(q0, q1, c0, c1)`` returns the ``(q1 - q0, c1 - c0)`` float32 scores of queries
    ``q0:q1`` against candidates ``c0:c1`` (a fresh, writable array). ``exclude`` is an
    ``(n_queries, m)`` int array of candidate rows to skip per query (``-1`` pads).

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
            S = score_fn(q0, q1, c0, c1)  # (nq, c1 - c0)
            rows = np.flatnonzero(S.max(axis=1) > thr)
            if rows.size == 0:
                continue
            sub = S[rows]
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
        tied = np.flatnonzero((S >= best_s.min(axis=1, keepdims=True)).sum(axis=1) > k)
        for r in tied.tolist():
            o = np.argsort(-S[r], kind="stable")[:k]
            best_s[r], best_i[r] = S[r, o], o
    order = _order_desc(best_s, best_i)
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


def _order_desc(s: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Per row, column order by score descending, ties by smaller index (``-1`` padding last)."""
    key_i = np.where(i < 0, np.iinfo(np.int64).max, i)
    # A stable sort on the index, then a stable sort on the score, gives the tie order we want.
    o1 = np.argsort(key_i, axis=1, kind="stable")
    s1 = np.take_along_axis(s, o1, axis=1)
    o2 = np.argsort(-s1, axis=1, kind="stable")
    return np.take_along_axis(o1, o2, axis=1)


def _unit_rows(q: np.ndarray) -> np.ndarray:
    q = np.asarray(q, dtype=np.float32)
    n = np.linalg.norm(q, axis=1, keepdims=True)
    return np.divide(q, n, out=np.zeros_like(q), where=n > 0)


def _restrict_count(vectors: Vectors, restrict: int | None) -> int:
    if restrict is None:
        return len(vectors)
    if restrict < 1:
        raise ValueError(f"restrict must be a positive number of words, got {restrict}")
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
    n_cand = _restrict_count(vectors, restrict)
    Q = _unit_rows(queries)
    if _use_normalized(vectors):
        normed = vectors.normalized

        def score(q0: int, q1: int, c0: int, c1: int) -> np.ndarray:
            return Q[q0:q1] @ normed[c0:c1].T

        return topk_blocked(score, len(Q), n_cand, k, exclude)
    matrix, inv = vectors.matrix, _inverse_norms(vectors)

    def score_blockwise(q0: int, q1: int, c0: int, c1: int) -> np.ndarray:
        S = Q[q0:q1] @ np.asarray(matrix[c0:c1], dtype=np.float32).T
        S *= inv[c0:c1]
        return S

    # Each query block scans the whole matrix: bigger query blocks mean fewer passes over the map.
    return topk_blocked(score_blockwise, len(Q), n_cand, k, exclude, query_block=4 * QUERY_BLOCK)


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
    """The unit-normalised rows ``rows`` of ``vectors`` (float32, without normalising the rest)."""
    if _use_normalized(vectors):
        return np.asarray(vectors.normalized[rows])
    return _unit_rows(vectors.matrix[rows])


def _to_neighbors(vectors: Vectors, rows: np.ndarray, scores: np.ndarray, queries: Sequence[object]) -> list[Neighbors]:
    keys = vectors._keys
    out = []
    for q, r, s in zip(queries, rows.tolist(), scores.tolist()):
        out.append(Neighbors([(keys[i], sc) for i, sc in zip(r, s) if i >= 0], query=q))
    return out


def nearest(
    vectors: Vectors,
    query: str | np.ndarray,
    k: int = 10,
    *,
    exclude: Collection[str] | None = None,
    restrict: int | None = None,
) -> Neighbors:
    """The ``k`` words most similar (by cosine) to a word or a vector, best first.

    Parameters
    ----------
    vectors:
        The vectors to search.
    query:
        A word, or a vector of ``vectors.dim`` values.
    k:
        How many neighbours.
    exclude:
        Words never returned. ``None`` (the default) excludes the query word itself, as gensim's
        ``most_similar`` does; pass ``()`` to keep it.
    restrict:
        Search only the first ``restrict`` (most frequent) words.

    Returns
    -------
    Neighbors
        A tuple of ``(word, score)`` pairs, best first.

    Examples
    --------
    >>> import embedkit
    >>> v = embedkit.load()
    >>> nearest(v, "frog", k=3).words
    ['snake', 'ape', 'toad']
    """
    return nearest_many(vectors, [query] if isinstance(query, str) else np.asarray(query)[None, :], k,
                        exclude=exclude, restrict=restrict)[0]


def nearest_many(
    vectors: Vectors,
    queries: Sequence[str] | np.ndarray,
    k: int = 10,
    *,
    exclude: Collection[str] | None = None,
    restrict: int | None = None,
    index: Index = "exact",
    ef: int | None = None,
) -> list[Neighbors]:
    """:func:`nearest` for a batch of queries: a list of words, or a ``(n, dim)`` array.

    The batched path is the fast one: blocked matrix products plus a partial sort, in bounded
    memory (a memory-mapped matrix larger than :data:`NORMALIZED_MAX_BYTES` is normalised block
    by block, never copied whole). With words as queries, ``exclude=None`` excludes each query
    word from its own list; any other ``exclude`` applies to every query.

    ``index="hnsw"`` searches an approximate HNSW graph instead (:mod:`embedkit.ann`; built on
    first use and saved beside the memory-mapped cache): much faster for large batches and large
    vocabularies, with most but not always all of the exact neighbours. Scores are exact cosines.
    ``ef`` is the graph search's breadth (default 50), recall against time; measured recall and
    speed are in ``docs/ann.md`` (``benchmarks/bench_ann.py``).
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    if index not in ("exact", "hnsw"):
        raise ValueError(f"index must be 'exact' or 'hnsw', got {index!r}")
    if ef is not None and (index != "hnsw" or ef < 1):
        raise ValueError(f"ef must be a positive int and needs index='hnsw', got ef={ef} with index={index!r}")
    if index == "hnsw" and restrict is not None:
        raise ValueError("restrict is not supported with index='hnsw' (the graph covers every word)")
    extra = vectors.indices(exclude) if exclude else np.empty(0, dtype=np.int64)
    if isinstance(queries, np.ndarray):
        Q = np.atleast_2d(queries)
        if Q.shape[1] != vectors.dim:
            raise ValueError(f"query vectors have {Q.shape[1]} dimensions, the vectors {vectors.dim}")
        labels: list[object] = [None] * len(Q)
        ex = np.broadcast_to(extra, (len(Q), len(extra))) if len(extra) else None
    else:
        words = list(queries)
        if any(not isinstance(w, str) for w in words):
            raise TypeError("queries must be a list of words or a 2-D array of vectors")
        rows = vectors.indices(words)
        Q = unit_rows(vectors, rows)
        labels = list(words)
        if exclude is None:
            ex = rows[:, None]
        else:
            ex = np.broadcast_to(extra, (len(Q), len(extra))) if len(extra) else None
    ex = None if ex is None else np.ascontiguousarray(ex)
    if index == "hnsw":
        from .ann import ann_topk

        top_rows, top_scores = ann_topk(vectors, _unit_rows(Q), k, ex, ef=ef)
    else:
        top_rows, top_scores = cosine_topk(vectors, Q, k, ex, restrict=restrict)
    return _to_neighbors(vectors, top_rows, top_scores, labels)
