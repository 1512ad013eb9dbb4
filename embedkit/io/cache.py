"""The cache of parsed vector files: ``.ekv`` files under :func:`cache_dir`, named by a digest
of what identifies their source (:func:`file_identity` for a file), written atomically as the
source is parsed, and memory-mapped on later loads. Each entry records that identity too: an
entry that records another (another file's entry copied in its place) is rebuilt with a warning,
one that records none (written before embedkit recorded it) quietly; a damaged entry is rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .._fs import file_error
from ..errors import EmbedkitError, EmbedkitWarning, FileWriteError, VectorFileError
from ..vectors import Vectors
from .ekv import EkvWriter, read_ekv
from .formats import Dtype
from .sinks import MemorySink, Sink, feed

__all__ = ["CACHE_VERSION", "cache_dir", "cache_path", "file_identity", "fill_from", "load_cached"]

CACHE_VERSION = "2"  # 2: keyed by inode and ctime too; integrity checksums in the header


def cache_dir() -> Path:
    """Where parsed vector files are cached: ``$EMBEDKIT_CACHE``, else ``$XDG_CACHE_HOME/embedkit``,
    else ``~/.cache/embedkit``."""
    env = os.environ.get("EMBEDKIT_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "embedkit" if xdg else Path.home() / ".cache" / "embedkit"


def cache_path(parts: list[str]) -> Path:
    """The cache file of the source identified by ``parts``."""
    digest = hashlib.sha256("\x1f".join([CACHE_VERSION, *parts]).encode()).hexdigest()[:32]
    return cache_dir() / f"{digest}.ekv"


def file_identity(path: Path) -> list[str]:
    """What keys a file's cache: its path, size, modification time, and also its device, inode
    and status-change time, which ``cp -p``, ``rsync -t`` and ``tar x`` cannot carry over (they
    restore the modification time only), and no one can set without changing the clock."""
    try:
        st = path.stat()
    except OSError as exc:
        raise file_error(path, exc) from None
    return [
        str(path.resolve()),
        str(st.st_size),
        str(st.st_mtime_ns),
        str(st.st_ctime_ns),
        str(st.st_dev),
        str(st.st_ino),
    ]


def fill_from(build: Callable[[], tuple[list[str], np.ndarray]]) -> Callable[[Sink], None]:
    """A ``fill(sink)`` for :func:`load_cached` that passes ``build()``'s keys and matrix to the sink."""

    def fill(sink: Sink) -> None:
        keys, matrix = build()
        feed(sink, list(keys), matrix)

    return fill


def load_cached(
    ident: list[str],
    fill: Callable[[Sink], None],
    *,
    source: str,
    fmt: str,
    limit: int | None,
    cache: bool,
    dtype: Dtype = "float32",
    path: Path | None = None,
    verify: bool | None = None,
) -> Vectors:
    """The vectors ``fill(sink)`` produces: memory-mapped from the cache entry ``ident`` (built
    first, as ``fill`` runs, when absent or damaged), or, with ``cache=False`` or an unwritable
    cache folder, built in memory. ``path`` (default ``source``) names the input in errors."""
    target = cache_path(ident)
    where = path or source
    if cache and target.exists():
        try:
            keys, matrix, meta, check = read_ekv(target, limit=limit, verify=verify)
            recorded = meta.get("identity")
            if recorded == ident:
                v = Vectors(keys, matrix, source=source, format=meta.get("format", fmt))
                check()
                return v
            if recorded is not None:
                made_from = meta.get("source")
                then = " as it was then" if made_from == source else ""
                warnings.warn(
                    f"embedkit: the cache entry {target} does not match {str(where)!r} (it was made from "
                    f"{made_from!r}{then}); rebuilding it",
                    EmbedkitWarning,
                    stacklevel=3,
                )
        except (VectorFileError, ValueError, OSError):
            pass  # a damaged cache is rebuilt below
    if cache:
        try:
            writer = EkvWriter(target, {"format": fmt, "source": source, "identity": ident}, dtype, path=where)
            with writer:
                fill(writer)
        except OSError as exc:  # a read-only or full cache folder: parse into memory instead
            if isinstance(exc, EmbedkitError) and not isinstance(exc, FileWriteError):  # the input's fault
                raise
            reason = exc.problem if isinstance(exc, FileWriteError) else exc
            warnings.warn(f"embedkit: could not write the cache {target}: {reason}", RuntimeWarning, stacklevel=3)
        else:
            keys, matrix, _, _ = read_ekv(target, limit=limit, verify=False)  # checksummed as it was written
            return Vectors(keys, matrix, source=source, format=fmt)
    sink = MemorySink(where, dtype)
    fill(sink)
    keys, matrix = sink.result()
    if limit is not None:
        keys, matrix = keys[:limit], matrix[:limit]
    return Vectors(keys, matrix, source=source, format=fmt)
