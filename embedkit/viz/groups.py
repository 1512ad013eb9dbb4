"""Word lists and word groups read from files, for projections and their figures.

A words file holds whitespace-separated words. A groups file is either JSON
``{"group": ["word", ...]}`` or lines ``group<TAB>word`` (blank lines and ``#`` comments skipped).
A malformed file raises :class:`~embedkit.errors.DataFileError` naming the file and, where it can,
the line; a missing one :class:`~embedkit.errors.MissingFileError`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from .._fs import require_file
from ..errors import DataFileError

__all__ = ["merge_groups", "read_groups", "read_words"]


def _read_text(path: Path, what: str) -> str:
    require_file(path, what)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise DataFileError(f"{path}, line {line}: not UTF-8 text (byte {exc.object[exc.start]:#04x})") from None


def read_words(path: str | os.PathLike) -> list[str]:
    """Words from a file: whitespace-separated, duplicates dropped (first one kept)."""
    path = Path(path)
    words = list(dict.fromkeys(_read_text(path, "words file").split()))
    if not words:
        raise DataFileError(f"{path}: no words in the file")
    return words


def read_groups(path: str | os.PathLike) -> dict[str, list[str]]:
    """Groups from JSON ``{"group": ["word", ...]}`` or from ``group<TAB>word`` lines."""
    path = Path(path)
    text = _read_text(path, "groups file")
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataFileError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
            raise DataFileError(f"{path}: a JSON groups file maps each group name to a list of words")
        return {str(g): [str(w) for w in ws] for g, ws in data.items()}
    groups: dict[str, list[str]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise DataFileError(f"{path}, line {n}: expected 'group<TAB>word', got {line!r}")
        groups.setdefault(parts[0], []).append(parts[1])
    if not groups:
        raise DataFileError(f"{path}: no groups in the file")
    return groups


def merge_groups(base: Sequence[str], groups: Mapping[str, Sequence[str]]) -> list[str]:
    """``base`` followed by the group words not in it, each once, in group order.

    ``base`` itself is kept as given; this is the word list ``embedkit project --groups`` projects.

    >>> merge_groups(["the", "frog"], {"animals": ["frog", "toad"], "more": ["toad", "newt"]})
    ['the', 'frog', 'toad', 'newt']
    """
    base = list(base)
    seen = set(base)
    extra = [w for ws in groups.values() for w in ws if w not in seen and not seen.add(w)]  # type: ignore[func-returns-value]  # add() is None: records w
    return base + extra
