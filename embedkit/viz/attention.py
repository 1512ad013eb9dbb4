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
) -> Figure:
    """Draw attention weights as heatmaps: source tokens on the x axis, output tokens on the y axis,
    each cell the weight the decoder gave that source token while writing that output token.

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

    Returns
    -------
    The Figure (not registered with pyplot; save it with :func:`~embedkit.viz.saving.save_figure`).

    Examples
    --------
    >>> import numpy as np
    >>> from embedkit.sequences import AttentionMap
    >>> m = AttentionMap(["deux", "cent", "<eos>"], ["2", "0", "0", "<eos>"],
    ...                  np.full((1, 4, 3), 1 / 3), ["attention"])
    >>> fig = plot_attention(m)
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['deux', 'cent', '<eos>']
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
    if ax is not None:
        fig, axes = ax.figure, [ax]
    else:
        from matplotlib.figure import Figure as MplFigure

        heads = {int(m.group(2)) for i in chosen if (m := _LAYER_HEAD.fullmatch(labels[i]))}
        ncols = len(heads) if heads and len(chosen) % len(heads) == 0 else min(len(chosen), 4)
        nrows = math.ceil(len(chosen) / ncols)
        w, h = 0.9 + 0.32 * len(src), 0.7 + 0.3 * len(out)
        fig = MplFigure(figsize=(max(3.0, w) * ncols + 1.0, max(2.5, h) * nrows), layout="constrained")
        axes = list(np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel()))
        for extra in axes[len(chosen) :]:
            extra.set_visible(False)
    im = None
    for a, i in zip(axes, chosen):
        im = a.imshow(weights[i], cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
        a.set_xticks(range(len(src)), src, rotation=90)
        a.set_yticks(range(len(out)), out)
        a.set_xlabel("source")
        a.set_ylabel("output")
        a.set_title(labels[i])
    if im is not None:
        fig.colorbar(im, ax=axes[: len(chosen)], fraction=0.046, pad=0.02, label="attention weight")
    return fig


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
