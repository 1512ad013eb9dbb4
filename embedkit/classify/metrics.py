"""Classification metrics: accuracy, macro-F1, per-class scores and the confusion matrix.

The numbers are plain data in a frozen :class:`Metrics`; :func:`embedkit.viz.confusion.plot_confusion_matrix`
draws one. scikit-learn computes them and is imported inside :func:`compute_metrics`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .datasets import TextDataset

__all__ = ["Metrics", "TextClassifier", "compute_metrics", "evaluate"]


class TextClassifier(Protocol):
    """What every trained classifier offers."""

    class_names: tuple[str, ...]

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The predicted class name of each text."""

    def predict_ids(self, texts: Sequence[str]) -> np.ndarray:
        """The predicted class index of each text, an int array ``(N,)``."""

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, C)`` class scores, each row summing to 1."""

    def save(self, path: str | os.PathLike) -> Any:
        """Write the classifier to ``path`` (:func:`load_classifier` reads it back)."""


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
        """The scores as plain JSON-ready data."""
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class": self.per_class,
            "confusion": self.confusion,
            "class_names": list(self.class_names),
        }

    def report(self) -> str:
        """A per-class table as text."""
        w = max(12, *(len(c) for c in self.class_names))
        lines = [f"{'class':<{w}}  precision  recall     f1  support"]
        for c in self.class_names:
            r = self.per_class[c]
            lines.append(f"{c:<{w}}  {r['precision']:9.4f}  {r['recall']:6.4f}  {r['f1']:.4f}  {int(r['support']):7d}")
        lines.append(f"{'accuracy':<{w}}  {self.accuracy:.4f}   macro-F1 {self.macro_f1:.4f}")
        return "\n".join(lines)


def compute_metrics(
    y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray, class_names: Sequence[str]
) -> Metrics:
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
    per = {
        c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, c in enumerate(class_names)
    }
    cm = confusion_matrix(yt, yp, labels=labels)
    return Metrics(float(accuracy_score(yt, yp)), float(np.mean(f)), per, cm.tolist(), tuple(class_names))


def evaluate(classifier: TextClassifier, data: TextDataset) -> Metrics:
    """:func:`compute_metrics` of ``classifier``'s predictions on ``data``."""
    return compute_metrics(data.labels, classifier.predict_ids(list(data.texts)), data.class_names)
