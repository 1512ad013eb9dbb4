"""Train, cross-validate, evaluate and use text classifiers: the torch-free entry points.

Models by name: the neural architectures ``rnn``, ``gru``, ``lstm``, ``cnn``, ``transformer``
(``embedkit.nn``, imported only when one is trained or loaded) in the embedding modes ``rand``,
``static``, ``non-static``, ``multichannel``; and the baselines ``tfidf-logreg``, ``tfidf-svm`` and ``mean-logreg``
(:mod:`embedkit.baselines`). Every trained classifier has ``predict`` (class names),
``predict_ids``, ``predict_proba`` and ``save``; :func:`load_classifier` reads either kind back.

Metrics are plain numbers in a frozen :class:`Metrics` (accuracy, macro-F1, per-class precision,
recall, F1 and support, confusion matrix); :func:`plot_confusion_matrix` draws one.
"""

from __future__ import annotations

import dataclasses
import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .baselines import BASELINES, BaselineClassifier, is_baseline_file
from .datasets import TextDataset, align_labels, check_classes, kfold, train_dev_split
from .errors import EmbedkitWarning
from .io.api import resolve_vectors
from .vectors import Vectors
from .viz.confusion import plot_confusion_matrix

if TYPE_CHECKING:  # pragma: no cover
    from .nn.trainer import ClassifierConfig

__all__ = [
    "MODELS",
    "NEURAL_MODELS",
    "CVResult",
    "Metrics",
    "TextClassifier",
    "TrainResult",
    "compute_metrics",
    "cross_validate",
    "evaluate",
    "load_classifier",
    "plot_confusion_matrix",
    "predict",
    "predict_proba",
    "train",
]

NEURAL_MODELS = ("rnn", "gru", "lstm", "cnn", "transformer")
MODELS = NEURAL_MODELS + BASELINES
MODES = ("rand", "static", "non-static", "multichannel")


class TextClassifier(Protocol):
    """What every trained classifier offers."""

    class_names: tuple[str, ...]

    def predict(self, texts: Sequence[str]) -> list[str]: ...
    def predict_ids(self, texts: Sequence[str]) -> np.ndarray: ...
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...
    def save(self, path: str | os.PathLike) -> Any: ...


# -- metrics ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Metrics:
    """Scores of predictions against gold labels.

    ``per_class`` maps each class name to ``{"precision", "recall", "f1", "support"}``;
    ``confusion[i][j]`` counts examples of class ``i`` predicted as ``j``.
    """

    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]
    class_names: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"accuracy": self.accuracy, "macro_f1": self.macro_f1, "per_class": self.per_class,
                "confusion": self.confusion, "class_names": list(self.class_names)}

    def report(self) -> str:
        """A per-class table as text."""
        w = max(12, *(len(c) for c in self.class_names))
        lines = [f"{'class':<{w}}  precision  recall     f1  support"]
        for c in self.class_names:
            r = self.per_class[c]
            lines.append(f"{c:<{w}}  {r['precision']:9.4f}  {r['recall']:6.4f}  {r['f1']:.4f}  {int(r['support']):7d}")
        lines.append(f"{'accuracy':<{w}}  {self.accuracy:.4f}   macro-F1 {self.macro_f1:.4f}")
        return "\n".join(lines)


def compute_metrics(y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray,
                    class_names: Sequence[str]) -> Metrics:
    """Accuracy, macro-F1 (over all ``class_names``), per-class scores and the confusion matrix.

    Examples
    --------
    >>> m = compute_metrics([0, 0, 1, 1], [0, 1, 1, 1], ["neg", "pos"])
    >>> m.accuracy, round(m.macro_f1, 4), m.confusion
    (0.75, 0.7333, [[1, 1], [0, 2]])
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    labels = list(range(len(class_names)))
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    p, r, f, s = precision_recall_fscore_support(yt, yp, labels=labels, zero_division=0)
    per = {c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
           for i, c in enumerate(class_names)}
    cm = confusion_matrix(yt, yp, labels=labels)
    return Metrics(float(accuracy_score(yt, yp)), float(np.mean(f)), per, cm.tolist(), tuple(class_names))


def evaluate(classifier: TextClassifier, data: TextDataset) -> Metrics:
    """:func:`compute_metrics` of ``classifier``'s predictions on ``data``."""
    return compute_metrics(data.labels, classifier.predict_ids(list(data.texts)), data.class_names)


