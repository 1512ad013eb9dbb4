"""Figures from results: projections, neighbours, analogy arrows, vector heatmaps, similarities.

Every function takes results (a :class:`~embedkit.viz.projection.Projection`, :class:`~embedkit.Neighbors`,
:class:`~embedkit.Vectors`), draws on the ``ax`` it is given (or on a new figure that is not
registered with pyplot, so nothing leaks into global state) and returns the Figure. matplotlib is
imported inside the functions; nothing here calls ``plt.show()``. Save with
:func:`~embedkit.viz.saving.save_figure` (``save_figure(fig, "x.png")`` or ``"x.svg"``: written
atomically, which ``fig.savefig("x.png")`` is not).

Word labels are placed by :func:`~embedkit.viz.labels.place_labels` (a greedy search that keeps
them from piling up).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..errors import InvalidArgumentError, InvalidTypeError
from ..search.kernels import unit_rows
from ..text import is_word
from ..vectors import Vectors
from .labels import place_labels, spread_choice

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..search.neighbors import Neighbors
    from .projection import Projection

__all__ = [
    "plot_analogies",
    "plot_neighbors",
    "plot_projection",
    "plot_similarity_matrix",
    "plot_vectors_heatmap",
]

_METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
_OTHER = "other"


# --------------------------------------------------------------------------------------------
# shared helpers


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]  # on a SubFigure, that SubFigure
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _axis_titles(ax: Axes, projection: Projection) -> None:
    name = _METHOD_NAMES.get(projection.method, projection.method)
    ratio = projection.info.get("explained_variance_ratio") if projection.method == "pca" else None
    for i, setter in enumerate((ax.set_xlabel, ax.set_ylabel)):  # type: ignore[arg-type]  # mypy joins them badly
        if ratio and i < len(ratio):
            setter(f"PC{i + 1} ({100 * ratio[i]:.1f}% of variance)")
        else:
            setter(f"{name} {i + 1}")


def _require_2d(projection: Projection) -> None:
    if projection.dim != 2:
        raise InvalidArgumentError(f"plot a 2-D projection; this one has {projection.dim} dimensions")


def _pad_limits(ax: Axes, xy: np.ndarray, pad: float = 0.08) -> None:
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    ax.set_xlim(lo[0] - pad * span[0], hi[0] + pad * span[0])
    ax.set_ylim(lo[1] - pad * span[1], hi[1] + pad * span[1])


# --------------------------------------------------------------------------------------------
# projections


def plot_projection(
    projection: Projection,
    *,
    labels: Sequence[str] | int = 30,
    groups: Mapping[str, Sequence[str]] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    point_size: float | None = None,
    label_choice: Literal["spread", "first"] = "spread",
) -> Figure:
    """Scatter a 2-D projection, label some words, colour words by group.

    Parameters
    ----------
    projection:
        A 2-D :class:`~embedkit.viz.projection.Projection`.
    labels:
        The words to label (those not in the projection are skipped), or a count: the first
        ``labels`` words of the projection (the most frequent, for a projection of the top
        words), or with ``groups`` that many group words, taken in turn from each group. A count
        without groups labels words only (:func:`~embedkit.text.is_word`): punctuation, numbers
        and clitics such as ``'s``, among the most frequent tokens of any corpus, are drawn but not
        labelled.
    groups:
        Group name to its words; each group gets a colour and a legend entry, other words are
        grey ("other").
    ax:
        Draw here instead of on a new figure.
    title:
        The title (default: method, size and trustworthiness).
    label_choice:
        For a count of ``labels`` without groups: ``"spread"`` (default) labels the most frequent
        word of each part of the map so the labels cover all of it
        (:func:`~embedkit.viz.labels.spread_choice`); ``"first"`` labels the first words of the
        projection (the most frequent, often piled in the centre), the behaviour before.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import embedkit
    >>> from embedkit.viz.reduce import project
    >>> fig = plot_projection(project(embedkit.load(), 200), labels=10)
    >>> len(fig.axes[0].texts)
    10
    """
    _require_2d(projection)
    fig, ax = _new_axes(ax, (9, 7))
    xy = projection.coords
    n = len(projection)
    size = point_size if point_size is not None else float(np.clip(25 * np.sqrt(1000 / max(n, 1)), 1.5, 40))
    alpha = 0.9 if n <= 2000 else 0.6
    group_of: dict[str, str] = {}
    if groups:
        for g, ws in groups.items():
            for w in ws:
                group_of.setdefault(w, g)
    raster = n > 5000  # keeps SVGs of big projections small
    index = projection.index
    if groups:
        import matplotlib

        cmap = matplotlib.colormaps["tab10" if len(groups) <= 10 else "tab20"]
        member = np.array([w in group_of for w in projection.words])
        if not member.all():
            ax.scatter(
                xy[~member, 0],
                xy[~member, 1],
                s=size * 0.6,
                c="0.75",
                alpha=alpha,
                linewidths=0,
                label=_OTHER,
                rasterized=raster,
            )
        for gi, g in enumerate(groups):
            rows = [index[w] for w in groups[g] if w in index]
            if rows:
                ax.scatter(
                    xy[rows, 0],
                    xy[rows, 1],
                    s=max(size, 18),
                    color=cmap(gi % cmap.N),
                    alpha=0.95,
                    linewidths=0.3,
                    edgecolors="white",
                    label=f"{g} ({len(rows)})",
                    zorder=3,
                    rasterized=raster,
                )
        ax.legend(loc="best", fontsize=9, title="groups", title_fontsize=9, framealpha=0.85, markerscale=1.2)
    else:
        ax.scatter(xy[:, 0], xy[:, 1], s=size, c="tab:blue", alpha=alpha, linewidths=0, rasterized=raster)
    if isinstance(labels, (int, np.integer)) and not isinstance(labels, bool):
        if groups:
            # Round-robin over the groups, each in projection (frequency) order, so every group is named.
            queues = [[w for w in projection.words if group_of.get(w) == g] for g in groups]
            chosen = [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]
            chosen = chosen[: int(labels)]
        elif label_choice in ("spread", "first"):
            rows = [i for i, w in enumerate(projection.words) if is_word(w)]
            picked = spread_choice(xy[rows], int(labels)) if label_choice == "spread" else range(int(labels))
            chosen = [projection.words[rows[i]] for i in picked if i < len(rows)]
        else:
            raise InvalidArgumentError(f"label_choice must be 'spread' or 'first', got {label_choice!r}")
    else:
        chosen = [w for w in labels if w in index]  # type: ignore[union-attr]  # a bool ends here too
    _pad_limits(ax, xy)
    _axis_titles(ax, projection)
    if title is None:
        name = _METHOD_NAMES.get(projection.method, projection.method)
        title = f"{name} of {n:,} words"
        if projection.trustworthiness is not None:
            title += f" (trustworthiness {projection.trustworthiness:.3f})"
    ax.set_title(title, fontsize=12)
    if chosen:
        colors: str | list = "0.1"
        if groups:
            import matplotlib

            cmap = matplotlib.colormaps["tab10" if len(groups) <= 10 else "tab20"]
            gidx = {g: i for i, g in enumerate(groups)}
            colors = [_darken(cmap(gidx[group_of[w]] % cmap.N)) if w in group_of else "0.1" for w in chosen]
        # With groups, labels avoid the coloured points; the grey background may be covered.
        avoid = xy[[index[w] for w in group_of if w in index]] if groups else xy
        if len(avoid) > 20000:
            avoid = avoid[np.random.default_rng(0).choice(len(avoid), 20000, replace=False)]
        place_labels(ax, projection.coords_of(chosen), chosen, avoid=avoid, color=colors)
    return fig


def _darken(rgba: tuple[float, ...], f: float = 0.7) -> tuple[float, float, float]:
    return (rgba[0] * f, rgba[1] * f, rgba[2] * f)


def plot_neighbors(
    neighbors: Neighbors,
    projection: Projection,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """A query word and its nearest neighbours in a 2-D projection, with their similarities.

    ``neighbors`` is the result of :func:`~embedkit.nearest` for one word; ``projection`` must
    contain the query and every neighbour (it may hold more words, drawn in grey as context).
    Neighbours are coloured by cosine similarity and joined to the query by a line each.

    Examples
    --------
    >>> import embedkit
    >>> from embedkit.viz.reduce import project
    >>> v = embedkit.load()
    >>> nb = embedkit.nearest(v, "frog", k=10)
    >>> fig = plot_neighbors(nb, project(v, ["frog", *nb.words]))
    >>> len(fig.axes[0].texts)
    11
    """
    import matplotlib
    from matplotlib.collections import LineCollection

    _require_2d(projection)
    query = neighbors.query
    if not isinstance(query, str):
        raise InvalidTypeError("plot_neighbors needs the neighbours of a word (nearest(vectors, 'word'))")
    words = neighbors.words
    q_xy = projection.coords_of([query])[0]
    n_xy = projection.coords_of(words)
    sims = np.asarray(neighbors.scores, dtype=float)
    fig, ax = _new_axes(ax, (8, 6.5))
    shown = {query, *words}
    context = [w for w in projection.words if w not in shown]
    if context:
        c_xy = projection.coords_of(context)
        ax.scatter(c_xy[:, 0], c_xy[:, 1], s=6, c="0.8", linewidths=0, zorder=1)
    cmap = matplotlib.colormaps["viridis"]
    lo, hi = (float(sims.min()), float(sims.max())) if len(sims) else (0.0, 1.0)
    norm = matplotlib.colors.Normalize(vmin=lo - 0.02, vmax=hi + 0.005)
    segs = [[tuple(q_xy), tuple(p)] for p in n_xy]
    ax.add_collection(LineCollection(segs, colors=[cmap(norm(s)) for s in sims], linewidths=1.0, alpha=0.55, zorder=2))
    sc = ax.scatter(
        n_xy[:, 0], n_xy[:, 1], c=sims, cmap=cmap, norm=norm, s=60, edgecolors="white", linewidths=0.5, zorder=3
    )
    ax.scatter([q_xy[0]], [q_xy[1]], marker="*", s=320, c="crimson", edgecolors="white", linewidths=0.8, zorder=4)
    fig.colorbar(sc, ax=ax, label="cosine similarity to the query", shrink=0.85)
    all_xy = np.vstack([q_xy[None, :], n_xy])
    _pad_limits(ax, all_xy, pad=0.12)
    _axis_titles(ax, projection)
    name = _METHOD_NAMES.get(projection.method, projection.method)
    ax.set_title(title or f"The {len(words)} nearest neighbours of \u201c{query}\u201d ({name})", fontsize=12)
    texts = [query] + [f"{w} {s:.2f}" for w, s in zip(words, sims)]
    colors = ["crimson"] + ["0.1"] * len(words)
    place_labels(ax, all_xy, texts, avoid=all_xy, color=colors, fontsize=10)
    return fig


def plot_analogies(
    projection: Projection,
    pairs: Sequence[tuple[str, str]],
    *,
    relations: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Word pairs (``a -> b``) drawn as arrows in a 2-D projection, so parallel relations show.

    The classic picture uses a PCA fitted on just the words of the pairs:
    ``project(vectors, words_of_pairs, method="pca")``. ``relations`` (one name per pair) colours
    the arrows by relation and adds a legend.

    Examples
    --------
    >>> import embedkit
    >>> from embedkit.viz.reduce import project
    >>> pairs = [("man", "woman"), ("king", "queen"), ("uncle", "aunt")]
    >>> p = project(embedkit.load(), [w for ab in pairs for w in ab], method="pca")
    >>> fig = plot_analogies(p, pairs)
    >>> len(fig.axes[0].patches), len(fig.axes[0].texts)
    (3, 6)
    """
    import matplotlib
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    _require_2d(projection)
    pairs = [tuple(p) for p in pairs]  # type: ignore[misc]  # lengths checked next
    if any(len(p) != 2 for p in pairs):
        raise InvalidArgumentError("each pair must be two words (a, b)")
    if relations is not None and len(relations) != len(pairs):
        raise InvalidArgumentError(f"{len(relations)} relations for {len(pairs)} pairs")
    rel = list(relations) if relations is not None else [""] * len(pairs)
    kinds = list(dict.fromkeys(rel))
    cmap = matplotlib.colormaps["tab10"]
    color_of = {k: cmap(i % 10) for i, k in enumerate(kinds)}
    fig, ax = _new_axes(ax, (8, 6.5))
    words = list(dict.fromkeys(w for p in pairs for w in p))
    xy = projection.coords_of(words)
    pos = dict(zip(words, xy))
    for (a, b), r in zip(pairs, rel):
        ax.add_patch(
            FancyArrowPatch(
                tuple(pos[a]),
                tuple(pos[b]),
                arrowstyle="-|>",
                mutation_scale=16,
                color=color_of[r],
                lw=1.8,
                shrinkA=4,
                shrinkB=4,
                zorder=2,
            )
        )
    starts = {a for a, _ in pairs}
    ax.scatter(xy[:, 0], xy[:, 1], s=28, c=["0.25" if w in starts else "0.55" for w in words], zorder=3)
    _pad_limits(ax, xy, pad=0.15)
    _axis_titles(ax, projection)
    if relations is not None:
        handles = [Line2D([0], [0], color=color_of[k], lw=2, marker=">", markersize=6) for k in kinds]
        ax.legend(handles, kinds, loc="best", fontsize=9, framealpha=0.85)
    name = _METHOD_NAMES.get(projection.method, projection.method)
    ax.set_title(title or f"Analogy pairs as arrows ({name} of their {len(words)} words)", fontsize=12)
    place_labels(ax, xy, words, avoid=xy, fontsize=10)
    return fig


