"""A :class:`Query` names two target sets and two attribute sets once (WEFE's good idea); it is resolved
against vectors here, where missing words are reported, never turned into a silent NaN.

Word sets also come from files: one word per line, or a TSV of set name and word.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .._fs import file_error, require_file
from ..errors import (
    DataError,
    DataFileError,
    EmbedkitWarning,
    FileIsADirectoryError,
    InvalidArgumentError,
    InvalidTypeError,
)
from ..vectors import Vectors
from .wordsets import weat_test

__all__ = ["MAX_MISSING", "Query", "ResolvedQuery", "read_word_pairs", "read_word_set", "read_word_sets"]

MAX_MISSING = 0.2
"""The default largest fraction of a set's words that may be missing from the vectors (dropped with a
warning); a set losing more is refused."""


def _check_words(words: Sequence[str], what: str) -> tuple[str, ...]:
    if isinstance(words, str):
        raise InvalidTypeError(f"{what} must be a list of words, not one string")
    out = tuple(str(w) for w in words)
    if not out:
        raise InvalidArgumentError(f"{what} is empty")
    return out


@dataclass(frozen=True)
class Query:
    """Two target sets (X, Y) and two attribute sets (A, B), with a name for each.

    >>> q = Query(["rose", "tulip"], ["ant", "wasp"], ["love", "joy"], ["hate", "war"])
    >>> q.names
    ('X', 'Y', 'A', 'B')
    """

    x: tuple[str, ...]
    y: tuple[str, ...]
    a: tuple[str, ...]
    b: tuple[str, ...]
    target_names: tuple[str, str] = ("X", "Y")
    attribute_names: tuple[str, str] = ("A", "B")
    name: str = "query"

    def __init__(
        self,
        x: Sequence[str],
        y: Sequence[str],
        a: Sequence[str],
        b: Sequence[str],
        *,
        target_names: tuple[str, str] = ("X", "Y"),
        attribute_names: tuple[str, str] = ("A", "B"),
        name: str = "query",
    ) -> None:
        object.__setattr__(self, "x", _check_words(x, "the first target set"))
        object.__setattr__(self, "y", _check_words(y, "the second target set"))
        object.__setattr__(self, "a", _check_words(a, "the first attribute set"))
        object.__setattr__(self, "b", _check_words(b, "the second attribute set"))
        names = (*target_names, *attribute_names)
        if len(target_names) != 2 or len(attribute_names) != 2 or len(set(names)) != 4:
            raise InvalidArgumentError(f"the four sets need four different names, got {list(names)}")
        object.__setattr__(self, "target_names", tuple(target_names))
        object.__setattr__(self, "attribute_names", tuple(attribute_names))
        object.__setattr__(self, "name", str(name))

    @classmethod
    def from_test(cls, name: str) -> Query:
        """The query of Caliskan et al.'s test ``name`` (``weat1`` .. ``weat10``)."""
        t = weat_test(name)
        return cls(t.x, t.y, t.a, t.b, target_names=t.target_names, attribute_names=t.attribute_names, name=name)

    @property
    def names(self) -> tuple[str, str, str, str]:
        """The four sets' names: targets X, Y, then attributes A, B."""
        return (*self.target_names, *self.attribute_names)

    @property
    def sets(self) -> tuple[tuple[str, ...], ...]:
        """The four word sets: targets X, Y, then attributes A, B."""
        return (self.x, self.y, self.a, self.b)

    def resolve(self, vectors: Vectors, *, max_missing: float = MAX_MISSING) -> ResolvedQuery:
        """The rows of each set's words in ``vectors``.

        A word not in the vectors is looked up lower-cased (case folding where the vectors are
        lower-case, as GloVe 6B). Words still missing are dropped with one :class:`EmbedkitWarning`
        naming them; a set that would lose more than ``max_missing`` of its words, or all of them, is
        refused with a :class:`~embedkit.errors.DataError` naming the missing words.
        """
        if not 0.0 <= max_missing <= 1.0:
            raise InvalidArgumentError(f"max_missing must be between 0 and 1, got {max_missing}")
        index = vectors.index
        rows: list[np.ndarray] = []
        found: list[tuple[str, ...]] = []
        missing: dict[str, list[str]] = {}
        for set_name, words in zip(self.names, self.sets):
            here: list[int] = []
            kept: list[str] = []
            lost: list[str] = []
            for w in words:
                r = index.get(w)
                if r is None:
                    r = index.get(w.lower())
                if r is None:
                    lost.append(w)
                else:
                    here.append(r)
                    kept.append(w)
            missing[set_name] = lost
            if lost and (not kept or len(lost) > max_missing * len(words)):
                why = "all its words" if not kept else f"{len(lost)} of {len(words)} words, more than {max_missing:g}"
                raise DataError(f"{self.name}: set {set_name!r} would lose {why}: missing {', '.join(map(repr, lost))}")
            rows.append(np.asarray(here, dtype=np.int64))
            found.append(tuple(kept))
        dropped = {k: v for k, v in missing.items() if v}
        if dropped:
            text = "; ".join(f"{k}: {', '.join(map(repr, v))}" for k, v in dropped.items())
            warnings.warn(
                f"{self.name}: dropped words missing from the vectors ({text})", EmbedkitWarning, stacklevel=2
            )
        return ResolvedQuery(self, tuple(found), tuple(rows), missing)


