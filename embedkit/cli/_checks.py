"""Checks of command-line values made before any work starts: numbers, seeds and output paths.

Every numeric option takes one of the argparse ``type`` functions below, so a bad value is a usage
error that names the option (``argument --words: expected an integer >= 0, got -5``) before a file is
read or a model loaded, never a library message naming a Python parameter (``n must be >= 0``), and
no ``nan`` or ``inf`` reaches a computation through a float option.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ..config import MAX_BEAM, MAX_SEED
from ..errors import FileIsADirectoryError, FileNotADirectoryError, InvalidArgumentError


def _int(text: str, expected: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer >= ``minimum`` (else a usage error naming the option:
    ``argument --folds: expected an integer >= 2, got 1``)."""
    expected = {1: "a positive integer", 0: "an integer >= 0"}.get(minimum, f"an integer >= {minimum}")

    def parse(text: str) -> int:
        n = _int(text, expected)
        if n < minimum:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {n}")
        return n

    return parse


def int_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer in ``low..high``, both included."""
    expected = f"an integer in {low}..{high}"

    def parse(text: str) -> int:
        n = _int(text, expected)
        if not low <= n <= high:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {n}")
        return n

    return parse


positive_int = int_at_least(1)
"""argparse ``type`` for counts such as ``-k``: an integer >= 1."""
non_negative_int = int_at_least(0)
"""argparse ``type`` for counts that may be 0 (such as ``--label``): an integer >= 0."""
seed = int_in(0, MAX_SEED)
"""argparse ``type`` for ``--seed``: what numpy, scikit-learn and torch all accept, 0 .. 2**32 - 1."""
beam_size = int_in(1, MAX_BEAM)
"""argparse ``type`` for ``--beam-size`` (``generate`` and the seq2seq commands): 1 .. :data:`~embedkit.config.MAX_BEAM`."""


def float_in(
    low: float = -math.inf, high: float = math.inf, *, low_open: bool = False, high_open: bool = False
) -> Callable[[str], float]:
    """An argparse ``type``: a finite number between ``low`` and ``high`` (``low_open``/``high_open``:
    that end excluded). ``nan``, ``inf`` and numbers too large for a float are refused, naming the
    option (``argument --length-penalty: expected a finite number, got nan``), before they reach a
    computation that would print ``nan`` scores."""
    if low == -math.inf and high == math.inf:
        expected = "a finite number"
    elif high == math.inf:
        expected = "a positive number" if low == 0 and low_open else f"a number {'>' if low_open else '>='} {low:g}"
    else:
        expected = f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"

    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        too_low = x <= low if low_open else x < low
        too_high = x >= high if high_open else x > high
        if not math.isfinite(x) or too_low or too_high:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text.strip()}")
        return x

    return parse


finite_float = float_in()
"""argparse ``type`` for any finite number (``--length-penalty``)."""
positive_float = float_in(0.0, low_open=True)
"""argparse ``type`` for a finite number > 0 (``--lr``, ``--temperature``, ``--perplexity``)."""
probability = float_in(0.0, 1.0)
"""argparse ``type`` for a number in [0, 1] (``--teacher-forcing``)."""
rate = float_in(0.0, 1.0, high_open=True)
"""argparse ``type`` for a number in [0, 1) (``--dropout``, ``--label-smoothing``)."""
fraction = float_in(0.0, 1.0, low_open=True, high_open=True)
"""argparse ``type`` for a number in (0, 1) (``--valid-fraction``)."""


def options_for_fields(exc: Exception, options: Mapping[str, str]) -> str:
    """``exc``'s message with each config field name in ``options`` replaced by its command-line
    option (``batch_size must be at most 1,048,576`` -> ``--batch-size must be at most 1,048,576``):
    a config's own checks (caps, a width that must divide by the heads) then name what the user typed."""
    text = str(exc)
    for field, option in options.items():
        text = re.sub(rf"(?<![\w-]){re.escape(field)}(?![\w-])", option, text)
    return text


FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
"""The figure files the commands write (``check_output``'s suffixes for a figure)."""


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
