"""Opening inputs: decompression, one-pass streams (pipes, standard input), reading in chunks, and
the small parsing helpers every reader shares.

Compression (gzip, bzip2, xz) is recognised from the content. Regular files are opened once with
:func:`open_binary`; a one-pass input (``-``, ``/dev/fd/N``) with :func:`open_stream`, which reads
every byte exactly once (the sniffed heads are replayed through :class:`Prefixed`). A reader takes
its bytes from a :class:`Source`, :data:`CHUNK` bytes at a time (read when each :class:`Source`
is made, so that tests may shrink it).
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np

from .._fs import file_error
from ..errors import VectorFileError

__all__ = [
    "CHUNK",
    "DECOMPRESS_ERRORS",
    "HEADER_RE",
    "OPENERS",
    "Prefixed",
    "ReadOptions",
    "Source",
    "check_finite",
    "compression_of",
    "decode_words",
    "is_float",
    "open_binary",
    "open_stream",
    "read_all",
    "read_head",
]

HEADER_RE = re.compile(rb"^\s*(\d+)\s+(\d+)\s*$")  # word2vec's "count dim" header line
CHUNK = 1 << 25  # bytes of (decompressed) input parsed at a time
# What a corrupt compressed stream raises while it is read.
DECOMPRESS_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error)


@dataclass(frozen=True)
class ReadOptions:
    """How a reader reads: the first ``limit`` vectors (``None``: all), how words are decoded, and
    whether pickles (gensim's native files) may be loaded."""

    limit: int | None = None
    encoding: str = "utf-8"
    errors: str = "strict"
    allow_pickle: bool = False


# --------------------------------------------------------------------------------------------
# opening files


def compression_of(head: bytes) -> str | None:
    """``"gzip"``, ``"bz2"`` or ``"xz"`` when ``head`` (a file's first bytes) starts a compressed stream."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    return None


# Decompressing readers over an open file object (they do not close it; see Prefixed).
OPENERS: dict[str, Callable] = {
    "gzip": lambda f: gzip.GzipFile(fileobj=f, mode="rb"),
    "bz2": lambda f: bz2.BZ2File(f, "rb"),
    "xz": lambda f: lzma.LZMAFile(f, "rb"),  # noqa: SIM115  (the caller owns and closes it)
}


def open_binary(path: Path):
    """``path`` opened once for reading, decompressed if its content is compressed."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    except OSError as exc:
        raise file_error(path, exc) from None
    head = f.read(8)
    f.seek(0)
    comp = compression_of(head)
    if comp is None:
        return f
    return io.BufferedReader(Prefixed(b"", OPENERS[comp](f), also=(f,)), 1 << 20)


class Prefixed(io.RawIOBase):
    """``head`` and then the rest of ``f``: a one-pass stream can be sniffed and still be read
    from its start."""

    def __init__(self, head: bytes, f, *, also: tuple = ()) -> None:
        self._head = memoryview(head)
        self._f = f
        self._also = also  # what closing closes too (a decompressor does not close its input)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self._head.nbytes:
            n = min(len(b), self._head.nbytes)
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        return self._f.readinto(b)

    def close(self) -> None:
        if not self.closed:
            self._f.close()
            for f in self._also:
                f.close()
        super().close()


def read_head(f, n: int) -> bytes:
    """Up to ``n`` bytes from ``f`` (fewer only at its end: a pipe returns what it holds)."""
    parts, got = [], 0
    while got < n:
        b = f.read(n - got)
        if not b:
            break
        parts.append(b)
        got += len(b)
    return b"".join(parts)


def open_stream(path: Path) -> tuple[io.BufferedReader, bytes]:
    """A one-pass input (standard input, a pipe), decompressed if compressed, and its first
    64 KiB for format detection. Every byte is read exactly once: the sniffed heads are
    replayed through :class:`Prefixed`."""
    name = str(path)
    try:
        raw = open(os.dup(0) if name == "-" else name, "rb", buffering=0)  # noqa: SIM115 - closed with the reader
    except OSError as exc:
        raise file_error(path, exc) from None
    try:
        head = read_head(raw, 8)
        f = inner = io.BufferedReader(Prefixed(head, raw), 1 << 20)
        comp = compression_of(head)
        if comp is not None:
            f = OPENERS[comp](inner)
        head = read_head(f, 1 << 16)
    except DECOMPRESS_ERRORS as exc:
        raw.close()
        raise VectorFileError(path, f"cannot decompress: {exc}") from None
    return io.BufferedReader(Prefixed(head, f, also=(inner,) if f is not inner else ()), 1 << 20), head


def read_all(path: Path, max_bytes: int = -1) -> bytes:
    """The (decompressed) content of ``path``; a corrupt compressed stream is a VectorFileError."""
    with open_binary(path) as f:
        try:
            return f.read(max_bytes)
        except DECOMPRESS_ERRORS as exc:
            raise VectorFileError(path, f"cannot decompress: {exc}") from None


class Source:
    """The decompressed bytes of a file, read in chunks; a corrupt stream is a VectorFileError."""

    def __init__(self, path: Path, chunk: int | None = None, *, f=None) -> None:
        self.path = path
        self.chunk = chunk or CHUNK
        self.eof = False
        self.f = open_binary(path) if f is None else f

    def read(self) -> bytes:
        if self.eof:
            return b""
        try:
            b = self.f.read(self.chunk)
        except DECOMPRESS_ERRORS as exc:
            raise VectorFileError(self.path, f"cannot decompress: {exc}") from None
        if not b:
            self.eof = True
        return b

    def first(self, *, text: bool = False) -> bytes:
        """The first chunk; a file that holds only white space is refused as empty. ``text``: a
        UTF-8 byte-order mark at the start is dropped (a text reader's first line follows it)."""
        buf = self.read()
        if text:
            while len(buf) < len(codecs.BOM_UTF8) and not self.eof:
                buf += self.read()
            buf = buf.removeprefix(codecs.BOM_UTF8)
        while not buf.strip() and not self.eof:
            buf += self.read()
        if not buf.strip():
            raise VectorFileError(self.path, "the file is empty")
        return buf

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.f.close()


# --------------------------------------------------------------------------------------------
# helpers of every parser


def is_float(tok: bytes) -> bool:
    """Whether ``tok`` parses as a Python float."""
    try:
        float(tok)
    except ValueError:
        return False
    return True


def decode_words(raw: list[bytes], path: Path, encoding: str, errors: str, first_line: int, *, binary_offsets=None):
    """``raw`` decoded; a word that cannot be decoded is a VectorFileError naming its line (text)
    or byte offset (``binary_offsets``, one per word)."""
    try:
        return [w.decode(encoding, errors) for w in raw]
    except UnicodeDecodeError:
        for i, w in enumerate(raw):
            try:
                w.decode(encoding, errors)
            except UnicodeDecodeError as exc:
                problem = (
                    f"bytes not valid in {encoding} in the word {w!r} ({exc.reason}); "
                    "pass errors='replace' to read past them"
                )
                if binary_offsets is not None:
                    raise VectorFileError(path, problem, offset=int(binary_offsets[i])) from None
                raise VectorFileError(path, problem, line=first_line + i) from None
        raise  # pragma: no cover


def check_finite(matrix: np.ndarray, path: Path, where: Callable[[int], dict]) -> None:
    """Refuse NaN and infinity; ``where(row)`` gives the place (``line=`` or ``offset=``) of a bad row."""
    finite = np.isfinite(matrix)
    if not finite.all():
        r, c = np.argwhere(~finite)[0]
        raise VectorFileError(path, f"value {matrix[r, c]} (not finite) in column {c + 1}", **where(int(r)))
