"""Tests of embedkit.contextual.distill: static vectors as the corpus average of contextual ones, and by
model2vec's vocabulary method (on a tiny random BERT, checked against a computation by hand)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit.contextual import (
    compose_words,
    corpus_vectors,
    distill_vocabulary,
    encode_tokens,
    occurrences,
    pca_project,
    vocabulary_pieces,
    zipf_sif_weights,
)
from embedkit.errors import DataError, InvalidArgumentError, InvalidTypeError
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


# --- model2vec's vocabulary method, on a tiny random BERT whose arithmetic is redone here by hand ---


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny random BERT folder and embedkit's encoder of it."""
    pytest.importorskip("transformers")
    from embedkit.contextual import load_encoder
    from tests.contextual.tiny_bert import make_tiny_bert

    folder = make_tiny_bert(tmp_path_factory.mktemp("tiny") / "bert")
    return folder, load_encoder(folder)


def _by_hand(folder, dim, sif):
    """The pieces' distilled vectors computed without embedkit: transformers' model on [CLS] piece
    [SEP], the mean of the last layer, scikit-learn's PCA, and SIF weights from the ranks."""
    import torch
    from sklearn.decomposition import PCA
    from transformers import AutoModel

    from tests.contextual.tiny_bert import PIECES, SPECIAL

    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    kept = [p for p in PIECES if not p.startswith("[unused")]
    ids = [len(SPECIAL) + PIECES.index(p) for p in kept]
    with torch.no_grad():
        hidden = model(input_ids=torch.tensor([[2, i, 3] for i in ids])).last_hidden_state.numpy()
    raw = hidden.mean(axis=1).astype(np.float64)
    reduced = PCA(n_components=dim, svd_solver="full").fit_transform(raw)
    p = np.array([1 / (r + 2) for r in range(len(kept))])
    p /= p.sum()
    return kept, reduced * (sif / (sif + p))[:, None]


def test_vocabulary_method_equals_a_numpy_computation(tiny):
    """Check that the pieces' vectors are the model's mean output, PCA-reduced and SIF-weighted by rank."""
    folder, encoder = tiny
    v = distill_vocabulary(encoder, dim=4, sif=0.05)
    kept, want = _by_hand(folder, 4, 0.05)
    assert v.keys == kept and v.shape == (17, 4)
    assert v.source == "bert vocabulary distillation, 4 dimensions"
    assert_allclose(np.abs(v.matrix), np.abs(want), atol=1e-5)  # PCA's axes are defined up to their sign
    scores = v.matrix / zipf_sif_weights(17, 0.05)[:, None]
    for j in range(4):  # the sign: each axis's largest score (before weighting) is positive
        assert scores[np.abs(scores[:, j]).argmax(), j] > 0
    whole = distill_vocabulary(encoder, dim=None, sif=0.05)
    assert whole.dim == 16 and whole.source == "bert vocabulary distillation, 16 dimensions"


def test_words_are_the_mean_of_their_pieces(tiny):
    """Check that a word's vector is the mean of its pieces' rows; a word of unknown pieces is left out."""
    _, encoder = tiny
    pieces = distill_vocabulary(encoder, dim=4, sif=0.05)
    words = distill_vocabulary(encoder, dim=4, sif=0.05, words=["Bank", "banks", "zzz", "unbelievable", "banks", " "])
    assert words.keys == ["Bank", "banks", "unbelievable"]
    assert_allclose(words["Bank"], pieces["bank"], atol=1e-7)
    assert_allclose(words["banks"], (pieces["bank"] + pieces["##s"]) / 2, atol=1e-6)
    parts = ["un", "##bel", "##ie", "##vable"]
    assert_allclose(words["unbelievable"], np.mean([pieces[p] for p in parts], axis=0), atol=1e-6)
    assert_allclose(compose_words(np.eye(3, dtype=np.float32), [[0, 2], [1]]), [[0.5, 0, 0.5], [0, 1, 0]])


def test_vocabulary_pieces_leave_out_specials_and_placeholders(tiny):
    """Check that the distilled vocabulary is the tokenizer's in id order, less [CLS]-like and [unusedN] pieces."""
    _, encoder = tiny
    pieces = vocabulary_pieces(encoder)
    assert pieces[:3] == [("the", 7), ("bank", 8), ("river", 9)] and pieces[-1] == ("a", 23) and len(pieces) == 17


