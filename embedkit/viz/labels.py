"""Word labels that do not pile up: a greedy placement around each point.

Each label, in priority order, takes the closest of up to 104 positions around its point that
overlaps no label already placed and covers the fewest points; labels pushed away from their point
get a thin leader line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["place_labels", "renderer", "spread_choice"]

_LABEL_SIZE = 9


def renderer(fig: Figure):
    """The renderer of ``fig``'s canvas (an Agg canvas is attached to a figure that has none)."""
    canvas = fig.canvas
    if not hasattr(canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(fig)
    return canvas.get_renderer()


def spread_choice(xy: np.ndarray, n: int) -> list[int]:
    """Rows of ``n`` points to label so that the labels cover the whole map, most frequent first.

    The map's extent is cut into a grid of about ``2 n`` cells; each cell holding at least two
    points (one, for fewer than 100 points) offers its first row (the most frequent word, for a
    projection in frequency order); the first ``n`` offers, by row, are chosen, and if there are
    fewer than ``n`` the first rows not offered fill up.

    >>> spread_choice(np.array([[0, 0], [0.1, 0], [0.2, 0], [10, 10], [10, 9.9]]), 2)
    [0, 3]
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if n <= 0 or len(xy) == 0:
        return []
    g = max(1, int(np.ceil(np.sqrt(2 * n))))
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    cells = np.minimum(((xy - lo) / span * g).astype(int), g - 1)
    key = cells[:, 0] * g + cells[:, 1]
    first: dict[int, int] = {}
    count: dict[int, int] = {}
    for i, c in enumerate(key.tolist()):
        first.setdefault(c, i)
        count[c] = count.get(c, 0) + 1
    least = 2 if len(xy) >= 100 else 1
    offers = sorted(first[c] for c in first if count[c] >= least)[:n]
    if len(offers) < n:  # fewer parts than labels: the most frequent of the others fill up
        taken = set(offers)
        offers += [i for i in range(len(xy)) if i not in taken][: n - len(offers)]
    return offers


# Directions tried around a point: right, up, left, down first (they read best), then diagonals.
_DIRECTIONS = [(1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, 1), (-1, -1), (1, -1)]
_FAR_DIRECTIONS = _DIRECTIONS + [(2, 1), (-2, 1), (-2, -1), (2, -1), (1, 2), (-1, 2), (-1, -2), (1, -2)]
_RADII = (3.0, 9.0, 18.0, 30.0, 45.0, 62.0, 80.0)  # points


def place_labels(
    ax: Axes,
    xy: np.ndarray,
    texts: Sequence[str],
    *,
    avoid: np.ndarray | None = None,
    fontsize: float = _LABEL_SIZE,
    color: str | Sequence[str] = "0.1",
) -> list:
    """Label the points ``xy`` (data coordinates) with ``texts`` without piling labels up.

    Labels are placed greedily, in the order given (put the important ones first): each takes the
    nearest of up to 104 spots around its point that overlaps no placed label, stays inside the
    axes and covers the fewest points; a label set away from its point gets a leader line. ``avoid`` holds
    other points (data coordinates) that labels should not cover. Returns the Annotation artists.
    Call it after the axes' limits are final.
    """
    import matplotlib.patheffects as pe
    from matplotlib.font_manager import FontProperties

    fig = ax.figure
    rend = renderer(fig)  # type: ignore[arg-type]  # a SubFigure draws on its parent's canvas
    fig.canvas.draw()  # settles the layout so that data->pixel transforms are final
    dpi_scale = fig.dpi / 72.0
    P = ax.transData.transform(np.asarray(xy, dtype=float).reshape(-1, 2))
    A = ax.transData.transform(np.asarray(avoid, dtype=float).reshape(-1, 2)) if avoid is not None else P
    box = ax.get_window_extent(rend)
    prop = FontProperties(size=fontsize)
    colors = [color] * len(texts) if isinstance(color, str) else list(color)
    placed: list[tuple[float, float, float, float]] = []
    artists = []
    pad = 1.5 * dpi_scale
    for i, (text, (px, py)) in enumerate(zip(texts, P)):
        w, h, _ = rend.get_text_width_height_descent(text, prop, ismath=False)
        w, h = w + 2 * pad, h + 2 * pad
        best = None
        for rank, r in enumerate(_RADII):
            for dx, dy in _DIRECTIONS if rank < 3 else _FAR_DIRECTIONS:
                norm = np.hypot(dx, dy)
                ox, oy = dx / norm * r * dpi_scale, dy / norm * r * dpi_scale
                x0 = px + ox if dx > 0 else (px + ox - w if dx < 0 else px + ox - w / 2)
                y0 = py + oy if dy > 0 else (py + oy - h if dy < 0 else py + oy - h / 2)
                x1, y1 = x0 + w, y0 + h
                overlaps = sum(1 for (a0, b0, a1, b1) in placed if x0 < a1 and a0 < x1 and y0 < b1 and b0 < y1)
                covered = int(np.count_nonzero((A[:, 0] > x0) & (A[:, 0] < x1) & (A[:, 1] > y0) & (A[:, 1] < y1)))
                outside = x0 < box.x0 or x1 > box.x1 or y0 < box.y0 or y1 > box.y1
                # Overlapping a label is worst, leaving the axes next; a covered point costs less
                # than a step further away, so labels stay near their points in dense clouds.
                cost = 1000 * overlaps + 500 * outside + 2 * min(covered, 10) + 5 * rank
                if best is None or cost < best[0]:
                    best = (cost, ox, oy, dx, dy, (x0, y0, x1, y1), rank)
            if best[0] == 5 * rank:  # type: ignore[index]  # set: every ring has spots; a clear one: take it
                break
        _, ox, oy, dx, dy, rect, rank = best  # type: ignore[misc]  # set in the loop above
        placed.append(rect)
        ha = "left" if dx > 0 else ("right" if dx < 0 else "center")
        va = "bottom" if dy > 0 else ("top" if dy < 0 else "center")
        arrow = {"arrowstyle": "-", "lw": 0.6, "color": "0.45", "shrinkA": 0, "shrinkB": 2} if rank >= 2 else None
        ann = ax.annotate(
            text,
            xy=tuple(ax.transData.inverted().transform((px, py))),
            xytext=(ox / dpi_scale, oy / dpi_scale),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=fontsize,
            color=colors[i],
            arrowprops=arrow,
            annotation_clip=False,
            zorder=5,
        )
        ann.set_path_effects([pe.withStroke(linewidth=2.5, foreground="white")])
        ann.set_in_layout(False)
        artists.append(ann)
    return artists
