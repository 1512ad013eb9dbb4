"""The exceptions embedkit raises on bad input."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "EmbedkitError",
    "FileAccessError",
    "FileIsADirectoryError",
    "FilePermissionError",
    "MissingFileError",
    "NonFiniteValueError",
    "UnknownWordError",
    "VectorFileError",
]


class EmbedkitError(Exception):
    """Base class of every error embedkit raises on purpose."""


class VectorFileError(EmbedkitError, ValueError):
    """A vector file could not be read.

    The message names the file, the place (``line N`` or ``byte N``) and the
    problem. The parts are also attributes: ``path``, ``line`` (1-based, or
    ``None``), ``offset`` (byte offset for binary files, or ``None``) and
    ``problem``.
    """

    def __init__(
        self,
        path: object,
        problem: str,
        *,
        line: int | None = None,
        offset: int | None = None,
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.offset = offset
        where = ""
        if line is not None:
            where = f", line {line}"
        elif offset is not None:
            where = f", byte {offset}"
        super().__init__(f"{self.path}{where}: {problem}")

    def __reduce__(self):  # keep the keyword-only arguments through pickling
        return (_rebuild_vector_file_error, (self.path, self.problem, self.line, self.offset))


def _rebuild_vector_file_error(path, problem, line, offset):
    return VectorFileError(path, problem, line=line, offset=offset)


class UnknownWordError(EmbedkitError, KeyError):
    """One or more words are not in the vocabulary.

    ``words`` lists every unknown word; ``suggestions`` maps each to close
    spellings that are in the vocabulary (possibly none).
    """

    def __init__(self, words: Sequence[str], suggestions: dict[str, list[str]] | None = None) -> None:
        self.words = list(words)
        self.suggestions = dict(suggestions or {})
        parts = []
        for w in self.words:
            close = self.suggestions.get(w)
            if close:
                parts.append(f"{w!r} (did you mean {', '.join(repr(c) for c in close)}?)")
            else:
                parts.append(repr(w))
        noun = "word" if len(self.words) == 1 else "words"
        self.message = f"unknown {noun}: {', '.join(parts)}"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.message

    def __reduce__(self):
        return (UnknownWordError, (self.words, self.suggestions))


class FileAccessError(EmbedkitError, OSError):
    """A file could not be opened or read as a file (missing, unreadable, a folder, a named
    pipe, ...), as opposed to :class:`VectorFileError` (its content is wrong).

    The message is ``PATH: problem``; ``path`` and ``problem`` are attributes. The subclasses
    also subclass the matching built-in (``FileNotFoundError``, ``PermissionError``,
    ``IsADirectoryError``).
    """

    def __init__(self, path: object, problem: str, *, message: str | None = None) -> None:
        self.path = str(path)
        self.problem = problem
        self.message = message or f"{self.path}: {problem}"
        super().__init__(self.message)
        self.filename = self.path

    def __str__(self) -> str:  # OSError would format errno and filename instead
        return self.message

    def __reduce__(self):
        return (_rebuild_file_access_error, (type(self), self.path, self.problem, self.message))


def _rebuild_file_access_error(cls, path, problem, message):
    return cls(path, problem, message=message)


class MissingFileError(FileAccessError, FileNotFoundError):
    """The file does not exist."""


class FilePermissionError(FileAccessError, PermissionError):
    """The file exists but may not be read (or written)."""


class FileIsADirectoryError(FileAccessError, IsADirectoryError):
    """A folder was given where a file is needed."""


class NonFiniteValueError(EmbedkitError, ValueError):
    """Vectors hold NaN or infinity where every format embedkit writes or reads needs finite values."""
