"""Nearest neighbours, checked by hand and against gensim's most_similar on the default vectors."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import embedkit
from embedkit import Vectors, nearest, nearest_many
from embedkit.errors import InvalidArgumentError, InvalidTypeError
from embedkit.search.kernels import normalize_rows, restrict_count, topk_blocked, unit_rows, unit_view


def test_hand_computed():
    """Check cosine neighbours on three 2-D vectors worked out by hand."""
    v = Vectors(["a", "b", "c"], np.array([[1, 0], [1, 1], [0, 1]], dtype=np.float32))
    res = nearest(v, "a", k=2)
    assert res.words == ["b", "c"]
    assert_allclose(res.scores, [np.sqrt(0.5), 0.0], atol=1e-7)
    assert nearest(v, "a", k=1, exclude=()).words == ["a"]
    assert nearest(v, np.array([0.0, 2.0]), k=3).words == ["c", "b", "a"]
    assert nearest(v, "a", k=10).words == ["b", "c"]  # fewer than k candidates


def test_matches_gensim_most_similar(glove, glove_kv):
    """Check that 200 queries give gensim's top-10 words and scores within 1e-5."""
    words = glove.keys[50:4050:20]
    ours = nearest_many(glove, words, k=10)
    for w, res in zip(words, ours):
        ref = glove_kv.most_similar(w, topn=10)
        assert res.words == [x for x, _ in ref], w
        assert_allclose(res.scores, [s for _, s in ref], atol=1e-5)


def test_frog(glove):
    """Check the classic example: the neighbours of frog in GloVe 6B 50d."""
    assert nearest(glove, "frog", k=5).words == ["snake", "ape", "toad", "monkey", "spider"]


def test_vector_query_restrict_and_exclude_match_gensim(glove, glove_kv):
    """Check a vector query, restrict (gensim's restrict_vocab) and extra excluded words against gensim."""
    vec = glove["paris"] - glove["france"] + glove["italy"]
    ours = nearest(glove, vec, k=5, restrict=50000)
    ref = glove_kv.most_similar(positive=[vec], topn=5, restrict_vocab=50000)
    assert ours.words == [w for w, _ in ref]
    assert_allclose(ours.scores, [s for _, s in ref], atol=1e-5)
    assert nearest(glove, "paris", k=3, exclude=["paris", "prohertrib"]).words == ["france", "brussels", "amsterdam"]


def test_matrix_queries_and_result_shape(glove):
    """Check that an array of vectors gives one result list per row, with query None and to_dict()."""
    res = nearest_many(glove, glove.vectors(["king", "queen"]), k=3)
    assert [r.words[0] for r in res] == ["king", "queen"]  # the query vector itself is not excluded
    d = res[1].to_dict()
    assert d["query"] is None and [x["word"] for x in d["results"]] == res[1].words
    named = nearest(glove, "king", k=2)
    assert named.query == "king" and named[0] == ("prince", pytest.approx(0.8236, abs=1e-4))


def test_unknown_and_bad_arguments(glove):
    """Check errors: unknown words are all named, wrong dimension, negative k."""
    with pytest.raises(embedkit.UnknownWordError, match="unknown words: 'qwxz', 'zzqx'"):
        nearest_many(glove, ["qwxz", "king", "zzqx"])
    with pytest.raises(ValueError, match="query vectors have 3 dimensions, the vectors 50"):
        nearest(glove, np.ones(3))
    with pytest.raises(ValueError, match="k must be >= 0"):
        nearest(glove, "king", k=-1)


def test_bad_arguments_raise_embedkit_errors(glove):
    """Check that bad arguments raise InvalidArgumentError / InvalidTypeError (still ValueError / TypeError) with their messages."""
    with pytest.raises(InvalidArgumentError, match="k must be >= 0, got -1"):
        nearest(glove, "king", k=-1)
    with pytest.raises(InvalidArgumentError, match="index must be 'exact' or 'hnsw', got 'flat'"):
        nearest_many(glove, ["king"], index="flat")
    with pytest.raises(InvalidArgumentError, match="restrict must be a positive number of words, got 0"):
        nearest(glove, "king", restrict=0)
    with pytest.raises(InvalidTypeError, match="queries must be a list of words or a 2-D array of vectors"):
        nearest_many(glove, ["king", 3])
    assert issubclass(InvalidArgumentError, ValueError) and issubclass(InvalidTypeError, TypeError)
    assert (restrict_count(glove, None), restrict_count(glove, 30), restrict_count(glove, 10**9)) == (
        400_000,
        30,
        400_000,
    )


def test_unit_row_helpers_by_hand():
    """Check normalize_rows, unit_view and unit_rows on hand-computed rows: (3,4)/5, a zero row stays zero."""
    v = Vectors(["a", "b", "z"], np.array([[3, 4], [0, -2], [0, 0]], dtype=np.float32))
    assert normalize_rows(np.array([[3, 4], [0, 0]])).tolist() == [[0.6000000238418579, 0.800000011920929], [0, 0]]
    assert normalize_rows(np.array([[3, 4]])).dtype == np.float32
    np.testing.assert_array_equal(unit_view(v), v.normalized)
    assert_allclose(unit_rows(v, np.array([1, 0])), [[0, -1], [0.6, 0.8]], rtol=1e-7)


def test_topk_blocked_equals_full_sort():
    """Check the blocked top-k engine against a full argsort, across block edges and exclusions."""
    rng = np.random.default_rng(0)
    S = rng.standard_normal((37, 1000)).astype(np.float32)
    ex = rng.integers(0, 1000, (37, 3))

    def score(q0, q1, c0, c1):
        return S[q0:q1, c0:c1].copy()

    rows, scores = topk_blocked(score, 37, 1000, 7, ex, query_block=8, candidate_block=64)
    ref = S.copy()
    np.put_along_axis(ref, ex, -np.inf, axis=1)
    order = np.argsort(-ref, axis=1)[:, :7]
    np.testing.assert_array_equal(rows, order)
    np.testing.assert_array_equal(scores, np.take_along_axis(ref, order, axis=1))


def test_many_queries_split_between_cores_equal_full_sort(glove, monkeypatch):
    """Check that a batch large enough to be split between threads (one per core, cache-sized
    blocks) gives each query the top-10 of a full sort of its cosines, ties to the lower row."""
    from embedkit.search import kernels

    monkeypatch.setattr(kernels, "cpu_cores", lambda: 3)  # three workers even on a smaller machine
    v = glove.most_frequent(30000)
    rng = np.random.default_rng(1)
    words = [v.keys[i] for i in rng.choice(len(v), 400, replace=False)]
    got = nearest_many(v, words, k=10)
    N = v.normalized.astype(np.float64)
    rows = v.indices(words)
    S = N[rows] @ N.T
    S[np.arange(len(rows)), rows] = -np.inf
    order = np.argsort(-S, axis=1, kind="stable")[:, :10]
    got_rows = np.array([[v.index[w] for w in n.words] for n in got])
    # float32 products round differently per kernel: compare the rows where no near-tie decides
    # and, everywhere, each list's exact cosines against the full sort's
    assert (got_rows == order).mean() > 0.99
    assert_allclose(np.take_along_axis(S, got_rows, axis=1), np.take_along_axis(S, order, axis=1), atol=1e-6)
    assert_allclose([n.scores for n in got], np.take_along_axis(S, got_rows, axis=1), rtol=0, atol=2e-6)
