"""The one core object: words and a float32 matrix whose rows align with them."""

from __future__ import annotations

import mmap
import string
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ._deps import require
from .errors import DataError, InvalidArgumentError, UnknownWordError

if TYPE_CHECKING:  # pragma: no cover
    import torch
    from gensim.models import KeyedVectors

__all__ = ["Vectors"]

_ALPHABET = string.ascii_lowercase + "-'"


def row_norms(block: np.ndarray) -> np.ndarray:
    """The L2 norm of every row of a float32 block: float32 as ``np.linalg.norm``, except that
    rows whose squares overflow float32 (values above about 1e19) get their true norm from
    float64 (the result is then float64) instead of ``inf`` and an overflow warning."""
    b = np.asarray(block, dtype=np.float32)
    with np.errstate(over="ignore"):
        n = np.linalg.norm(b, axis=1)
    bad = ~np.isfinite(n)
    if bad.any():
        n = n.astype(np.float64)
        big = b[bad].astype(np.float64)
        n[bad] = np.sqrt(np.einsum("ij,ij->i", big, big))
    return n


def first_rows(keys: Sequence[str]) -> dict[str, int]:
    """Each distinct key to the first row it stands at (in frequency order, its most frequent form)."""
    # Filled in reverse, so the first row of a key is written last and wins.
    return dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))


def _readonly(a: np.ndarray) -> np.ndarray:
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


