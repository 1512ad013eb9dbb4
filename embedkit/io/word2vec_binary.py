"""word2vec's binary format: a ``count dim`` header line, then per word the word, a space and
``dim`` little-endian float32 (word2vec's C tool ends each vector with a newline, which is skipped).

Read in chunks (:class:`~embedkit.io.source.Source`); every error names the byte offset.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import VectorFileError
from ..vectors import Vectors
from .sinks import Sink, check_writable_words, open_output
from .source import HEADER_RE, ReadOptions, Source, check_finite, decode_words

__all__ = ["sniff", "stream", "stream_source", "write"]

WRITE_STEP = 1 << 15  # rows written at a time


def sniff(head: bytes) -> bool:
    """A ``count dim`` header line (tried after word2vec text: what follows is not text)."""
    nl = head.find(b"\n")
    return nl >= 0 and HEADER_RE.match(head[:nl]) is not None


def stream(path: Path, sink: Sink, opts: ReadOptions, f=None) -> None:
    """Parse a word2vec binary file (``f``: the already-open input of a pipe) into ``sink``."""
    with Source(path, f=f) as src:
        stream_source(src, path, sink, limit=opts.limit, encoding=opts.encoding, errors=opts.errors)


def stream_source(src: Source, path: Path, sink: Sink, *, limit: int | None, encoding: str, errors: str) -> None:
    """Parse a word2vec binary file chunk by chunk into ``sink``; errors name the byte offset."""
    buf = src.first()
    nl = buf.find(b"\n")
    first = buf[: nl if nl >= 0 else min(len(buf), 80)]
    m = HEADER_RE.match(first)
    if not m or nl < 0:
        raise VectorFileError(path, f"expected a 'count dim' header, got {first[:80]!r}", offset=0)
    count, dim = int(m.group(1)), int(m.group(2))
    if dim <= 0:
        raise VectorFileError(path, f"the header gives dimension {dim}", offset=0)
    sink.start(dim)
    n = count if limit is None else min(count, limit)
    width = 4 * dim
    base = 0  # the file offset of buf[0]
    pos = nl + 1
    i = 0
    while i < n:
        size = len(buf)
        find = buf.find
        mv = memoryview(buf)
        words: list[bytes] = []
        word_offsets: list[int] = []
        starts: list[int] = []
        rows = bytearray()
        more = False  # the next record runs past buf: read on
        while i < n:
            p = pos
            while p < size and buf[p] in (10, 13):  # word2vec's C tool ends each vector with '\n'
                p += 1
            sp = find(b" ", p, p + 10000)
            if sp < 0:
                if not src.eof and size - p < 10000:
                    more = True
                    break
                if p >= size:
                    raise VectorFileError(
                        path,
                        f"truncated: the header promises {count} vectors, the file ends after {i}",
                        offset=base + p,
                    )
                raise VectorFileError(path, "truncated or corrupt: no space after a word", offset=base + p)
            if sp + 1 + width > size:
                if not src.eof:
                    more = True
                    break
                raise VectorFileError(
                    path,
                    f"truncated: vector {i + 1} of {count} needs {width} bytes, {size - sp - 1} remain",
                    offset=base + sp + 1,
                )
            words.append(buf[p:sp])
            word_offsets.append(base + p)
            starts.append(base + sp + 1)
            rows += mv[sp + 1 : sp + 1 + width]
            pos = sp + 1 + width
            i += 1
        del mv
        if words:
            matrix = np.frombuffer(rows, dtype="<f4").reshape(len(words), dim).astype(np.float32, copy=False)
            check_finite(matrix, path, lambda r: {"offset": starts[r]})  # noqa: B023  (called here, at once)
            keys = decode_words(words, path, encoding, errors, 0, binary_offsets=word_offsets)
            sink.add(keys, matrix)
        if more:
            chunk = src.read()
            buf = buf[pos:] + chunk
            base += pos
            pos = 0
    if limit is None or limit >= count:
        rest = buf[pos:].strip(b"\r\n")
        while not rest and not src.eof:
            rest = src.read().strip(b"\r\n")
        if rest:
            raise VectorFileError(path, f"the header promises {count} vectors but more data follows", offset=base + pos)


def write(
    vectors: Vectors, path: Path, *, format: str, dtype: str | None, progress: Callable[[int], object] | None = None
) -> None:
    """Write ``vectors`` in word2vec's binary format; ``dtype`` is the ``embedkit`` format's and
    is not used here; ``progress`` is called with the rows of every block written."""
    keys = vectors.keys
    check_writable_words(keys, format)
    n, dim = vectors.shape
    with open_output(path) as out:
        out.write(f"{n} {dim}\n".encode())
        for s in range(0, n, WRITE_STEP):
            le = np.asarray(vectors.matrix[s : s + WRITE_STEP], dtype=np.float32).astype("<f4", copy=False)
            words = keys[s : s + WRITE_STEP]
            out.write(b"".join(w.encode("utf-8") + b" " + le[i].tobytes() + b"\n" for i, w in enumerate(words)))
            if progress is not None:
                progress(len(words))
