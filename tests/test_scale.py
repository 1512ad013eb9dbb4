"""Search on a matrix too large to copy normalised: the blockwise path gives the exact path's neighbours."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import embedkit
from embedkit import neighbors


def test_blockwise_search_matches_normalized_path(glove, monkeypatch):
    """Check that the blockwise search (no normalised copy) returns the exact path's neighbours for 300 queries."""
    small = embedkit.Vectors(glove.keys[:50_000], np.array(glove.matrix[:50_000]))
    queries = small.keys[500:800]
    exact = neighbors.nearest_many(small, queries, k=10)
    fresh = embedkit.Vectors(small.keys, small.matrix)
    monkeypatch.setattr(neighbors, "NORMALIZED_MAX_BYTES", 0)
    blockwise = neighbors.nearest_many(fresh, queries, k=10)
    assert "normalized" not in fresh.__dict__  # never materialised
    same = sum(a.words == b.words for a, b in zip(exact, blockwise))
    assert same >= 299
    assert_allclose([a.scores for a in exact], [b.scores for b in blockwise], atol=1e-6)


def test_norms_are_blockwise_and_exact(glove):
    """Check that Vectors.norms (computed block by block) equals numpy's norm of the whole matrix."""
    # Same values, different block shapes: numpy's SIMD reductions may round the last bit differently.
    assert_allclose(glove.norms[:70_000], np.linalg.norm(np.asarray(glove.matrix[:70_000]), axis=1), rtol=1e-6)
    assert glove.norms[glove.index["the"]] == pytest.approx(4.967827, abs=1e-6)
