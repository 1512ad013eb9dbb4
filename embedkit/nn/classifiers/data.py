"""Texts to tensors for the classifiers: tokens, a vocabulary, padded id matrices and batches.

Two sequence policies:

* ``"fixed"``: every text padded or clipped to one length, every batch ``(B, fixed_len)``;
* ``"bucket"`` (dynamic length): texts of similar length batched together, each batch padded
  only to its longest text (clipped at ``max_len``); the recurrent models pack these and the
  transformer masks the padding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import torch

from ...errors import DataError, InvalidArgumentError
from ...text import PAD, UNK, Vocabulary, tokenize
from ...vectors import Vectors

__all__ = [
    "Batch",
    "EncodedTexts",
    "SequencePolicy",
    "build_vocab",
    "encode_texts",
    "split_compounds",
    "tokenize_texts",
]

SequencePolicy = Literal["fixed", "bucket"]


def tokenize_texts(texts: Iterable[str], *, lower: bool = True) -> list[list[str]]:
    """:func:`embedkit.text.tokenize` on every text (lower-case by default, as GloVe is)."""
    return [tokenize(t, lower=lower) for t in texts]


def split_compounds(tokens: Sequence[str], known: Container[str]) -> list[str]:
    """``tokens`` with every hyphenated word that ``known`` lacks replaced by its parts, when
    ``known`` has them all (``mind-numbingly`` -> ``mind``, ``numbingly``); other words unchanged.

    Most such compounds occur once in a corpus: whole, they would get a random vector at training
    and ``<unk>`` at prediction; split, they keep the meaning of their parts.

    Examples
    --------
    >>> split_compounds(["a", "ham-fisted", "well-made", "zz-top", "film"], {"a", "ham", "fisted", "well-made", "top", "film"})
    ['a', 'ham', 'fisted', 'well-made', 'zz-top', 'film']
    """
    out: list[str] = []
    for t in tokens:
        if "-" in t and t not in known:
            parts = [p for p in t.split("-") if p]
            if parts and all(p in known for p in parts):
                out.extend(parts)
                continue
        out.append(t)
    return out


def build_vocab(
    token_lists: Iterable[Sequence[str]],
    vectors: Vectors | None = None,
    *,
    min_count: int = 1,
    vector_words: int = 0,
) -> Vocabulary:
    """The training data's words joined with the embedding's.

    Kept: ``<pad>``, ``<unk>``; every training word seen at least ``min_count`` times, and any
    rarer training word that ``vectors`` knows (it has a meaningful pretrained vector), by
    descending count; then the ``vector_words`` most frequent words of ``vectors`` not yet
    included (count 0), so that texts met only at prediction time still find their vectors.

    Examples
    --------
    >>> import numpy as np
    >>> v = Vectors(["the", "film", "good"], np.eye(3))
    >>> build_vocab([["good", "film"], ["zzz", "film"]], v, min_count=2, vector_words=3).words
    ['<pad>', '<unk>', 'film', 'good', 'the']
    """
    counts: Counter[str] = Counter()
    for toks in token_lists:
        counts.update(toks)
    known = vectors.index if vectors is not None else {}
    words = [PAD, UNK]
    kept = [(w, c) for w, c in counts.items() if w not in (PAD, UNK) and (c >= min_count or w in known)]
    kept.sort(key=lambda wc: -wc[1])
    words += [w for w, _ in kept]
    freq = [0, 0] + [c for _, c in kept]
    if vectors is not None and vector_words > 0:
        seen = set(words)
        extra = [w for w in vectors.keys[:vector_words] if w not in seen]
        words += extra
        freq += [0] * len(extra)
    return Vocabulary(words, (PAD, UNK), freq)


class Batch(NamedTuple):
    """One batch: ``ids`` ``(B, T)`` int64, ``lengths`` ``(B,)`` int64 (on the CPU, as packing wants),
    ``labels`` ``(B,)`` int64 or ``None``, and ``index``, the rows of the batch in the data set."""

    ids: torch.Tensor
    lengths: torch.Tensor
    labels: torch.Tensor | None
    index: np.ndarray  # type: ignore[assignment]  # the field shadows tuple.index, on purpose


@dataclass(frozen=True, eq=False)
class EncodedTexts:
    """Texts as a padded id matrix ``ids`` ``(N, T)``, their ``lengths`` and optional ``labels``.

    Build one with :func:`encode_texts`; iterate with :meth:`batches`.
    """

    ids: np.ndarray
    lengths: np.ndarray
    labels: np.ndarray | None
    policy: SequencePolicy = "bucket"
    min_len: int = 1

    def __len__(self) -> int:
        return len(self.lengths)

    def batches(
        self, batch_size: int, *, shuffle: bool = False, rng: np.random.Generator | None = None
    ) -> Iterator[Batch]:
        """Yield batches. With ``shuffle``, the order is random (from ``rng``); under the bucket
        policy texts are grouped by length within pools of 50 batches, then the batches are
        shuffled. Without ``shuffle``, bucketed batches go in length order (fast for inference;
        ``Batch.index`` puts results back in place)."""
        n = len(self)
        if batch_size < 1:
            raise InvalidArgumentError(f"batch_size must be >= 1, got {batch_size}")
        if shuffle:
            rng = rng if rng is not None else np.random.default_rng()
            order = rng.permutation(n)
            if self.policy == "bucket":
                pool = batch_size * 50
                for s in range(0, n, pool):
                    chunk = order[s : s + pool]
                    order[s : s + pool] = chunk[np.argsort(self.lengths[chunk], kind="stable")]
            starts = np.arange(0, n, batch_size)
            if self.policy == "bucket":
                starts = rng.permutation(starts)
        else:
            order = np.argsort(self.lengths, kind="stable") if self.policy == "bucket" else np.arange(n)
            starts = np.arange(0, n, batch_size)
        for start in starts:
            idx = order[start : start + batch_size]
            yield self._batch(idx)

    def _batch(self, idx: np.ndarray) -> Batch:
        lengths = self.lengths[idx]
        width = self.ids.shape[1] if self.policy == "fixed" else max(int(lengths.max()), self.min_len)
        ids = torch.from_numpy(np.ascontiguousarray(self.ids[idx, :width]))
        labels = torch.from_numpy(self.labels[idx]) if self.labels is not None else None
        return Batch(ids, torch.from_numpy(lengths), labels, idx)


def encode_texts(
    texts: Sequence[str] | Sequence[Sequence[str]],
    vocab: Vocabulary,
    *,
    labels: Sequence[int] | np.ndarray | None = None,
    policy: SequencePolicy = "bucket",
    max_len: int = 400,
    min_len: int = 1,
    lower: bool = True,
    compounds: bool = False,
) -> EncodedTexts:
    """Token ids of ``texts`` (raw strings, tokenized here, or token lists), padded with ``<pad>``.

    With ``compounds``, hyphenated words missing from ``vocab`` are split into their parts when
    ``vocab`` has them all (see :func:`split_compounds`).

    ``max_len`` clips long texts (and is the fixed length under ``policy="fixed"``); ``min_len``
    pads every batch to at least that width (the CNN needs its widest filter). An empty text
    becomes one ``<pad>`` of length 1, so every length is at least 1.

    Examples
    --------
    >>> from embedkit.text import Vocabulary
    >>> voc = Vocabulary.from_texts([["a", "good", "film"]])
    >>> enc = encode_texts(["A good film!", "good"], voc, policy="fixed", max_len=4)
    >>> enc.ids.tolist(), enc.lengths.tolist()
    ([[2, 3, 4, 1], [3, 0, 0, 0]], [4, 1])
    """
    if policy not in ("fixed", "bucket"):
        raise InvalidArgumentError(f"policy must be 'fixed' or 'bucket', got {policy!r}")
    if max_len < 1:
        raise InvalidArgumentError(f"max_len must be >= 1, got {max_len}")
    toks = [tokenize(t, lower=lower) if isinstance(t, str) else list(t) for t in texts]
    if compounds:
        toks = [split_compounds(t, vocab) for t in toks]
    seqs = [vocab.encode(t[:max_len]) for t in toks]
    lengths = np.fromiter((max(len(s), 1) for s in seqs), dtype=np.int64, count=len(seqs))
    width = max_len if policy == "fixed" else max(int(lengths.max(initial=1)), min_len)
    width = max(width, min_len)
    pad = max(vocab.pad_id, 0)
    ids = np.full((len(seqs), width), pad, dtype=np.int64)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = s
    lab = None
    if labels is not None:
        lab = np.array(labels, dtype=np.int64)  # a writable copy: torch.from_numpy wants one
        if len(lab) != len(seqs):
            raise DataError(f"{len(seqs)} texts but {len(lab)} labels")
    return EncodedTexts(ids, lengths, lab, policy, min_len)
