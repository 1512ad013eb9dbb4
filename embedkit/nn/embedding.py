"""The one bridge between :class:`~embedkit.Vectors` and torch: an ``nn.Embedding`` built from vectors."""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from torch import nn

from ..errors import DataError, InvalidArgumentError
from ..text import Vocabulary
from ..vectors import Vectors

__all__ = ["embedding_from_vectors", "vectors_from_embedding"]


def embedding_from_vectors(
    vectors: Vectors,
    vocab: Vocabulary,
    *,
    freeze: bool = False,
    unknown: Literal["uniform", "zero"] = "uniform",
    seed: int = 0,
) -> nn.Embedding:
    """An ``nn.Embedding`` of ``len(vocab)`` rows whose row ``i`` is the vector of ``vocab.words[i]``.

    Words of the vocabulary missing from ``vectors`` (and the unknown token) are initialised as
    Kim (2014) did: uniform in ``[-a, a]`` with ``a = sqrt(3 * var)``, ``var`` the variance of all
    the values of the pretrained matrix, so they have the same variance as the pretrained rows;
    or zero with ``unknown="zero"``. The padding row is zero and is the ``padding_idx``.

    Parameters
    ----------
    vectors:
        The pretrained vectors; their dimension is the embedding's.
    vocab:
        The model's vocabulary.
    freeze:
        Keep the weights fixed during training.
    unknown:
        How rows of words missing from ``vectors`` start.
    seed:
        Seed of the uniform initialisation (numpy, so the same on every device).

    Examples
    --------
    >>> from embedkit.text import Vocabulary
    >>> v = Vectors(["a", "b"], np.array([[1.0, -1.0], [3.0, 1.0]]))
    >>> emb = embedding_from_vectors(v, Vocabulary.from_texts([["b", "zz"]]), unknown="zero")
    >>> emb.weight.tolist()
    [[0.0, 0.0], [0.0, 0.0], [3.0, 1.0], [0.0, 0.0]]
    """
    if unknown not in ("uniform", "zero"):
        raise InvalidArgumentError(f"unknown must be 'uniform' or 'zero', got {unknown!r}")
    dim = vectors.dim
    n = len(vocab)
    index = vectors.index
    rows = np.fromiter((index.get(w, -1) for w in vocab.words), dtype=np.int64, count=n)
    found = rows >= 0
    if unknown == "uniform":
        # The variance of a big memory-mapped matrix is computed once on a float64 accumulator.
        var = float(np.var(np.asarray(vectors.matrix, dtype=np.float64))) if len(vectors) else 0.0
        a = float(np.sqrt(3.0 * var))
        weight = np.random.default_rng(seed).uniform(-a, a, size=(n, dim)).astype(np.float32)
    else:
        weight = np.zeros((n, dim), dtype=np.float32)
    weight[found] = np.asarray(vectors.matrix[rows[found]], dtype=np.float32)
    pad = vocab.pad_id if vocab.pad_id >= 0 else None
    if pad is not None:
        weight[pad] = 0.0
    return nn.Embedding.from_pretrained(torch.from_numpy(weight), freeze=freeze, padding_idx=pad)


def vectors_from_embedding(
    weight: torch.Tensor | nn.Embedding, vocab: Vocabulary, *, drop_specials: bool = True, source: str | None = None
) -> Vectors:
    """The rows of an embedding matrix as :class:`~embedkit.Vectors` keyed by ``vocab``'s words
    (without the special tokens by default), the way back from torch.

    Examples
    --------
    >>> from embedkit.text import Vocabulary
    >>> voc = Vocabulary.from_texts([["x", "y", "x"]])
    >>> vectors_from_embedding(torch.arange(8.0).reshape(4, 2), voc).keys
    ['x', 'y']
    """
    if isinstance(weight, nn.Embedding):
        weight = weight.weight
    w = weight.detach().float().cpu().numpy()
    if w.shape[0] != len(vocab):
        raise DataError(f"the matrix has {w.shape[0]} rows but the vocabulary {len(vocab)} words")
    start = len(vocab.specials) if drop_specials else 0
    return Vectors(vocab.words[start:], np.array(w[start:], dtype=np.float32), source=source, format="embedkit")