# --------------------------------------------------------------------------------------------
# matrices


def _word_list(vectors: Vectors, words: Sequence[str] | None, default: int) -> list[str]:
    if words is None:
        return vectors.keys[:default]
    if isinstance(words, str):
        raise InvalidTypeError("words must be a list of words, not a single string")
    return list(words)


def plot_vectors_heatmap(
    vectors: Vectors,
    words: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """The raw vectors of ``words`` (default: the 20 most frequent) as rows of a heatmap.

    Related words share bands of strongly positive or negative dimensions.

    Examples
    --------
    >>> import embedkit
    >>> fig = plot_vectors_heatmap(embedkit.load(), ["king", "queen", "man", "woman"])
    >>> fig.axes[0].images[0].get_array().shape
    (4, 50)
    """
    words = _word_list(vectors, words, 20)
    M = vectors.vectors(words)
    fig, ax = _new_axes(ax, (10, max(2.5, 0.32 * len(words) + 1.5)))
    lim = float(np.abs(M).max()) or 1.0
    im = ax.imshow(M, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    ax.set_yticks(range(len(words)), words, fontsize=10)
    ax.set_xlabel("dimension")
    step = 5 if M.shape[1] <= 100 else 25
    ax.set_xticks(range(0, M.shape[1], step))
    fig.colorbar(im, ax=ax, label="value", shrink=0.9, pad=0.01)
    src = f" of {vectors.source}" if vectors.source else ""
    ax.set_title(title or f"Raw {M.shape[1]}-dimensional vectors{src}", fontsize=12)
    return fig


def plot_similarity_matrix(
    vectors: Vectors,
    words: Sequence[str] | None = None,
    *,
    annotate: bool | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Cosine similarities among ``words`` (default: the 15 most frequent) as a matrix.

    ``annotate`` writes each value in its cell (default: for up to 20 words).

    Examples
    --------
    >>> import embedkit
    >>> fig = plot_similarity_matrix(embedkit.load(), ["cat", "dog", "car"])
    >>> len(fig.axes[0].texts)
    9
    """
    words = _word_list(vectors, words, 15)
    U = unit_rows(vectors, vectors.indices(words))
    S = np.clip(U @ U.T, -1.0, 1.0)
    n = len(words)
    fig, ax = _new_axes(ax, (max(4.5, 0.45 * n + 2.5), max(4.0, 0.45 * n + 1.8)))
    im = ax.imshow(S, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xticks(range(n), words, rotation=45, ha="right", rotation_mode="anchor", fontsize=10)
    ax.set_yticks(range(n), words, fontsize=10)
    if annotate if annotate is not None else n <= 20:
        for i in range(n):
            for j in range(n):
                ax.text(
                    j,
                    i,
                    f"{S[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if abs(S[i, j]) > 0.6 else "0.1",
                )
    fig.colorbar(im, ax=ax, label="cosine similarity", shrink=0.85)
    ax.set_title(title or f"Cosine similarity of {n} words", fontsize=12)
    return fig
