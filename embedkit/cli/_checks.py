"""Checks of command-line values made before any work starts: counts and output paths."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import FileIsADirectoryError, FileNotADirectoryError, InvalidArgumentError


def _int_at_least(text: str, minimum: int) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {_EXPECTED[minimum]}, got {text!r}") from None
    if n < minimum:
        raise argparse.ArgumentTypeError(f"expected {_EXPECTED[minimum]}, got {n}")
    return n


_EXPECTED = {1: "a positive integer", 0: "an integer >= 0"}


def positive_int(text: str) -> int:
    """argparse ``type`` for counts such as ``-k``: an integer >= 1 (else a usage error naming the option)."""
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    """argparse ``type`` for counts that may be 0 (such as ``--label``): an integer >= 0."""
    return _int_at_least(text, 0)


def check_output(path: str | os.PathLike, suffixes: Sequence[str], what: str) -> Path:
    """Refuse an output path before the work that would fill it: a suffix not in ``suffixes``,
    an existing directory, or a parent that exists but is not a directory."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        allowed = ", ".join(suffixes[:-1]) + (" or " if len(suffixes) > 1 else "") + suffixes[-1]
        raise InvalidArgumentError(f"{what} must be {allowed}, not {path.name!r}")
    if path.is_dir():
        raise FileIsADirectoryError(path, "is a directory", message=f"{what} {str(path)!r} is a directory")
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise FileNotADirectoryError(
            parent, "is not a directory", message=f"{what} {str(path)!r}: {str(parent)!r} is not a directory"
        )
    return path
