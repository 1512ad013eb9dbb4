"""Readers for intrinsic benchmark files: analogy questions and word-similarity pairs.

Benchmark files come in many shapes and are read as they are, without editing:

* analogies: Google's ``questions-words.txt`` (``: section`` header lines, then ``a b c d``), or
  any file of four words per line, separated by whitespace, tabs or commas, with or without
  section headers (questions before the first header go into a section named after the file);
* similarity pairs: two words and a score per line, separated by tabs, commas or spaces; ``#``
  comment lines; an optional header row; extra columns after the score (the score is the first
  numeric column after the two words); part-of-speech suffixes such as ``sun-n`` (stripped on
  request); scores on any scale.

The names ``google``, ``wordsim353`` and ``simlex999`` resolve to the copies gensim ships in its
test data; any path works too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .._fs import require_file
from ..errors import BenchmarkError
from ..text import detect_encoding

__all__ = [
    "BENCHMARKS",
    "AnalogySection",
    "AnalogySet",
    "SimilaritySet",
    "benchmark_path",
    "read_analogies",
    "read_similarity",
]

# name -> file name inside gensim's test data
BENCHMARKS: dict[str, str] = {
    "google": "questions-words.txt",
    "wordsim353": "wordsim353.tsv",
    "simlex999": "simlex999.txt",
}

_POS_SUFFIX = re.compile(r"-[nvajr]$")


def benchmark_path(name_or_path: str | Path) -> Path:
    """The file behind a registered benchmark name, or ``name_or_path`` itself if it is a file.

    Examples
    --------
    >>> benchmark_path("google").name
    'questions-words.txt'
    """
    p = Path(name_or_path)
    if isinstance(name_or_path, str) and name_or_path in BENCHMARKS and not p.is_file():
        from gensim.test.utils import datapath

        return Path(datapath(BENCHMARKS[name_or_path]))
    known = ", ".join(sorted(BENCHMARKS))
    return require_file(
        name_or_path, "benchmark file or registered name", hint=f"registered names: {known}", regular=True
    )


@dataclass(frozen=True)
class AnalogySection:
    """One section of an analogy file: its name and its ``(a, b, c, d)`` questions."""

    name: str
    questions: tuple[tuple[str, str, str, str], ...]


@dataclass(frozen=True)
class AnalogySet:
    """An analogy file: its sections, in file order, how many lines were not questions and the
    number of the first such line (``None`` if none), and the encoding it was read in."""

    name: str
    sections: tuple[AnalogySection, ...]
    invalid_lines: int = 0
    first_invalid_line: int | None = None
    encoding: str = "utf-8"

    @property
    def n_questions(self) -> int:
        return sum(len(s.questions) for s in self.sections)


@dataclass(frozen=True)
class SimilaritySet:
    """A word-similarity file: ``pairs`` of words with their human ``scores``."""

    name: str
    pairs: tuple[tuple[str, str], ...]
    scores: tuple[float, ...]
    invalid_lines: int = 0
    first_invalid_line: int | None = None
    encoding: str = "utf-8"


def _lines(path: Path) -> tuple[str, Iterator[tuple[int, str]]]:
    """The encoding of ``path`` (UTF-8, else Windows-1252 or Latin-1, as :func:`~embedkit.text.detect_encoding`)
    and its numbered non-blank, non-comment lines, stripped. A file with NUL bytes is not text."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if b"\0" in head:
        line = head[: head.index(b"\0")].count(b"\n") + 1
        raise BenchmarkError(f"{path}, line {line}: a NUL byte: not a text file")
    encoding = detect_encoding(path)

    def numbered() -> Iterator[tuple[int, str]]:
        with open(path, encoding=encoding) as fin:
            for n, line in enumerate(fin, 1):
                stripped = line.strip()
                if stripped and not stripped.startswith("#"):
                    yield n, stripped

    return encoding, numbered()


def _split(line: str) -> list[str]:
    if "\t" in line:
        parts = line.split("\t")
    elif "," in line:
        parts = line.split(",")
    else:
        return line.split()
    return [p.strip() for p in parts if p.strip()]


def read_analogies(source: str | Path) -> AnalogySet:
    """Read an analogy file (a registered name or a path).

    A line starting with ``:`` opens a section (``: capital-common-countries``); every other
    non-blank line that is not a ``#`` comment must hold four words, else it is counted in
    ``invalid_lines`` and skipped, as gensim does.

    Examples
    --------
    >>> qs = read_analogies("google")
    >>> len(qs.sections), qs.n_questions, qs.sections[0].questions[0]
    (14, 19544, ('Athens', 'Greece', 'Baghdad', 'Iraq'))
    """
    path = benchmark_path(source)
    sections: list[AnalogySection] = []
    name: str | None = None
    current: list[tuple[str, str, str, str]] = []
    invalid, first_invalid = 0, None
    encoding, lines = _lines(path)
    for n, stripped in lines:
        if stripped.startswith(":"):
            if name is not None or current:
                sections.append(AnalogySection(name if name is not None else path.stem, tuple(current)))
            name, current = stripped.lstrip(": ").strip(), []
            continue
        words = _split(stripped)
        if len(words) != 4:
            invalid += 1
            first_invalid = first_invalid or n
            continue
        current.append((words[0], words[1], words[2], words[3]))
    if name is not None or current:
        sections.append(AnalogySection(name if name is not None else path.stem, tuple(current)))
    if not any(s.questions for s in sections):
        raise BenchmarkError(f"no analogy questions (four words per line) in {path}")
    return AnalogySet(str(source), tuple(sections), invalid, first_invalid, encoding)


def _is_number(text: str) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def read_similarity(source: str | Path, *, strip_pos: bool = False) -> SimilaritySet:
    """Read a word-similarity file (a registered name or a path).

    Each line holds two words and then a score: the first numeric column after the words (later
    columns, such as a standard deviation, are ignored). Blank lines, ``#`` comments and lines
    without a score (a header row) are skipped; those other than blanks and comments are counted
    in ``invalid_lines``.

    Parameters
    ----------
    source:
        A registered name (``wordsim353``, ``simlex999``) or a path.
    strip_pos:
        Remove part-of-speech suffixes such as ``-n``, ``-v``, ``-a``, ``-j``, ``-r`` from the words
        (``sun-n`` becomes ``sun``).

    Examples
    --------
    >>> ws = read_similarity("wordsim353")
    >>> len(ws.pairs), ws.pairs[0], ws.scores[0]
    (353, ('love', 'sex'), 6.77)
    """
    path = benchmark_path(source)
    pairs: list[tuple[str, str]] = []
    scores: list[float] = []
    invalid, first_invalid = 0, None
    encoding, lines = _lines(path)
    for n, stripped in lines:
        parts = _split(stripped)
        score = None
        if len(parts) >= 3:
            score = next((x for x in map(_is_number, parts[2:]) if x is not None), None)
        if score is None:
            invalid += 1
            first_invalid = first_invalid or n
            continue
        a, b = parts[0], parts[1]
        if strip_pos:
            a, b = _POS_SUFFIX.sub("", a), _POS_SUFFIX.sub("", b)
        pairs.append((a, b))
        scores.append(score)
    if not pairs:
        raise BenchmarkError(f"no word pairs with a score in {path}")
    return SimilaritySet(str(source), tuple(pairs), tuple(scores), invalid, first_invalid, encoding)
