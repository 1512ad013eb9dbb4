"""Tests of embedkit.contextual.distill: static vectors as the corpus average of contextual ones."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit.contextual import corpus_vectors, encode_tokens, occurrences
from embedkit.errors import DataError, InvalidArgumentError
from embedkit.search.neighbors import nearest

pytestmark = pytest.mark.slow  # loads a 90 MB model: seconds

TEXTS = ["The bank raised its rates.", "We sat on the river bank.", "Rates rose at the Bank again."]


def test_corpus_vectors_are_the_mean_of_occurrences(minilm):
    """Check that a word's static vector is the mean of its occurrences, keys by frequency, case folded."""
    v = corpus_vectors(TEXTS, model=minilm, layer=3)
    assert v.keys[:5] == ["the", "bank", ".", "rates", "raised"] and len(v) == 13 and v.dim == 384
    occ = occurrences("bank", TEXTS, model=minilm, layer=3)
    assert_allclose(v["bank"], occ.vectors.mean(axis=0), atol=1e-5)
    only = corpus_vectors(TEXTS, model=minilm, layer=3, min_count=2)
    assert only.keys == ["the", "bank", ".", "rates"]
    assert_allclose(
        only["."], np.mean([t.vectors[-1] for t in encode_tokens(TEXTS, model=minilm, layer=3)], 0), atol=1e-5
    )
    unit = only.matrix / np.linalg.norm(only.matrix, axis=1, keepdims=True)
    by_hand = [only.keys[i] for i in np.argsort(-(unit @ unit[1])) if i != 1]
    assert nearest(only, "bank", k=3).words == by_hand  # a Vectors: the search tools work on it
    cased = corpus_vectors(TEXTS, model=minilm, lower=False)
    assert "Bank" in cased and "The" in cased and cased.source == "minilm corpus average, layer 6"


def test_corpus_vectors_refusals(minilm):
    """Check that a bad min_count, or one no word reaches, is refused in one line."""
    with pytest.raises(InvalidArgumentError, match=r"^min_count must be a positive integer, not 0$"):
        corpus_vectors(TEXTS, model=minilm, min_count=0)
    with pytest.raises(DataError, match=r"^no word occurs 9 times or more in the 3 sentences$"):
        corpus_vectors(TEXTS, model=minilm, min_count=9)
