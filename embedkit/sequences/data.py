"""Parallel text for the encoder-decoder: pairs, units, TSV files, splits and attention maps (torch-free).

A *unit* is what one token of a side is: ``"char"`` (every character, spaces included, so that
``join_units(split_units(t, "char"), "char") == t``) or ``"word"`` (whitespace-separated words, joined by
single spaces). An output is written as the data writes its targets: digits without spaces, phrase words
separated by single spaces.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .._fs import require_file
from ..errors import DataError, DataFileError, InvalidArgumentError
from ..text import PAD, UNK

__all__ = [
    "EOS",
    "GO",
    "PAD",
    "SPECIALS",
    "UNK",
    "AttentionMap",
    "Pair",
    "Splits",
    "Translation",
    "Unit",
    "join_units",
    "read_pairs",
    "split_pairs",
    "split_units",
]

GO = "<go>"
"""The token a decoder starts from."""
EOS = "<eos>"
"""The token that ends every target sequence (and decoding)."""
SPECIALS: tuple[str, ...] = (PAD, UNK, GO, EOS)  # ids 0..3 in every seq2seq vocabulary
Unit = Literal["char", "word"]
"""What a sequence is split into: characters or words."""
UNITS: tuple[str, ...] = ("char", "word")


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise InvalidArgumentError(f"unknown unit {unit!r}; expected char or word")


def split_units(text: str, unit: Unit) -> list[str]:
    """The tokens of ``text``: its characters (``"char"``, spaces kept) or its words (``"word"``).

    >>> split_units("96237", "char")
    ['9', '6', '2', '3', '7']
    >>> split_units(" quatre  vingt ", "word")
    ['quatre', 'vingt']
    """
    _check_unit(unit)
    return list(text) if unit == "char" else text.split()


def join_units(tokens: Sequence[str], unit: Unit) -> str:
    """The text of ``tokens``, written as :func:`split_units` reads it.

    >>> join_units(["9", "6"], "char"), join_units(["quatre", "vingt"], "word")
    ('96', 'quatre vingt')
    """
    _check_unit(unit)
    return "".join(tokens) if unit == "char" else " ".join(tokens)


@dataclass(frozen=True)
class Pair:
    """One source text and its target; ``attribution`` keeps a TSV's third column (credits of the
    sentence pair, as CC-BY files require), empty when there is none."""

    source: str
    target: str
    attribution: str = ""

    def to_dict(self) -> dict[str, str]:
        """The pair as plain JSON-ready data."""
        d = {"source": self.source, "target": self.target}
        if self.attribution:
            d["attribution"] = self.attribution
        return d


@dataclass(frozen=True)
class Splits:
    """Training, validation and test pairs; no source text is in two of them. ``units`` are the
    (source, target) units the pairs are written in, where known (a built-in task's: phrases as
    words, digits as characters); :func:`~embedkit.sequences.api.train_seq2seq` uses them unless its
    config sets units, and reads pairs of unknown units as words."""

    train: list[Pair]
    valid: list[Pair]
    test: list[Pair]
    units: tuple[Unit, Unit] | None = None

    def swapped(self) -> Splits:
        """The same splits with each pair's source and target (and the units) swapped."""

        def swap(part: list[Pair]) -> list[Pair]:
            return [Pair(p.target, p.source, p.attribution) for p in part]

        units = None if self.units is None else (self.units[1], self.units[0])
        return Splits(swap(self.train), swap(self.valid), swap(self.test), units)

    def counts(self) -> dict[str, int]:
        """How many pairs each split holds."""
        return {"train": len(self.train), "valid": len(self.valid), "test": len(self.test)}


