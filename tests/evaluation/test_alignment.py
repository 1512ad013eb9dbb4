"""Tests for embedkit.evaluation.alignment: Procrustes alignment and neighbour overlap."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit.evaluation.alignment import align, neighbor_overlap


@pytest.fixture(scope="module")
def pair(glove):
    """The default vectors restricted to 20,000 words, and a randomly rotated copy."""
    base = glove.most_frequent(20000)
    q, _ = np.linalg.qr(np.random.default_rng(7).standard_normal((50, 50)))
    return base, base.with_matrix(base.matrix @ q.astype(np.float32)), q


def test_rotation_is_recovered(pair):
    """Check that Procrustes recovers a random rotation exactly and the neighbour overlap is 1.0."""
    base, rotated, q = pair
    al = align(rotated, base, names=("rotated", "glove"))
    assert_allclose(al.W, q.T, atol=1e-4)
    assert al.mean_cosine == pytest.approx(1.0, abs=1e-5) and al.words == 20000
    ov = neighbor_overlap(base, rotated, k=10, n_words=500)
    assert ov.mean_jaccard == 1.0 and ov.vocabulary == 20000 and ov.words == 500
