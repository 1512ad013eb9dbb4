"""Tests of embedkit.classify.sentence: heads on a contextual encoder's sentence vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit.classify import TextDataset, load_classifier, train
from embedkit.classify.sentence import SentenceClassifier
from embedkit.errors import InvalidArgumentError, ModelFileError, NotFittedError

pytestmark = pytest.mark.slow  # loads a contextual model: seconds

sklearn = pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def sst2_small(data_dir):
    """40 SST-2 training sentences (20 a class) and 20 dev sentences."""
    from embedkit.classify import read_dataset

    tr = read_dataset(data_dir / "sentiment" / "sst2" / "train.txt")
    dev = read_dataset(data_dir / "sentiment" / "sst2" / "dev.txt")
    rows = np.concatenate([np.flatnonzero(tr.labels == c)[:20] for c in (0, 1)])
    return tr.subset(rows), dev.subset(np.arange(20))


@pytest.fixture(scope="module")
def features(minilm, sst2_small):
    from embedkit.contextual import encode

    tr, dev = sst2_small
    return encode(list(tr.texts), model=minilm), encode(list(dev.texts), model=minilm)


def test_logreg_equals_encode_and_sklearn(minilm, sst2_small, features):
    """Check that sentence-logreg on texts gives the probabilities of sklearn's LogisticRegression on encode()."""
    from sklearn.linear_model import LogisticRegression

    tr, dev = sst2_small
    Xtr, Xdev = features
    clf = SentenceClassifier("sentence-logreg", tr.class_names, encoder="minilm")
    clf._model = minilm  # the session's encoder: the same model, loaded once
    clf.fit(tr.texts, tr.labels)
    want = LogisticRegression(C=1.0, max_iter=2000, random_state=0).fit(Xtr, tr.labels).predict_proba(Xdev)
    assert_allclose(clf.predict_proba(dev.texts), want, atol=1e-6)
    assert clf.predict(dev.texts) == [tr.class_names[i] for i in want.argmax(1)]


def test_mlp_equals_sklearn(sst2_small, features):
    """Check that sentence-mlp's numpy forward pass gives sklearn's MLPClassifier probabilities."""
    from sklearn.neural_network import MLPClassifier

    tr, _ = sst2_small
    Xtr, Xdev = features
    clf = SentenceClassifier("sentence-mlp", tr.class_names, seed=3).fit_vectors(Xtr, tr.labels)
    ref = MLPClassifier(hidden_layer_sizes=(256,), alpha=1e-3, early_stopping=True, max_iter=300, random_state=3)
    want = ref.fit(Xtr, tr.labels).predict_proba(Xdev)
    z = clf.decision_vectors(Xdev)
    got = np.exp(z - z.max(1, keepdims=True))
    assert_allclose(got / got.sum(1, keepdims=True), want, atol=1e-6)


def test_three_classes_mlp_shapes(features):
    """Check that a three-class MLP scores every class and leaves a class absent from training at -inf."""
    Xtr, Xdev = features
    y = np.arange(len(Xtr)) % 3
    clf = SentenceClassifier("sentence-mlp", ["a", "b", "c", "d"]).fit_vectors(Xtr, y)
    z = clf.decision_vectors(Xdev)
    assert z.shape == (len(Xdev), 4)
    assert np.isneginf(z[:, 3]).all() and np.isfinite(z[:, :3]).all()


@pytest.mark.parametrize("model", ["sentence-logreg", "sentence-mlp"])
def test_saved_model_reloads_and_predicts_identically(tmp_path, tiny_bert, model):
    """Check that train(..., output=) writes an .npz without pickles that load_classifier reads back to the same probabilities."""
    texts = ["a fine film", "a dull film", "fine and warm", "dull and cold"] * 5
    ds = TextDataset(texts, [1, 0, 1, 0] * 5, ("neg", "pos"))
    r = train(ds, dev=ds, model=model, encoder=str(tiny_bert), output=tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
    assert meta["kind"] == model and meta["encoder"] == str(tiny_bert) and meta["class_names"] == ["neg", "pos"]
    back = load_classifier(tmp_path / "m.npz")
    assert isinstance(back, SentenceClassifier)
    assert_allclose(back.predict_proba(texts[:4]), r.classifier.predict_proba(texts[:4]), atol=0)
    assert r.to_dict()["model"] == model and r.mode is None


def test_errors(tmp_path, features):
    """Check the one-line errors: an unknown kind, an unfitted model, a file that lacks an array."""
    with pytest.raises(
        InvalidArgumentError, match="unknown sentence-vector model 'svm'; expected one of sentence-logreg, sentence-mlp"
    ):
        SentenceClassifier("svm", ["a", "b"])
    with pytest.raises(NotFittedError, match="this SentenceClassifier is not fitted yet"):
        SentenceClassifier("sentence-logreg", ["a", "b"]).save(tmp_path / "x.npz")
    Xtr, _ = features
    SentenceClassifier("sentence-mlp", ["a", "b"]).fit_vectors(Xtr, np.arange(len(Xtr)) % 2).save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as z:
        arrays = {k: z[k] for k in z.files if k != "w1"}
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ModelFileError, match=r"bad\.npz.*the model has no 'w1' array"):
        load_classifier(tmp_path / "bad.npz")
    with np.load(tmp_path / "m.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["b0"] = arrays["b0"][:-1]
    np.savez(tmp_path / "cut.npz", **arrays)
    with pytest.raises(ModelFileError, match=r"cut\.npz.*its weights do not match each other and its 2 classes"):
        load_classifier(tmp_path / "cut.npz")
