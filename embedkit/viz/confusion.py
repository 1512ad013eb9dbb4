"""The confusion-matrix figure of classification metrics.

It draws any object with ``confusion`` (a square list of counts, rows: true class), ``class_names``,
``accuracy`` and ``macro_f1`` (such as :class:`embedkit.classify.Metrics`), so the computing side
imports no matplotlib and this module imports nothing of the classifiers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["ConfusionScores", "plot_confusion_matrix"]


class ConfusionScores(Protocol):
    """What :func:`plot_confusion_matrix` reads (:class:`embedkit.classify.Metrics` has it)."""

    accuracy: float
    macro_f1: float
    confusion: Sequence[Sequence[int]]
    class_names: Sequence[str]


def plot_confusion_matrix(metrics: ConfusionScores, *, ax: Any = None, normalize: bool = False) -> Figure:
    """Draw the confusion matrix (rows: true class, columns: predicted) on ``ax`` (a new figure if
    ``None``, not registered with pyplot, so nothing leaks into its global state); with ``normalize``
    each row shows fractions of its class. Returns the Figure."""
    from matplotlib.figure import Figure as MplFigure

    cm = np.asarray(metrics.confusion, dtype=float)
    if normalize:
        cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    if ax is None:
        n = len(metrics.class_names)
        fig = MplFigure(figsize=(1.2 + 0.6 * n, 1.0 + 0.6 * n))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    im = ax.imshow(cm, cmap="Blues", vmin=0)
    n = len(metrics.class_names)
    ax.set_xticks(range(n), metrics.class_names, rotation=45, ha="right")
    ax.set_yticks(range(n), metrics.class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = cm.max() if cm.size else 0
    for i in range(n):
        for j in range(n):
            txt = f"{cm[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
            ax.text(j, i, txt, ha="center", va="center", fontsize=8, color="white" if cm[i, j] > top / 2 else "black")
    ax.set_title(f"accuracy {metrics.accuracy:.3f}, macro-F1 {metrics.macro_f1:.3f}")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return fig
