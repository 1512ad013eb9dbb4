"""The exceptions embedkit raises on bad input."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["BenchmarkError", "EmbedkitError", "UnknownWordError", "VectorFileError"]


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
    spellings that are in the vocabulary (possibly none). The message names the
    first :attr:`SHOWN` words and counts the rest.
    """

    SHOWN = 3  # words named in the message; the others are counted

    def __init__(self, words: Sequence[str], suggestions: dict[str, list[str]] | None = None) -> None:
        self.words = list(words)
        self.suggestions = dict(suggestions or {})
        parts = []
        for w in self.words[: self.SHOWN]:
            close = self.suggestions.get(w)
            if close:
                parts.append(f"{w!r} (did you mean {', '.join(repr(c) for c in close)}?)")
            else:
                parts.append(repr(w))
        rest = len(self.words) - self.SHOWN
        if rest > 0:
            parts.append(f"... and {rest:,} more")
        noun = "word" if len(self.words) == 1 else "words"
        self.message = f"unknown {noun}: {', '.join(parts)}"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.message

    def __reduce__(self):
        return (UnknownWordError, (self.words, self.suggestions))


class BenchmarkError(EmbedkitError, ValueError):
    """A benchmark file could not be read, or none of its items could be evaluated."""
