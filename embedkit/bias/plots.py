"""Pictures of bias: words projected on the bias direction (Bolukbasi et al. 2016, Figure 1's axis), and
WEAT effect sizes with their intervals for several vector sets side by side.

The numbers come first (:func:`project_on_direction` returns a :class:`DirectionProjection`); the
figures take results and return a matplotlib ``Figure``, importing matplotlib inside.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DataError, EmbedkitWarning
from ..vectors import Vectors
from .debias import BiasSubspace, bias_subspace
from .weat import WeatResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["DirectionProjection", "plot_direction", "plot_effect_sizes", "project_on_direction"]


@dataclass(frozen=True)
class DirectionProjection:
    """Each word's unit vector projected on the bias direction (its cosine with it), oriented so that
    ``positive`` projects above ``negative``; ``missing`` lists the words not in the vectors."""

    words: tuple[str, ...]
    values: tuple[float, ...]
    positive: str
    negative: str
    missing: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        """The projection as plain data (JSON-safe)."""
        return {
            "words": list(self.words),
            "values": list(self.values),
            "positive": self.positive,
            "negative": self.negative,
            "missing": list(self.missing),
        }


def project_on_direction(
    vectors: Vectors,
    words: Sequence[str],
    *,
    subspace: BiasSubspace | None = None,
    orient: tuple[str, str] = ("she", "he"),
) -> DirectionProjection:
    """The projection of ``words`` on the bias direction (default: the gender direction of
    :func:`bias_subspace`), signed so that ``orient[0]`` lies on the positive side of ``orient[1]`` (both
    must be in the vectors). Missing words are dropped with a warning (all missing is an error)."""
    sub = subspace if subspace is not None else bias_subspace(vectors)
    d = np.asarray(sub.direction, dtype=np.float64)
    unit = vectors.normalized
    index = vectors.index
    pos, neg = (index.get(w, index.get(w.lower())) for w in orient)
    for word, row in zip(orient, (pos, neg)):
        if row is None:
            raise DataError(f"orient: {word!r} is not in the vectors (the two words set which side is positive)")
    if float(unit[pos] @ d) < float(unit[neg] @ d):
        d = -d
    found = [(w, index.get(w, index.get(w.lower()))) for w in words]
    missing = tuple(w for w, r in found if r is None)
    kept = [(w, r) for w, r in found if r is not None]
    if not kept:
        raise DataError(f"none of the {len(words)} words is in the vectors")
    if missing:
        warnings.warn(
            f"dropped words missing from the vectors: {', '.join(map(repr, missing))}", EmbedkitWarning, stacklevel=2
        )
    values = unit[[r for _, r in kept]].astype(np.float64) @ d
    return DirectionProjection(
        tuple(w for w, _ in kept), tuple(float(x) for x in values), orient[0], orient[1], missing
    )


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]  # on a SubFigure, that SubFigure
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def plot_direction(projection: DirectionProjection, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """The words of ``projection`` on one axis, sorted by their projection: a dot and a label each."""
    order = np.argsort(projection.values)
    n = len(order)
    fig, ax = _new_axes(ax, (6.5, max(3.0, 0.28 * n + 1.2)))
    xs = [projection.values[i] for i in order]
    colors = ["tab:red" if x > 0 else "tab:blue" for x in xs]
    ax.scatter(xs, range(n), c=colors, s=18, zorder=3)
    for y, i in enumerate(order):
        x = projection.values[i]
        ax.text(x, y, f"  {projection.words[i]}  ", va="center", ha="left" if x >= 0 else "right", fontsize=9)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_yticks([])
    lim = max(abs(v) for v in xs) * 1.6 or 1.0
    ax.set_xlim(-lim, lim)
    ax.set_xlabel(f"projection on the {projection.negative} \u2192 {projection.positive} direction (cosine)")
    ax.set_title(title or f"{n} words on the {projection.positive}-{projection.negative} direction", fontsize=12)
    return fig


def plot_effect_sizes(
    results: Mapping[str, Sequence[WeatResult]], *, ax: Axes | None = None, title: str | None = None
) -> Figure:
    """WEAT effect sizes with their bootstrap intervals, one row per test and one marker per vector set
    (``results`` maps a vector set's name to its results, the same tests in the same order)."""
    names = list(results)
    if not names:
        raise DataError("no results to plot")
    tests = [r.name for r in results[names[0]]]
    for k in names[1:]:
        if [r.name for r in results[k]] != tests:
            raise DataError(f"{k!r} holds other tests than {names[0]!r}: {[r.name for r in results[k]]} vs {tests}")
    n = len(tests)
    fig, ax = _new_axes(ax, (6.5, max(3.0, 0.45 * n * max(1, len(names)) ** 0.5 + 1.5)))
    step = 0.7 / max(1, len(names))
    for j, k in enumerate(names):
        ys = np.arange(n) + (j - (len(names) - 1) / 2) * step
        d = np.array([r.effect_size for r in results[k]])
        ci = np.array([r.effect_size_ci for r in results[k]], dtype=np.float64)
        err = np.vstack([d - ci[:, 0], ci[:, 1] - d])
        err = np.where(np.isfinite(err), err, 0.0)
        ax.errorbar(d, ys, xerr=err, fmt="o", ms=5, capsize=3, label=k)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_yticks(range(n), tests)
    ax.invert_yaxis()
    ax.set_xlabel("WEAT effect size (bars: bootstrap interval)")
    if len(names) > 1:
        ax.legend(fontsize=9)
    ax.set_title(title or "WEAT effect sizes", fontsize=12)
    return fig