# -- training ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainResult:
    """A trained classifier and its scores (``dev`` on the dev data, ``test`` on the test data
    when given), the training time and, for neural models, the per-epoch history."""

    model: str
    mode: str | None
    classifier: Any
    dev: Metrics | None
    test: Metrics | None
    train_seconds: float
    seed: int
    history: dict[str, Any] | None = None
    output: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"model": self.model, "mode": self.mode, "seed": self.seed,
                             "train_seconds": self.train_seconds}
        for name in ("dev", "test"):
            m = getattr(self, name)
            if m is not None:
                d[name] = {"accuracy": m.accuracy, "macro_f1": m.macro_f1}
        if self.history is not None:
            d["best_epoch"] = self.history["best_epoch"]
            d["epochs_run"] = len(self.history["epochs"])
        if self.output is not None:
            d["output"] = self.output
        return d


def _check_model(model: str, mode: str) -> None:
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    if model in NEURAL_MODELS and mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")


def train(
    train: TextDataset,
    *,
    dev: TextDataset | None = None,
    test: TextDataset | None = None,
    model: str = "cnn",
    mode: str = "non-static",
    vectors: Vectors | str | None = None,
    config: ClassifierConfig | None = None,
    seed: int = 0,
    device: str = "auto",
    progress: bool = False,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
    drop_unseen_labels: bool = False,
    output: str | os.PathLike | None = None,
) -> TrainResult:
    """Train one classifier and score it.

    Without ``dev``, a stratified ``config.dev_fraction`` (10%) of ``train`` is held out (seeded)
    as the dev data: neural models stop early on it, and its scores are reported. ``model`` and
    ``mode`` override those of ``config`` (whose other fields are the hyper-parameters).
    ``vectors`` (a :class:`Vectors`, or a name or path for :func:`embedkit.load`; default GloVe
    6B 50d) is loaded only when the model needs it. ``checkpoint`` saves the best epoch of a neural
    model as it trains; ``checkpoint_dir`` keeps the full training state after every epoch, from
    which ``resume=True`` continues an interrupted run exactly (:func:`embedkit.nn.trainer.fit`).

    The labels are checked before anything is trained: ``train`` needs two classes or more, and
    the ``dev`` and ``test`` labels are matched to ``train``'s classes by name; a label no
    training example has is a :class:`~embedkit.errors.LabelError` naming the file and the
    labels, unless ``drop_unseen_labels``, which drops those examples with an
    :class:`~embedkit.errors.EmbedkitWarning` saying how many. With ``output`` the classifier is
    saved there as soon as it is trained, before it is scored, so no scoring error can lose it.

    Examples
    --------
    >>> from embedkit.datasets import TextDataset
    >>> ds = TextDataset(["good", "great fun", "bad", "awful mess"] * 5, [1, 1, 0, 0] * 5, ("neg", "pos"))
    >>> r = train(ds, dev=ds, model="tfidf-logreg")
    >>> r.dev.accuracy, r.classifier.predict(["great", "awful"])
    (1.0, ['pos', 'neg'])
    """
    _check_model(model, mode)
    check_classes(train)
    if dev is None:
        frac = config.dev_fraction if config is not None else 0.1
        train, dev = train_dev_split(train, dev_fraction=frac, seed=seed)
        check_classes(train)
    else:
        dev = _aligned(dev, train, "dev", drop_unseen_labels)
    if test is not None:
        test = _aligned(test, train, "test", drop_unseen_labels)
    names = train.class_names
    t0 = time.perf_counter()
    history = None
    if model in BASELINES:
        vec = resolve_vectors(vectors) if model == "mean-logreg" else None
        clf: Any = BaselineClassifier(model, names, vectors=vec, seed=seed).fit(train.texts, train.labels)  # type: ignore[arg-type]
        mode_out = None
    else:
        from .nn.trainer import ClassifierConfig, train_neural

        cfg = dataclasses.replace(config if config is not None else ClassifierConfig(), model=model, mode=mode)
        vec = resolve_vectors(vectors) if (mode != "rand" or vectors is not None) else None
        clf, hist = train_neural(train.texts, train.labels, dev.texts, dev.labels, names, cfg, vectors=vec,
                                 seed=seed, device=device, progress=progress, checkpoint=checkpoint,
                                 checkpoint_dir=checkpoint_dir, resume=resume)
        history = hist.to_dict()
        mode_out = mode
    seconds = time.perf_counter() - t0
    saved = None
    if output is not None and int(os.environ.get("RANK", "0")) == 0:  # under torchrun, rank 0 writes
        saved = str(clf.save(output))
    dev_m = evaluate(clf, dev)
    test_m = evaluate(clf, test) if test is not None else None
    return TrainResult(model, mode_out, clf, dev_m, test_m, seconds, seed, history, saved)


