"""Tests for embedkit.search.kernels: the blocked top-k with a pruned score function."""

from __future__ import annotations

import numpy as np

from embedkit.search.kernels import topk_blocked


def test_topk_blocked_pruned_fn_gives_the_same_top_k():
    """Check that a pruned score function (only queries that can beat their k-th best) gives topk_blocked's rows and scores, ties included."""
    rng = np.random.default_rng(0)
    S = np.round(rng.standard_normal((70, 500)), 1).astype(np.float32)  # many exact ties
    exclude = rng.integers(-1, 500, (70, 3))
    seen = []

    def score(q0: int, q1: int, c0: int, c1: int) -> np.ndarray:
        return S[q0:q1, c0:c1].copy()

    def pruned(q0: int, q1: int, c0: int, c1: int, thr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        block = S[q0:q1, c0:c1]
        keep = np.flatnonzero(block.max(axis=1) > thr)
        seen.append(len(keep) / (q1 - q0))
        return keep, block[keep].copy()

    want = topk_blocked(score, 70, 500, 4, exclude, query_block=32, candidate_block=64)
    got = topk_blocked(score, 70, 500, 4, exclude, query_block=32, candidate_block=64, pruned_fn=pruned)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert len(seen) == 3 * 7  # three query blocks, seven candidate blocks after the first
    assert min(seen) < 0.5  # it did prune
