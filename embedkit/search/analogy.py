"""Analogies, "a is to b as c is to ?", by 3CosAdd and 3CosMul, single and batched.

3CosAdd (Mikolov et al. 2013) ranks words x by ``cos(x, b - a + c)`` on unit vectors, as gensim's
``most_similar(positive=[b, c], negative=[a])``. 3CosMul (Levy & Goldberg 2014) ranks by
``s(x, b) * s(x, c) / (s(x, a) + 1e-6)`` with ``s = (1 + cos) / 2``, as gensim's
``most_similar_cosmul``. The three query words are never answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np

from ..errors import InvalidArgumentError
from ..vectors import Vectors
from .backends import SearchBackend, resolve_backend
from .kernels import (
    CANDIDATE_BLOCK,
    QUERY_BLOCK,
    ScoreFn,
    UnitRows,
    normalize_rows,
    restrict_count,
    topk_blocked,
    unit_view,
)
from .neighbors import Neighbors, to_neighbors

__all__ = [
    "COSMUL_CANDIDATE_BLOCK",
    "COSMUL_EPS",
    "COSMUL_QUERY_BLOCK",
    "Method",
    "analogy",
    "analogy_many",
    "analogy_rows",
]

Method = Literal["3cosadd", "3cosmul"]
METHODS = ("3cosadd", "3cosmul")
COSMUL_EPS = np.float32(1e-6)
# Measured on the Google set (benchmarks/bench_evaluate.py): 1,024 x 1,024 blocks run 3CosMul
# about 2.4x faster than 512 x 8,192 (the score block is gathered, so it must stay in cache).
COSMUL_QUERY_BLOCK = 1024
COSMUL_CANDIDATE_BLOCK = 1024


def analogy_rows(
    vectors: Vectors,
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    k: int = 1,
    *,
    method: Method = "3cosadd",
    restrict: int | None = None,
    exclude: np.ndarray | None = None,
    device: str | SearchBackend = "cpu",
    progress: Callable[[float], object] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The batched core: row indices ``a``, ``b``, ``c`` (int arrays of equal length) in,
    ``(rows, scores)`` of the top-``k`` answers out, both ``(n, k)``.

    ``exclude`` (``(n, m)`` rows, ``-1`` padded) replaces the default exclusion of ``a, b, c``.
    ``device`` is as for :func:`analogy_many`; ``progress`` (device backends only) is called
    with numbers of questions done.
    """
    if method not in METHODS:
        raise InvalidArgumentError(f"method must be one of {METHODS}, got {method!r}")
    if k < 0:
        raise InvalidArgumentError(f"k must be >= 0, got {k}")
    a, b, c = (np.asarray(x, dtype=np.int64) for x in (a, b, c))
    n_cand = restrict_count(vectors, restrict)
    backend = resolve_backend(device)
    normed = unit_view(vectors)  # blockwise for matrices too large to copy normalised
    if exclude is None:
        exclude = np.stack([a, b, c], axis=1)
    if backend is not None and method == "3cosmul":
        return backend.cosmul_topk(
            vectors,
            a,
            b,
            c,
            k,
            exclude,
            n_candidates=n_cand,
            query_block=COSMUL_QUERY_BLOCK,
            candidate_block=COSMUL_CANDIDATE_BLOCK,
            progress=progress,
        )
    A, B, C = normed[a], normed[b], normed[c]
    if method == "3cosadd":
        Q = normalize_rows(B + C - A)  # gensim: the unit vector of the mean of the unit vectors
        if backend is not None:
            return backend.cosine_topk(
                vectors,
                Q,
                k,
                exclude,
                n_candidates=n_cand,
                query_block=QUERY_BLOCK,
                candidate_block=CANDIDATE_BLOCK,
                progress=progress,
            )

        def score(q0: int, q1: int, c0: int, c1: int) -> np.ndarray:
            return Q[q0:q1] @ normed[c0:c1].T

    else:
        stacked = np.concatenate([A, B, C], axis=0)
        cosmul = _cosmul_score(normed, stacked, np.concatenate([a, b, c]))
        # Narrow candidate blocks keep the gathered score block in cache.
        return topk_blocked(
            cosmul, len(a), n_cand, k, exclude, query_block=COSMUL_QUERY_BLOCK, candidate_block=COSMUL_CANDIDATE_BLOCK
        )

    return topk_blocked(score, len(a), n_cand, k, exclude)


