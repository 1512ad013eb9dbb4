"""Train, cross-validate, evaluate and use text classifiers: the torch-free entry points.

Models by name (:mod:`embedkit.classify.config`): the neural architectures ``rnn``, ``gru``,
``lstm``, ``cnn``, ``transformer`` (:mod:`embedkit.nn.classifiers`, imported only when one is
trained or loaded) in the embedding modes ``rand``, ``static``, ``non-static``, ``multichannel``;
and the baselines ``tfidf-logreg``, ``tfidf-svm`` and ``mean-logreg``
(:mod:`embedkit.classify.baselines`, which imports scikit-learn, imported only when one is
trained or loaded). Every trained classifier has ``predict`` (class names), ``predict_ids``,
``predict_proba`` and ``save``; :func:`load_classifier` reads either kind back. Scores are
:class:`~embedkit.classify.metrics.Metrics`.
"""

from __future__ import annotations

import dataclasses
import os
import time
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from ..errors import EmbedkitWarning, InvalidArgumentError, MissingFileError
from ..io.api import resolve_vectors
from ..progress import progress_bar
from ..vectors import Vectors
from .config import (
    BASELINES,
    FINETUNE_MODELS,
    NEURAL_MODELS,
    SENTENCE_MODELS,
    BaselineName,
    ClassifierConfig,
    FinetuneConfig,
    Mode,
    NeuralModel,
    check_model,
    needs_vectors,
)
from .datasets import TextDataset, kfold, train_dev_split
from .labels import align_labels, check_classes
from .metrics import Metrics, TextClassifier, evaluate
from .sentence import FORMAT as SENTENCE_FORMAT
from .sentence import SentenceClassifier

__all__ = [
    "CVResult",
    "ClassifierResult",
    "cross_validate",
    "is_baseline_file",
    "load_classifier",
    "predict",
    "predict_proba",
    "train",
]


# -- training ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClassifierResult:
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
        """The result as plain JSON-ready data."""
        d: dict[str, Any] = {
            "model": self.model,
            "mode": self.mode,
            "seed": self.seed,
            "train_seconds": self.train_seconds,
        }
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