@dataclass(frozen=True)
class ResolvedQuery:
    """A query against one set of vectors: the words found in each set, their rows, and the words missing."""

    query: Query
    words: tuple[tuple[str, ...], ...]
    rows: tuple[np.ndarray, ...]
    missing: dict[str, list[str]] = field(default_factory=dict)


def _read_lines(path: str) -> list[tuple[int, str]]:
    require_file(path, "word file")  # one error for a missing file or a folder, as every reader gives
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise DataFileError(f"{path}, line {line}: not UTF-8 text (byte {exc.object[exc.start]:#04x})") from None
    except IsADirectoryError:
        raise FileIsADirectoryError(path, "is a directory, not a word file") from None
    except OSError as exc:
        raise file_error(path, exc) from None
    return [
        (i, line.strip()) for i, line in enumerate(text.splitlines(), 1) if line.strip() and not line.startswith("#")
    ]


def read_word_set(path: str) -> tuple[str, ...]:
    """The words of a file with one word per line (blank lines and lines starting with ``#`` skipped)."""
    lines = _read_lines(path)
    for i, line in lines:
        if "\t" in line:
            raise DataFileError(f"{path}, line {i}: a tab in a one-word-per-line file (use read_word_sets for a TSV)")
    if not lines:
        raise DataFileError(f"{path}: no words")
    return tuple(line for _, line in lines)


def read_word_sets(path: str) -> dict[str, tuple[str, ...]]:
    """The sets of a TSV file whose lines are ``SET_NAME<TAB>WORD``, in the order the sets first appear."""
    out: dict[str, list[str]] = {}
    for i, line in _read_lines(path):
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise DataFileError(f"{path}, line {i}: expected SET_NAME<TAB>WORD")
        out.setdefault(parts[0].strip(), []).append(parts[1].strip())
    if not out:
        raise DataFileError(f"{path}: no words")
    return {k: tuple(v) for k, v in out.items()}


def read_word_pairs(path: str) -> list[tuple[str, str]]:
    """Word pairs from a file with two words a line, separated by spaces or a tab (blank lines and lines
    starting with ``#`` skipped): definitional or equality pairs for :func:`~embedkit.bias.hard_debias`."""
    out = []
    for i, line in _read_lines(path):
        parts = line.split()
        if len(parts) != 2:
            raise DataFileError(f"{path}, line {i}: expected two words, got {len(parts)}")
        out.append((parts[0], parts[1]))
    if not out:
        raise DataFileError(f"{path}: no word pairs")
    return out
