"""The two exact 3CosAdd kernels of :func:`~embedkit.evaluation.evaluate_analogies`, and the choice.

gensim ranks the answers x of "a is to b as c is to ?" by ``cos(x, b̂ - â + ĉ)`` (unit vectors; its
``most_similar(positive=[b, c], negative=[a])``). Two kernels give its top answers:

* ``"product"``: one query vector per question, one matrix product of the queries with each block
  of candidates (:func:`product_top`);
* ``"rows"``: the similarity rows of the block's *distinct* question words, one product per block
  of candidates, combined per question as ``x·b̂ - x·â + x·ĉ`` (:func:`rows_top`). For each
  question that sum is ``|b̂ - â + ĉ|`` times the cosine, the same factor for every candidate, so
  it ranks the candidates in the same order; the Google set's 19,544 questions use 905 words, so
  the products shrink about tenfold and what remains is the row combination.

The two rankings agree exactly only in exact arithmetic: in float32 the combined sum and the
product differ by at most :func:`rows_margin`, which can swap candidates tied that closely. So the
rows kernel keeps :data:`RESCORE_EXTRA` more candidates than it needs, and scores them again as the
product kernel does (the same query vectors, the same float32 products): the answers are then the
product kernel's, tie for tie, wherever the candidates it kept include every one within twice the
margin of the fifth best. The rare questions where they do not are answered by the product kernel.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..errors import InvalidArgumentError
from ..search.kernels import UnitRows, order_desc, topk_blocked, unit_view
from ..vectors import Vectors

__all__ = [
    "KERNELS",
    "PRODUCT_CANDIDATE_BLOCK",
    "RESCORE_EXTRA",
    "ROWS_CANDIDATE_BLOCK",
    "ROWS_COMBINE_FLOPS",
    "Kernel",
    "choose_kernel",
    "cosadd_top",
    "gensim_queries",
    "product_top",
    "rows_margin",
    "rows_top",
]

Kernel = Literal["auto", "product", "rows"]
KERNELS = ("auto", "product", "rows")
"""The values of ``kernel``: ``"auto"`` chooses per block of questions (:func:`choose_kernel`)."""
PRODUCT_CANDIDATE_BLOCK = 4096
"""Candidates per block of the product kernel."""
ROWS_CANDIDATE_BLOCK = 1024
"""Candidates per block of the rows kernel: its score block is combined from rows, so it stays in cache."""
RESCORE_EXTRA = 3
"""Candidates the rows kernel keeps beyond those it answers with, to score again exactly."""
ROWS_COMBINE_FLOPS = 30.0
"""Cost of combining three similarity rows, per question and candidate, in floating-point
operations of the matrix products at the same rate: the rows kernel wins where
``2 * dim * (1 - distinct / questions)`` exceeds it (fitted to single-threaded timings of both kernels on
GloVe 50d, the crossover near 0.7 distinct words a question; docs/benchmarks.md)."""
_RESCORE_GROUP = 64  # questions scored again in one product


def gensim_queries(vectors: Vectors, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Unit query vectors computed as gensim's ``most_similar(positive=[b, c], negative=[a])``:
    the float32 sum of the unit vectors, divided by 3 and normalised in float64, then float32."""
    normed = unit_view(vectors)
    mean = normed[b] + normed[c]
    mean -= normed[a]
    m64 = mean.astype(np.float64) / 3.0
    norms = np.sqrt(np.einsum("ij,ij->i", m64, m64))[:, None]
    return np.divide(m64, norms, out=np.zeros_like(m64), where=norms > 0).astype(np.float32)


def rows_margin(dim: int) -> float:
    """A bound on ``|x·b̂ - x·â + x·ĉ - |m| cos(x, m)|`` in float32, ``m`` the float32 ``b̂ - â + ĉ``.

    Each of the four ``dim``-term dot products (three rows and the product kernel's) is within
    ``dim`` units in the last place of 1 (rows of norm 1), and the sums and the query's rounding add
    a few more; the bound doubles that, for rows whose norm is 1 only to float32.
    """
    return 2.0 * (6 * dim + 13) * 2.0**-24


