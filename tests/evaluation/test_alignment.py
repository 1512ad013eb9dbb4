"""Tests for embedkit.evaluation.alignment: Procrustes alignment and neighbour overlap."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import embedkit
from embedkit.evaluation.alignment import align, neighbor_overlap
from embedkit.text import is_word


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


def test_least_agreement_lists_words_only(glove):
    """Check that the least-agreeing query words are words, even when punctuation agrees least of all."""
    base = glove.most_frequent(5000)
    non_words = [i for i, w in enumerate(base.keys) if not is_word(w)]
    assert {",", ".", "'s", "-"} <= {base.keys[i] for i in non_words}
    # The rows of the punctuation, numbers and clitics trade places: their neighbourhoods change completely.
    rows = np.arange(len(base))
    rows[non_words] = np.roll(non_words, 1)
    shuffled = base.with_matrix(base.matrix[rows])
    ov = neighbor_overlap(base, shuffled, k=10, n_words=1000)
    comma = (
        embedkit.nearest(base, ",", k=10, restrict=5000).words,
        embedkit.nearest(shuffled, ",", k=10, restrict=5000).words,
    )
    assert not set(comma[0]) & set(comma[1])  # "," agrees least of all (Jaccard 0), and is not listed
    assert len(ov.lowest) == 10 and all(is_word(w) for w, _ in ov.lowest)
    jaccards = [j for _, j in ov.lowest]
    assert jaccards == sorted(jaccards) and jaccards[0] < 1.0
