"""Encoding a corpus too large for one process: under ``torchrun`` (as training runs, see
:mod:`embedkit.nn.runtime.distributed`), each of the ``WORLD_SIZE`` processes encodes one contiguous shard
of the sentences (:func:`~embedkit.nn.runtime.distributed.shard`: sizes differ by at most one, earlier
ranks take the larger) and rank 0 gathers the shards in rank order, so its rows are in input order, as
one process gives them. Outside ``torchrun`` it is plain :func:`~embedkit.contextual.encode` /
:func:`~embedkit.contextual.encode_tokens`. An embedkit transformer (a model file, see
:mod:`embedkit.contextual.own`) is encoded a sentence at a time: its sentence vector is the mean of its
last layer over the sentence's word tokens, and with a layer its words' vectors are those the layer
analysis reads.

Each shard is batched by length on its own, so a row can differ from the single-process row in the last
bits (float32 rounding of other batch shapes; equal to 1e-5), never in order or content.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._launch import under_torchrun
from .api import PieceMode, encode, encode_tokens, layer_index
from .models import DEFAULT_MODEL
from .own import OwnTransformer, load_any

if TYPE_CHECKING:
    from ..nn.contextual import Encoder

__all__ = ["EncodedCorpus", "encode_corpus"]


@dataclass(frozen=True)
class EncodedCorpus:
    """The encoded sentences: ``matrix`` (one row per sentence, or with a ``layer`` one row per word,
    sentence after sentence), ``words`` (each sentence's words with a layer, else ``None``), and the
    number of processes that shared the work."""

    matrix: np.ndarray
    words: list[list[str]] | None
    layer: int | None
    processes: int


def _local(
    sentences: list[str],
    encoder: Encoder | OwnTransformer,
    layer: int | None,
    pieces: PieceMode,
    batch_size: int,
    progress: bool,
) -> tuple[np.ndarray, list[list[str]] | None]:
    if isinstance(encoder, OwnTransformer):
        return _own(sentences, encoder, layer, pieces, progress)
    if layer is None:
        return encode(sentences, model=encoder, batch_size=batch_size, progress=progress), None
    tokens = encode_tokens(
        sentences, model=encoder, layer=layer, pieces=pieces, batch_size=batch_size, progress=progress
    )
    matrix = np.concatenate([t.vectors for t in tokens]) if tokens else np.zeros((0, encoder.dim), np.float32)
    return matrix, [t.words for t in tokens]


def _own(
    sentences: list[str], model: OwnTransformer, layer: int | None, pieces: PieceMode, progress: bool
) -> tuple[np.ndarray, list[list[str]] | None]:
    from ..nn.introspect import own_sentence_vectors, own_token_vectors

    if layer is None:
        return own_sentence_vectors(model, sentences, progress=progress), None
    at = layer_index(layer, model.num_layers)
    rows = own_token_vectors(model, sentences, layers=[at], pieces=pieces, progress=progress)
    matrix = np.concatenate([v[0] for _, v in rows]) if rows else np.zeros((0, model.dim), np.float32)
    return matrix, [words for words, _ in rows]


def encode_corpus(
    sentences: Sequence[str],
    *,
    model: str | os.PathLike | Encoder | OwnTransformer = DEFAULT_MODEL,
    layer: int | None = None,
    pieces: PieceMode = "mean",
    batch_size: int = 64,
    progress: bool = False,
) -> EncodedCorpus | None:
    """Sentence vectors (``layer=None``) or word vectors at ``layer`` of ``sentences``, sharded over the
    processes of ``torchrun`` when launched by it (see the module's summary). Returns the whole result on
    rank 0 (and in a plain run), ``None`` on the other ranks."""
    texts = list(sentences)
    encoder = load_any(model)
    if not under_torchrun():
        matrix, words = _local(texts, encoder, layer, pieces, batch_size, progress)
        return EncodedCorpus(matrix, words, layer, 1)
    import torch.distributed as dist

    from ..nn.runtime.distributed import setup, shard

    ctx = setup("cpu")
    part = texts[shard(len(texts), rank=ctx.rank, world_size=ctx.world_size)]
    local = _local(part, encoder, layer, pieces, batch_size, progress and ctx.is_main)
    # each process's shard goes to rank 0 (pickled between the processes of this one job)
    gathered: list | None = [None] * ctx.world_size if ctx.is_main else None
    dist.gather_object(local, gathered, dst=0)
    if gathered is None:
        return None
    matrix = np.concatenate([m for m, _ in gathered])
    words = None if layer is None else [ws for _, w in gathered for ws in w]
    return EncodedCorpus(matrix.astype(np.float32, copy=False), words, layer, ctx.world_size)
