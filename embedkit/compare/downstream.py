"""The downstream probe of a comparison: logistic regression on mean-pooled word vectors.

Every vector set is cross-validated on the same stratified folds, so each text gets one
prediction per set, and accuracy differences between sets are paired.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..classify.datasets import read_dataset
from ..vectors import Vectors
from .model import MetricRow, make_row, paired_bootstrap

__all__ = ["downstream_rows", "probe_predictions"]


def probe_predictions(
    vectors: Vectors, texts: Sequence[str], labels: np.ndarray, *, folds: int = 5, seed: int = 0
) -> np.ndarray:
    """Out-of-fold predictions of mean-vector logistic regression (embedkit's ``mean-logreg``
    baseline) under seeded stratified ``folds``-fold cross-validation."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import Pipeline

    from ..classify.baselines import MeanEmbeddingTransformer, make_pipeline

    features = MeanEmbeddingTransformer(vectors).fit_transform(list(texts))  # stateless: once for all folds
    pipe = make_pipeline("mean-logreg", vectors=vectors, seed=seed)
    model = Pipeline(pipe.steps[1:])  # scaling + logistic regression on the precomputed means
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return cross_val_predict(model, features, labels, cv=cv)


def downstream_rows(
    vecs: Sequence[Vectors],
    names: Sequence[str],
    path: str | os.PathLike,
    *,
    label: str,
    folds: int = 5,
    n_boot: int = 1000,
    seed: int = 0,
) -> MetricRow:
    """One :class:`MetricRow`: cross-validated accuracy of the probe for every set, with paired
    bootstrap intervals over the texts."""
    data = read_dataset(path)
    correct = np.stack(
        [probe_predictions(v, data.texts, data.labels, folds=folds, seed=seed) == data.labels for v in vecs]
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