def train(
    train: TextDataset,
    *,
    dev: TextDataset | None = None,
    test: TextDataset | None = None,
    model: str = "cnn",
    mode: str = "non-static",
    vectors: Vectors | str | None = None,
    config: ClassifierConfig | FinetuneConfig | None = None,
    encoder: str | os.PathLike | None = None,
    seed: int = 0,
    device: str = "auto",
    progress: bool = False,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
    drop_unseen_labels: bool = False,
    output: str | os.PathLike | None = None,
) -> ClassifierResult:
    """Train one classifier and score it.

    Without ``dev``, a stratified ``config.dev_fraction`` (10%) of ``train`` is held out (seeded)
    as the dev data: neural models stop early on it, and its scores are reported. ``model`` and
    ``mode`` override those of ``config`` (whose other fields are the hyper-parameters).
    ``vectors`` (a :class:`Vectors`, or a name or path for :func:`embedkit.load`; default GloVe
    6B 50d) is loaded only when the model needs it. ``checkpoint`` saves the best epoch of a neural
    model as it trains; ``checkpoint_dir`` keeps the full training state after every epoch, from
    which ``resume=True`` continues an interrupted run exactly
    (:func:`embedkit.nn.classifiers.fit_classifier`).

    The labels are checked before anything is trained: ``train`` needs two classes or more, and
    the ``dev`` and ``test`` labels are matched to ``train``'s classes by name; a label no
    training example has is a :class:`~embedkit.errors.LabelError` naming the file and the
    labels, unless ``drop_unseen_labels``, which drops those examples with an
    :class:`~embedkit.errors.EmbedkitWarning` saying how many. With ``output`` the classifier is
    saved there as soon as it is trained, before it is scored, so no scoring error can lose it.

    The models on a contextual ``encoder`` (a named model or a model folder; default ``minilm``, or the
    ``encoder`` of a :class:`~embedkit.classify.config.FinetuneConfig` given as ``config``):
    ``sentence-logreg`` and ``sentence-mlp`` fit a head on its sentence vectors
    (:class:`~embedkit.classify.sentence.SentenceClassifier`); ``minilm-finetune`` trains the encoder and a
    linear head end to end (:func:`~embedkit.nn.classifiers.finetune.train_finetune`; ``config`` a
    :class:`~embedkit.classify.config.FinetuneConfig`;
    ``checkpoint`` there saves the best epoch as it trains).

    Examples
    --------
    >>> from embedkit.classify import TextDataset
    >>> ds = TextDataset(["good", "great fun", "bad", "awful mess"] * 5, [1, 1, 0, 0] * 5, ("neg", "pos"))
    >>> r = train(ds, dev=ds, model="tfidf-logreg")
    >>> r.dev.accuracy, r.classifier.predict(["great", "awful"])
    (1.0, ['pos', 'neg'])
    """
    check_model(model, mode)
    check_classes(train)
    if model in FINETUNE_MODELS and (checkpoint_dir is not None or resume):
        raise InvalidArgumentError(f"{model} keeps no training state to resume from; use checkpoint (a file) instead")
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
        from .baselines import BaselineClassifier  # scikit-learn

        vec = resolve_vectors(vectors) if needs_vectors(model, mode) else None
        clf: Any = BaselineClassifier(cast(BaselineName, model), names, vectors=vec, seed=seed).fit(
            train.texts, train.labels
        )
        mode_out = None
    elif model in SENTENCE_MODELS:
        clf = SentenceClassifier(model, names, encoder=str(encoder or "minilm"), seed=seed, progress=progress)
        clf.fit(train.texts, train.labels)
        mode_out = None
    elif model in FINETUNE_MODELS:
        from ..nn.classifiers.finetune import train_finetune  # torch

        base = config if isinstance(config, FinetuneConfig) else FinetuneConfig()
        fcfg = base if encoder is None else dataclasses.replace(base, encoder=str(encoder))
        clf, hist = train_finetune(
            train.texts,
            train.labels,
            dev.texts,
            dev.labels,
            names,
            fcfg,
            seed=seed,
            progress=progress,
            checkpoint=checkpoint,
        )
        history = hist.to_dict()
        mode_out = None
    else:
        from ..nn.classifiers.neural import train_neural  # torch

        cfg = dataclasses.replace(
            config if isinstance(config, ClassifierConfig) else ClassifierConfig(),
            model=cast(NeuralModel, model),
            mode=cast(Mode, mode),
        )
        vec = resolve_vectors(vectors) if (needs_vectors(model, mode) or vectors is not None) else None
        clf, hist = train_neural(
            train.texts,
            train.labels,
            dev.texts,
            dev.labels,
            names,
            cfg,
            vectors=vec,
            seed=seed,
            device=device,
            progress=progress,
            checkpoint=checkpoint,
            checkpoint_dir=checkpoint_dir,
            resume=resume,
        )
        history = hist.to_dict()
        mode_out = mode
    seconds = time.perf_counter() - t0
    saved = None
    if output is not None and int(os.environ.get("RANK", "0")) == 0:  # under torchrun, rank 0 writes
        saved = str(clf.save(output))
    dev_m = evaluate(clf, dev)
    test_m = evaluate(clf, test) if test is not None else None
    return ClassifierResult(model, mode_out, clf, dev_m, test_m, seconds, seed, history, saved)