def _cosmul_score(normed: np.ndarray | UnitRows, stacked: np.ndarray, words: np.ndarray) -> ScoreFn:
    """The blocked 3CosMul score function of :func:`analogy_rows`.

    A block of questions often repeats its words (the Google set's 19,544 questions use 905
    words, and a block of consecutive questions a few hundred): then each distinct word's
    similarity row is computed once per candidate block, turned into ``s = (1 + cos) / 2`` once,
    and every question's score gathers its three rows. The dot products and the float32
    operations on them are the same as when each question's three rows are multiplied, so the
    scores (and the order of ties) are too.
    """
    n = len(words) // 3
    plans: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}

    def plan(q0: int, q1: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The block's rows to multiply and, if they are its distinct words, each question's three."""
        if q0 not in plans:
            sl = np.r_[q0:q1, n + q0 : n + q1, 2 * n + q0 : 2 * n + q1]  # the a, b, c of the block
            uniq, first, pos = np.unique(words[sl], return_index=True, return_inverse=True)
            plans.clear()  # topk_blocked runs the query blocks one after another
            # Worth it when the distinct rows are clearly fewer than the 3m rows they replace.
            if len(uniq) <= 2 * (q1 - q0):
                plans[q0] = (stacked[sl[first]], pos.reshape(3, -1))
            else:
                plans[q0] = (stacked[sl], None)
        return plans[q0]

    def score(q0: int, q1: int, c0: int, c1: int) -> np.ndarray:
        m = q1 - q0
        rows, pos = plan(q0, q1)
        if pos is None:
            S = rows @ normed[c0:c1].T  # (3m, c1 - c0)
            S += 1.0
            S *= 0.5
            out = S[m : 2 * m] * S[2 * m :]
            out /= S[:m] + COSMUL_EPS
            return out
        U = rows @ normed[c0:c1].T  # (distinct words, c1 - c0)
        U += 1.0
        U *= 0.5
        out = U[pos[1]]
        out *= U[pos[2]]
        U += COSMUL_EPS
        out /= U[pos[0]]
        return out

    return score


def analogy(
    vectors: Vectors,
    a: str,
    b: str,
    c: str,
    k: int = 1,
    *,
    method: Method = "3cosadd",
    restrict: int | None = None,
) -> Neighbors:
    """Answer "``a`` is to ``b`` as ``c`` is to ?": the ``k`` best words, best first.

    Parameters
    ----------
    vectors:
        The vectors to search.
    a, b, c:
        The question words; none of them is returned.
    k:
        How many answers.
    method:
        ``"3cosadd"`` or ``"3cosmul"``.
    restrict:
        Consider only the first ``restrict`` (most frequent) words as answers.

    Examples
    --------
    >>> import embedkit
    >>> analogy(embedkit.load(), "man", "king", "woman").words
    ['queen']
    """
    return analogy_many(vectors, [(a, b, c)], k, method=method, restrict=restrict)[0]


def analogy_many(
    vectors: Vectors,
    questions: Sequence[tuple[str, str, str]],
    k: int = 1,
    *,
    method: Method = "3cosadd",
    restrict: int | None = None,
    device: str | SearchBackend = "cpu",
) -> list[Neighbors]:
    """:func:`analogy` for many ``(a, b, c)`` questions at once (the fast path).

    Unknown words raise :class:`~embedkit.UnknownWordError` naming every one of them. ``device``:
    ``"cpu"`` (numpy), ``"cuda"``, ``"cuda:N"``, ``"auto"`` or a backend object, as in
    :mod:`embedkit.search.backends`; the answers are the same up to ties within float32 rounding.
    """
    qs = [tuple(q) for q in questions]
    if any(len(q) != 3 for q in qs):
        raise InvalidArgumentError("each question must be three words (a, b, c)")
    flat = [w for q in qs for w in q]
    rows = vectors.indices(flat).reshape(-1, 3) if qs else np.empty((0, 3), dtype=np.int64)
    top_rows, top_scores = analogy_rows(
        vectors, rows[:, 0], rows[:, 1], rows[:, 2], k, method=method, restrict=restrict, device=device
    )
    return to_neighbors(vectors, top_rows, top_scores, qs)
