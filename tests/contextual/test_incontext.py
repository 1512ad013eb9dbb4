"""Tests of embedkit.contextual.incontext: a word's vectors in context and their neighbours."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit.contextual import (
    encode_tokens,
    occurrence_neighbors,
    occurrences,
    static_neighbors,
    vocabulary_vectors,
)
from embedkit.errors import DataError, InvalidArgumentError
from embedkit.vectors import Vectors

pytestmark = pytest.mark.slow  # loads a 90 MB model: seconds

MONEY = ["I deposited the cash at the bank.", "The bank approved my loan.", "She works at a bank downtown."]
RIVER = ["We had a picnic on the river bank.", "The boat drifted to the muddy bank.", "Fish swim near the Bank."]
TEXTS = [*MONEY, "No such word here.", *RIVER]


def test_occurrences_are_the_word_vectors(minilm):
    """Check that each occurrence is the word's vector from encode_tokens in its sentence, found without case."""
    occ = occurrences("bank", TEXTS, model=minilm, layer=4)
    assert occ.rows == [0, 1, 2, 4, 5, 6] and occ.positions == [6, 1, 4, 7, 6, 4] and occ.layer == 4
    assert occ.vectors.shape == (6, 384)
    tokens = encode_tokens([TEXTS[6]], model=minilm, layer=4)[0]
    assert tokens.words[4] == "Bank"
    assert_allclose(occ.vectors[5], tokens.vectors[4], atol=1e-5)
    assert occ.to_dict()["occurrences"][3] == {"row": 4, "position": 7, "sentence": RIVER[0]}


def test_occurrence_neighbors_are_by_cosine(minilm):
    """Check that the neighbours of an occurrence are the others ranked by their hand-computed cosine."""
    occ = occurrences("bank", TEXTS, model=minilm)
    unit = occ.vectors / np.linalg.norm(occ.vectors, axis=1, keepdims=True)
    cos = unit @ unit.T
    hits = occurrence_neighbors(occ, k=3)
    assert len(hits) == 6 and all(len(h) == 3 for h in hits)
    for i, h in enumerate(hits):
        want = [j for j in np.argsort(-cos[i], kind="stable") if j != i][:3]
        assert [n.index for n in h] == want
        assert_allclose([n.cosine for n in h], cos[i, want], atol=1e-6)
        assert h[0].sentence == occ.sentences[h[0].index] and h[0].row == occ.rows[h[0].index]


def test_senses_are_closer_within_than_across(minilm):
    """Check that at the last layer "bank" is closer to its own sense than to the other, on average."""
    occ = occurrences("bank", TEXTS, model=minilm)
    unit = occ.vectors / np.linalg.norm(occ.vectors, axis=1, keepdims=True)
    cos = unit @ unit.T
    money, river = [0, 1, 2], [3, 4, 5]
    within = np.mean([cos[i, j] for g in (money, river) for i in g for j in g if i != j])
    across = np.mean([cos[i, j] for i in money for j in river])
    assert within > across + 0.02, (within, across)  # 0.813 against 0.766 here


def test_static_neighbors(minilm):
    """Check that static neighbours rank a vocabulary encoded by the model by cosine, and refuse other widths."""
    words = ["money", "river", "loan", "water", "cash", "stream"]
    vocab = vocabulary_vectors(words, model=minilm)
    assert vocab.keys == words and vocab.matrix.shape == (6, 384)
    alone = encode_tokens(["money"], model=minilm)[0].vectors[0]
    assert_allclose(vocab["money"], alone, atol=1e-5)  # another batch: float32 last bits
    occ = occurrences("bank", TEXTS, model=minilm)
    got = static_neighbors(occ, vocab, k=6)
    unit = vocab.matrix / np.linalg.norm(vocab.matrix, axis=1, keepdims=True)
    q = occ.vectors / np.linalg.norm(occ.vectors, axis=1, keepdims=True)
    for i, n in enumerate(got):
        assert n.words == [words[j] for j in np.argsort(-(unit @ q[i]), kind="stable")]
    with pytest.raises(InvalidArgumentError, match=r"^the vocabulary has 2 dimensions and the occurrences 384"):
        static_neighbors(occ, Vectors(["a", "b"], np.eye(2, dtype=np.float32)))


def test_word_not_found(minilm):
    """Check that a word in none of the sentences, or an empty word, is refused in one line."""
    with pytest.raises(DataError, match=r"^'ban' occurs in none of the 7 sentences$"):
        occurrences("ban", TEXTS, model=minilm)  # inside "bank", but not a word
    with pytest.raises(InvalidArgumentError, match=r"^the word must be a non-empty string$"):
        occurrences(" ", TEXTS, model=minilm)
    occ = occurrences("bank", TEXTS, model=minilm)
    with pytest.raises(InvalidArgumentError, match=r"^k must be a positive integer, not 0$"):
        occurrence_neighbors(occ, k=0)