def _aligned(data: TextDataset, train: TextDataset, role: str, drop_unseen: bool) -> TextDataset:
    out, dropped = align_labels(data, train, role=role, drop_unseen=drop_unseen)
    if dropped:
        where = f"{data.source}: " if data.source else ""
        warnings.warn(
            f"{where}dropped {dropped} of {len(data)} {role} examples whose labels the training data never had",
            EmbedkitWarning,
            stacklevel=3,
        )
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
        """Accuracy and macro-F1, averaged over the folds and seeds."""
        return self._stat(np.mean)

    @property
    def std(self) -> dict[str, float]:
        """Their sample standard deviation over the folds and seeds (0.0 for a single run)."""
        return self._stat(lambda x: np.std(x, ddof=1) if len(x) > 1 else 0.0)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data."""
        return {
            "model": self.model,
            "mode": self.mode,
            "folds": self.folds,
            "seeds": list(self.seeds),
            "mean": self.mean,
            "std": self.std,
            "per_fold": self.per_fold,
            "train_seconds": self.train_seconds,
        }


def cross_validate(
    data: TextDataset,
    *,
    folds: int = 10,
    model: str = "cnn",
    mode: str = "non-static",
    vectors: Vectors | str | None = None,
    config: ClassifierConfig | FinetuneConfig | None = None,
    encoder: str | os.PathLike | None = None,
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
    than folds can be missing from a fold's training part). ``progress`` shows a bar of the folds
    done (and each fold's epochs) on stderr once the run has taken
    :data:`~embedkit.progress.PROGRESS_DELAY` seconds.
    """
    check_model(model, mode)
    check_classes(data)
    vec = resolve_vectors(vectors) if needs_vectors(model, mode) else None
    res = CVResult(model, mode if model in NEURAL_MODELS else None, folds, tuple(seeds))
    total = 0.0
    runs = len(seeds) * (folds if only_folds is None else len(set(only_folds) & set(range(folds))))
    with progress_bar(desc=f"cross-validation ({model})", total=runs, unit="fold", enabled=progress) as bar:
        for seed in seeds:
            for i, (tr, te) in enumerate(kfold(data, folds, seed=seed)):
                if only_folds is not None and i not in only_folds:
                    continue
                r = train(
                    tr,
                    test=te,
                    model=model,
                    mode=mode,
                    vectors=vec,
                    config=config,
                    encoder=encoder,
                    seed=seed,
                    device=device,
                    progress=progress,
                    drop_unseen_labels=drop_unseen_labels,
                )
                assert r.test is not None and r.dev is not None
                res.per_fold.append(
                    {
                        "fold": i,
                        "seed": seed,
                        "accuracy": r.test.accuracy,
                        "macro_f1": r.test.macro_f1,
                        "dev_accuracy": r.dev.accuracy,
                        "train_seconds": r.train_seconds,
                    }
                )
                total += r.train_seconds
                bar.update()
    return dataclasses.replace(res, train_seconds=total)


# -- using saved models -----------------------------------------------------------------------
def load_classifier(path: str | os.PathLike, *, device: str = "cpu") -> TextClassifier:
    """Read a classifier saved by ``classifier.save(path)``: a neural checkpoint (a fine-tuned encoder
    among them), a baseline or a head on sentence vectors."""
    if not os.path.isfile(path):
        raise MissingFileError(path, "model file")
    if is_baseline_file(path):
        from .baselines import BaselineClassifier, read_npz_meta  # scikit-learn

        meta, _ = read_npz_meta(path)
        if meta.get("format") == SENTENCE_FORMAT:
            return SentenceClassifier.load(path)
        return BaselineClassifier.load(path)
    from ..nn.classifiers.finetune import FinetunedClassifier, is_finetuned  # torch
    from ..nn.classifiers.neural import NeuralClassifier
    from ..nn.runtime.checkpoint import load_checkpoint

    ck = load_checkpoint(path)
    if is_finetuned(ck):
        return FinetunedClassifier.from_checkpoint(path, ck)
    return NeuralClassifier.load(path, device=device)


def is_baseline_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a model written by :meth:`~embedkit.classify.baselines.BaselineClassifier.save`
    (told from a neural checkpoint without importing scikit-learn)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "meta.npy" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def predict(classifier: TextClassifier | str | os.PathLike, texts: Sequence[str]) -> list[str]:
    """The predicted class names of raw ``texts`` (``classifier`` may be a saved model's path)."""
    clf = classifier if hasattr(classifier, "predict") else load_classifier(classifier)
    return clf.predict(list(texts))


def predict_proba(classifier: TextClassifier | str | os.PathLike, texts: Sequence[str]) -> np.ndarray:
    """``(N, C)`` class probabilities of raw ``texts``."""
    clf = classifier if hasattr(classifier, "predict_proba") else load_classifier(classifier)
    return clf.predict_proba(list(texts))
