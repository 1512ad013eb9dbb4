"""How contextual each layer is, after Ethayarajh (2019), "How contextual are contextualized word
representations?": per layer, anisotropy (the mean cosine of random pairs of words from different
sentences), self-similarity (the mean cosine between a word's occurrences), intra-sentence similarity (the
mean cosine between a sentence's words and their mean) and the share of a word's variance explained by the
first principal component of its occurrences. The four measures are pure numpy functions of word vectors
grouped by sentence; :func:`layer_analysis` runs a model over sentences and applies them to every layer.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DataError, InvalidArgumentError
from ..search.kernels import normalize_rows
from .api import PieceMode
from .models import DEFAULT_MODEL
from .own import OwnTransformer, load_any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..nn.contextual import Encoder

__all__ = [
    "LayerAnalysis",
    "anisotropy",
    "first_pc_share",
    "intra_sentence_similarity",
    "layer_analysis",
    "plot_layer_analysis",
    "self_similarity",
]


def anisotropy(vectors: Sequence[np.ndarray], *, pairs: int = 1000, seed: int = 0) -> float:
    """The mean cosine of ``pairs`` random pairs of words from different sentences (``vectors``: one
    (words, dim) matrix per sentence), drawn with ``seed``.

    >>> a = np.array([[1.0, 0.0]]); b = np.array([[1.0, 1.0]])
    >>> round(anisotropy([a, b], pairs=10), 6)   # every pair is (a, b): cos 45 degrees
    0.707107
    """
    owner = np.concatenate([np.full(len(v), i) for i, v in enumerate(vectors)]) if vectors else np.zeros(0)
    if len(set(owner.tolist())) < 2:
        raise DataError("anisotropy needs words from at least two sentences")
    unit = normalize_rows(np.concatenate(vectors))
    rng = np.random.default_rng(seed)
    i, j = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    while len(i) < pairs:
        a, b = rng.integers(0, len(unit), size=(2, 4 * pairs))
        keep = owner[a] != owner[b]
        i, j = np.concatenate([i, a[keep]]), np.concatenate([j, b[keep]])
    i, j = i[:pairs], j[:pairs]
    return float(np.mean(np.sum(unit[i] * unit[j], axis=1)))


def _occurrences(vectors: Sequence[np.ndarray], words: Sequence[Sequence[str]], min_occurrences: int) -> list:
    found: dict[str, list[np.ndarray]] = {}
    for matrix, ws in zip(vectors, words):
        for row, w in zip(matrix, ws):
            found.setdefault(w.lower(), []).append(row)
    kept = [np.stack(rows) for rows in found.values() if len(rows) >= min_occurrences]
    if not kept:
        raise DataError(f"no word occurs {min_occurrences} times or more in these sentences")
    return kept


def self_similarity(
    vectors: Sequence[np.ndarray], words: Sequence[Sequence[str]], *, min_occurrences: int = 5
) -> float:
    """The mean, over the words that occur at least ``min_occurrences`` times (without regard to case), of
    the mean cosine between two different occurrences of the word.

    >>> v = [np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0]])]
    >>> round(self_similarity(v, [["a", "b"], ["a"]], min_occurrences=2), 6)   # a: (1,0) and (1,1)
    0.707107
    """
    sims = []
    for occ in _occurrences(vectors, words, min_occurrences):
        unit = normalize_rows(occ)
        cos = unit @ unit.T
        n = len(unit)
        sims.append((cos.sum() - np.trace(cos)) / (n * (n - 1)))
    return float(np.mean(sims))


def intra_sentence_similarity(vectors: Sequence[np.ndarray]) -> float:
    """The mean, over the sentences of two words or more, of the mean cosine between each word's vector
    and the mean of the sentence's word vectors.

    >>> round(intra_sentence_similarity([np.array([[1.0, 0.0], [0.0, 1.0]])]), 6)   # both at 45 degrees
    0.707107
    """
    sims = []
    for matrix in vectors:
        if len(matrix) < 2:
            continue
        centre = normalize_rows(matrix.mean(axis=0, keepdims=True))[0]
        sims.append(float(np.mean(normalize_rows(matrix) @ centre)))
    if not sims:
        raise DataError("intra-sentence similarity needs a sentence of two words or more")
    return float(np.mean(sims))


def first_pc_share(vectors: Sequence[np.ndarray], words: Sequence[Sequence[str]], *, min_occurrences: int = 5) -> float:
    """The mean, over the words that occur at least ``min_occurrences`` times, of the share of the variance
    of the word's occurrence matrix (uncentred, as Ethayarajh's maximum explainable variance) that its first
    principal component explains: sigma_1^2 / sum(sigma_i^2).

    >>> v = [np.array([[3.0, 0.0]]), np.array([[0.0, 1.0]])]
    >>> first_pc_share(v, [["a"], ["a"]], min_occurrences=2)   # singular values 3 and 1: 9 / 10
    0.9
    """
    shares = []
    for occ in _occurrences(vectors, words, min_occurrences):
        s = np.linalg.svd(occ.astype(np.float64), compute_uv=False)
        shares.append(float(s[0] ** 2 / np.sum(s**2)))
    return float(np.mean(shares))


@dataclass(frozen=True)
class LayerAnalysis:
    """The four measures at each of ``layers`` (0: the embedding layer's output), with what they were
    computed on: ``sentences``, ``tokens`` (words), ``words`` (the distinct words that occur at least
    ``min_occurrences`` times)."""

    model: str
    layers: list[int]
    anisotropy: list[float]
    self_similarity: list[float]
    intra_sentence_similarity: list[float]
    first_pc_share: list[float]
    sentences: int
    tokens: int
    words: int
    min_occurrences: int
    pairs: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """The LayerAnalysis as plain data (JSON-safe), as ``--json`` prints it."""
        return asdict(self)


def layer_analysis(
    sentences: Sequence[str],
    *,
    model: str | os.PathLike | Encoder | OwnTransformer = DEFAULT_MODEL,
    min_occurrences: int = 5,
    pairs: int = 1000,
    seed: int = 0,
    pieces: PieceMode = "mean",
    batch_size: int = 64,
    progress: bool = False,
) -> LayerAnalysis:
    """Run ``model`` once over ``sentences`` and measure every layer (see the module's summary).

    ``model`` is a named model (``minilm``), a Hugging Face folder, a loaded encoder, or one of embedkit's
    own trained transformers: a transformer language model or seq2seq transformer file (its encoder),
    see :mod:`embedkit.contextual.own` for how it reads a sentence; ``batch_size`` applies to Hugging
    Face models (embedkit's own read one sentence at a time)."""
    if not isinstance(min_occurrences, int) or min_occurrences < 2:
        raise InvalidArgumentError(f"min_occurrences must be an integer of at least 2, not {min_occurrences!r}")
    if not isinstance(pairs, int) or pairs < 1:
        raise InvalidArgumentError(f"pairs must be a positive integer, not {pairs!r}")
    if pieces not in ("mean", "first"):
        raise InvalidArgumentError(f"pieces must be 'mean' or 'first', not {pieces!r}")
    encoder = load_any(model)
    layers = list(range(encoder.num_layers + 1))
    if isinstance(encoder, OwnTransformer):
        from ..nn.introspect import own_token_vectors

        rows = own_token_vectors(encoder, list(sentences), layers=layers, pieces=pieces, progress=progress)
        name = encoder.name
    else:
        from ..nn.contextual import token_vectors

        rows = token_vectors(
            encoder, list(sentences), layers=layers, pieces=pieces, batch_size=batch_size, progress=progress
        )
        name = encoder.folder.name
    words = [w for w, _ in rows]
    per_layer = [[m[k] for _, m in rows] for k in layers]
    counts: dict[str, int] = {}
    for ws in words:
        for w in ws:
            counts[w.lower()] = counts.get(w.lower(), 0) + 1
    return LayerAnalysis(
        model=name,
        layers=layers,
        anisotropy=[anisotropy(v, pairs=pairs, seed=seed) for v in per_layer],
        self_similarity=[self_similarity(v, words, min_occurrences=min_occurrences) for v in per_layer],
        intra_sentence_similarity=[intra_sentence_similarity(v) for v in per_layer],
        first_pc_share=[first_pc_share(v, words, min_occurrences=min_occurrences) for v in per_layer],
        sentences=len(words),
        tokens=sum(len(ws) for ws in words),
        words=sum(1 for c in counts.values() if c >= min_occurrences),
        min_occurrences=min_occurrences,
        pairs=pairs,
        seed=seed,
    )


def plot_layer_analysis(result: LayerAnalysis, *, ax: Any = None) -> Figure:
    """Draw the four measures of ``result`` against the layer, one curve each; returns the Figure."""
    if ax is None:
        from matplotlib.figure import Figure as MplFigure

        fig = MplFigure(figsize=(6.0, 3.8), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    curves = {
        "anisotropy": result.anisotropy,
        "self-similarity": result.self_similarity,
        "intra-sentence similarity": result.intra_sentence_similarity,
        "first PC variance share": result.first_pc_share,
    }
    for label, values in curves.items():
        ax.plot(result.layers, values, marker="o", label=label)
    ax.set_xlabel("layer (0: embeddings)")
    ax.set_xticks(result.layers)
    ax.set_ylabel("mean cosine / share")
    ax.set_title(
        f"{result.model}: {result.sentences:,} sentences, {result.words:,} words seen {result.min_occurrences}+ times"
    )
    ax.legend(fontsize="small")
    return fig
