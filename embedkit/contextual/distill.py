"""Static vectors from a transformer: the corpus average of a word's contextual vectors (Bommasani et al.
2020, "Interpreting Pretrained Contextualized Representations via Reductions to Static Embeddings"),
returned as a :class:`~embedkit.Vectors` so every analysis tool works on them. (model2vec's vocabulary
method, the second one issue 25 asks for, is not built yet.)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DataError, InvalidArgumentError
from ..vectors import Vectors
from .api import PieceMode, encode_tokens, load_encoder
from .models import DEFAULT_MODEL

if TYPE_CHECKING:
    from ..nn.contextual import Encoder

__all__ = ["corpus_vectors"]


def corpus_vectors(
    sentences: Sequence[str],
    *,
    model: str | os.PathLike | Encoder = DEFAULT_MODEL,
    layer: int = -1,
    pieces: PieceMode = "mean",
    min_count: int = 1,
    lower: bool = True,
    batch_size: int = 64,
    progress: bool = False,
) -> Vectors:
    """One static vector per word of ``sentences``: the mean of its vectors at ``layer`` over all its
    occurrences (words lower-cased unless ``lower=False``), for the words seen at least ``min_count``
    times; keys ordered by frequency, most frequent first (ties in order of first appearance)."""
    if not isinstance(min_count, int) or min_count < 1:
        raise InvalidArgumentError(f"min_count must be a positive integer, not {min_count!r}")
    encoder = load_encoder(model) if isinstance(model, str | os.PathLike) else model
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
    sums = np.stack([rows[i] / counts[i] for i in order])
    layer_at = tokens[0].layer
    return Vectors(
        [keys[i] for i in order],
        sums.astype(np.float32),
        source=f"{encoder.folder.name} corpus average, layer {layer_at}",
    )
