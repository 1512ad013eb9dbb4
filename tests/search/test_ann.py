"""The approximate index behind nearest_many(index="hnsw"), checked against the exact search."""

from __future__ import annotations


import numpy as np
import pytest
from numpy.testing import assert_allclose

import embedkit
from embedkit import nearest_many
from embedkit.search import ann


@pytest.fixture(scope="module")
def head(glove, tmp_path_factory) -> embedkit.Vectors:
    """The 20,000 most frequent GloVe words, memory-mapped from a private .ekv file."""
    path = embedkit.save(glove.most_frequent(20_000), tmp_path_factory.mktemp("ann") / "head.ekv")
    v = embedkit.load(path)
    assert v.is_memmap
    return v


def test_recall_against_exact_search(head):
    """Check that recall@10 of the HNSW index against exact search is at least 0.95 on 1,000 queries, with exact scores."""
    queries = head.keys[1000:2000]
    exact = nearest_many(head, queries, k=10)
    approx = nearest_many(head, queries, k=10, index="hnsw")
    recall = sum(len(set(a.words) & set(b.words)) for a, b in zip(exact, approx)) / 10_000
    assert recall >= 0.95
    for a, b in zip(exact, approx):
        common = set(a.words) & set(b.words)
        sa = dict(zip(a.words, a.scores))
        sb = dict(zip(b.words, b.scores))
        assert all(abs(sa[w] - sb[w]) < 1e-6 for w in common)
        assert b.scores == sorted(b.scores, reverse=True) and b.query not in b.words
    frog = nearest_many(head, ["frog"], k=3, index="hnsw")[0]
    assert frog.words == ["snake", "monkey", "spider"]
    assert frog.scores[0] == pytest.approx(0.8445, abs=1e-4)


def test_index_is_saved_beside_the_file_and_reused(head):
    """Check that the graph is written beside the memory-mapped file, named for its size and rows, and loaded back."""
    path = ann.index_path(head)
    idx = ann.get_index(head)
    assert path is not None and path.exists() and idx.path == path
    assert path.parent == ann._memmap_origin(head.matrix)[0].parent
    assert f"-{len(head)}x{head.dim}.hnsw-M16-efc100.bin" in path.name
    fresh = embedkit.load(ann._memmap_origin(head.matrix)[0])
    again = ann.get_index(fresh)
    assert again.path == path and again.graph is not idx.graph
    q = fresh.normalized[[5, 500, 5000]]
    assert_allclose(again.search(q, 5), idx.search(q, 5))
    assert ann.index_path(head.most_frequent(1000)) != path  # another slice, another graph


def test_exclude_vectors_and_errors(head):
    """Check exclude, vector queries and argument errors with index='hnsw'."""
    got = nearest_many(head, ["king"], k=5, exclude=["queen", "prince"], index="hnsw")[0]
    assert "queen" not in got.words and "prince" not in got.words and len(got) == 5
    vec = nearest_many(head, head.vectors(["king"]), k=1, index="hnsw")[0]
    assert vec.words == ["king"] and vec.scores[0] == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="restrict is not supported"):
        nearest_many(head, ["king"], restrict=100, index="hnsw")
    with pytest.raises(ValueError, match="index must be 'exact' or 'hnsw'"):
        nearest_many(head, ["king"], index="faiss")
    with pytest.raises(ValueError, match="ef must be a positive int and needs index='hnsw'"):
        nearest_many(head, ["king"], ef=100)


def test_wider_search_raises_recall(head):
    """Check that ef trades time for recall: ef=4 misses exact neighbours that ef=200 finds, and recall never drops."""
    queries = head.keys[5000:6000]
    exact = nearest_many(head, queries, k=10)

    def recall(ef):
        approx = nearest_many(head, queries, k=10, index="hnsw", ef=ef)
        return sum(len(set(a.words) & set(b.words)) for a, b in zip(exact, approx)) / 10_000

    low, high = recall(4), recall(200)
    assert low < 0.99 < high and high > low


def test_in_memory_vectors_keep_their_graph_on_the_object():
    """Check that vectors not backed by a file build the graph once and find exact answers on a tiny set."""
    rng = np.random.default_rng(3)
    v = embedkit.Vectors([f"w{i}" for i in range(300)], rng.standard_normal((300, 8)))
    assert ann.index_path(v) is None
    first = ann.get_index(v)
    assert ann.get_index(v) is first
    exact = nearest_many(v, v.keys[:50], k=5)
    approx = nearest_many(v, v.keys[:50], k=5, index="hnsw")
    assert [a.words for a in exact] == [b.words for b in approx]  # 300 points: the graph is exhaustive