def _aligned(data: TextDataset, train: TextDataset, role: str, drop_unseen: bool) -> TextDataset:
    out, dropped = align_labels(data, train, role=role, drop_unseen=drop_unseen)
    if dropped:
        where = f"{data.source}: " if data.source else ""
        warnings.warn(f"{where}dropped {dropped} of {len(data)} {role} examples whose labels the training data "
                      "never had", EmbedkitWarning, stacklevel=3)
    return out


@dataclass(frozen=True)
class CVResult:
    """Cross-validation scores: ``per_fold`` (one dict per fold and seed), their ``mean`` and
    ``std`` (sample standard deviation, ``ddof=1``) for accuracy and macro-F1."""

    model: str
    mode: str | None
    folds: int
    seeds: tuple[int, ...]
    per_fold: list[dict[str, Any]] = field(default_factory=list)
    train_seconds: float = 0.0

    def _stat(self, fn) -> dict[str, float]:
        return {k: float(fn([f[k] for f in self.per_fold])) for k in ("accuracy", "macro_f1")}

    @property
    def mean(self) -> dict[str, float]:
        return self._stat(np.mean)

    @property
    def std(self) -> dict[str, float]:
        return self._stat(lambda x: np.std(x, ddof=1) if len(x) > 1 else 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "mode": self.mode, "folds": self.folds, "seeds": list(self.seeds),
                "mean": self.mean, "std": self.std, "per_fold": self.per_fold, "train_seconds": self.train_seconds}


def cross_validate(
    data: TextDataset,
    *,
    folds: int = 10,
    model: str = "cnn",
    mode: str = "non-static",
    vectors: Vectors | str | None = None,
    config: ClassifierConfig | None = None,
    seeds: Sequence[int] = (0,),
    only_folds: Sequence[int] | None = None,
    device: str = "auto",
    progress: bool = False,
    drop_unseen_labels: bool = False,
) -> CVResult:
    """Stratified k-fold cross-validation, repeated for each seed (the seed shuffles the folds,
    holds out the dev part of each training fold, and initialises the model).

    Each fold trains with :func:`train` on the other folds (a dev split held out of them) and is
    scored on the held-out fold. ``only_folds`` runs just those fold numbers (to spread a long
    run over several jobs). ``drop_unseen_labels``: see :func:`train` (a class with fewer examples
    than folds can be missing from a fold's training part).
    """
    _check_model(model, mode)
    check_classes(data)
    vec = resolve_vectors(vectors) if (model == "mean-logreg" or (model in NEURAL_MODELS and mode != "rand")) else None
    res = CVResult(model, mode if model in NEURAL_MODELS else None, folds, tuple(seeds))
    total = 0.0
    for seed in seeds:
        for i, (tr, te) in enumerate(kfold(data, folds, seed=seed)):
            if only_folds is not None and i not in only_folds:
                continue
            r = train(tr, test=te, model=model, mode=mode, vectors=vec, config=config, seed=seed, device=device,
                      progress=progress, drop_unseen_labels=drop_unseen_labels)
            assert r.test is not None and r.dev is not None
            res.per_fold.append({"fold": i, "seed": seed, "accuracy": r.test.accuracy, "macro_f1": r.test.macro_f1,
                                 "dev_accuracy": r.dev.accuracy, "train_seconds": r.train_seconds})
            total += r.train_seconds
    return dataclasses.replace(res, train_seconds=total)


# -- using saved models -----------------------------------------------------------------------
def load_classifier(path: str | os.PathLike, *, device: str = "cpu") -> TextClassifier:
    """Read a classifier saved by ``classifier.save(path)``: a neural checkpoint or a baseline."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such model file: {str(path)!r}")
    if is_baseline_file(path):
        return BaselineClassifier.load(path)
    from .nn.trainer import NeuralClassifier

    return NeuralClassifier.load(path, device=device)


def predict(classifier: TextClassifier | str | os.PathLike, texts: Sequence[str]) -> list[str]:
    """The predicted class names of raw ``texts`` (``classifier`` may be a saved model's path)."""
    clf = classifier if hasattr(classifier, "predict") else load_classifier(classifier)  # type: ignore[arg-type]
    return clf.predict(list(texts))  # type: ignore[union-attr]


def predict_proba(classifier: TextClassifier | str | os.PathLike, texts: Sequence[str]) -> np.ndarray:
    """``(N, C)`` class probabilities of raw ``texts``."""
    clf = classifier if hasattr(classifier, "predict_proba") else load_classifier(classifier)  # type: ignore[arg-type]
    return clf.predict_proba(list(texts))  # type: ignore[union-attr]
