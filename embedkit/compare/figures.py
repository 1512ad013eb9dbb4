"""The report's figures: drawn from a :class:`~embedkit.compare.model.Comparison` with matplotlib
(imported inside), and turned into PNG data URIs so the HTML page stands alone."""

from __future__ import annotations

import base64
import io

import numpy as np

from ..viz.labels import place_labels
from .model import Comparison

__all__ = ["figure_metrics", "figure_projection", "png_data_uri"]


def png_data_uri(fig) -> str:
    """``fig`` as a ``data:image/png;base64,...`` URI (the figure is closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def figure_projection(comparison: Comparison):
    """Side-by-side scatter of the probe words in aligned coordinates; returns a Figure.

    Each panel has its own scale: a set whose probe words crowd into a corner of the first set's
    plane (a smaller corpus, say) would otherwise show one unreadable cluster. Labels are placed by
    :func:`~embedkit.viz.labels.place_labels`, so none covers another.
    """
    from matplotlib.figure import Figure

    proj = comparison.projection
    names = list(proj["coordinates"])
    words = list(proj["words"])
    fig = Figure(figsize=(6.2 * len(names), 5.8))
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, n in zip(axes, names):
        xy = np.asarray(proj["coordinates"][n], dtype=float).reshape(-1, 2)
        ax.scatter(xy[:, 0], xy[:, 1], s=14, color="#3b6ea8", zorder=3)
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        margin = np.maximum(hi - lo, 1e-6) * 0.12  # room for the labels at the edges
        ax.set_xlim(lo[0] - margin[0], hi[0] + margin[0])
        ax.set_ylim(lo[1] - margin[1], hi[1] + margin[1])
        ax.set_title(n)
        ax.set_xlabel("PC 1 (of the first set)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("PC 2")
    fig.suptitle(
        "Probe words, aligned to the first set (Procrustes) and projected by its PCA; each panel on its own scale"
    )
    fig.tight_layout()
    for ax, n in zip(axes, names):  # after the layout: placement needs the final pixel positions
        xy = np.asarray(proj["coordinates"][n], dtype=float).reshape(-1, 2)
        place_labels(ax, xy, words, avoid=xy, fontsize=8.5)
    return fig


def figure_metrics(comparison: Comparison):
    """Each metric per set with its 95% interval; returns a Figure."""
    from matplotlib.figure import Figure

    rows = comparison.metrics
    n_sets = len(comparison.sets)
    fig = Figure(figsize=(8, 0.55 * len(rows) * n_sets + 1.2))
    ax = fig.subplots()
    colors = ["#3b6ea8", "#d9822b", "#3a9a5b", "#b04a5a", "#7a5ba8"]
    labels, ypos = [], []
    y: float = 0
    for r in rows:
        for s in range(n_sets):
            e = r.values[s]
            ax.errorbar(
                e.value,
                y,
                xerr=[[e.value - e.low], [e.high - e.value]],
                fmt="o",
                color=colors[s % len(colors)],
                capsize=3,
                label=comparison.sets[s].name if r is rows[0] else None,
            )
            y -= 1
        labels.append(f"{r.benchmark}\n{r.metric}")
        ypos.append(y + n_sets / 2 + 0.5)
        y -= 0.6
    ax.set_yticks(ypos, labels, fontsize=8)
    ax.set_xlabel("score (95% bootstrap interval)")
    ax.legend(loc="best", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Benchmarks on the items every set covers")
    return fig
