"""The vector file formats, in one table: how each is recognised, read and written.

``glove``
    Text, one ``word v1 v2 ...`` line per word, no header (Stanford's GloVe files).
``word2vec`` (also ``fasttext``)
    Text with a ``count dim`` header line (word2vec's ``-binary 0`` output, fastText's ``.vec``).
``word2vec-binary``
    A ``count dim`` header line, then per word the word, a space and ``dim`` little-endian float32.
``fasttext-bin``
    fastText's own ``.bin`` model; its whole-word vectors are read (through gensim).
``gensim``
    gensim's native ``KeyedVectors.save`` / model files. They are Python pickles, which can run
    code when loaded, so reading one needs ``allow_pickle=True``.
``embedkit``
    embedkit's own single-file format (``.ekv``, :mod:`embedkit.io.ekv`), also the cache format.

:data:`FORMAT_TABLE` maps each name to a :class:`FormatSpec`; :func:`~embedkit.io.api.load`,
:func:`~embedkit.io.api.save` and :func:`~embedkit.io.detect.detect_format` dispatch through it
and name no format themselves.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import ekv, gensim_model, text, word2vec_binary
from .sinks import Sink
from .source import ReadOptions

__all__ = [
    "FORMATS",
    "FORMAT_TABLE",
    "SUFFIX_FORMATS",
    "Dtype",
    "Errors",
    "Format",
    "FormatSpec",
    "WriteFormat",
    "write_format_for",
]

Format = Literal["auto", "glove", "word2vec", "fasttext", "word2vec-binary", "fasttext-bin", "gensim", "embedkit"]
WriteFormat = Literal["glove", "word2vec", "fasttext", "word2vec-binary", "embedkit"]
Errors = Literal["strict", "replace", "ignore"]
Dtype = Literal["float32", "float16"]

# stream(path, sink, options, f): parse the file (or ``f``, the open input of a pipe) into the sink.
StreamFn = Callable[[Path, Sink, ReadOptions, object], None]
# write(vectors, path, *, format, dtype, progress=None): ``format`` is the name asked for (it
# appears in errors); ``progress`` is called with the rows of every block written.
WriteFn = Callable[..., None]


@dataclass(frozen=True)
class FormatSpec:
    """One vector file format.

    ``name`` is the canonical name (an alias's spec is its target's). ``sniff(head)`` says
    whether a file's first 64 KiB look like this format (tried in
    :data:`~embedkit.io.detect.SNIFF_ORDER`). ``stream`` reads into a sink; ``write`` (``None``:
    not writable) writes. ``direct_read``: read as is (memory-mapped), never through a sink or
    the cache. ``one_pass``: can be read from a pipe (no random access). ``precheck(path,
    options)`` runs before any cache is consulted.
    """

    name: str
    sniff: Callable[[bytes], bool]
    stream: StreamFn | None
    write: WriteFn | None = None
    direct_read: bool = False
    one_pass: bool = False
    precheck: Callable[[Path, ReadOptions], None] | None = None


_WORD2VEC = FormatSpec("word2vec", text.sniff_word2vec, text.stream_word2vec, text.write_word2vec, one_pass=True)

FORMAT_TABLE: dict[str, FormatSpec] = {
    "glove": FormatSpec("glove", text.sniff_glove, text.stream_glove, text.write_glove, one_pass=True),
    "word2vec": _WORD2VEC,
    "fasttext": _WORD2VEC,  # fastText's .vec is word2vec text
    "word2vec-binary": FormatSpec(
        "word2vec-binary", word2vec_binary.sniff, word2vec_binary.stream, word2vec_binary.write, one_pass=True
    ),
    "fasttext-bin": FormatSpec("fasttext-bin", gensim_model.sniff_fasttext, gensim_model.stream_fasttext_bin),
    "gensim": FormatSpec(
        "gensim", gensim_model.sniff_gensim, gensim_model.stream_gensim, precheck=gensim_model.require_pickle_opt_in
    ),
    "embedkit": FormatSpec("embedkit", ekv.sniff, None, ekv.write, direct_read=True),
}
FORMATS = tuple(FORMAT_TABLE)
"""The format names :func:`~embedkit.load` and :func:`~embedkit.save` accept (``format=``)."""

# Output suffixes of a command that writes vectors, and the format each gets; anything else is embedkit's.
SUFFIX_FORMATS: dict[str, WriteFormat] = {
    ".txt": "word2vec",
    ".vec": "word2vec",
    ".bin": "word2vec-binary",
    ".gz": "word2vec",
}


def write_format_for(path: str | os.PathLike) -> WriteFormat:
    """The format a file named ``path`` is written in: ``.txt``, ``.vec`` and ``.gz`` word2vec text,
    ``.bin`` word2vec binary, anything else ``embedkit``.

    >>> write_format_for("out/vectors.bin"), write_format_for("v.TXT"), write_format_for("v.ekv")
    ('word2vec-binary', 'word2vec', 'embedkit')
    """
    return SUFFIX_FORMATS.get(Path(path).suffix.lower(), "embedkit")
