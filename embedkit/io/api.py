"""The entry points: :func:`load`, :func:`save` and :func:`resolve_vectors`.

Both dispatch through :data:`~embedkit.io.formats.FORMAT_TABLE`. Text and word2vec binary files
are parsed in chunks and their rows written straight into the cache file as they come
(:mod:`embedkit.io.cache`), so converting a file larger than memory needs memory for one chunk and
the word list only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .._fs import input_kind
from ..errors import InvalidArgumentError, MissingFileError, NonFiniteValueError, VectorFileError
from ..progress import LazyProgress, progress_bar
from ..vectors import Vectors
from .cache import cache_path, file_identity, fill_from, load_cached
from .detect import detect, detect_format
from .ekv import read_ekv
from .formats import FORMAT_TABLE, FORMATS, Dtype, Errors, Format, WriteFormat
from .named import DEFAULT_VECTORS, lookup, registered_names
from .sinks import DTYPES, MemorySink, Sink
from .source import ReadOptions, open_stream

__all__ = ["load", "resolve_vectors", "save"]


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
    progress: bool = False,
) -> Vectors:
    """Load word vectors from a registered name or a file.

    Text and word2vec binary files are parsed in chunks, straight into the memory-mapped
    cache: peak memory stays bounded by a chunk plus the word list, however large the file
    (the 3,000,000 x 300 GoogleNews-sized matrix takes 3.6 GB on disk, not in memory).

    Parameters
    ----------
    source:
        A registered name (see :func:`~embedkit.io.named.registered_names`; default ``"glove-6b-50d"``) or a path.
        ``"-"``, ``/dev/stdin`` and ``/dev/fd/N`` (a shell's ``<(zcat f.gz)``) may be pipes: they
        are read exactly once, into memory, and not cached (compressed streams too; a fastText
        ``.bin``, gensim or ``.ekv`` file needs random access, so it is refused from a pipe). Any
        other path must be a regular file: a named pipe, device or folder is refused at once
        (an ``os.stat`` before any ``open``, so a FIFO nobody writes to cannot hang the call).
    format:
        ``"auto"`` (recognise it from the content) or one of :data:`~embedkit.io.formats.FORMATS`.
    limit:
        Read only the first ``limit`` vectors (files are in frequency order).
    encoding, errors:
        How words are decoded. ``errors="replace"`` reads past invalid bytes the way gensim's
        ``unicode_errors`` does; ``"strict"`` raises :class:`VectorFileError` naming the line.
    cache:
        Keep a parsed copy (keyed by path, size, modification time, status-change time and
        inode, so that a file replaced by ``cp -p``, ``rsync -t`` or ``tar x`` with the same size
        and modification time is re-read; written atomically) in :func:`~embedkit.io.cache.cache_dir` and memory-map
        it on later loads. Without it the whole matrix is built in memory.
    allow_pickle:
        Allow gensim's native (pickle) files, which can run code when loaded.
    dtype:
        ``"float32"`` or ``"float16"``, which halves the cache and the memory it maps (values
        round to about 3 significant digits; analysis still computes in float32). The default,
        ``None``, is float32, except that an ``.ekv`` file keeps the storage it was saved with.
    verify:
        How much of an ``.ekv`` file (given, or the cache) is checked on load. The structure and
        the SHA-256 of the header and key list are always checked. The checksum (XXH3-64) of the matrix is
        checked when ``True``, or when ``None`` (the default) and the matrix is at most
        :data:`~embedkit.io.ekv.VERIFY_MAX_BYTES`; ``False`` skips it. Values were checked finite when the file
        was written and the checksum covers them since. A damaged cache is rebuilt; a damaged
        file given by path raises :class:`VectorFileError`.
    progress:
        Count the vectors parsed on stderr (a bar on a terminal, lines in a log) once parsing has run
        :data:`~embedkit.progress.PROGRESS_DELAY` seconds; loads from the cache parse nothing.

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
        raise InvalidArgumentError(f"limit must be >= 0, got {limit}")
    if errors not in ("strict", "replace", "ignore"):
        raise InvalidArgumentError(f"errors must be 'strict', 'replace' or 'ignore', got {errors!r}")
    if dtype is not None and dtype not in DTYPES:
        raise InvalidArgumentError(f"dtype must be 'float32' or 'float16', got {dtype!r}")
    if format != "auto" and format not in FORMATS:
        raise InvalidArgumentError(f"unknown format {format!r}; expected 'auto' or one of {', '.join(FORMATS)}")
    if os.fspath(source) == "":
        raise InvalidArgumentError("the vector source is empty: give a registered name (e.g. glove-6b-50d) or a path")
    # Made at the first block parsed: a load served by the cache shows nothing.
    with LazyProgress(desc=f"reading {source}", unit=" vectors", unit_scale=True, enabled=progress) as bar:
        return _load(source, format, limit, encoding, errors, cache, allow_pickle, dtype, verify, bar.update)


def _load(
    source: str | os.PathLike,
    format: Format,
    limit: int | None,
    encoding: str,
    errors: Errors,
    cache: bool,
    allow_pickle: bool,
    dtype: Dtype | None,
    verify: bool | None,
    on_rows: Callable[[int], object],
) -> Vectors:
    """:func:`load` once its arguments are checked; ``on_rows`` counts the vectors parsed."""
    requested, dtype = dtype, dtype or "float32"
    dt = [] if dtype == "float32" else [dtype]  # float32 caches keep their original keys
    named = lookup(source) if isinstance(source, str) else None
    if named is not None:
        identity, build, fmt = named
        return load_cached(
            [*identity(), *dt],
            _counted(fill_from(build), on_rows),
            source=str(source),  # a str: only a str names a registered set
            fmt=fmt,
            limit=limit,
            cache=cache,
            dtype=dtype,
            verify=verify,
        )
    path = Path(source)
    try:
        kind = input_kind(source)
    except FileNotFoundError:
        names = ", ".join(sorted(registered_names()))
        raise MissingFileError(source, "vector file or registered name", hint=f"registered names: {names}") from None
    if kind == "stream":
        return _load_stream(
            path, format=format, limit=limit, encoding=encoding, errors=errors, dtype=dtype, on_rows=on_rows
        )
    spec = FORMAT_TABLE[detect_format(path) if format == "auto" else format]
    fmt = spec.name
    if spec.direct_read:
        return _load_direct(path, limit=limit, requested=requested, verify=verify)
    if spec.precheck is not None:  # before any cache is consulted (gensim's pickle opt-in)
        spec.precheck(path, ReadOptions(allow_pickle=allow_pickle))

    def fill(sink: Sink, lim: int | None = None) -> None:
        sink.on_rows = on_rows
        spec.stream(path, sink, ReadOptions(lim, encoding, errors, allow_pickle), None)  # type: ignore[misc]  # only direct-read formats lack a stream

    ident = ["file", fmt, encoding, errors, *file_identity(path), *dt]
    if limit is not None and not (cache and cache_path(ident).exists()):
        sink = MemorySink(path, dtype)
        fill(sink, limit)
        keys, matrix = sink.result()
        return Vectors(keys, matrix, source=str(path), format=fmt)
    return load_cached(
        ident, fill, source=str(path), fmt=fmt, limit=limit, cache=cache, dtype=dtype, path=path, verify=verify
    )


def _load_direct(path: Path, *, limit: int | None, requested: Dtype | None, verify: bool | None) -> Vectors:
    """An ``.ekv`` file read as it is: memory-mapped, checked, converted only if another dtype is asked for."""
    keys, matrix, _, check = read_ekv(path, limit=limit, verify=verify)
    if requested is not None and matrix.dtype != np.dtype(DTYPES[requested]):
        check()
        matrix = matrix.astype(DTYPES[requested])
    v = Vectors(keys, matrix, source=str(path), format="embedkit")
    check()
    return v


def _counted(fill: Callable[[Sink], None], on_rows: Callable[[int], object]) -> Callable[[Sink], None]:
    """``fill`` with every block it passes to the sink counted by ``on_rows``."""

    def counted(sink: Sink) -> None:
        sink.on_rows = on_rows
        fill(sink)

    return counted


def _load_stream(
    path: Path,
    *,
    format: str,
    limit: int | None,
    encoding: str,
    errors: str,
    dtype: Dtype,
    on_rows: Callable[[int], object] | None = None,
) -> Vectors:
    """Read a one-pass input (standard input, a pipe) exactly once, into memory: a pipe has no
    identity to cache it by, and reading it again would find other data or none."""
    f, head = open_stream(path)
    with f:
        spec = FORMAT_TABLE[detect(head, path) if format == "auto" else format]
        fmt = spec.name
        if not spec.one_pass:
            raise VectorFileError(
                path,
                f"a {fmt} file cannot be read from a pipe or standard input (it is read with random "
                "access); save it to a file first",
            )
        sink = MemorySink(path, dtype)
        sink.on_rows = on_rows
        spec.stream(path, sink, ReadOptions(limit, encoding, errors), f)  # type: ignore[misc]  # one-pass formats all stream
        keys, matrix = sink.result()
    return Vectors(keys, matrix, source=str(path), format=fmt)


def save(
    vectors: Vectors,
    path: str | os.PathLike,
    *,
    format: WriteFormat = "embedkit",
    dtype: Dtype | None = None,
    progress: bool = False,
) -> Path:
    """Write ``vectors`` to ``path`` in ``format``, atomically.

    A ``.gz``, ``.bz2`` or ``.xz`` suffix compresses text and binary formats. Text formats
    write each value in the shortest form that reads back to the same float32. ``dtype``
    (``"float32"`` or ``"float16"``; default: the matrix's own) is the storage of the
    ``embedkit`` format. ``progress`` counts the vectors written on stderr (a bar on a
    terminal, lines in a log) once writing has run :data:`~embedkit.progress.PROGRESS_DELAY` seconds.

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
    spec = FORMAT_TABLE.get(format) if isinstance(format, str) else None
    if spec is None or spec.write is None:
        raise InvalidArgumentError(
            f"cannot write format {format!r}; expected glove, word2vec, fasttext, word2vec-binary or embedkit"
        )
    with progress_bar(
        desc=f"writing {path.name}", total=len(vectors), unit=" vectors", unit_scale=True, enabled=progress
    ) as bar:
        spec.write(vectors, path, format=format, dtype=dtype, progress=bar.update)
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


def resolve_vectors(
    spec: Vectors | str | os.PathLike | None, *, limit: int | None = None, progress: bool = False
) -> Vectors:
    """``spec`` as vectors: a :class:`~embedkit.Vectors` as it is, ``None`` as the default set
    (:data:`~embedkit.io.named.DEFAULT_VECTORS`), a registered name or a path through :func:`load`
    (its first ``limit`` vectors when ``limit`` is given; ``progress`` as for :func:`load`).

    >>> v = Vectors(["a", "b"], np.eye(2))
    >>> resolve_vectors(v) is v
    True
    """
    if isinstance(spec, Vectors):
        return spec if limit is None else spec.most_frequent(limit)
    return load(spec if spec is not None else DEFAULT_VECTORS, limit=limit, progress=progress)
