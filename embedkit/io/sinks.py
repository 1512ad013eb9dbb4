"""Where rows go: a :class:`Sink` receives parsed blocks in file order (into memory, or straight
into an ``.ekv`` file, :class:`~embedkit.io.ekv.EkvWriter`), and :func:`open_output` is the
(compressed) output file of the text and binary writers.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

import numpy as np

from .._fs import atomic_write
from ..errors import DataError, NonFiniteValueError

__all__ = ["DTYPES", "MemorySink", "Sink", "check_writable_words", "feed", "open_output"]

DTYPES = {"float32": np.float32, "float16": np.float16}


class Sink:
    """Receives parsed blocks of ``(keys, float32 rows)`` in file order.

    Repeated words keep their first vector, as word2vec readers (gensim's too) do; the others
    are dropped as they arrive, with one warning at the end. ``on_rows`` (if set) is called with
    the number of rows of every block received (a progress bar's ``update``).
    """

    on_rows: Callable[[int], object] | None = None

    def __init__(self, path: Path | str, dtype: str = "float32") -> None:
        self.source_path = path
        self.dtype = np.dtype(DTYPES[dtype])
        self.keys: list[str] = []
        self.dim: int | None = None
        self.rows_read = 0
        self._seen: set[str] = set()
        self._dups = 0

    def start(self, dim: int | None) -> None:
        self.dim = dim

    def _write(self, block: np.ndarray) -> None:
        """Store one block of rows (each subclass keeps them its own way)."""
        raise NotImplementedError

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
        if self.on_rows is not None:
            self.on_rows(len(keys))
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
        if keys:
            with np.errstate(over="ignore"):
                block = matrix.astype(self.dtype, copy=False)
            if self.dtype == np.float16 and not np.isfinite(block).all():
                raise DataError(f"{self.source_path}: values beyond float16's range (+-65504); keep float32")
            self.keys.extend(keys)
            self._write(block)

    def warn_dups(self) -> None:
        if self._dups:
            warnings.warn(
                f"embedkit: {self.source_path}: {self._dups} repeated words; kept the first of each",
                RuntimeWarning,
                stacklevel=4,
            )


class MemorySink(Sink):
    """Keeps the blocks in memory; :meth:`result` joins them."""

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


def feed(sink: Sink, keys: list[str], matrix: np.ndarray, step: int = 1 << 16) -> None:
    """Pass an in-memory (or memory-mapped) matrix to ``sink`` block by block."""
    sink.start(int(matrix.shape[1]))
    for s in range(0, len(keys), step):
        sink.add(list(keys[s : s + step]), np.asarray(matrix[s : s + step], dtype=np.float32))


# --------------------------------------------------------------------------------------------
# output files of the text and binary writers


def check_writable_words(keys: list[str], format: str) -> None:
    """Refuse a word the ``format`` (text or word2vec binary) cannot hold: empty or with white space."""
    bad = next(
        (
            k
            for k in keys
            if not k or any(ch in k for ch in " \n\r\t") or (format != "word2vec-binary" and k.strip() != k)
        ),
        None,
    )
    if bad is not None:
        raise DataError(f"the word {bad!r} cannot be written in {format} format (empty or containing white space)")


@contextlib.contextmanager
def open_output(path: Path) -> Iterator[BinaryIO]:
    """``path`` written atomically, compressed when its suffix is ``.gz``, ``.bz2`` or ``.xz``."""
    openers: dict[str, Callable[..., Any]] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
    opener = openers.get(path.suffix.lower())
    with atomic_write(path) as raw:
        out = cast(BinaryIO, opener(raw, "wb") if opener else raw)  # atomic_write(path) opens "wb"
        try:
            yield out
        finally:
            if opener:
                out.close()
