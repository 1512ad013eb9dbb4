"""Tests of embedkit.contextual.encode and encode_tokens against sentence-transformers and transformers."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit.contextual import encode, encode_tokens
from embedkit.errors import InvalidArgumentError, InvalidTypeError

pytestmark = pytest.mark.slow  # loads a 90 MB model: seconds


def test_sentence_vectors_equal_sentence_transformers(minilm, sst2_sentences):
    """Check that sentence vectors equal sentence-transformers' encode to 1e-5 on 100 SST-2 sentences."""
    st = pytest.importorskip("sentence_transformers")
    reference = st.SentenceTransformer(str(minilm.folder.path), device="cpu", local_files_only=True)
    want = reference.encode(sst2_sentences, batch_size=32, convert_to_numpy=True)
    got = encode(sst2_sentences, model=minilm)
    assert got.shape == (100, 384) and got.dtype == np.float32
    assert_allclose(got, want, atol=1e-5)
    assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)


def test_unnormalised_vectors_are_the_mean_of_pieces(minilm):
    """Check that normalize=False gives the mean-pooled vectors, whose unit version is the default."""
    raw = encode(["the bank of the river", "a loan from the bank"], model=minilm, normalize=False)
    unit = encode(["the bank of the river", "a loan from the bank"], model=minilm)
    norms = np.linalg.norm(raw, axis=1)
    assert (norms > 1.5).all()
    assert_allclose(raw / norms[:, None], unit, atol=1e-6)


def test_same_result_whatever_the_batch(minilm, sst2_sentences):
    """Check that the result is identical on a second run and equal to float32 precision at batch size 1."""
    texts = sst2_sentences[:12]
    first = encode(texts, model=minilm, batch_size=4)
    assert np.array_equal(first, encode(texts, model=minilm, batch_size=4))
    assert_allclose(encode(texts, model=minilm, batch_size=1), first, atol=1e-5)


@pytest.mark.parametrize("pieces", ["mean", "first"])
def test_token_vectors_equal_hidden_states(minilm, pieces):
    """Check that word vectors at every layer equal the HF model's hidden_states for the same pieces."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    texts = ["The unbelievable bank robbery, really!", "She sat on the riverbank."]
    path = str(minilm.folder.path)
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True).eval()
    for layer in range(7):
        got = encode_tokens(texts, model=minilm, layer=layer, pieces=pieces)
        for text, tokens in zip(texts, got):
            batch = tok([text], return_tensors="pt")
            with torch.inference_mode():
                states = model(**batch, output_hidden_states=True).hidden_states[layer][0].numpy()
            word_ids = batch.word_ids(0)
            rows = []
            for w in sorted({w for w in word_ids if w is not None}):
                at = [t for t, x in enumerate(word_ids) if x == w]
                rows.append(states[at].mean(axis=0) if pieces == "mean" else states[at[0]])
            assert tokens.layer == layer
            assert_allclose(tokens.vectors, np.stack(rows), atol=1e-5)


def test_words_are_mapped_back(minilm):
    """Check that word pieces are mapped back to the sentence's words, with their original spelling."""
    tokens = encode_tokens(["The unbelievable bank robbery, really!", ""], model=minilm, layer=0)
    assert tokens[0].words == ["The", "unbelievable", "bank", "robbery", ",", "really", "!"]
    assert tokens[0].vectors.shape == (7, 384)
    assert tokens[1].words == [] and tokens[1].vectors.shape == (0, 384)
    assert encode_tokens(["a b"], model=minilm)[0].layer == 6  # -1: the last layer


def test_no_sentences(minilm):
    """Check that an empty list gives an empty matrix of the model's width."""
    assert encode([], model=minilm).shape == (0, 384)


def test_bad_arguments(minilm):
    """Check that a bad layer, piece mode, batch size or a lone string is refused in one line."""
    with pytest.raises(InvalidArgumentError, match=r"^layer must be between 0 and 6 \(or -1 for the last\), not 7$"):
        encode_tokens(["a"], model=minilm, layer=7)
    with pytest.raises(InvalidArgumentError, match=r"^pieces must be 'mean' or 'first', not 'last'$"):
        encode_tokens(["a"], model=minilm, pieces="last")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"^batch_size must be a positive integer, not 0$"):
        encode(["a"], model=minilm, batch_size=0)
    with pytest.raises(InvalidTypeError, match=r"^sentences must be a list of strings, not one string$"):
        encode("a sentence", model=minilm)
    with pytest.raises(InvalidTypeError, match=r"^sentence 1 is a int, not a string$"):
        encode(["a", 3], model=minilm)  # type: ignore[list-item]