def test_pca_and_weights_by_hand():
    """Check the PCA projection and the Zipf/SIF weights on numbers worked out by hand."""
    x = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.5], [0.0, -0.5]])
    assert_allclose(pca_project(x, 1).ravel(), [1.0, -1.0, 0.0, 0.0], atol=1e-7)  # the longer axis first
    assert_allclose(np.abs(pca_project(x, 2)), np.abs(x[:, [0, 1]]), atol=1e-7)
    # ranks 0, 1: p = (1/2, 1/3) / (5/6) = (0.6, 0.4); a / (a + p) with a = 0.1
    assert_allclose(zipf_sif_weights(2, 0.1), [0.1 / 0.7, 0.1 / 0.5])


def test_vocabulary_refusals(tiny):
    """Check that a bad dim, SIF coefficient, batch size or word list is refused in one line."""
    _, encoder = tiny
    with pytest.raises(
        InvalidArgumentError, match=r"^dim must be an integer from 1 to the model's 16 dimensions, not 17$"
    ):
        distill_vocabulary(encoder, dim=17)
    with pytest.raises(
        InvalidArgumentError, match=r"^dim must be an integer from 1 to the model's 16 dimensions, not 0$"
    ):
        distill_vocabulary(encoder, dim=0)
    with pytest.raises(
        InvalidArgumentError, match=r"^the SIF coefficient must be between 0 and 1 \(exclusive\), not 1.5$"
    ):
        distill_vocabulary(encoder, dim=4, sif=1.5)
    with pytest.raises(InvalidArgumentError, match=r"^batch_size must be a positive integer, not 0$"):
        distill_vocabulary(encoder, dim=4, batch_size=0)
    with pytest.raises(InvalidTypeError, match=r"^words must be a list of strings, not one string$"):
        distill_vocabulary(encoder, words="bank")
    with pytest.raises(DataError, match=r"^no words to compose \(the list is empty or blank\)$"):
        distill_vocabulary(encoder, words=[" "])
    with pytest.raises(DataError, match=r"^none of the 2 words has a piece in bert's vocabulary$"):
        distill_vocabulary(encoder, dim=4, words=["zzz", "qqq"])
    with pytest.raises(InvalidArgumentError, match=r"^dim 5 is more than the 4 vectors it is fitted on$"):
        corpus_vectors(["the bank", "the river bank ."], model=encoder, dim=5)


def test_corpus_vectors_with_pca(tiny):
    """Check that corpus vectors with dim are the PCA projection of the plain averages."""
    _, encoder = tiny
    texts = ["the bank .", "a river bank", "the money loan .", "water the river"]
    plain = corpus_vectors(texts, model=encoder)
    reduced = corpus_vectors(texts, model=encoder, dim=3)
    assert (
        reduced.keys == plain.keys
        and reduced.dim == 3
        and reduced.source == "bert corpus average, layer 2, 3 dimensions"
    )
    assert_allclose(reduced.matrix, pca_project(plain.matrix, 3), atol=1e-6)


# five pairs: some bootstrap resamples repeat one pair, whose correlation is undefined (NaN, left out)
@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")
def test_distilled_vectors_save_load_evaluate_and_report(minilm, tmp_path):
    """Check that corpus-distilled vectors round-trip through .ekv, score a similarity file and enter a report."""
    import embedkit
    from embedkit.compare import compare, render_markdown
    from embedkit.evaluation import evaluate_similarity

    texts = [
        "The bank gave her a loan of money.",
        "Money in the bank earns interest.",
        "They fished in the river by the bank.",
        "The river water was cold.",
        "A loan from the bank paid for the house.",
        "Water flowed down the river.",
    ]
    v = corpus_vectors(texts, model=minilm, min_count=2)
    assert v.keys[:4] == ["the", ".", "bank", "river"]
    path = embedkit.save(v, tmp_path / "c.ekv")
    back = embedkit.load(path)
    assert back == v and back.keys == v.keys
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("bank\tmoney\t8\nriver\twater\t9\nbank\tloan\t7\nriver\tloan\t1\nwater\tmoney\t1\n")
    unit = v.normalized
    cos = [
        float(unit[v.keys.index(a)] @ unit[v.keys.index(b)])
        for a, b in [("bank", "money"), ("river", "water"), ("bank", "loan"), ("river", "loan"), ("water", "money")]
    ]
    from scipy.stats import spearmanr

    score = evaluate_similarity(back, pairs, n_boot=50)
    assert score.spearman == pytest.approx(spearmanr([8, 9, 7, 1, 1], cos).statistic, abs=1e-6)
    glove = embedkit.load().subset(v.keys)
    result = compare(
        [glove, back],
        names=["glove", "distilled"],
        benchmarks=(str(pairs),),
        downstream=(),
        k=3,
        n_boot=50,
        progress=False,
    )
    page = render_markdown(result)
    assert "distilled" in page and result.sets[1].count == len(v) and result.metrics[0].items == 5
