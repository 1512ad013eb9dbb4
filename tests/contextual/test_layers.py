"""Tests of embedkit.contextual.layers: the four per-layer measures by hand, and on MiniLM."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit.contextual import (
    anisotropy,
    encode_tokens,
    first_pc_share,
    intra_sentence_similarity,
    layer_analysis,
    plot_layer_analysis,
    self_similarity,
)
from embedkit.errors import DataError, InvalidArgumentError

# three sentences of 2-D word vectors whose measures are worked out by hand below
S = [np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0], [2.0, 0.0]]), np.array([[0.0, 3.0]])]
W = [["a", "b"], ["A", "c"], ["b"]]


def test_anisotropy_by_hand():
    """Check that anisotropy is the mean cosine of pairs from different sentences, drawn reproducibly."""
    a, b = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    # cross-sentence pairs are (a, b1) with cosine 0 or (a, b2) with cosine 1: the mean lies between
    value = anisotropy([a, b], pairs=4000, seed=3)
    assert value == anisotropy([a, b], pairs=4000, seed=3)
    assert abs(value - 0.5) < 0.05
    assert_allclose(anisotropy([a, np.array([[3.0, 3.0]])], pairs=5), np.sqrt(0.5), atol=1e-6)
    with pytest.raises(DataError, match=r"^anisotropy needs words from at least two sentences$"):
        anisotropy([b])


def test_self_similarity_by_hand():
    """Check self-similarity: a=(1,0),(1,1): 1/sqrt2; b=(0,1),(0,3): 1; their mean."""
    assert_allclose(self_similarity(S, W, min_occurrences=2), (np.sqrt(0.5) + 1.0) / 2, atol=1e-6)
    with pytest.raises(DataError, match=r"^no word occurs 3 times or more in these sentences$"):
        self_similarity(S, W, min_occurrences=3)


def test_intra_sentence_similarity_by_hand():
    """Check intra-sentence similarity: sentence 1 both words at 45 degrees to the mean; sentence 2 by hand."""
    mean2 = np.array([1.5, 0.5]) / np.linalg.norm([1.5, 0.5])
    s2 = (np.dot([1, 1], mean2) / np.sqrt(2) + np.dot([1, 0], mean2)) / 2
    assert_allclose(intra_sentence_similarity(S), (np.sqrt(0.5) + s2) / 2, atol=1e-6)  # sentence 3: one word


def test_first_pc_share_by_hand():
    """Check the first component's share: a=[(1,0),(1,1)] has singular values^2 (3±sqrt5)/2; b is rank one."""
    share_a = ((3 + np.sqrt(5)) / 2) / 3
    assert_allclose(first_pc_share(S, W, min_occurrences=2), (share_a + 1.0) / 2, atol=1e-6)


@pytest.mark.slow  # loads a 90 MB model: seconds
def test_layer_analysis_on_minilm(minilm, sst2_sentences):
    """Check that each layer's measures equal the measures of that layer's encode_tokens vectors."""
    texts = sst2_sentences[:40]
    result = layer_analysis(texts, model=minilm, min_occurrences=5, pairs=500, seed=1)
    assert result.layers == list(range(7)) and result.sentences == 40
    for layer in (0, 3, 6):
        tokens = encode_tokens(texts, model=minilm, layer=layer)
        vectors, words = [t.vectors for t in tokens], [t.words for t in tokens]
        assert result.tokens == sum(len(w) for w in words)
        assert_allclose(result.anisotropy[layer], anisotropy(vectors, pairs=500, seed=1), atol=1e-5)
        assert_allclose(result.self_similarity[layer], self_similarity(vectors, words), atol=1e-5)
        assert_allclose(result.intra_sentence_similarity[layer], intra_sentence_similarity(vectors), atol=1e-5)
        assert_allclose(result.first_pc_share[layer], first_pc_share(vectors, words), atol=1e-5)
    fig = plot_layer_analysis(result)
    assert [line.get_label() for line in fig.axes[0].get_lines()] == [
        "anisotropy",
        "self-similarity",
        "intra-sentence similarity",
        "first PC variance share",
    ]
    assert result.to_dict()["layers"] == list(range(7))
    with pytest.raises(InvalidArgumentError, match=r"^min_occurrences must be an integer of at least 2, not 1$"):
        layer_analysis(texts, model=minilm, min_occurrences=1)
