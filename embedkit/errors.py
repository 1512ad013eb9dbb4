"""The one error hierarchy: every exception embedkit raises on purpose is defined here.

Each class derives from :class:`EmbedkitError` and from the built-in exception a caller would
expect (``ValueError``, ``KeyError``, ``TypeError``, ``ImportError``, ``OSError`` and its file
subclasses), so ``except ValueError`` keeps working while ``except EmbedkitError`` catches
everything embedkit reports about its input, files, environment or missing extras. Library code
raises only these; a few internal checks raise a plain ``ValueError`` that their caller catches and
turns into one of these, or into a warning (the vector-file header parser, the approximate index's
file checks). :class:`EmbedkitWarning` is the category of the warnings embedkit gives.

The command line (:func:`embedkit.cli.main`) prints an ``EmbedkitError`` as one line on stderr,
``embedkit: error: MESSAGE``, and exits with status 1; with ``--json`` it prints
``{"error": MESSAGE, "type": CLASS_NAME}`` on stdout instead. Every warning raised while a command
runs is shown once, as one line, ``embedkit: warning: MESSAGE``.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence

__all__ = [
    "BenchmarkError",
    "ConfigError",
    "DataError",
    "DataFileError",
    "DeviceError",
    "EmbedkitError",
    "EmbedkitWarning",
    "FileAccessError",
    "FileIsADirectoryError",
    "FileNotADirectoryError",
    "FilePermissionError",
    "FileWriteError",
    "InvalidArgumentError",
    "InvalidTypeError",
    "LabelError",
    "MissingDependencyError",
    "MissingFileError",
    "MissingWordError",
    "ModelFileError",
    "NonFiniteValueError",
    "NotFittedError",
    "TrainingInterrupted",
    "UnknownWordError",
    "VectorFileError",
]


class EmbedkitError(Exception):
    """Base class of every error embedkit raises on purpose.

    Each subclass also derives from the built-in exception a caller would expect (``ValueError``,
    ``KeyError``, ``TypeError``, ``ImportError``, ...), so ``except ValueError`` keeps working, while
    ``except EmbedkitError`` catches everything embedkit reports about its input. The command line turns
    every ``EmbedkitError`` into one line.
    """


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


class InvalidArgumentError(EmbedkitError, ValueError):
    """An argument is out of range or not among the allowed values (``k``, ``restrict``, a method name...)."""


class DataError(EmbedkitError, ValueError):
    """Well-formed input that cannot be used: too few shared words, texts and labels of different
    lengths, a corpus too small for the model, ..."""


class DataFileError(EmbedkitError, ValueError):
    """A data file other than a vector file (dataset, benchmark, groups, projection, model file) is
    malformed; the message names the file and, where it can, the line."""


class NotFittedError(EmbedkitError, ValueError):
    """A model was used before it was trained."""


class InvalidTypeError(EmbedkitError, TypeError):
    """An argument has the wrong type (for example one string where a list of words is needed)."""


class MissingWordError(EmbedkitError, KeyError):
    """A word asked of a result (a projection, ...) is not in it."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DeviceError(EmbedkitError, RuntimeError):
    """A device was asked for that this machine does not have (``device="cuda"`` without a GPU)."""


class MissingDependencyError(EmbedkitError, ImportError):
    """An optional package a feature needs is not installed; the message names the
    ``pip install "embedkit[...]"`` extra that brings it."""


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
    """The file does not exist.

    Every reader raises it with one message shape, ``no such WHAT: 'PATH'``, followed by a hint in
    parentheses where one helps: ``no such corpus file: 'data/shakespeare.txt'``, ``no such
    benchmark file or registered name: 'googel' (registered names: google, ...)``. ``what``
    (``"file"``, ``"dataset file"``, ``"checkpoint"``, ...) and ``hint`` are attributes, and
    ``errno`` is ``ENOENT`` as for the built-in.

    Examples
    --------
    >>> str(MissingFileError("corpus.txt", "corpus file"))
    "no such corpus file: 'corpus.txt'"
    >>> isinstance(MissingFileError("x"), FileNotFoundError)
    True
    """

    def __init__(self, path: object, what: str = "file", *, hint: str | None = None) -> None:
        self.what = what
        self.hint = hint
        tail = f" ({hint})" if hint else ""
        super().__init__(path, f"no such {what}", message=f"no such {what}: {str(path)!r}{tail}")
        self.errno = errno.ENOENT

    def __reduce__(self):
        return (_rebuild_missing_file_error, (self.path, self.what, self.hint))


def _rebuild_missing_file_error(path, what, hint):
    return MissingFileError(path, what, hint=hint)


class FilePermissionError(FileAccessError, PermissionError):
    """The file exists but may not be read (or written)."""


class FileIsADirectoryError(FileAccessError, IsADirectoryError):
    """A folder was given where a file is needed."""


class FileNotADirectoryError(FileAccessError, NotADirectoryError):
    """A file stands where a folder is needed (the parent of an output path, ...)."""


class FileWriteError(FileAccessError):
    """An output file could not be written (the disk is full, the file would pass the size limit
    ``ulimit -f`` sets, the folder is read-only or not writable): ``path`` is the file that was to
    be written, which is left as it was (every file is written to a temporary beside it and renamed
    over it only once complete)."""


class NonFiniteValueError(EmbedkitError, ValueError):
    """Vectors hold NaN or infinity where every format embedkit writes or reads needs finite values."""


class ConfigError(InvalidArgumentError, TypeError):
    """A configuration field has a value of the wrong type or out of range.

    The message names the field (``dropout must be a number, got 'abc'``). It subclasses both
    ``ValueError`` and ``TypeError``, so code catching either built-in keeps working.
    """


class ModelFileError(DataFileError):
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
