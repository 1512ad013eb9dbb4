"""Tests of embedkit.contextual.own: embedkit's own transformers as contextual models, and the layer
analysis on them, against measures computed from a numpy forward pass."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

torch = pytest.importorskip("torch")

from embedkit.contextual import (
    anisotropy,
    first_pc_share,
    intra_sentence_similarity,
    layer_analysis,
    plot_layer_analysis,
    self_similarity,
)
from embedkit.contextual.own import load_any, load_transformer, split_tokens
from embedkit.errors import ModelFileError
from tests.conftest import OWN_TEXTS
from tests.reference_lm import numpy_lm


def test_layer_analysis_of_a_language_model_by_numpy(tiny_lm_file):
    """Check the four curves of a tiny random LM against the measures of its numpy-computed word vectors."""
    result = layer_analysis(OWN_TEXTS, model=tiny_lm_file, min_occurrences=2, pairs=200, seed=1)
    own = load_transformer(tiny_lm_file)
    splits = [split_tokens(own, s) for s in OWN_TEXTS]
    states = [numpy_lm(own.trained.model, sp.ids)[0] for sp in splits]
    words = [sp.words for sp in splits]
    per_layer = [[h[k][1:] for h in states] for k in range(3)]  # the start token </s> belongs to no word
    assert result.layers == [0, 1, 2]
    assert (result.model, result.sentences, result.tokens, result.words) == (
        "tiny_lm.pt",
        4,
        23,
        7,
    )  # 6+6+5+6 words; the, cat, sat, on, mat, dog, a twice+
    expect = {
        "anisotropy": [anisotropy(v, pairs=200, seed=1) for v in per_layer],
        "self_similarity": [self_similarity(v, words, min_occurrences=2) for v in per_layer],
        "intra_sentence_similarity": [intra_sentence_similarity(v) for v in per_layer],
        "first_pc_share": [first_pc_share(v, words, min_occurrences=2) for v in per_layer],
    }
    for name, values in expect.items():
        assert_allclose(getattr(result, name), values, atol=1e-5, err_msg=name)
    fig = plot_layer_analysis(result)
    lines = fig.axes[0].get_lines()
    assert lines[0].get_label() == "anisotropy"
    assert_allclose(lines[0].get_ydata(), expect["anisotropy"], atol=1e-5)
    assert fig.axes[0].get_title() == "tiny_lm.pt: 4 sentences, 7 words seen 2+ times"


def test_layer_analysis_of_a_seq2seq_encoder(tiny_seq2seq_file):
    """Check that the seq2seq encoder's curves use its character words (mean of characters), layer by layer."""
    texts = ["ab ca", "ca ab b", "b ab"]
    result = layer_analysis(texts, model=tiny_seq2seq_file, min_occurrences=2, pairs=50)
    own = load_transformer(tiny_seq2seq_file)
    from embedkit.nn.introspect import own_states

    words, per_layer = [], [[], [], []]
    for s in texts:
        sp = split_tokens(own, s)
        hidden, _ = own_states(own, sp.ids)
        words.append(sp.words)
        for k in range(3):
            rows = [[t for t, w in enumerate(sp.word_of) if w == i] for i in range(len(sp.words))]
            per_layer[k].append(np.stack([hidden[k].numpy()[r].mean(axis=0) for r in rows]))
    assert (result.tokens, result.words) == (7, 3)
    assert_allclose(
        result.self_similarity, [self_similarity(v, words, min_occurrences=2) for v in per_layer], atol=1e-6
    )


def test_split_tokens_of_a_character_model_groups_words(tiny_lm_file, tiny_seq2seq_file):
    """Check the tokens, words and cut-off of word and character models."""
    lm = load_transformer(tiny_lm_file)
    sp = split_tokens(lm, "The cat, the ZEBRA")
    assert sp.tokens == ["</s>", "the", "cat", ",", "the", "zebra"]
    assert sp.ids[-1] == lm.trained.vocab.unk_id and sp.word_of == [None, 0, 1, 2, 3, 4]
    long = split_tokens(lm, " ".join(["cat"] * 20))
    assert len(long.tokens) == lm.max_tokens == 12 and len(long.words) == 11  # the block: 12 tokens
    s2s = load_transformer(tiny_seq2seq_file)
    sp = split_tokens(s2s, " ab  c")
    assert (sp.words, sp.word_of) == (["ab", "c"], [None, 0, 0, None, None, 1])


def test_other_models_are_refused(tmp_path, tiny_lm_file):
    """Check that a recurrent language model is refused in one line naming the file."""
    from embedkit.nn.lm.models import build_model
    from embedkit.nn.lm.train import TrainedLM
    from embedkit.training.config import TrainConfig

    own = load_transformer(tiny_lm_file)
    config = TrainConfig(algorithm="gru", dim=8, hidden=8, workers=1)
    TrainedLM(build_model(config, len(own.trained.vocab)), own.trained.vocab, config).save(tmp_path / "gru.pt")
    with pytest.raises(ModelFileError, match=r"^\S+gru\.pt is a gru language model, not a transformer$"):
        layer_analysis(OWN_TEXTS, model=tmp_path / "gru.pt")
    assert load_any(own) is own


def test_layer_analysis_of_a_classifier_leaves_cls_out(tmp_path, tiny_classifier_file):
    """Check that a transformer classifier's curves are those of its words' states, without its [CLS]
    vector, and that a classifier of another kind is refused."""
    from embedkit.classify.config import ClassifierConfig
    from embedkit.nn.classifiers.models import build_classifier
    from embedkit.nn.classifiers.neural import NeuralClassifier
    from embedkit.nn.introspect import own_states

    result = layer_analysis(OWN_TEXTS, model=tiny_classifier_file, min_occurrences=2, pairs=50)
    assert (result.model, result.layers, result.tokens, result.words) == ("tiny_clf.pt", [0, 1, 2], 23, 7)
    own = load_transformer(tiny_classifier_file)
    splits = [split_tokens(own, s) for s in OWN_TEXTS]
    states = [own_states(own, sp.ids)[0] for sp in splits]
    per_layer = [[h[k].numpy()[1:] for h in states] for k in range(3)]  # row 0: [CLS]
    words = [sp.words for sp in splits]
    assert_allclose(result.self_similarity, [self_similarity(v, words, min_occurrences=2) for v in per_layer])
    assert_allclose(result.intra_sentence_similarity, [intra_sentence_similarity(v) for v in per_layer])
    config = ClassifierConfig(model="cnn", mode="rand", embed_dim=6, filter_widths=(2,), num_filters=2)
    vocab = own.trained.vocab
    cnn = build_classifier(config, vocab=vocab, num_classes=2, embed_dim=6)
    NeuralClassifier(cnn, vocab, config, ["neg", "pos"], embed_dim=6).save(tmp_path / "cnn.pt")
    with pytest.raises(ModelFileError, match=r"^\S+cnn\.pt is a cnn classifier, not a transformer$"):
        load_transformer(tmp_path / "cnn.pt")
