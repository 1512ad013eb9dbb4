"""Text vector files: GloVe (no header) and word2vec / fastText ``.vec`` (a ``count dim`` header line).

Fields are separated by one space or one tab (``word<TAB>v1 v2 ...`` reads as ``word v1 v2 ...``);
a word cannot hold either, as in gensim, which splits on spaces only. A UTF-8 byte-order mark
before the first line is dropped, in reading and in recognising the format.

Reading is chunked (:class:`~embedkit.io.source.Source`): each piece of whole lines goes through
pyarrow's multi-threaded CSV parser, or, if anything is unusual in it, through the line-by-line
parser that names the line of the first problem. Writing prints every float32 in its shortest
round-trip form.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from ..errors import VectorFileError
from ..vectors import Vectors
from .sinks import Sink, check_writable_words, open_output
from .source import HEADER_RE, ReadOptions, Source, check_finite, decode_words, is_float

__all__ = [
    "looks_like_text",
    "sniff_glove",
    "sniff_word2vec",
    "stream_glove",
    "stream_text",
    "stream_word2vec",
    "write_glove",
    "write_text",
    "write_word2vec",
]

WRITE_STEP = 1 << 15  # rows formatted at a time
FIELD_SEP = re.compile(rb"[ \t]")  # what separates a word and its values


# --------------------------------------------------------------------------------------------
# recognising text


def looks_like_text(b: bytes) -> bool:
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


def sniff_word2vec(head: bytes) -> bool:
    """A ``count dim`` header line, then a row of ``dim`` numbers or anything that reads as text
    (text whose first row cannot be parsed still reads as text, so that the error names it)."""
    head = head.removeprefix(codecs.BOM_UTF8)
    nl = head.find(b"\n")
    if nl < 0:
        return False
    m = HEADER_RE.match(head[:nl])
    if not m:
        return False
    dim = int(m.group(2))
    rest = head[nl + 1 :]
    nl2 = rest.find(b"\n")
    line = rest[: nl2 if nl2 >= 0 else len(rest)].rstrip()
    toks = FIELD_SEP.split(line)
    if len(toks) == dim + 1 and all(is_float(t) for t in toks[1:]):
        return True
    return b"\x00" not in rest[: 4 * dim + 256] and looks_like_text(rest)


def sniff_glove(head: bytes) -> bool:
    """A first line of a word and numbers, or any text (reading it will say exactly what is wrong)."""
    head = head.removeprefix(codecs.BOM_UTF8)
    nl = head.find(b"\n")
    first = head[: nl if nl >= 0 else len(head)]
    toks = FIELD_SEP.split(first.rstrip())
    if len(toks) >= 2 and all(is_float(t) for t in toks[1:]):
        return True
    return looks_like_text(head)


# --------------------------------------------------------------------------------------------
# reading


def stream_glove(path: Path, sink: Sink, opts: ReadOptions, f=None) -> None:
    """Parse a GloVe file (``f``: the already-open input of a pipe) into ``sink``."""
    with Source(path, f=f) as src:
        stream_text(src, path, sink, header=False, limit=opts.limit, encoding=opts.encoding, errors=opts.errors)


def stream_word2vec(path: Path, sink: Sink, opts: ReadOptions, f=None) -> None:
    """Parse a word2vec text file (``f``: the already-open input of a pipe) into ``sink``."""
    with Source(path, f=f) as src:
        stream_text(src, path, sink, header=True, limit=opts.limit, encoding=opts.encoding, errors=opts.errors)


def _line_pieces(src: Source, buf: bytes) -> Iterator[bytes]:
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


def _count_extra_lines(src: Source, tail: bytes) -> int:
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


def stream_text(
    src: Source, path: Path, sink: Sink, *, header: bool, limit: int | None, encoding: str, errors: str
) -> None:
    """Parse a text vector file chunk by chunk into ``sink``; exact errors name the line.

    Memory stays bounded by a chunk: each piece of whole lines goes through the fast parser
    (pyarrow) or, if anything is unusual in it, through the line-by-line one that names the line.
    """
    data = src.first(text=True)
    count = 0  # from the header; read only when there is one
    dim: int | None = None
    rest = data
    if header:
        nl = data.find(b"\n")
        first = data[: nl if nl >= 0 else len(data)]
        m = HEADER_RE.match(first)
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
            end = len(body.rstrip(b"\n\r \t"))
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


def _parse_text_part(
    part: bytes, path: Path, dim: int | None, first_line: int, sink: Sink, encoding: str, errors: str
) -> tuple[int, int]:
    """Parse whole lines (the first one is line ``first_line``) into ``sink``; returns the
    dimension and the number of lines (every line is a row: a blank one is an error)."""
    try:
        # A tab separates fields as a space does (pyarrow takes one delimiter).
        words, matrix = _read_text_fast(memoryview(part.replace(b"\t", b" ") if b"\t" in part else part), dim)
    except _FastPathFailed:
        words, matrix = _read_text_slow(memoryview(part.rstrip(b"\n\r \t")), path, dim, first_line)
    check_finite(matrix, path, lambda r: {"line": first_line + r})
    keys = decode_words(words, path, encoding, errors, first_line)
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

    if body[:3] == codecs.BOM_UTF8:  # pyarrow would drop it; here it starts a word (the file's own went before)
        raise _FastPathFailed
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
            pa.py_buffer(body),  # type: ignore[arg-type]  # pyarrow reads a Buffer; its stubs list only files
            read_options=pcsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pcsv.ParseOptions(
                delimiter=" ",
                quote_char=False,
                escape_char=False,
                double_quote=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=types, null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        raise _FastPathFailed from None
    if trailing and table.column("t").null_count == 0:
        import pyarrow.compute as pc

        if not pc.all(pc.equal(pc.binary_length(table.column("t")), 0)).as_py():  # type: ignore[call-overload]  # an int is a scalar
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
        line = line.rstrip(b"\r").rstrip(b" \t")
        if not line.strip():
            raise VectorFileError(path, "empty line", line=lineno)
        toks = FIELD_SEP.split(line)
        if dim is None:
            dim = len(toks) - 1
            if dim < 1:
                raise VectorFileError(path, f"a word with no values: {line[:80]!r}", line=lineno)
        if len(toks) != dim + 1:
            raise VectorFileError(path, f"expected a word and {dim} values, found {len(toks) - 1} values", line=lineno)
        try:
            vals = [float(t) for t in toks[1:]]
        except ValueError:
            bad = next(t for t in toks[1:] if not is_float(t))
            shown = bad.decode("utf-8", "replace")
            raise VectorFileError(
                path,
                f"value {shown!r} is not a number" if shown else "empty value (two spaces or tabs in a row?)",
                line=lineno,
            ) from None
        words.append(toks[0])
        rows.append(vals)
    matrix = np.asarray(rows, dtype=np.float64).astype(np.float32).reshape(len(rows), dim or 0)
    return words, matrix


# --------------------------------------------------------------------------------------------
# writing


def write_text(
    vectors: Vectors, path: Path, *, format: str, header: bool, progress: Callable[[int], object] | None = None
) -> None:
    """Write ``vectors`` as text, with a ``count dim`` header line when ``header``; ``format``
    names the format in errors; ``progress`` is called with the rows of every block written."""
    keys = vectors.keys
    check_writable_words(keys, format)
    n, dim = vectors.shape
    with open_output(path) as out:
        out.write(f"{n} {dim}\n".encode() if header else b"")
        for s in range(0, n, WRITE_STEP):
            block = np.asarray(vectors.matrix[s : s + WRITE_STEP], dtype=np.float32)
            out.write(_format_text_block(keys[s : s + WRITE_STEP], block))
            if progress is not None:
                progress(len(block))


def write_glove(
    vectors: Vectors, path: Path, *, format: str, dtype: str | None, progress: Callable[[int], object] | None = None
) -> None:
    """Write GloVe text (no header); ``dtype`` is the ``embedkit`` format's and is not used here."""
    write_text(vectors, path, format=format, header=False, progress=progress)


def write_word2vec(
    vectors: Vectors, path: Path, *, format: str, dtype: str | None, progress: Callable[[int], object] | None = None
) -> None:
    """Write word2vec text (``count dim`` header); ``dtype`` is not used here."""
    write_text(vectors, path, format=format, header=True, progress=progress)


def _format_text_block(words: list[str], block: np.ndarray) -> bytes:
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(words) == 0:
        return b""
    # Arrow prints each float32 in its shortest round-trip form, vectorised.
    cols = [pa.array(words, pa.string())] + [pa.array(block[:, j]).cast(pa.string()) for j in range(block.shape[1])]
    lines = pc.binary_join_element_wise(*cols, " ")
    return ("\n".join(lines.to_pylist()) + "\n").encode("utf-8")
