"""A word in context: its vector in each sentence where it occurs, and its nearest neighbours among its
other occurrences (which sense of "bank" is this?) and among a static vocabulary encoded by the same model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DataError, InvalidArgumentError
from ..search.kernels import normalize_rows
from ..search.neighbors import Neighbors, nearest_many
from ..vectors import Vectors
from .api import PieceMode, encode_tokens, load_encoder
from .models import DEFAULT_MODEL

if TYPE_CHECKING:
    from ..nn.contextual import Encoder

__all__ = [
    "OccurrenceNeighbor",
    "Occurrences",
    "occurrence_neighbors",
    "occurrences",
    "static_neighbors",
    "vocabulary_vectors",
]


@dataclass(frozen=True)
class Occurrences:
    """Every occurrence of ``word`` in a list of sentences: the sentence's number in that list (``rows``),
    the word's position among the sentence's words, and its vector at ``layer``, (n, dim) float32."""

    word: str
    layer: int
    sentences: list[str]
    rows: list[int]
    positions: list[int]
    vectors: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    def to_dict(self) -> dict:
        """The Occurrences as plain data (JSON-safe), as ``--json`` prints it."""
        return {
            "word": self.word,
            "layer": self.layer,
            "occurrences": [
                {"row": r, "position": p, "sentence": s} for r, p, s in zip(self.rows, self.positions, self.sentences)
            ],
        }


@dataclass(frozen=True)
class OccurrenceNeighbor:
    """Another occurrence of the word, by its index in :class:`Occurrences`, and its cosine."""

    index: int
    row: int
    sentence: str
    cosine: float

    def to_dict(self) -> dict:
        """The OccurrenceNeighbor as plain data (JSON-safe), as ``--json`` prints it."""
        return {"index": self.index, "row": self.row, "sentence": self.sentence, "cosine": self.cosine}


def occurrences(
    word: str,
    sentences: Sequence[str],
    *,
    model: str | os.PathLike | Encoder = DEFAULT_MODEL,
    layer: int = -1,
    pieces: PieceMode = "mean",
    batch_size: int = 64,
    progress: bool = False,
) -> Occurrences:
    """The vectors of ``word`` (matched without regard to case, as one of the words the model's tokenizer
    makes) in every sentence where it occurs, at ``layer`` (see :func:`~embedkit.contextual.encode_tokens`).
    Only the sentences that contain it as a substring are encoded."""
    if not isinstance(word, str) or not word.strip():
        raise InvalidArgumentError("the word must be a non-empty string")
    target = word.strip().lower()
    candidates = [i for i, s in enumerate(sentences) if target in s.lower()]
    encoder = load_encoder(model) if isinstance(model, str | os.PathLike) else model
    found_rows, found_pos, found_vecs = [], [], []
    layer_at = layer
    if candidates:
        tokens = encode_tokens(
            [sentences[i] for i in candidates],
            model=encoder,
            layer=layer,
            pieces=pieces,
            batch_size=batch_size,
            progress=progress,
        )
        for i, t in zip(candidates, tokens):
            layer_at = t.layer
            for j, w in enumerate(t.words):
                if w.lower() == target:
                    found_rows.append(i)
                    found_pos.append(j)
                    found_vecs.append(t.vectors[j])
    if not found_rows:
        raise DataError(f"{word!r} occurs in none of the {len(sentences):,} sentences")
    return Occurrences(
        word=word,
        layer=layer_at,
        sentences=[sentences[i] for i in found_rows],
        rows=found_rows,
        positions=found_pos,
        vectors=np.stack(found_vecs).astype(np.float32),
    )


def occurrence_neighbors(occ: Occurrences, *, k: int = 5) -> list[list[OccurrenceNeighbor]]:
    """For each occurrence, the ``k`` other occurrences whose vectors are closest by cosine, best first
    (ties in order of occurrence)."""
    if not isinstance(k, int) or k < 1:
        raise InvalidArgumentError(f"k must be a positive integer, not {k!r}")
    unit = normalize_rows(occ.vectors)
    cos = unit @ unit.T  # (n, n)
    out = []
    for i in range(len(occ)):
        order = [j for j in np.argsort(-cos[i], kind="stable") if j != i][:k]
        out.append([OccurrenceNeighbor(int(j), occ.rows[j], occ.sentences[j], float(cos[i, j])) for j in order])
    return out


def vocabulary_vectors(
    words: Sequence[str],
    *,
    model: str | os.PathLike | Encoder = DEFAULT_MODEL,
    layer: int = -1,
    pieces: PieceMode = "mean",
    batch_size: int = 64,
    progress: bool = False,
) -> Vectors:
    """A static vocabulary in the model's space: each word encoded alone (as a one-word sentence), its
    vector at ``layer`` the mean of its pieces (or its first piece); a word the tokenizer splits into
    several words ("don't") gets the mean of theirs."""
    keys = list(dict.fromkeys(words))
    tokens = encode_tokens(keys, model=model, layer=layer, pieces=pieces, batch_size=batch_size, progress=progress)
    empty = [w for w, t in zip(keys, tokens) if not t.words]
    if empty:
        raise DataError(f"the tokenizer makes no word of {empty[0]!r}")
    matrix = np.stack([t.vectors.mean(axis=0) for t in tokens]).astype(np.float32)
    return Vectors(keys, matrix, source=f"vocabulary at layer {tokens[0].layer}" if tokens else "vocabulary")


def static_neighbors(occ: Occurrences, vocabulary: Vectors, *, k: int = 10) -> list[Neighbors]:
    """For each occurrence, the ``k`` words of ``vocabulary`` closest by cosine (vectors of the model's
    width, such as :func:`vocabulary_vectors` gives)."""
    if vocabulary.dim != occ.vectors.shape[1]:
        raise InvalidArgumentError(
            f"the vocabulary has {vocabulary.dim} dimensions and the occurrences {occ.vectors.shape[1]}: "
            "encode the vocabulary with the same model (vocabulary_vectors)"
        )
    return nearest_many(vocabulary, occ.vectors, k)
