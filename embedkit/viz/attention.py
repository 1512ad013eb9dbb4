"""Figures of sequence-to-sequence models: attention heatmaps and training curves.

:func:`plot_attention` draws any object shaped like :class:`embedkit.sequences.AttentionMap`
(``source_tokens``, ``output_tokens``, ``weights`` shaped ``(M, T_out, T_src)`` and one ``labels``
entry per map), or asks a trained model for one (``model.attention(source)``), so this module imports
neither torch nor the models. :func:`plot_training_curves` draws a model's ``history`` (one dict per
epoch). Both draw on the ``ax`` they are given or on a new figure not registered with pyplot, and
import matplotlib inside.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..errors import InvalidArgumentError, InvalidTypeError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["AttentionWeights", "plot_attention", "plot_training_curves"]

_LAYER_HEAD = re.compile(r"layer (\d+) head (\d+)")


class AttentionWeights(Protocol):
    """What :func:`plot_attention` reads (:class:`embedkit.sequences.AttentionMap` has it)."""

    source_tokens: Sequence[str]
    output_tokens: Sequence[str]
    weights: np.ndarray  # (M, T_out, T_src)
    labels: Sequence[str]


def _attention_map(model_or_map: Any, source: str | None) -> AttentionWeights:
    if hasattr(model_or_map, "weights") and hasattr(model_or_map, "labels"):
        if source is not None:
            raise InvalidArgumentError("give source only with a model; an attention map already has its source")
        return model_or_map
    if callable(getattr(model_or_map, "attention", None)):
        if source is None:
            raise InvalidArgumentError("plot_attention(model, source) needs the source text to translate")
        return model_or_map.attention(source)
    raise InvalidTypeError(
        f"plot_attention takes a trained seq2seq model or an AttentionMap, not {type(model_or_map).__name__}"
    )


def _select(labels: Sequence[str], layer: int | None, head: int | None) -> list[int]:
    """The indices of the maps to draw: all, or those of ``layer`` and/or ``head`` (1-based, as labelled)."""
    if layer is None and head is None:
        return list(range(len(labels)))
    parsed = [_LAYER_HEAD.fullmatch(label) for label in labels]
    if not all(parsed):
        raise InvalidArgumentError(
            f"layer and head apply to a transformer's attention; this map has {', '.join(map(repr, labels))}"
        )
    pairs = [(int(m.group(1)), int(m.group(2))) for m in parsed if m]
    chosen = [i for i, (lay, hd) in enumerate(pairs) if layer in (None, lay) and head in (None, hd)]
    if not chosen:
        layers, heads = max(p[0] for p in pairs), max(p[1] for p in pairs)
        raise InvalidArgumentError(
            f"no attention map for layer={layer}, head={head}: the model has layers 1-{layers} and heads 1-{heads}"
        )
    return chosen


def plot_attention(
    model_or_map: Any,
    source: str | None = None,
    *,
    ax: Any = None,
    layer: int | None = None,
    head: int | None = None,
    title: str | None = None,
) -> Figure:
    """Draw attention weights as heatmaps: source tokens on the x axis, output tokens on the y axis,
    each cell the weight the decoder gave that source token while writing that output token (for a
    self-attention map, :func:`embedkit.contextual.attention_map`, the attended tokens across and the
    attending ones down, as the map's ``x_label`` and ``y_label`` say).

    Parameters
    ----------
    model_or_map
        A trained seq2seq model (its ``attention(source)`` is called: greedy decoding with the
        weights recorded) or an attention map (:class:`embedkit.sequences.AttentionMap`).
    source
        The text to translate; only with a model.
    ax
        Draw on these axes (then exactly one map must be chosen); default a new figure with one
        panel per map: one for RNN attention, one per layer and head of a transformer's
        cross-attention (rows: layers, columns: heads).
    layer, head
        For a transformer: draw only this layer and/or head (numbered from 1, as the map labels them).
    title
        The figure's title; default the model and, on a second line, the source and the decoded
        output (``quatre vingt seize → 96``), from the map's ``model``, ``source`` and ``output`` (or
        its tokens); long lines are wrapped. ``""``: no title. On given ``ax``: the panel's title
        instead of the map's label, if given.

    Returns
    -------
    The Figure (not registered with pyplot; save it with :func:`~embedkit.viz.saving.save_figure`). A new
    figure grows with the token counts (about half an inch a token, less for long sequences, never
    smaller than a readable minimum), with 9- to 11-point tick labels.

    Examples
    --------
    >>> import numpy as np
    >>> from embedkit.sequences import AttentionMap
    >>> m = AttentionMap(["deux", "cent", "<eos>"], ["2", "0", "0", "<eos>"],
    ...                  np.full((1, 4, 3), 1 / 3), ["attention"])
    >>> fig = plot_attention(m)
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['deux', 'cent', '<eos>']
    >>> fig.get_suptitle()
    'deux cent <eos> → 2 0 0'
    """
    amap = _attention_map(model_or_map, source)
    weights = np.asarray(amap.weights, dtype=float)
    src, out, labels = list(amap.source_tokens), list(amap.output_tokens), list(amap.labels)
    if weights.ndim != 3 or weights.shape != (len(labels), len(out), len(src)):
        raise InvalidArgumentError(
            f"attention weights shaped {weights.shape} do not match {len(labels)} maps of "
            f"{len(out)} output by {len(src)} source tokens"
        )
    chosen = _select(labels, layer, head)
    if ax is not None and len(chosen) != 1:
        raise InvalidArgumentError(
            f"ax holds one heatmap but {len(chosen)} attention maps are chosen: pick one with layer= and head="
        )
    cell, font = _cell_size(len(src), len(out), len(chosen))
    if ax is not None:
        fig, axes = ax.figure, [ax]
    else:
        from matplotlib.figure import Figure as MplFigure

        heads = {int(m.group(2)) for i in chosen if (m := _LAYER_HEAD.fullmatch(labels[i]))}
        ncols = len(heads) if heads and len(chosen) % len(heads) == 0 else min(len(chosen), 4)
        nrows = math.ceil(len(chosen) / ncols)
        # A panel: the cells, plus the tick labels (the source ones turned upright) and the axis titles.
        longest_src = max((len(t) for t in src), default=1)
        longest_out = max((len(t) for t in out), default=1)
        w = max(3.6, cell * len(src) + 0.6 + 0.09 * font / 10 * longest_out)
        h = max(2.6, cell * len(out) + 0.7 + 0.09 * font / 10 * longest_src)
        fig = MplFigure(figsize=(w * ncols + 1.3, h * nrows + 0.9), layout="constrained")
        axes = list(np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel()))
        for extra in axes[len(chosen) :]:
            extra.set_visible(False)
    im = None
    for a, i in zip(axes, chosen):
        im = a.imshow(weights[i], cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
        a.set_xticks(range(len(src)), src, rotation=90, fontsize=font)
        a.set_yticks(range(len(out)), out, fontsize=font)
        a.set_xlabel(getattr(amap, "x_label", "source"), fontsize=font)
        a.set_ylabel(getattr(amap, "y_label", "output"), fontsize=font)
        if len(chosen) > 1 or labels[i] != "attention":  # one recurrent map: the figure's title says it
            a.set_title(labels[i], fontsize=font)
    if im is not None:
        bar = fig.colorbar(im, ax=axes[: len(chosen)], fraction=0.046, pad=0.02)
        bar.set_label("attention weight", fontsize=font)
        bar.ax.tick_params(labelsize=font - 1)
    if ax is None:
        text = _default_title(amap, src, out) if title is None else title
        width_chars = int(fig.get_figwidth() * 72 / (0.55 * 12))  # characters of 12 points in the figure's width
        lines = [part for line in text.split("\n") for part in textwrap.wrap(line, width_chars) or [line]]
        if text:
            fig.suptitle("\n".join(lines), fontsize=12)
    elif title:  # given axes keep the map's label unless a title is asked for
        ax.set_title(title, fontsize=font)
    return fig


def _cell_size(n_src: int, n_out: int, n_maps: int) -> tuple[float, int]:
    """Inches per token and the tick-label size: half an inch for short sequences, down to a quarter
    (and 9-point labels) for long ones, a little less when several panels share the figure."""
    longest = max(n_src, n_out, 1)
    cell = min(0.5, max(0.25, 10.0 / longest)) * (0.75 if n_maps > 1 else 1.0)
    return cell, (11 if cell >= 0.4 else 10 if cell >= 0.3 else 9)


def _default_title(amap: Any, src: list[str], out: list[str]) -> str:
    """The map's ``heading`` if it has one, else ``model`` and, on a second line, ``source → output``,
    from the map's texts, or from its tokens (without ``<eos>``)."""
    if getattr(amap, "heading", ""):
        return str(amap.heading)
    source = getattr(amap, "source", "") or " ".join(src)
    output = getattr(amap, "output", "") or " ".join(t for t in out if t != "<eos>")
    model = getattr(amap, "model", "")
    return f"{model}\n{source} → {output}" if model else f"{source} → {output}"


