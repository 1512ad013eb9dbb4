"""The exceptions embedkit raises on bad input."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ConfigError",
    "EmbedkitError",
    "EmbedkitWarning",
    "LabelError",
    "ModelFileError",
    "TrainingInterrupted",
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


class ConfigError(EmbedkitError, ValueError, TypeError):
    """A configuration field has a value of the wrong type or out of range.

    The message names the field (``dropout must be a number, got 'abc'``). It subclasses both
    ``ValueError`` and ``TypeError``, so code catching either built-in keeps working.
    """


class ModelFileError(EmbedkitError, ValueError):
    """A model, checkpoint or projection file cannot be loaded: it is damaged, of another kind,
    holds pickled objects, or its weights do not match its own config.

    The message is one line, ``PATH: problem`` (``PATH is ...`` for a problem that starts with
    ``is``); ``path`` and ``problem`` are attributes.
    """

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path} {problem}" if problem.startswith("is ") else f"{self.path}: {problem}")

    def __reduce__(self):
        return (ModelFileError, (self.path, self.problem))


class LabelError(EmbedkitError, ValueError):
    """Classification data whose labels a classifier cannot be trained or scored on: one class
    only, or dev/test labels that no training example has."""


class TrainingInterrupted(EmbedkitError, KeyboardInterrupt):
    """Training was interrupted (Ctrl-C). ``epoch`` is the last epoch completed; ``checkpoint``
    the last checkpoint file written (from which ``resume`` continues), or ``None``.

    It subclasses ``KeyboardInterrupt``, so code that does not catch it stops as on Ctrl-C.
    """

    def __init__(self, epoch: int, checkpoint: object = None) -> None:
        self.epoch = int(epoch)
        self.checkpoint = None if checkpoint is None else str(checkpoint)
        super().__init__(f"interrupted after epoch {self.epoch}")

    def __reduce__(self):
        return (TrainingInterrupted, (self.epoch, self.checkpoint))


class EmbedkitWarning(UserWarning):
    """Something embedkit did differently from what was asked, and says so (a resume that found
    no checkpoint, examples dropped for labels training never saw)."""
