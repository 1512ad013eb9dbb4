"""Recognising a vector file's format from its content (``format="auto"``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .._fs import input_kind
from ..errors import VectorFileError
from .formats import FORMAT_TABLE
from .gensim_model import looks_like_legacy_fasttext
from .source import open_stream, read_all, read_head

__all__ = ["SNIFF_ORDER", "detect", "detect_format"]

# The order matters: magic numbers first, then word2vec text before word2vec binary (both open
# with a "count dim" line), then GloVe (any other text); fastText models written before the magic
# number are recognised last, by a heuristic.
SNIFF_ORDER: tuple[tuple[str, Callable[[bytes], bool]], ...] = (
    *(
        (name, FORMAT_TABLE[name].sniff)
        for name in ("embedkit", "fasttext-bin", "gensim", "word2vec", "word2vec-binary", "glove")
    ),
    ("fasttext-bin", looks_like_legacy_fasttext),
)


def detect_format(path: str | os.PathLike) -> str:
    """The format of a vector file, recognised from its content.

    Returns one of :data:`~embedkit.io.formats.FORMATS` (``word2vec`` for any headed text file,
    ``fasttext``'s ``.vec`` included). Raises :class:`VectorFileError` if the content fits none.
    On a pipe (``-``, ``/dev/fd/N``) this consumes what it reads: pass the pipe to
    :func:`~embedkit.io.api.load` instead.
    """
    path = Path(path)
    if input_kind(path) == "stream":
        with open_stream(path)[0] as f:
            return detect(read_head(f, 1 << 16), path)
    head = read_all(path, 1 << 16)
    return detect(head, path)


def detect(head: bytes, path: Path) -> str:
    """The format whose sniffer first accepts ``head`` (the first 64 KiB of ``path``)."""
    if not head.strip():
        raise VectorFileError(path, "the file is empty")
    for name, sniff in SNIFF_ORDER:
        if sniff(head):
            return name
    raise VectorFileError(path, "unrecognised vector file format (not GloVe, word2vec, fastText, gensim or embedkit)")