def plot_training_curves(history: Sequence[Mapping[str, Any]], *, ax: Any = None) -> Figure:
    """Draw the training loss and the validation loss per epoch (left axis), and the validation
    exact match where the history has it (right axis, in percent).

    ``history`` is a model's ``history``: one dict per epoch with ``epoch``, ``loss`` and optionally
    ``valid_loss`` and ``valid_exact_match`` (a fraction). Returns the Figure.

    Examples
    --------
    >>> fig = plot_training_curves([{"epoch": 1, "loss": 2.0, "valid_loss": 2.1},
    ...                             {"epoch": 2, "loss": 1.0, "valid_loss": 1.4}])
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['training loss', 'validation loss']
    """
    rows = list(history)
    if not rows:
        raise InvalidArgumentError("the history is empty: no epoch was trained")
    if not all(isinstance(r, Mapping) and "loss" in r for r in rows):
        raise InvalidArgumentError("each history entry must be a dict with at least 'loss' (one per epoch)")
    if ax is None:
        from matplotlib.figure import Figure as MplFigure

        fig = MplFigure(figsize=(6.0, 3.6), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    epochs = [r.get("epoch", i + 1) for i, r in enumerate(rows)]

    def series(key: str) -> list[float] | None:
        values = [r.get(key) for r in rows]
        return None if all(v is None for v in values) else [math.nan if v is None else float(v) for v in values]

    ax.plot(epochs, series("loss"), marker="o", label="training loss")
    valid = series("valid_loss")
    if valid is not None:
        ax.plot(epochs, valid, marker="o", label="validation loss")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (nats per token)")
    handles, names = ax.get_legend_handles_labels()
    exact = series("valid_exact_match")
    if exact is not None:
        right = ax.twinx()
        right.plot(epochs, [100 * v for v in exact], color="C2", marker="s", label="validation exact match")
        right.set_ylabel("exact match (%)")
        right.set_ylim(0, 100)
        h2, n2 = right.get_legend_handles_labels()
        handles, names = handles + h2, names + n2
    ax.legend(handles, names, loc="best")
    return fig
