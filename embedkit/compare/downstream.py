"""The downstream probe of a comparison: logistic regression on mean-pooled word vectors.

Every vector set is cross-validated on the same stratified folds, so each text gets one
prediction per set, and accuracy differences between sets are paired.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np

from ..classify.datasets import read_dataset
from ..vectors import Vectors
from .model import MetricRow, make_row, paired_bootstrap

__all__ = ["downstream_rows", "probe_predictions"]


def probe_predictions(
    vectors: Vectors,
    texts: Sequence[str],
    labels: np.ndarray,
    *,
    folds: int = 5,
    seed: int = 0,
    done: Callable[[], None] | None = None,
) -> np.ndarray:
    """Out-of-fold predictions of mean-vector logistic regression (embedkit's ``mean-logreg``
    baseline) under seeded stratified ``folds``-fold cross-validation (what scikit-learn's
    ``cross_val_predict`` gives, a fold at a time: ``done()`` is called after each, for progress)."""
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import Pipeline

    from ..classify.baselines import MeanEmbeddingTransformer, make_pipeline

    features = MeanEmbeddingTransformer(vectors).fit_transform(list(texts))  # stateless: once for all folds
    pipe = make_pipeline("mean-logreg", vectors=vectors, seed=seed)
    model = Pipeline(pipe.steps[1:])  # scaling + logistic regression on the precomputed means
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predictions: np.ndarray | None = None
    for train, test in cv.split(features, labels):
        fold = clone(model).fit(features[train], labels[train]).predict(features[test])
        if predictions is None:
            predictions = np.empty(len(labels), dtype=fold.dtype)
        predictions[test] = fold
        if done is not None:
            done()
    assert predictions is not None
    return predictions


def downstream_rows(
    vecs: Sequence[Vectors],
    names: Sequence[str],
    path: str | os.PathLike,
    *,
    label: str,
    folds: int = 5,
    n_boot: int = 1000,
    seed: int = 0,
    done: Callable[[], None] | None = None,
) -> MetricRow:
    """One :class:`MetricRow`: cross-validated accuracy of the probe for every set, with paired
    bootstrap intervals over the texts; ``done()`` after each set's fold (``len(vecs) * folds`` calls)."""
    data = read_dataset(path)
    correct = np.stack(
        [probe_predictions(v, data.texts, data.labels, folds=folds, seed=seed, done=done) == data.labels for v in vecs]
    ).astype(np.float64)  # (sets, texts)

    def stat(idx: np.ndarray) -> np.ndarray:
        return correct[:, idx].mean(axis=1)

    values, diffs = paired_bootstrap(stat, correct.shape[1], len(vecs), n_boot=n_boot, seed=seed)
    return make_row(
        "downstream",
        label,
        f"{folds}-fold CV accuracy, mean-vector logistic regression",
        correct.shape[1],
        values,
        diffs,
    )
