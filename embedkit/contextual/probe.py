"""A linear probe per layer: how much of a sentence-level property (sentiment, question type) a linear
classifier can read from each layer of a contextual encoder.

For every layer L (0: the embedding layer's output .. the last), a sentence's feature is the mean of its
word pieces' vectors at layer L (special tokens included, padding not: at the last layer this is the
sentence vector before normalisation for a mean-pooling model such as MiniLM); standard scaling and a
logistic regression are fitted on the training sentences and scored on the dev sentences. The interval
around each accuracy is a percentile bootstrap over the dev sentences (the same resamples for every
layer), which measures the uncertainty of the dev estimate, not of the training.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..classify.datasets import DOWNSTREAM_FILES, TextDataset, dataset_path, read_dataset, train_dev_split
from ..errors import DataError, InvalidArgumentError
from ..io.named import default_data_dir
from .api import load_encoder
from .models import DEFAULT_MODEL

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..nn.contextual import Encoder

__all__ = ["ProbeResult", "layer_vectors", "plot_probe", "probe", "probe_task", "probe_vectors"]


@dataclass(frozen=True)
class ProbeResult:
    """The probe's dev accuracy per layer with a bootstrap interval (``low``, ``high``, at ``confidence``),
    and what it ran on."""

    task: str
    layers: list[int]
    accuracy: list[float]
    low: list[float]
    high: list[float]
    train_size: int
    dev_size: int
    classes: int
    bootstrap: int
    confidence: float
    seed: int

    @property
    def best_layer(self) -> int:
        """The layer of the highest accuracy (the first one on a tie)."""
        return self.layers[int(np.argmax(self.accuracy))]

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data (with ``best_layer``)."""
        return {**asdict(self), "best_layer": self.best_layer}


