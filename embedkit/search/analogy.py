"""Analogies, "a is to b as c is to ?", by 3CosAdd and 3CosMul, single and batched.

3CosAdd (Mikolov et al. 2013) ranks words x by ``cos(x, b - a + c)`` on unit vectors, as gensim's
``most_similar(positive=[b, c], negative=[a])``. 3CosMul (Levy & Goldberg 2014) ranks by
``s(x, b) * s(x, c) / (s(x, a) + 1e-6)`` with ``s = (1 + cos) / 2``, as gensim's
``most_similar_cosmul``. The three query words are never answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from ..errors import InvalidArgumentError
from ..vectors import Vectors
from .kernels import normalize_rows, restrict_count, topk_blocked, unit_view
from .neighbors import Neighbors, to_neighbors

__all__ = ["Method", "analogy", "analogy_many", "analogy_rows"]

Method = Literal["3cosadd", "3cosmul"]
METHODS = ("3cosadd", "3cosmul")
_COSMUL_EPS = np.float32(1e-6)


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
) -> tuple[np.ndarray, np.ndarray]:
    """The batched core: row indices ``a``, ``b``, ``c`` (int arrays of equal length) in,
    ``(rows, scores)`` of the top-``k`` answers out, both ``(n, k)``.

    ``exclude`` (``(n, m)`` rows, ``-1`` padded) replaces the default exclusion of ``a, b, c``.
    """
    if method not in METHODS:
        raise InvalidArgumentError(f"method must be one of {METHODS}, got {method!r}")
    if k < 0:
        raise InvalidArgumentError(f"k must be >= 0, got {k}")
    a, b, c = (np.asarray(x, dtype=np.int64) for x in (a, b, c))
    n_cand = restrict_count(vectors, restrict)
    normed = unit_view(vectors)  # blockwise for matrices too large to copy normalised
    if exclude is None:
        exclude = np.stack([a, b, c], axis=1)
    A, B, C = normed[a], normed[b], normed[c]
    if method == "3cosadd":
        Q = normalize_rows(B + C - A)  # gensim: the unit vector of the mean of the unit vectors

        def score(q0: int, q1: int, c0: int, c1: int) -> np.ndarray:
            return Q[q0:q1] @ normed[c0:c1].T

    else:
        stacked = np.concatenate([A, B, C], axis=0)
        n = len(a)

        def score(q0: int, q1: int, c0: int, c1: int) -> np.ndarray:
            m = q1 - q0
            rows = np.concatenate([stacked[q0:q1], stacked[n + q0 : n + q1], stacked[2 * n + q0 : 2 * n + q1]])
            S = rows @ normed[c0:c1].T  # (3m, c1 - c0)
            S += 1.0
            S *= 0.5
            out = S[m : 2 * m] * S[2 * m :]
            out /= S[:m] + _COSMUL_EPS
            return out

    return topk_blocked(score, len(a), n_cand, k, exclude)


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
) -> list[Neighbors]:
    """:func:`analogy` for many ``(a, b, c)`` questions at once (the fast path).

    Unknown words raise :class:`~embedkit.UnknownWordError` naming every one of them.
    """
    qs = [tuple(q) for q in questions]
    if any(len(q) != 3 for q in qs):
        raise InvalidArgumentError("each question must be three words (a, b, c)")
    flat = [w for q in qs for w in q]
    rows = vectors.indices(flat).reshape(-1, 3) if qs else np.empty((0, 3), dtype=np.int64)
    top_rows, top_scores = analogy_rows(
        vectors, rows[:, 0], rows[:, 1], rows[:, 2], k, method=method, restrict=restrict
    )
    return to_neighbors(vectors, top_rows, top_scores, qs)
