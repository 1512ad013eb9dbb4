"""Evaluation on a matrix too large to copy normalised: the blockwise path gives the usual numbers."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

import embedkit
from embedkit import evaluate_analogies, evaluate_similarity
from embedkit.search import kernels


def test_analogies_and_benchmarks_are_blockwise_on_large_matrices(glove, monkeypatch):
    """Check that analogies and the Google benchmark on a matrix too large to copy normalised give the usual answers without the copy."""
    questions = [("man", "king", "woman"), ("paris", "france", "rome"), ("good", "better", "bad")]
    want = embedkit.analogy_many(glove, questions, 3, method="3cosmul")
    want_sim = evaluate_similarity(glove, "wordsim353").spearman
    monkeypatch.setattr(kernels, "NORMALIZED_MAX_BYTES", 0)
    big = embedkit.Vectors(glove.keys, glove.matrix)  # a fresh object: nothing cached
    got = embedkit.analogy_many(big, questions, 3, method="3cosmul")
    assert [n.words for n in got] == [n.words for n in want]
    assert [n.words[0] for n in got] == ["queen", "italy", "worse"]
    assert_allclose([s for n in got for s in n.scores], [s for n in want for s in n.scores], rtol=1e-5)
    res = evaluate_analogies(big, restrict=30000, n_boot=1)
    assert (res.total.correct, res.total.total) == (7393, 14877)  # gensim 4.4's count
    assert evaluate_similarity(big, "wordsim353").spearman == pytest.approx(want_sim, abs=1e-6)
    assert "normalized" not in big.__dict__
