"""Reading sentences from a file and writing encoded vectors (``.npy`` or ``.ekv``), atomically."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._fs import atomic_write, file_error
from ..errors import DataFileError
from ..text import first_non_utf8
from ..vectors import Vectors

__all__ = ["read_sentences", "sentence_keys", "token_keys", "write_matrix"]


def read_sentences(path: str | os.PathLike) -> list[str]:
    """The non-blank lines of a UTF-8 text file, one sentence each (trailing whitespace removed)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise file_error(p, exc) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        bad = first_non_utf8(p)
        where = f" (line {bad.line}: byte {bad.value:#04x})" if bad else ""
        raise DataFileError(f"{p}: not UTF-8 text{where}") from None
    sentences = [line.strip() for line in text.splitlines() if line.strip()]
    if not sentences:
        raise DataFileError(f"{p}: no sentences (the file has no non-blank line)")
    return sentences


def sentence_keys(sentences: Sequence[str]) -> list[str]:
    """The keys of sentence vectors: the sentences where they are all different, else row numbers.

    >>> sentence_keys(["a b", "c"]), sentence_keys(["a", "a"])
    (['a b', 'c'], ['0', '1'])
    """
    return list(sentences) if len(set(sentences)) == len(sentences) else [str(i) for i in range(len(sentences))]


def token_keys(words: Sequence[Sequence[str]]) -> list[str]:
    """The keys of word vectors in context: ``sentence:position:word`` (both from 0), unique.

    >>> token_keys([["a", "b"], ["a"]])
    ['0:0:a', '0:1:b', '1:0:a']
    """
    return [f"{i}:{j}:{w}" for i, ws in enumerate(words) for j, w in enumerate(ws)]


def write_matrix(matrix: np.ndarray, keys: Sequence[str], path: str | os.PathLike, *, source: str) -> Path:
    """Write ``matrix`` as ``.npy`` (the matrix alone) or ``.ekv`` (with ``keys``), atomically."""
    p = Path(path)
    if p.suffix.lower() == ".npy":
        with atomic_write(p) as f:
            np.save(f, np.ascontiguousarray(matrix, dtype=np.float32), allow_pickle=False)
        return p
    from ..io.api import save

    return save(Vectors(list(keys), np.ascontiguousarray(matrix, dtype=np.float32), source=source), p)
