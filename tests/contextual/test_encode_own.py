"""`embedkit encode` with embedkit's own transformers (a language model, a seq2seq encoder, a classifier):
sentence vectors and word vectors at a layer, against a numpy forward pass where there is one."""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

torch = pytest.importorskip("torch")

import embedkit
from embedkit.cli import main
from embedkit.contextual.own import load_transformer, split_tokens
from embedkit.contextual.sharded import encode_corpus
from embedkit.nn.introspect import own_states
from tests.conftest import OWN_TEXTS
from tests.reference_lm import numpy_lm


@pytest.fixture
def sentences(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text("\n".join(OWN_TEXTS) + "\n", encoding="utf-8")
    return path


def test_language_model_sentence_vectors_are_the_mean_of_its_last_layer(tiny_lm_file, sentences, tmp_path, capsys):
    """Check each row against numpy: the last layer (after ln_f) averaged over the words, the start token left out."""
    out = tmp_path / "e.npy"
    assert main(["encode", "--model", str(tiny_lm_file), "--input", str(sentences), "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == "tiny_lm.pt" and (report["rows"], report["dim"], report["layer"]) == (4, 8, None)
    own = load_transformer(tiny_lm_file)
    expect = []
    for s in OWN_TEXTS:
        states = numpy_lm(own.trained.model, split_tokens(own, s).ids)[0]
        expect.append(states[-1][1:].mean(axis=0))  # the start token </s> belongs to no word
    got = np.load(out)
    assert got.dtype == np.float32 and got.shape == (4, 8)
    assert_allclose(got, np.stack(expect), atol=1e-5)
    assert not np.allclose(got[0], got[1])


def test_language_model_word_vectors_at_a_layer(tiny_lm_file, sentences, tmp_path, capsys):
    """Check --layer 1 into .ekv: keys sentence:position:word, rows the numpy layer-1 states of the words."""
    out = tmp_path / "w.ekv"
    argv = ["encode", "--model", str(tiny_lm_file), "--input", str(sentences), "-o", str(out), "--layer", "1"]
    assert main([*argv, "-q"]) == 0
    assert capsys.readouterr().out == ""
    v = embedkit.load(out)
    own = load_transformer(tiny_lm_file)
    keys, rows = [], []
    for i, s in enumerate(OWN_TEXTS):
        split = split_tokens(own, s)
        keys += [f"{i}:{j}:{w}" for j, w in enumerate(split.words)]
        rows.append(numpy_lm(own.trained.model, split.ids)[0][1][1:])  # one token a word after </s>
    assert v.keys == keys and v.keys[0] == "0:0:the"
    assert_allclose(np.asarray(v.matrix), np.concatenate(rows), atol=1e-5)


def test_classifier_and_seq2seq_leave_out_cls_and_spaces(tiny_classifier_file, tiny_seq2seq_file):
    """Check that a classifier's [CLS] and a character encoder's spaces take no part in the sentence vector."""
    for path, texts in ((tiny_classifier_file, OWN_TEXTS), (tiny_seq2seq_file, ["ab ca", "ca ab b"])):
        own = load_transformer(path)
        result = encode_corpus(texts, model=path)
        assert result is not None and result.words is None and result.matrix.shape == (len(texts), own.dim)
        for row, s in zip(result.matrix, texts):
            split = split_tokens(own, s)
            hidden, _ = own_states(own, split.ids)
            at = [t for t, w in enumerate(split.word_of) if w is not None]
            assert len(at) < len(split.word_of)  # [CLS], or the spaces, are left out
            assert_allclose(row, hidden[-1][at].mean(dim=0).numpy(), atol=1e-6)
            assert not np.allclose(row, hidden[-1].mean(dim=0).numpy(), atol=1e-3)  # not the mean with them
    words = encode_corpus(["ab ca"], model=tiny_seq2seq_file, layer=2, pieces="first")
    assert words is not None and words.words == [["ab", "ca"]]
    own = load_transformer(tiny_seq2seq_file)
    hidden, _ = own_states(own, split_tokens(own, "ab ca").ids)
    assert_allclose(words.matrix, hidden[2][[0, 3]].numpy(), atol=1e-6)  # each word's first character


def test_layer_past_the_last_is_refused(tiny_lm_file, sentences, tmp_path, capsys):
    """Check that --layer 3 on a two-block model is one line naming the range, and writes nothing."""
    out = tmp_path / "w.ekv"
    argv = ["encode", "--model", str(tiny_lm_file), "--input", str(sentences), "-o", str(out), "--layer", "3"]
    assert main(argv) == 1
    assert capsys.readouterr().err == "embedkit: error: layer must be between 0 and 2 (or -1 for the last), not 3\n"
    assert not out.exists()


def test_a_sentence_without_a_word_and_a_layer_not_an_integer_are_refused(tiny_lm_file):
    """Check that a blank sentence is one error naming it (not a row of zeros), and layer 1.0 one error naming it."""
    from embedkit.errors import DataError, InvalidArgumentError

    with pytest.raises(DataError, match=r"^sentence 1 \(' '\) has no word for tiny_lm\.pt to encode$"):
        encode_corpus(["the cat", " "], model=tiny_lm_file)
    with pytest.raises(InvalidArgumentError, match=r"^layer must be between 0 and 2 \(or -1 for the last\), not 1\.0$"):
        encode_corpus(["the cat"], model=tiny_lm_file, layer=1.0)  # type: ignore[arg-type]