class Vectors:
    """Word vectors: ``keys`` (the words, in file order) and ``matrix`` (float32, one row per key;
    float16 where it was stored so, e.g. ``load(..., dtype="float16")``, and analysis still computes
    in float32).

    A ``Vectors`` never changes once made: the matrix is read-only (memory-mapped where it came
    from a cache), derived values such as the key-to-row dict and the unit-normalised matrix are
    computed once on first use, and every operation returns a new object.

    Parameters
    ----------
    keys:
        The words. They must be unique.
    matrix:
        A ``(len(keys), dim)`` array; converted to float32 (a float32 array is used as it is,
        through a read-only view).
    source, format:
        Where the vectors came from and in which format (informational).

    Examples
    --------
    >>> import numpy as np
    >>> v = Vectors(["a", "b"], np.array([[1.0, 0.0], [0.0, 2.0]]))
    >>> len(v), v.dim, "a" in v
    (2, 2, True)
    >>> v["b"].tolist()
    [0.0, 2.0]
    """

    def __init__(
        self,
        keys: Sequence[str],
        matrix: np.ndarray,
        *,
        source: str | None = None,
        format: str | None = None,
    ) -> None:
        matrix = np.asarray(matrix)
        if matrix.dtype not in (np.float32, np.float16):  # float16: compact storage, computed in float32
            matrix = matrix.astype(np.float32)
        if matrix.ndim != 2:
            raise InvalidArgumentError(f"matrix must be 2-D, got shape {matrix.shape}")
        keys = tuple(keys)  # immutable, so keys_view can hand it out without a copy
        if len(keys) != matrix.shape[0]:
            raise DataError(f"{len(keys)} keys but the matrix has {matrix.shape[0]} rows")
        self._keys = keys
        self._matrix = _readonly(matrix)
        self.source = source
        self.format = format
        if len(self.index) != len(keys):
            seen: set[str] = set()
            dups = [k for k in keys if k in seen or seen.add(k)]  # type: ignore[func-returns-value]  # add() is None: records k
            raise DataError(f"duplicate keys: {dups[:10]!r}" + (" ..." if len(dups) > 10 else ""))

    # -- basic container protocol ------------------------------------------------------------
    @property
    def keys(self) -> list[str]:
        """The words, in file (usually frequency) order. A copy: changing it changes nothing."""
        return list(self._keys)

    @property
    def keys_view(self) -> Sequence[str]:
        """The words, read-only and without a copy (a tuple): for code that only reads them.

        >>> import numpy as np
        >>> Vectors(["a", "b"], np.zeros((2, 1))).keys_view[1:]
        ('b',)
        """
        return self._keys

    @property
    def matrix(self) -> np.ndarray:
        """The ``(len, dim)`` float32 matrix, read-only."""
        return self._matrix

    @property
    def dim(self) -> int:
        """The number of dimensions."""
        return int(self._matrix.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        """``(words, dimensions)``, as the matrix's shape."""
        return (len(self._keys), self.dim)

    @property
    def nbytes(self) -> int:
        """Bytes taken by the matrix (on disk, for a memory-mapped one)."""
        return int(self._matrix.nbytes)

    @property
    def is_memmap(self) -> bool:
        """Whether the matrix is memory-mapped from a file."""
        base: object = self._matrix
        while isinstance(base, np.ndarray):
            if isinstance(base, np.memmap):
                return True
            base = base.base
        return isinstance(base, mmap.mmap)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __getitem__(self, word: str) -> np.ndarray:
        """The read-only vector of ``word``; :class:`UnknownWordError` if it is not there."""
        return self._matrix[self.index_of(word)]

    def __repr__(self) -> str:
        src = f", source={self.source!r}" if self.source else ""
        return f"<Vectors {len(self)} x {self.dim}{src}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vectors):
            return NotImplemented
        return self._keys == other._keys and np.array_equal(self._matrix, other._matrix)

    __hash__ = None  # type: ignore[assignment]  # equal by value, so unhashable (the usual idiom)

    # -- derived values, computed once --------------------------------------------------------
    @cached_property
    def index(self) -> dict[str, int]:
        """The dict from word to row."""
        return dict(zip(self._keys, range(len(self._keys))))

    @cached_property
    def folded_index(self) -> dict[str, int]:
        """The dict from upper-cased word to the first row with that folded form (in frequency
        order, the most frequent casing): gensim's case-insensitive vocabulary. Among the first
        ``n`` rows, a folded word stands for its row here when that row is below ``n``."""
        return first_rows([k.upper() for k in self._keys])

    @cached_property
    def normalized(self) -> np.ndarray:
        """The unit-normalised matrix (rows of norm 1; a zero row stays zero), read-only.

        A float32 copy of the whole matrix: for vectors larger than memory use the blocked
        paths (``nearest_many`` normalises block by block from :attr:`norms` instead).
        """
        out = np.empty(self._matrix.shape, dtype=np.float32)
        step = 1 << 16
        for start in range(0, len(self), step):
            block = np.asarray(self._matrix[start : start + step], dtype=np.float32)
            norms = row_norms(block)[:, None]  # huge rows in float64: their squares overflow float32
            with np.errstate(invalid="ignore"):
                np.divide(block, norms, out=out[start : start + step], where=norms > 0)
            out[start : start + step][(norms == 0)[:, 0]] = 0.0
        return _readonly(out)

    @cached_property
    def norms(self) -> np.ndarray:
        """The L2 norm of every row (computed block by block, so a memory-mapped matrix is
        never copied whole)."""
        out = np.empty(len(self), dtype=np.float32)
        step = 1 << 16
        for start in range(0, len(self), step):
            block = np.asarray(self._matrix[start : start + step], dtype=np.float32)
            with np.errstate(over="ignore"):  # a norm above float32's range is clipped to its largest value
                out[start : start + step] = np.minimum(row_norms(block), np.finfo(np.float32).max)
        return _readonly(out)

    # -- lookup ---------------------------------------------------------------------------------
    def index_of(self, word: str) -> int:
        """The row of ``word``; :class:`UnknownWordError` (with close spellings) if absent."""
        try:
            return self.index[word]
        except (KeyError, TypeError):
            raise self._unknown([word]) from None

    def indices(self, words: Iterable[str]) -> np.ndarray:
        """The rows of ``words`` as an int64 array; the error names every unknown word."""
        words = list(words)
        index = self.index
        rows = [index.get(w, -1) for w in words]
        if -1 in rows:
            raise self._unknown([w for w, r in zip(words, rows) if r < 0])
        return np.asarray(rows, dtype=np.int64)

    def vectors(self, words: Iterable[str]) -> np.ndarray:
        """The ``(len(words), dim)`` matrix of ``words`` (a copy)."""
        return np.asarray(self._matrix[self.indices(words)])

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Close spellings of ``word`` that are in the vocabulary, most frequent first.

        Cheap by design: other casings and every string one edit away (deletion,
        transposition, replacement or insertion of a lower-case letter, ``-`` or ``'``)
        are looked up in the index; nothing scans the vocabulary.
        """
        if not isinstance(word, str) or not word:
            return []
        index = self.index
        cands = {word.lower(), word.upper(), word.title(), word.capitalize()}
        w = word.lower()
        splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
        cands.update(a + b[1:] for a, b in splits if b)
        cands.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
        cands.update(a + c + b[1:] for a, b in splits if b for c in _ALPHABET)
        cands.update(a + c + b for a, b in splits for c in _ALPHABET)
        cands.discard(word)
        found = sorted((index[c], c) for c in cands if c in index)
        return [c for _, c in found[:n]]

    def _unknown(self, words: Sequence[str]) -> UnknownWordError:
        return UnknownWordError(words, {w: self.suggest(w) for w in words[: UnknownWordError.SHOWN]})

    # -- new objects ------------------------------------------------------------------------------
    def subset(self, words: Iterable[str]) -> Vectors:
        """A new ``Vectors`` with only ``words``, in the order given (unknown words raise)."""
        words = list(words)
        rows = self.indices(words)
        return Vectors(words, np.asarray(self._matrix[rows]), source=self.source, format=self.format)

    def most_frequent(self, n: int) -> Vectors:
        """The first ``n`` words (files are in frequency order), sharing this matrix."""
        if n < 0:
            raise InvalidArgumentError(f"n must be >= 0, got {n}")
        if n >= len(self):
            return self
        return Vectors(self._keys[:n], self._matrix[:n], source=self.source, format=self.format)

    def with_matrix(self, matrix: np.ndarray) -> Vectors:
        """The same words with another matrix of the same number of rows."""
        return Vectors(self._keys, matrix, source=self.source, format=self.format)

    # -- conversion -------------------------------------------------------------------------------
    def to_gensim(self) -> KeyedVectors:
        """A gensim ``KeyedVectors`` with the same keys and a copy of the matrix."""
        from gensim.models import KeyedVectors

        kv = KeyedVectors(self.dim, count=0, dtype=np.float32)
        # Assigned directly: add_vectors checks every key against the vocabulary and re-stacks the
        # matrix, while this builds each part once (timing: docs/vectors.md#the-vectors-object).
        kv.index_to_key = list(self._keys)
        kv.key_to_index = dict(self.index)
        kv.vectors = np.array(self._matrix, dtype=np.float32)
        kv.norms = None
        return kv

    @classmethod
    def from_gensim(cls, kv: Any, *, source: str | None = None) -> Vectors:
        """A ``Vectors`` from a gensim ``KeyedVectors`` (or a model with a ``.wv``)."""
        kv = getattr(kv, "wv", kv)
        return cls(list(kv.index_to_key), np.array(kv.vectors, dtype=np.float32), source=source, format="gensim")

    def to_torch(self) -> torch.Tensor:
        """The matrix as a float32 ``torch.Tensor`` (a copy, safe to train)."""
        torch = require("torch", "nn", "Vectors.to_torch")
        return torch.from_numpy(np.array(self._matrix, dtype=np.float32))