def product_top(vectors: Vectors, rows: np.ndarray, n_cand: int, k: int, batch_size: int) -> np.ndarray:
    """The top-``k`` answer rows of each ``(a, b, c, ...)`` row of ``rows`` by one product per question
    (``-1`` where none), best first, ties to the lower row; the question words are not answers."""
    a, b, c = rows[:, 0], rows[:, 1], rows[:, 2]
    Q = gensim_queries(vectors, a, b, c)
    cand = unit_view(vectors)  # rows c0:c1 < n_cand, normalised per block when the matrix is large

    def score(q0: int, q1: int, c0: int, c1: int) -> np.ndarray:
        return Q[q0:q1] @ cand[c0:c1].T  # (q1 - q0, c1 - c0)

    exclude = np.ascontiguousarray(rows[:, :3])
    top, _ = topk_blocked(
        score, len(Q), n_cand, k, exclude, query_block=batch_size, candidate_block=PRODUCT_CANDIDATE_BLOCK
    )
    return top


class _RowSums:
    """``x·b̂ - x·â + x·ĉ`` for blocks of questions and candidates, from the distinct words' rows.

    Per block of questions: the distinct words (their similarity rows ``U``, one product per block
    of candidates), the distinct ``(b, a)`` pairs (their differences ``D = U_b - U_a``; the Google
    set's questions pair each word pair with many others) and each question's pair and ``c``. A
    question's sums are ``D[pair] + U[c]``, so ``max D[pair] + max U[c]`` bounds them from above
    (exactly: float32 rounding is monotonic), and :meth:`pruned` builds only the sums of the
    questions whose bound beats their current k-th best.
    """

    def __init__(self, normed: np.ndarray | UnitRows, rows: np.ndarray) -> None:
        self.normed = normed
        self.rows = rows
        self.q0 = -1
        # Elements computed so far of the similarity rows, the pair differences and the sums
        # (benchmarks/bench_limits.py counts the kernel's memory traffic with them).
        self.counts = {"blocks": 0, "words": 0, "word_cols": 0, "pair_cols": 0, "sum_cols": 0}

    def _plan(self, q0: int, q1: int) -> None:
        if q0 != self.q0:  # topk_blocked runs the query blocks one after another
            uniq, pos = np.unique(self.rows[q0:q1, :3], return_inverse=True)
            pos = pos.reshape(q1 - q0, 3)  # a, b, c
            pairs, pair_of = np.unique(pos[:, [1, 0]], axis=0, return_inverse=True)
            self.words = np.asarray(self.normed[uniq])  # (distinct words, dim)
            self.pair_b, self.pair_a = pairs[:, 0], pairs[:, 1]
            self.pair_of, self.c_of = pair_of.ravel(), pos[:, 2]
            self.q0 = q0
            self.counts["blocks"] += 1
            self.counts["words"] += len(uniq)

    def _rows(self, q0: int, q1: int, c0: int, c1: int) -> tuple[np.ndarray, np.ndarray]:
        self._plan(q0, q1)
        U = self.words @ self.normed[c0:c1].T  # (distinct words, c1 - c0)
        D = U[self.pair_b]
        D -= U[self.pair_a]  # (distinct pairs, c1 - c0)
        self.counts["word_cols"] += U.size
        self.counts["pair_cols"] += D.size
        return U, D

    def score(self, q0: int, q1: int, c0: int, c1: int) -> np.ndarray:
        """The sums of questions ``q0:q1`` over candidates ``c0:c1``."""
        U, D = self._rows(q0, q1, c0, c1)
        S = D[self.pair_of]
        S += U[self.c_of]
        self.counts["sum_cols"] += S.size
        return S  # (q1 - q0, c1 - c0)

    def pruned(self, q0: int, q1: int, c0: int, c1: int, thr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The questions of ``q0:q1`` whose sums may exceed ``thr``, and their sums."""
        U, D = self._rows(q0, q1, c0, c1)
        bound = D.max(axis=1)[self.pair_of]
        bound += U.max(axis=1)[self.c_of]
        keep = np.flatnonzero(bound > thr)
        S = D[self.pair_of[keep]]
        S += U[self.c_of[keep]]
        self.counts["sum_cols"] += S.size
        beat = np.flatnonzero(S.max(axis=1) > thr[keep])  # the few that do, before the costlier scan
        return keep[beat], S[beat]  # (r,), (r, c1 - c0)


def _rescore(Q: np.ndarray, normed: np.ndarray | UnitRows, cand: np.ndarray, k: int) -> np.ndarray:
    """The top-``k`` of each query's candidate rows ``cand`` (``-1`` padded) by the product kernel's scores.

    A group's candidates are multiplied as one matrix product, which gives each score bit for bit
    as the product kernel's larger products do (the dot products are not split)."""
    out = np.full((len(Q), k), -1, dtype=np.int64)
    for g0 in range(0, len(Q), _RESCORE_GROUP):
        g1 = min(g0 + _RESCORE_GROUP, len(Q))
        cg = cand[g0:g1]
        uniq, inv = np.unique(np.maximum(cg, 0), return_inverse=True)
        S = Q[g0:g1] @ np.asarray(normed[uniq]).T  # (group, distinct candidates)
        scores = np.take_along_axis(S, inv.reshape(cg.shape), axis=1)
        scores[cg < 0] = -np.inf
        order = order_desc(scores, cg)[:, :k]
        best = np.take_along_axis(cg, order, axis=1)
        best[~np.isfinite(np.take_along_axis(scores, order, axis=1))] = -1
        out[g0:g1] = best
    return out


def rows_top(vectors: Vectors, rows: np.ndarray, n_cand: int, k: int, batch_size: int) -> np.ndarray:
    """:func:`product_top` computed from the distinct words' similarity rows: the same rows, tie for tie."""
    normed = unit_view(vectors)
    keep = k + RESCORE_EXTRA
    exclude = np.ascontiguousarray(rows[:, :3])
    sums_of = _RowSums(normed, rows)
    top, sums = topk_blocked(
        sums_of.score,
        len(rows),
        n_cand,
        keep,
        exclude,
        query_block=batch_size,
        candidate_block=ROWS_CANDIDATE_BLOCK,
        pruned_fn=sums_of.pruned,
    )
    # Every candidate that the product kernel could rank among the k best is within twice the
    # margin of the k-th best sum; the kept ones hold them all where the last kept is below that.
    last = sums[:, keep - 1]
    sure = ~np.isfinite(last) | (last < sums[:, k - 1] - 2.0 * rows_margin(vectors.dim))
    out = np.full((len(rows), k), -1, dtype=np.int64)
    if sure.any():
        q = rows[sure]
        out[sure] = _rescore(gensim_queries(vectors, q[:, 0], q[:, 1], q[:, 2]), normed, top[sure], k)
    if not sure.all():
        out[~sure] = product_top(vectors, rows[~sure], n_cand, k, batch_size)
    return out


def choose_kernel(rows: np.ndarray, dim: int, batch_size: int) -> Literal["product", "rows"]:
    """The faster kernel for these questions by the cost model of :data:`ROWS_COMBINE_FLOPS`:
    ``"rows"`` where the distinct words of each block of ``batch_size`` questions save more products
    than combining their rows costs."""
    if len(rows) == 0:
        return "product"
    distinct = sum(len(np.unique(rows[q0 : q0 + batch_size, :3])) for q0 in range(0, len(rows), batch_size))
    saved = 2.0 * dim * (1.0 - distinct / len(rows))
    return "rows" if saved > ROWS_COMBINE_FLOPS else "product"


def cosadd_top(
    vectors: Vectors, rows: np.ndarray, n_cand: int, k: int, batch_size: int, kernel: Kernel = "auto"
) -> np.ndarray:
    """The top-``k`` 3CosAdd answer rows of each ``(a, b, c, ...)`` row among the first ``n_cand``
    rows (``-1`` where none), by ``kernel`` (``"auto"``: :func:`choose_kernel`)."""
    if kernel not in KERNELS:
        raise InvalidArgumentError(f"kernel must be one of {KERNELS}, got {kernel!r}")
    if kernel == "auto":
        kernel = choose_kernel(rows, vectors.dim, batch_size)
    if kernel == "rows":
        return rows_top(vectors, rows, n_cand, k, batch_size)
    return product_top(vectors, rows, n_cand, k, batch_size)
