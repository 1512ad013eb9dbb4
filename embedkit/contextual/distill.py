"""Static vectors from a transformer, each a :class:`~embedkit.Vectors` so every analysis tool works on
them:

- :func:`corpus_vectors`, the corpus average of a word's contextual vectors (Bommasani et al. 2020,
  "Interpreting Pretrained Contextualized Representations via Reductions to Static Embeddings");
- :func:`distill_vocabulary`, model2vec's vocabulary method (Tulkens and van Dongen 2024): every piece
  of the tokenizer's vocabulary passed through the model alone, PCA, and Zipf/SIF weighting by rank;
  words composed from their pieces.

The arithmetic after the model's pass is here, in numpy (:func:`pca_project`, :func:`zipf_sif_weights`,
:func:`compose_words`); the pass itself runs in :mod:`embedkit.nn.distill`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DataError, InvalidArgumentError, InvalidTypeError
from ..vectors import Vectors
from .api import PieceMode, encode_tokens, load_encoder
from .models import DEFAULT_MODEL

if TYPE_CHECKING:
    from ..nn.contextual import Encoder

__all__ = [
    "UNUSED_PIECE",
    "compose_words",
    "corpus_vectors",
    "distill_vocabulary",
    "pca_project",
    "vocabulary_pieces",
    "zipf_sif_weights",
]

UNUSED_PIECE = re.compile(r"\[unused\d+\]")
"""The placeholder pieces of BERT vocabularies (``[unused0]`` ..), left out of the distilled vocabulary as model2vec does."""


def _encoder(model: str | os.PathLike | Encoder) -> Encoder:
    return load_encoder(model) if isinstance(model, str | os.PathLike) else model


def _check_dim(dim: int | None, width: int, rows: int) -> int:
    if dim is None:
        return width
    if not isinstance(dim, int) or isinstance(dim, bool) or not 1 <= dim <= width:
        raise InvalidArgumentError(f"dim must be an integer from 1 to the model's {width} dimensions, not {dim!r}")
    if dim > rows:
        raise InvalidArgumentError(f"dim {dim} is more than the {rows} vectors it is fitted on")
    return dim


def pca_project(matrix: np.ndarray, dim: int) -> np.ndarray:
    """The rows of ``matrix`` (n, d) centred and projected on their ``dim`` principal components,
    (n, dim) float32, in float64 inside: the eigenvectors of the covariance matrix, largest first, each
    signed so that the score of largest magnitude on it is positive (model2vec's convention, which makes
    the result unique).

    >>> pca_project(np.array([[0.0, 0.0], [1.0, 1.0], [4.0, 4.0]]), 1).ravel().astype(float).round(4).tolist()
    [-2.357, -0.9428, 3.2998]
    """
    x = np.asarray(matrix, dtype=np.float64)
    centred = x - x.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    components = vectors[:, np.argsort(values)[::-1][:dim]]  # (d, dim)
    scores = centred @ components  # (n, dim)
    peak = np.abs(scores).argmax(axis=0)
    signs = np.sign(scores[peak, np.arange(scores.shape[1])])
    signs[signs == 0] = 1.0
    return (scores * signs).astype(np.float32)


def zipf_sif_weights(n: int, coefficient: float = 1e-4) -> np.ndarray:
    """The weight of each of ``n`` pieces by its rank r (0 first): a / (a + p_r), SIF's weighting
    (Arora et al. 2017) with the frequency p_r estimated by Zipf's law from the rank alone,
    p_r = (1 / (r + 2)) / sum_s 1 / (s + 2), as model2vec does (a tokenizer's ids roughly follow
    frequency; no corpus is needed). Frequent pieces weigh less.

    >>> zipf_sif_weights(3, 0.5).round(4).tolist()
    [0.52, 0.619, 0.6842]
    """
    if not 0 < coefficient < 1:
        raise InvalidArgumentError(f"the SIF coefficient must be between 0 and 1 (exclusive), not {coefficient!r}")
    inverse = 1.0 / np.arange(2, n + 2, dtype=np.float64)
    return coefficient / (coefficient + inverse / inverse.sum())


def compose_words(pieces: np.ndarray, rows: Sequence[Sequence[int]]) -> np.ndarray:
    """Each word's vector, the mean of the rows of ``pieces`` it is made of (``rows``: one list of
    row numbers per word, none empty), (len(rows), dim) float32.

    >>> compose_words(np.array([[1.0, 0.0], [0.0, 2.0]]), [[0], [0, 1]]).tolist()
    [[1.0, 0.0], [0.5, 1.0]]
    """
    out = np.zeros((len(rows), pieces.shape[1]), dtype=np.float32)
    for i, r in enumerate(rows):
        out[i] = pieces[list(r)].mean(axis=0)
    return out


def vocabulary_pieces(model: str | os.PathLike | Encoder = DEFAULT_MODEL) -> list[tuple[str, int]]:
    """The pieces :func:`distill_vocabulary` passes through ``model``: its tokenizer's vocabulary in id
    order, less the special tokens (``[CLS]``, ``[SEP]``, ``[MASK]``, ``[PAD]``, ``[UNK]``) and the
    ``[unusedN]`` placeholders; each as (piece, id)."""
    encoder = _encoder(model)
    vocab = encoder.tokenizer.get_vocab(with_added_tokens=True)
    special = {t.content for t in encoder.tokenizer.get_added_tokens_decoder().values() if t.special}
    return sorted(
        ((p, i) for p, i in vocab.items() if p not in special and not UNUSED_PIECE.fullmatch(p)), key=lambda x: x[1]
    )


def _words(words: Sequence[str]) -> list[str]:
    if isinstance(words, str):
        raise InvalidTypeError("words must be a list of strings, not one string")
    out: list[str] = []
    seen: set[str] = set()
    for i, w in enumerate(words):
        if not isinstance(w, str):
            raise InvalidTypeError(f"word {i} is a {type(w).__name__}, not a string")
        if w.strip() and w not in seen:
            seen.add(w)
            out.append(w)
    if not out:
        raise DataError("no words to compose (the list is empty or blank)")
    return out


def distill_vocabulary(
    model: str | os.PathLike | Encoder = DEFAULT_MODEL,
    *,
    dim: int | None = 256,
    words: Sequence[str] | None = None,
    sif: float = 1e-4,
    batch_size: int = 256,
    progress: bool = False,
) -> Vectors:
    """Static vectors by model2vec's vocabulary method: each piece of :func:`vocabulary_pieces` passed
    through the model alone (``[CLS] piece [SEP]``), its vector the mean of the last layer over those
    positions; the piece matrix reduced to ``dim`` dimensions by :func:`pca_project` (``None``: rotated
    onto its principal components without reduction); each row weighted by :func:`zipf_sif_weights`
    with coefficient ``sif``, the rank being the piece's position in id order.

    Keys: without ``words``, the pieces themselves (``##ing`` marks a piece that continues a word), in
    id order. With ``words``, those words (duplicates and blanks dropped, order kept), each the mean of
    the vectors of the pieces the tokenizer splits it into (for an uncased model, ``Paris`` and ``paris``
    get the same vector); a word with no piece in the distilled vocabulary (only ``[UNK]``) is left out.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidArgumentError(f"batch_size must be a positive integer, not {batch_size!r}")
    wanted = _words(words) if words is not None else None
    encoder = _encoder(model)
    pieces = vocabulary_pieces(encoder)
    size = _check_dim(dim, encoder.dim, len(pieces))
    weights = zipf_sif_weights(len(pieces), sif)
    from ..nn.distill import piece_vectors

    raw = piece_vectors(encoder, [i for _, i in pieces], batch_size=batch_size, progress=progress)
    matrix = pca_project(raw, size) * weights[:, None].astype(np.float32)
    source = f"{encoder.folder.name} vocabulary distillation, {size} dimensions"
    if wanted is None:
        return Vectors([p for p, _ in pieces], matrix, source=source)
    row_of = {i: r for r, (_, i) in enumerate(pieces)}
    keys, rows = [], []
    for w, enc in zip(wanted, encoder.tokenizer.encode_batch(wanted, add_special_tokens=False)):
        at = [row_of[i] for i in enc.ids if i in row_of]
        if at:
            keys.append(w)
            rows.append(at)
    if not keys:
        raise DataError(f"none of the {len(wanted):,} words has a piece in {encoder.folder.name}'s vocabulary")
    return Vectors(keys, compose_words(matrix, rows), source=source)


def corpus_vectors(
    sentences: Sequence[str],
    *,
    model: str | os.PathLike | Encoder = DEFAULT_MODEL,
    layer: int = -1,
    pieces: PieceMode = "mean",
    min_count: int = 1,
    lower: bool = True,
    dim: int | None = None,
    batch_size: int = 64,
    progress: bool = False,
) -> Vectors:
    """One static vector per word of ``sentences``: the mean of its vectors at ``layer`` over all its
    occurrences (words lower-cased unless ``lower=False``), for the words seen at least ``min_count``
    times; keys ordered by frequency, most frequent first (ties in order of first appearance). With
    ``dim``, the averages are projected on their ``dim`` principal components (:func:`pca_project`)."""
    if not isinstance(min_count, int) or min_count < 1:
        raise InvalidArgumentError(f"min_count must be a positive integer, not {min_count!r}")
    encoder = _encoder(model)
    if dim is not None:
        _check_dim(dim, encoder.dim, encoder.dim)
    tokens = encode_tokens(
        sentences, model=encoder, layer=layer, pieces=pieces, batch_size=batch_size, progress=progress
    )
    index: dict[str, int] = {}
    rows: list[np.ndarray] = []
    keys: list[str] = []
    counts: list[int] = []
    for t in tokens:
        for w, v in zip(t.words, t.vectors):
            key = w.lower() if lower else w
            at = index.get(key)
            if at is None:
                index[key] = at = len(keys)
                keys.append(key)
                counts.append(0)
                rows.append(np.zeros(encoder.dim, dtype=np.float64))
            rows[at] += v
            counts[at] += 1
    order = sorted((i for i in range(len(keys)) if counts[i] >= min_count), key=lambda i: (-counts[i], i))
    if not order:
        raise DataError(f"no word occurs {min_count} times or more in the {len(sentences):,} sentences")
    means = np.stack([rows[i] / counts[i] for i in order])
    layer_at = tokens[0].layer
    source = f"{encoder.folder.name} corpus average, layer {layer_at}"
    if dim is not None:
        _check_dim(dim, encoder.dim, len(order))
        means = pca_project(means, dim)
        source += f", {dim} dimensions"
    return Vectors([keys[i] for i in order], means.astype(np.float32), source=source)
