"""Encode sentences with a pretrained transformer: the public entry points (torch and transformers are
imported when called, and named as the ``contextual`` extra when missing).

>>> from embedkit.contextual import encode
>>> encode(["a film worth seeing"], model="no-such-model")
Traceback (most recent call last):
...
embedkit.errors.InvalidArgumentError: unknown model 'no-such-model': neither a named model (minilm) nor a folder
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from .._deps import check, require
from ..errors import InvalidArgumentError, InvalidTypeError
from .models import DEFAULT_MODEL, read_model_folder

if TYPE_CHECKING:
    from ..nn.contextual import Encoder

__all__ = ["SentenceTokens", "encode", "encode_tokens", "load_encoder"]

PieceMode = Literal["mean", "first"]


@dataclass(frozen=True)
class SentenceTokens:
    """The words of one sentence (as the model's tokenizer splits words and punctuation, with their
    original spelling) and their vectors at ``layer``, (len(words), dim) float32."""

    sentence: str
    words: list[str]
    vectors: np.ndarray
    layer: int

    def to_dict(self) -> dict:
        """The SentenceTokens as plain data (JSON-safe), as ``--json`` prints it."""
        return {"sentence": self.sentence, "words": self.words, "layer": self.layer, "vectors": self.vectors.tolist()}


def load_encoder(model: str | os.PathLike = DEFAULT_MODEL) -> Encoder:
    """Load a contextual model once to encode with it many times: a named model (``minilm``, the
    default) or a local Hugging Face / sentence-transformers folder. Reads local files only."""
    folder = read_model_folder(model)
    check("torch", "contextual", "contextual embeddings")
    check("transformers", "contextual", "contextual embeddings")
    check("tokenizers", "contextual", "contextual embeddings")
    require("safetensors", "contextual", "contextual embeddings")
    from ..nn.contextual import load_encoder as load

    return load(folder)


def _sentences(sentences: Sequence[str]) -> list[str]:
    if isinstance(sentences, str):
        raise InvalidTypeError("sentences must be a list of strings, not one string")
    out = list(sentences)
    for i, s in enumerate(out):
        if not isinstance(s, str):
            raise InvalidTypeError(f"sentence {i} is a {type(s).__name__}, not a string")
    return out


def _encoder(model: str | os.PathLike | Encoder) -> Encoder:
    if isinstance(model, str | os.PathLike):
        return load_encoder(model)
    return model


def _check_batch(batch_size: int) -> None:
    if not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidArgumentError(f"batch_size must be a positive integer, not {batch_size!r}")


def encode(
    sentences: Sequence[str],
    *,
    model: str | os.PathLike | Encoder = DEFAULT_MODEL,
    batch_size: int = 64,
    normalize: bool | None = None,
    progress: bool = False,
) -> np.ndarray:
    """One vector per sentence, (N, dim) float32 in input order, with the model's own pooling (its
    ``1_Pooling`` settings; mean pooling for a plain Hugging Face folder) and normalisation
    (``normalize=None``: unit length where the model lists a ``Normalize`` module, as
    sentence-transformers' ``encode`` does; ``True``/``False`` to choose).

    ``model`` is a named model (``minilm``), a folder, or an encoder from :func:`load_encoder`.
    Sentences are batched by length (longest first), so the same input gives the same result.
    """
    texts = _sentences(sentences)
    _check_batch(batch_size)
    enc = _encoder(model)
    from ..nn.contextual import sentence_vectors

    unit = enc.folder.normalize if normalize is None else bool(normalize)
    return sentence_vectors(enc, texts, batch_size=batch_size, normalize=unit, progress=progress)


def encode_tokens(
    sentences: Sequence[str],
    *,
    model: str | os.PathLike | Encoder = DEFAULT_MODEL,
    layer: int = -1,
    pieces: PieceMode = "mean",
    batch_size: int = 64,
    progress: bool = False,
) -> list[SentenceTokens]:
    """The vectors of each sentence's words at ``layer`` (0: the embedding layer's output, 1..L the
    transformer layers, -1 the last), one :class:`SentenceTokens` per sentence in input order.

    A word the tokenizer splits into pieces gets the mean of its pieces' vectors (``pieces="mean"``) or
    its first piece's (``pieces="first"``); each piece's vector is the model's ``hidden_states[layer]``
    row for it. Words past the model's maximum length (256 pieces for MiniLM) are cut off.
    """
    texts = _sentences(sentences)
    _check_batch(batch_size)
    if pieces not in ("mean", "first"):
        raise InvalidArgumentError(f"pieces must be 'mean' or 'first', not {pieces!r}")
    enc = _encoder(model)
    at = layer_index(layer, enc.num_layers)
    from ..nn.contextual import token_vectors

    rows = token_vectors(enc, texts, layers=[at], pieces=pieces, batch_size=batch_size, progress=progress)
    return [SentenceTokens(s, words, vectors[0], at) for s, (words, vectors) in zip(texts, rows)]


def layer_index(layer: object, n: int) -> int:
    """The index among a model's ``n + 1`` hidden states (0: the embeddings, ``n``: the last block's output)
    of ``layer``, which may count back from the end (-1: the last); anything else is one clear error.

    >>> layer_index(-1, 6)
    6
    >>> layer_index(7, 6)
    Traceback (most recent call last):
    ...
    embedkit.errors.InvalidArgumentError: layer must be between 0 and 6 (or -1 for the last), not 7
    """
    if isinstance(layer, bool) or not isinstance(layer, int) or not -n - 1 <= layer <= n:
        raise InvalidArgumentError(f"layer must be between 0 and {n} (or -1 for the last), not {layer!r}")
    return layer % (n + 1)