def read_pairs(path: str | os.PathLike) -> list[Pair]:
    """The pairs of a TSV file of ``source<TAB>target[<TAB>attribution...]`` lines (UTF-8; blank lines
    skipped; spaces around each field stripped; further columns joined into ``attribution``).

    Raises
    ------
    MissingFileError
        No such file.
    DataFileError
        One line naming ``path:line``: a line without a tab, an empty source or target, bytes that
        are not UTF-8, or a file without any pair.
    """
    p = require_file(path, "pairs file")
    raw = p.read_bytes()
    pairs: list[Pair] = []
    for number, line in enumerate(raw.split(b"\n"), 1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise DataFileError(f"{p}:{number}: the line is not UTF-8 text") from None
        text = text.rstrip("\r")
        if number == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            continue
        if "\t" not in text:
            raise DataFileError(f"{p}:{number}: no tab between the source and the target")
        source, target, *rest = (field.strip() for field in text.split("\t"))
        if not source:
            raise DataFileError(f"{p}:{number}: empty source")
        if not target:
            raise DataFileError(f"{p}:{number}: empty target")
        pairs.append(Pair(source, target, "\t".join(r for r in rest if r)))
    if not pairs:
        raise DataFileError(f"{p}:1: the file holds no source<TAB>target line")
    return pairs


def split_pairs(
    pairs: Sequence[Pair], *, fractions: tuple[float, float, float] = (0.8, 0.1, 0.1), seed: int = 0
) -> Splits:
    """Shuffle the distinct source texts with ``seed`` and cut them by ``fractions``; every pair goes
    to the split of its source, so a sentence with several translations is never in two splits.

    Splits are sized in source texts (rounded down for valid and test, the rest to train); each pair
    list keeps the file's order.

    >>> ps = [Pair(f"s{i % 10}", f"t{i}") for i in range(20)]
    >>> s = split_pairs(ps, seed=0)
    >>> s.counts()
    {'train': 16, 'valid': 2, 'test': 2}
    >>> {p.source for p in s.train} & {p.source for p in s.test}
    set()
    """
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-6:
        raise InvalidArgumentError(f"fractions must be three non-negative numbers summing to 1, got {fractions}")
    sources = list(dict.fromkeys(p.source for p in pairs))
    if len(sources) < 3:
        raise DataError(f"splitting needs at least 3 distinct sources, got {len(sources)}")
    random.Random(seed).shuffle(sources)  # noqa: S311  # a seeded split, not a secret
    n_valid = int(len(sources) * fractions[1])
    n_test = int(len(sources) * fractions[2])
    n_train = len(sources) - n_valid - n_test
    where = dict.fromkeys(sources[:n_train], 0)
    where.update(dict.fromkeys(sources[n_train : n_train + n_valid], 1))
    where.update(dict.fromkeys(sources[n_train + n_valid :], 2))
    parts: list[list[Pair]] = [[], [], []]
    for p in pairs:
        parts[where[p.source]].append(p)
    return Splits(parts[0], parts[1], parts[2])


@dataclass(frozen=True)
class Translation:
    """One decoded output: ``tokens`` are the output's tokens (without ``<eos>``), ``output`` their text,
    ``score`` the total log-probability of the tokens and ``<eos>`` (divided by ``len ** length_penalty``
    when the decoder was asked for a length penalty other than 0)."""

    source: str
    output: str
    score: float
    tokens: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The translation as plain JSON-ready data."""
        return {"source": self.source, "output": self.output, "score": self.score, "tokens": list(self.tokens)}


@dataclass(frozen=True)
class AttentionMap:
    """Where each output token looked in the source: ``weights[m, t, s]`` is the weight of source token
    ``s`` when output token ``t`` was produced, in map ``m`` named ``labels[m]`` (``["attention"]`` for a
    recurrent model, ``["layer 1 head 1", ...]`` for the transformer's cross-attention). Each row sums to 1.
    ``output_tokens`` ends with ``<eos>`` when the decoder produced it. ``source`` and ``output`` are the
    texts as the model reads and writes them, and ``model`` names the model (figures show all three; empty
    when unknown).

    The same shape holds self-attention (a transformer's tokens attending to each other: ``source_tokens``
    the attended tokens, ``output_tokens`` the attending ones); ``x_label`` and ``y_label`` name the two
    axes of its figure and ``heading``, when given, is the figure's default title."""

    source_tokens: list[str]
    output_tokens: list[str]
    weights: np.ndarray  # (M, T_out, T_src)
    labels: list[str]
    source: str = ""
    output: str = ""
    model: str = ""
    x_label: str = "source"
    y_label: str = "output"
    heading: str = ""

    def __post_init__(self) -> None:
        w = np.asarray(self.weights, dtype=np.float32)
        expected = (len(self.labels), len(self.output_tokens), len(self.source_tokens))
        if w.shape != expected:
            raise InvalidArgumentError(f"attention weights are shaped {w.shape}, expected {expected}")
        w.setflags(write=False)
        object.__setattr__(self, "weights", w)

    def to_dict(self) -> dict[str, Any]:
        """The map as plain JSON-ready data."""
        return {
            "source_tokens": list(self.source_tokens),
            "output_tokens": list(self.output_tokens),
            "labels": list(self.labels),
            "weights": self.weights.tolist(),
            "source": self.source,
            "output": self.output,
            "model": self.model,
            "x_label": self.x_label,
            "y_label": self.y_label,
            "heading": self.heading,
        }