def layer_vectors(
    sentences: Sequence[str],
    *,
    model: str | os.PathLike | Encoder = DEFAULT_MODEL,
    batch_size: int = 64,
    progress: bool = False,
) -> np.ndarray:
    """Each sentence's mean piece vector at every layer, (layers + 1, N, dim) float32 in input order:
    one forward pass per batch (sentences batched by length, so the same input gives the same result)."""
    import torch

    from ..progress import progress_bar

    enc = load_encoder(model) if isinstance(model, str | os.PathLike) else model
    texts = list(sentences)
    out = np.zeros((enc.num_layers + 1, len(texts), enc.dim), dtype=np.float32)
    encodings = enc.tokenizer.encode_batch(texts)
    order = sorted(range(len(texts)), key=lambda i: (-len(encodings[i].ids), i))
    with (
        torch.inference_mode(),
        progress_bar(desc="encode layers", total=len(texts), unit="sentence", enabled=progress) as bar,
    ):
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = torch.zeros((len(rows), width), dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for j, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[j, :n] = torch.tensor(encodings[i].ids)
                mask[j, :n] = 1
            states = enc.model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
            m = mask.unsqueeze(-1).float()
            for layer, h in enumerate(states):
                out[layer, rows] = ((h.float() * m).sum(1) / m.sum(1)).numpy()
            bar.update(len(rows))
    return out


def _interval(correct: np.ndarray, bootstrap: int, confidence: float, rng: np.random.Generator) -> np.ndarray:
    """Percentile-bootstrap bounds of the mean of each row of ``correct`` (layers, N), shared resamples."""
    n = correct.shape[1]
    draws = rng.integers(0, n, size=(bootstrap, n))
    means = correct[:, draws].mean(axis=2)  # (layers, bootstrap)
    tail = (1.0 - confidence) / 2.0 * 100.0
    return np.percentile(means, [tail, 100.0 - tail], axis=1)  # (2, layers)


def probe_vectors(
    train_features: np.ndarray,
    train_labels: Sequence[int] | np.ndarray,
    dev_features: np.ndarray,
    dev_labels: Sequence[int] | np.ndarray,
    *,
    layers: Sequence[int] | None = None,
    C: float = 1.0,
    bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    task: str = "",
) -> ProbeResult:
    """The probe on features already computed: ``train_features`` (layers, N, dim) and ``dev_features``
    (layers, M, dim) as :func:`layer_vectors` returns them; ``layers`` picks rows (default all).

    Per layer: scikit-learn's ``StandardScaler`` then ``LogisticRegression(C=C, max_iter=2000,
    random_state=seed)``; accuracy on the dev rows, and its ``bootstrap`` percentile interval at
    ``confidence`` (resamples drawn with ``seed``; ``bootstrap=0``: no interval, the bounds equal the
    accuracy).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    tr, dv = np.asarray(train_features), np.asarray(dev_features)
    y_tr, y_dv = np.asarray(train_labels), np.asarray(dev_labels)
    if tr.ndim != 3 or dv.ndim != 3 or tr.shape[0] != dv.shape[0] or tr.shape[2] != dv.shape[2]:
        raise InvalidArgumentError(
            f"features must be (layers, sentences, dim) with the same layers and dim, got {tr.shape} and {dv.shape}"
        )
    if len(y_tr) != tr.shape[1] or len(y_dv) != dv.shape[1]:
        raise InvalidArgumentError(
            f"{len(y_tr)} and {len(y_dv)} labels for {tr.shape[1]} training and {dv.shape[1]} dev sentences"
        )
    if len(set(y_tr.tolist())) < 2:
        raise DataError("the probe needs training sentences of at least two classes")
    if len(y_dv) == 0:
        raise DataError("the probe needs dev sentences to score")
    if not 0.0 < confidence < 1.0:
        raise InvalidArgumentError(f"confidence must be in (0, 1), got {confidence}")
    if bootstrap < 0:
        raise InvalidArgumentError(f"bootstrap must be >= 0, got {bootstrap}")
    chosen = list(range(tr.shape[0])) if layers is None else [int(x) for x in layers]
    bad = [x for x in chosen if not 0 <= x < tr.shape[0]]
    if bad:
        raise InvalidArgumentError(f"layer {bad[0]} is not between 0 and {tr.shape[0] - 1}")
    correct = np.zeros((len(chosen), len(y_dv)))
    for k, layer in enumerate(chosen):
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000, random_state=seed))
        clf.fit(tr[layer], y_tr)
        correct[k] = clf.predict(dv[layer]) == y_dv
    acc = correct.mean(axis=1)
    if bootstrap:
        low, high = _interval(correct, bootstrap, confidence, np.random.default_rng(seed))
    else:
        low = high = acc
    return ProbeResult(
        task=task,
        layers=chosen,
        accuracy=[float(a) for a in acc],
        low=[float(x) for x in low],
        high=[float(x) for x in high],
        train_size=int(tr.shape[1]),
        dev_size=int(dv.shape[1]),
        classes=len(set(y_tr.tolist()) | set(y_dv.tolist())),
        bootstrap=int(bootstrap),
        confidence=float(confidence),
        seed=int(seed),
    )


def probe(
    train: TextDataset,
    dev: TextDataset,
    *,
    model: str | os.PathLike | Encoder = DEFAULT_MODEL,
    layers: Sequence[int] | None = None,
    C: float = 1.0,
    bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    batch_size: int = 64,
    progress: bool = False,
) -> ProbeResult:
    """A linear probe per layer of ``model`` (a named model, a folder, or an encoder from
    :func:`~embedkit.contextual.load_encoder`): trained on ``train``, scored on ``dev``, with bootstrap
    intervals (see :func:`probe_vectors`); ``layers`` default: all (0 .. the last).

    Features are encoded once for every layer (:func:`layer_vectors`)."""
    enc = load_encoder(model) if isinstance(model, str | os.PathLike) else model
    if not len(train) or not len(dev):
        raise DataError("the probe needs training and dev sentences")
    X = layer_vectors(list(train.texts) + list(dev.texts), model=enc, batch_size=batch_size, progress=progress)
    n = len(train)
    return probe_vectors(
        X[:, :n],
        train.labels,
        X[:, n:],
        dev.labels,
        layers=layers,
        C=C,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        task=train.name or "",
    )


def probe_task(
    task: str | os.PathLike,
    *,
    dev: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    dev_fraction: float = 0.1,
    limit: int | None = None,
    seed: int = 0,
) -> tuple[TextDataset, TextDataset]:
    """The training and dev sentences of a probe task: ``sst2`` or ``trec`` (or another name of
    :data:`~embedkit.classify.datasets.DOWNSTREAM_FILES`, read from ``data_dir``, default
    ``$EMBEDKIT_DATA``), or a dataset file. The dev sentences: ``dev`` if given, else a ``dev.txt`` beside
    the training file (SST-2's), else a stratified ``dev_fraction`` held out with ``seed``. ``limit``
    keeps a seeded random ``limit`` of the training sentences (the dev sentences are kept whole)."""
    name = str(task)
    path = dataset_path(name, default_data_dir(data_dir)) if name in DOWNSTREAM_FILES else dataset_path(name, ".")
    train = read_dataset(path)
    beside = Path(path).with_name("dev.txt")
    if dev is not None:
        dev_set = read_dataset(dev)
    elif name in DOWNSTREAM_FILES and Path(path).name == "train.txt" and beside.is_file():
        dev_set = read_dataset(beside)
    else:
        train, dev_set = train_dev_split(train, dev_fraction=dev_fraction, seed=seed)
    if limit is not None and limit < len(train):
        rows = np.sort(np.random.default_rng(seed).permutation(len(train))[:limit])
        train = train.subset(rows)
    label = name if name in DOWNSTREAM_FILES else train.name
    return train.subset(np.arange(len(train)), name=label), dev_set


def plot_probe(result: ProbeResult, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """The probe's accuracy per layer as a line, with its bootstrap interval as a band.

    A new figure is not registered with pyplot (nothing leaks into its global state)."""
    if ax is None:
        from matplotlib.figure import Figure as MplFigure

        fig = MplFigure(figsize=(6, 3.6), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure  # type: ignore[assignment]  # an Axes' figure is a Figure here
    x = np.asarray(result.layers)
    ax.plot(x, result.accuracy, marker="o", label="dev accuracy")
    ax.fill_between(x, result.low, result.high, alpha=0.25, label=f"{result.confidence:.0%} bootstrap interval")
    ax.set_xlabel("layer (0: embeddings)")
    ax.set_ylabel("accuracy")
    ax.set_xticks(x)
    ax.set_title(title or f"Linear probe per layer{f': {result.task}' if result.task else ''}")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return fig
