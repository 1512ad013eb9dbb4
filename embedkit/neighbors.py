"""Nearest neighbours by cosine similarity, single and batched.

The batched path multiplies blocks of queries by blocks of candidate rows (so the score block
stays in cache and memory stays bounded), keeps a running top-k per query, and after the first
block only looks again at the rows of a block whose best score beats that query's current k-th.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import NamedTuple

import numpy as np

from .vectors import Vectors

__all__ = ["Neighbor", "Neighbors", "nearest", "nearest_many", "topk_blocked"]

QUERY_BLOCK = 512
CANDIDATE_BLOCK = 8192


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
        nq = q1 - q0
        best_s = np.full((nq, k), -np.inf, dtype=np.float32)
        best_i = np.full((nq, k), -1, dtype=np.int64)
        ex = exclude[q0:q1] if exclude is not None else None
        for c0 in range(0, n_candidates, candidate_block):
            c1 = min(c0 + candidate_block, n_candidates)
            S = score_fn(q0, q1, c0, c1)  # (nq, c1 - c0)
            if ex is not None:
                hit = (ex >= c0) & (ex < c1)
                if hit.any():
                    qi, j = np.nonzero(hit)
                    S[qi, ex[qi, j] - c0] = -np.inf
            if c0 == 0:
                rows = np.arange(nq)
            else:
                # Only queries whose best score in this block beats their current k-th best.
                rows = np.flatnonzero(S.max(axis=1) > best_s[:, -1])
                if rows.size == 0:
                    continue
            sub = S[rows] if rows.size != nq else S
            width = sub.shape[1]
            if width > k:
                part = np.argpartition(sub, width - k, axis=1)[:, width - k :]
            else:
                part = np.broadcast_to(np.arange(width), (len(rows), width))
            cand_s = np.take_along_axis(sub, part, axis=1)
            cand_i = part + c0
            all_s = np.concatenate([best_s[rows], cand_s], axis=1)
            all_i = np.concatenate([best_i[rows], cand_i], axis=1)
            # Sort by score descending, breaking ties by the lower row (the more frequent word).
            order = _order_desc(all_s, all_i)[:, :k]
            best_s[rows] = np.take_along_axis(all_s, order, axis=1)
            best_i[rows] = np.take_along_axis(all_i, order, axis=1)
        best_i[~np.isfinite(best_s)] = -1
        rows_out[q0:q1] = best_i
        scores_out[q0:q1] = best_s
    return rows_out, scores_out


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
    normed = vectors.normalized

    def score(q0: int, q1: int, c0: int, c1: int) -> np.ndarray:
        return Q[q0:q1] @ normed[c0:c1].T

    return topk_blocked(score, len(Q), n_cand, k, exclude)


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
) -> list[Neighbors]:
    """:func:`nearest` for a batch of queries: a list of words, or a ``(n, dim)`` array.

    The batched path is the fast one: blocked matrix products plus a partial sort, in bounded
    memory. With words as queries, ``exclude=None`` excludes each query word from its own list;
    any other ``exclude`` applies to every query.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
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
        Q = np.asarray(vectors.normalized[rows])
        labels = list(words)
        if exclude is None:
            ex = rows[:, None]
        else:
            ex = np.broadcast_to(extra, (len(Q), len(extra))) if len(extra) else None
    top_rows, top_scores = cosine_topk(vectors, Q, k, None if ex is None else np.ascontiguousarray(ex),
                                       restrict=restrict)
    return _to_neighbors(vectors, top_rows, top_scores, labels)
