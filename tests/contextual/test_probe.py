"""Tests of embedkit.contextual.probe: a linear probe per layer, its intervals, task files and figure."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit.classify import TextDataset
from embedkit.contextual import layer_vectors, plot_probe, probe, probe_task, probe_vectors
from embedkit.errors import DataError, InvalidArgumentError, MissingFileError

pytest.importorskip("sklearn")


def _features(seed: int = 0):
    """Three layers of 8-dimensional features; the class shows more clearly the higher the layer."""
    rng = np.random.default_rng(seed)
    y_tr, y_dv = np.arange(60) % 3, np.arange(30) % 3
    centres = rng.normal(size=(3, 8))
    tr = np.stack([rng.normal(size=(60, 8)) + k * centres[y_tr] for k in (0.0, 0.5, 2.0)])
    dv = np.stack([rng.normal(size=(30, 8)) + k * centres[y_dv] for k in (0.0, 0.5, 2.0)])
    return tr, y_tr, dv, y_dv


def test_probe_vectors_equal_a_direct_sklearn_computation():
    """Check each layer's accuracy against StandardScaler + LogisticRegression fitted directly, and the bootstrap bounds against numpy."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    tr, y_tr, dv, y_dv = _features()
    r = probe_vectors(tr, y_tr, dv, y_dv, bootstrap=200, seed=5, task="toy")
    correct = []
    for layer in range(3):
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, random_state=5)).fit(
            tr[layer], y_tr
        )
        correct.append(clf.predict(dv[layer]) == y_dv)
    correct = np.asarray(correct, dtype=float)
    assert r.accuracy == pytest.approx(correct.mean(1).tolist(), abs=0)
    draws = np.random.default_rng(5).integers(0, 30, size=(200, 30))
    means = correct[:, draws].mean(axis=2)
    assert_allclose(r.low, np.percentile(means, 2.5, axis=1))
    assert_allclose(r.high, np.percentile(means, 97.5, axis=1))
    assert r.layers == [0, 1, 2] and r.best_layer == 2 and r.accuracy[2] > 0.9 > r.accuracy[0]
    assert all(lo <= a <= hi for lo, a, hi in zip(r.low, r.accuracy, r.high))
    d = r.to_dict()
    assert d["task"] == "toy" and d["train_size"] == 60 and d["dev_size"] == 30 and d["classes"] == 3
    assert d["best_layer"] == 2 and d["bootstrap"] == 200 and d["confidence"] == 0.95


def test_probe_some_layers_without_bootstrap():
    """Check that layers picks rows and bootstrap=0 makes the bounds the accuracy."""
    tr, y_tr, dv, y_dv = _features()
    full = probe_vectors(tr, y_tr, dv, y_dv, bootstrap=0)
    r = probe_vectors(tr, y_tr, dv, y_dv, layers=[2, 0], bootstrap=0)
    assert r.layers == [2, 0] and r.accuracy == [full.accuracy[2], full.accuracy[0]]
    assert r.low == r.accuracy == r.high


def test_probe_vectors_errors():
    """Check the one-line errors of bad shapes, labels, layers and settings."""
    tr, y_tr, dv, y_dv = _features()
    with pytest.raises(
        InvalidArgumentError,
        match=r"features must be \(layers, sentences, dim\) with the same layers and dim, got \(3, 60, 8\) and \(2, 30, 8\)",
    ):
        probe_vectors(tr, y_tr, dv[:2], y_dv)
    with pytest.raises(InvalidArgumentError, match="59 and 30 labels for 60 training and 30 dev sentences"):
        probe_vectors(tr, y_tr[:59], dv, y_dv)
    with pytest.raises(DataError, match="the probe needs training sentences of at least two classes"):
        probe_vectors(tr, np.zeros(60, dtype=int), dv, y_dv)
    with pytest.raises(InvalidArgumentError, match="layer 3 is not between 0 and 2"):
        probe_vectors(tr, y_tr, dv, y_dv, layers=[3])
    with pytest.raises(InvalidArgumentError, match=r"confidence must be in \(0, 1\), got 1.0"):
        probe_vectors(tr, y_tr, dv, y_dv, confidence=1.0)


@pytest.mark.slow
def test_layer_vectors_are_hidden_state_means(minilm):
    """Check layer_vectors against HF hidden_states averaged over the pieces, and its last layer, unit length, against encode()."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from embedkit.contextual import encode

    texts = ["The bank raised its rates.", "A river bank.", "What is the capital of France ?"]
    got = layer_vectors(texts, model=minilm, batch_size=2)
    assert got.shape == (7, 3, 384) and got.dtype == np.float32
    path = str(minilm.folder.path)
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True).eval()
    for i, text in enumerate(texts):
        with torch.inference_mode():
            states = model(**tok([text], return_tensors="pt"), output_hidden_states=True).hidden_states
        for layer in range(7):
            assert_allclose(got[layer, i], states[layer][0].mean(0).numpy(), atol=1e-5)
    last = got[6] / np.linalg.norm(got[6], axis=1, keepdims=True)
    assert_allclose(last, encode(texts, model=minilm), atol=1e-6)


@pytest.mark.slow
def test_probe_on_texts_equals_probe_on_their_layer_vectors(tiny_bert):
    """Check that probe() on datasets is probe_vectors() on layer_vectors() of the same texts."""
    texts = ["good film", "bad film", "a good story", "a bad story", "good fun", "bad mess"] * 3
    labels = [1, 0, 1, 0, 1, 0] * 3
    train, dev = (
        TextDataset(texts[:12], labels[:12], ("neg", "pos")),
        TextDataset(texts[12:], labels[12:], ("neg", "pos")),
    )
    r = probe(train, dev, model=tiny_bert, bootstrap=50, seed=1)
    X = layer_vectors(texts, model=tiny_bert)
    want = probe_vectors(X[:, :12], labels[:12], X[:, 12:], labels[12:], bootstrap=50, seed=1)
    assert r.layers == [0, 1, 2] and r.accuracy == want.accuracy and r.low == want.low and r.high == want.high


def test_probe_tasks(data_dir, tmp_path):
    """Check the task names: sst2 with its dev file, trec with 10% held out, a file with a limit."""
    tr, dev = probe_task("sst2", data_dir=data_dir)
    assert (len(tr), len(dev), tr.name) == (6920, 872, "sst2")
    tr, dev = probe_task("trec", data_dir=data_dir)
    assert len(tr) + len(dev) == 5452 and 540 <= len(dev) <= 550 and tr.name == "trec"
    f = tmp_path / "toy.txt"
    f.write_text("".join(f"{i % 2} text number {i}\n" for i in range(40)), encoding="utf-8")
    tr, dev = probe_task(f, limit=10, seed=3)
    assert (len(tr), len(dev)) == (10, 4)
    with pytest.raises(MissingFileError, match=r"no such dataset file: 'nope\.txt'"):
        probe_task("nope.txt")


def test_plot_probe_draws_the_curve_and_its_band():
    """Check the figure: one line through the accuracies and one band between the bounds, not left in pyplot."""
    import matplotlib.pyplot as plt

    tr, y_tr, dv, y_dv = _features()
    r = probe_vectors(tr, y_tr, dv, y_dv, bootstrap=100)
    fig = plot_probe(r, title="toy")
    ax = fig.axes[0]
    assert_allclose(ax.lines[0].get_ydata(), r.accuracy)
    assert len(ax.collections) == 1 and ax.get_title() == "toy"
    assert plt.get_fignums() == []
