"""Nearest neighbours by cosine similarity, single and batched.

The batched path multiplies blocks of queries by blocks of candidate rows (so the score block
stays in cache and memory stays bounded), keeps a running top-k per query, and after the first
block only looks at the entries of a block that beat that query's current k-th best score.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple, Self

import numpy as np

from ..errors import InvalidArgumentError, InvalidTypeError
from ..vectors import Vectors
from .ann import ann_topk
from .backends import SearchBackend, resolve_backend
from .kernels import CANDIDATE_BLOCK, QUERY_BLOCK, Index, cosine_topk, normalize_rows, restrict_count, unit_rows

__all__ = ["Neighbor", "Neighbors", "nearest", "nearest_many", "to_neighbors"]


class Neighbor(NamedTuple):
    """One neighbour: the word and its score (cosine similarity, or 3CosMul's score)."""

    word: str
    score: float


class Neighbors(tuple):
    """The neighbours of one query, best first: a tuple of :class:`Neighbor` ``(word, score)``.

    ``query`` holds what was asked (a word, a tuple of analogy words, or ``None`` for a vector).
    """

    query: object

    def __new__(cls, items: Sequence[tuple[str, float]], query: object = None) -> Self:
        obj = super().__new__(cls, (Neighbor(w, float(s)) for w, s in items))
        obj.query = query
        return obj

    @property
    def words(self) -> list[str]:
        """The words, best first."""
        return [n.word for n in self]

    @property
    def scores(self) -> list[float]:
        """The scores, in the order of :attr:`words`."""
        return [n.score for n in self]

    def to_dict(self) -> dict:
        """``{"query": ..., "results": [{"word": ..., "score": ...}, ...]}``."""
        q = list(self.query) if isinstance(self.query, tuple) else self.query
        return {"query": q, "results": [{"word": n.word, "score": n.score} for n in self]}

    def __repr__(self) -> str:
        inner = ", ".join(f"({n.word!r}, {n.score:.4f})" for n in self)
        return f"Neighbors([{inner}])"


def to_neighbors(vectors: Vectors, rows: np.ndarray, scores: np.ndarray, queries: Sequence[object]) -> list[Neighbors]:
    """One :class:`Neighbors` per query from ``(rows, scores)`` as the kernels return them (``-1`` rows dropped)."""
    keys = vectors.keys_view
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
    return nearest_many(
        vectors,
        [query] if isinstance(query, str) else np.asarray(query)[None, :],
        k,
        exclude=exclude,
        restrict=restrict,
    )[0]


def nearest_many(
    vectors: Vectors,
    queries: Sequence[str] | np.ndarray,
    k: int = 10,
    *,
    exclude: Collection[str] | None = None,
    restrict: int | None = None,
    index: Index = "exact",
    ef: int | None = None,
    device: str | SearchBackend = "cpu",
    progress: bool = False,
) -> list[Neighbors]:
    """:func:`nearest` for a batch of queries: a list of words, or a ``(n, dim)`` array.

    The batched path is the fast one: blocked matrix products plus a partial sort, in bounded
    memory (a memory-mapped matrix larger than :data:`~embedkit.search.kernels.NORMALIZED_MAX_BYTES`
    is normalised block by block, never copied whole). With words as queries, ``exclude=None``
    excludes each query word from its own list; any other ``exclude`` applies to every query.

    ``index="hnsw"`` searches an approximate HNSW graph instead (:mod:`embedkit.search.ann`; built on
    first use and saved beside the memory-mapped cache): much faster for large batches and large
    vocabularies, with most but not always all of the exact neighbours. Scores are exact cosines.
    ``ef`` is the graph search's breadth (default 50), recall against time; measured recall and
    speed are in ``docs/ann.md`` (``benchmarks/bench_ann.py``).

    ``device`` runs the exact search on ``"cuda"``, ``"cuda:N"``, ``"auto"`` (CUDA when there is
    one) or a backend object (:mod:`embedkit.search.backends`); the default ``"cpu"`` is numpy.
    The answers are the same up to ties within float32 rounding. ``progress`` shows a bar on
    stderr while the HNSW graph is built (its first use on a vector set can take minutes).
    """
    if k < 0:
        raise InvalidArgumentError(f"k must be >= 0, got {k}")
    if index not in ("exact", "hnsw"):
        raise InvalidArgumentError(f"index must be 'exact' or 'hnsw', got {index!r}")
    if ef is not None and (index != "hnsw" or ef < 1):
        raise InvalidArgumentError(
            f"ef must be a positive int and needs index='hnsw', got ef={ef} with index={index!r}"
        )
    backend = resolve_backend(device)
    if index == "hnsw" and backend is not None:
        raise InvalidArgumentError("device is for exact search; index='hnsw' runs on the CPU")
    if index == "hnsw" and restrict is not None:
        raise InvalidArgumentError("restrict is not supported with index='hnsw' (the graph covers every word)")
    extra = vectors.indices(exclude) if exclude else np.empty(0, dtype=np.int64)
    if isinstance(queries, np.ndarray):
        Q = np.atleast_2d(queries)
        if Q.shape[1] != vectors.dim:
            raise InvalidArgumentError(f"query vectors have {Q.shape[1]} dimensions, the vectors {vectors.dim}")
        labels: list[object] = [None] * len(Q)
        ex = np.broadcast_to(extra, (len(Q), len(extra))) if len(extra) else None
    else:
        words = list(queries)
        if any(not isinstance(w, str) for w in words):
            raise InvalidTypeError("queries must be a list of words or a 2-D array of vectors")
        rows = vectors.indices(words)
        Q = unit_rows(vectors, rows)
        labels = list(words)
        if exclude is None:
            ex = rows[:, None]
        else:
            ex = np.broadcast_to(extra, (len(Q), len(extra))) if len(extra) else None
    ex = None if ex is None else np.ascontiguousarray(ex)
    if index == "hnsw":
        top_rows, top_scores = ann_topk(vectors, normalize_rows(Q), k, ex, ef=ef, progress=progress)
    elif backend is not None:
        top_rows, top_scores = backend.cosine_topk(
            vectors,
            normalize_rows(Q),
            k,
            ex,
            n_candidates=restrict_count(vectors, restrict),
            query_block=QUERY_BLOCK,
            candidate_block=CANDIDATE_BLOCK,
        )
    else:
        top_rows, top_scores = cosine_topk(vectors, Q, k, ex, restrict=restrict)
    return to_neighbors(vectors, top_rows, top_scores, labels)
