"""The built-in translation tasks of the lab "Translation of Numeric Phrases with Seq2Seq", generated
offline with ``num2words`` (torch-free).

``numbers-fr``: a French number phrase to its digits (``"quatre vingt seize mille deux cent trente sept"``
-> ``"96237"``); ``numbers-en`` the same in English; ``reverse=True`` swaps the sides (digits to phrase).

The numbers follow the lab's protocol: every number from 1 to 5,000, then 5,000 numbers drawn at random
from each of the ranges 10^3..10^4, 10^4..10^5 and 10^5..10^6, skipping numbers already chosen, so that the
20,000 numbers are distinct; then a seeded shuffle cut 10,000 / 5,000 / 5,000 (train / valid / test), so no
number is in two splits. The bounds are the lab code's ``randint(10**i, min(10**(i + 1), 999_999))``
(upper bound included): 5,000 new numbers fit in the four-digit range only because 10,000 is in it.
"""

from __future__ import annotations

import functools
import random

from .._deps import require
from ..errors import InvalidArgumentError
from .data import Pair, Splits, Unit

__all__ = ["TASKS", "load_task", "number_phrase", "task_numbers", "task_units"]

TASKS: tuple[str, ...] = ("numbers-fr", "numbers-en")
"""The built-in translation tasks: numbers to their French or English phrases (:func:`load_task`)."""
_LANGS = {"numbers-fr": "fr", "numbers-en": "en"}
_SIZES = (10_000, 5_000, 5_000)
_PER_RANGE = 5_000
_EXHAUSTIVE = 5_000
_HIGH = 999_999


def _check_task(name: str) -> None:
    if name not in TASKS:
        raise InvalidArgumentError(f"unknown task {name!r}; expected one of {', '.join(TASKS)} (or a .tsv file)")


def number_phrase(n: int, lang: str) -> str:
    """``n`` written out as the lab writes it: ``num2words`` with hyphens replaced by spaces (and, in
    English, commas removed). Needs ``num2words`` (``pip install embedkit[seq2seq]``).

    >>> number_phrase(96237, "fr")
    'quatre vingt seize mille deux cent trente sept'
    >>> number_phrase(96237, "en")
    'ninety six thousand two hundred and thirty seven'
    """
    if lang not in ("fr", "en"):
        raise InvalidArgumentError(f"unknown language {lang!r}; expected fr or en")
    num2words = require("num2words", "seq2seq", "the numbers tasks").num2words
    text = num2words(n, lang=lang).replace("-", " ")
    if lang == "en":
        text = text.replace(",", "")
    return " ".join(text.split())


@functools.lru_cache(maxsize=4)
def task_numbers(seed: int = 0) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """The train, valid and test numbers of the lab's protocol (10,000 / 5,000 / 5,000, distinct).

    >>> train, valid, test = task_numbers()
    >>> len(train), len(valid), len(test), len(set(train) | set(valid) | set(test))
    (10000, 5000, 5000, 20000)
    """
    rng = random.Random(seed)  # noqa: S311  # seeded data, not a secret
    chosen = list(range(1, _EXHAUSTIVE + 1))
    seen = set(chosen)
    for i in (3, 4, 5):
        lo, hi = 10**i, min(10 ** (i + 1), _HIGH)
        free = [x for x in range(lo, hi + 1) if x not in seen]
        drawn = rng.sample(free, _PER_RANGE)
        chosen.extend(drawn)
        seen.update(drawn)
    rng.shuffle(chosen)
    a, b = _SIZES[0], _SIZES[0] + _SIZES[1]
    return tuple(chosen[:a]), tuple(chosen[a:b]), tuple(chosen[b:])


def task_units(name: str, reverse: bool = False) -> tuple[Unit, Unit]:
    """The (source, target) units of a task: phrases are read as words, digits as characters.

    >>> task_units("numbers-fr"), task_units("numbers-fr", reverse=True)
    (('word', 'char'), ('char', 'word'))
    """
    _check_task(name)
    return ("char", "word") if reverse else ("word", "char")


def load_task(name: str, *, reverse: bool = False, seed: int = 0) -> Splits:
    """The pairs of a built-in task: ``numbers-fr`` or ``numbers-en`` (phrase -> digits), or digits ->
    phrase with ``reverse``. ``seed`` draws the numbers and the split (0: the benchmark's data).

    >>> s = load_task("numbers-fr")
    >>> s.counts()
    {'train': 10000, 'valid': 5000, 'test': 5000}
    >>> load_task("numbers-en", reverse=True).train[0].source.isdigit()
    True
    """
    _check_task(name)
    parts = []
    for numbers, phrases in zip(task_numbers(seed), _phrases(_LANGS[name], seed), strict=True):
        pairs = [Pair(text, str(n)) for n, text in zip(numbers, phrases, strict=True)]
        parts.append([Pair(p.target, p.source) for p in pairs] if reverse else pairs)
    return Splits(parts[0], parts[1], parts[2], task_units(name, reverse))


@functools.lru_cache(maxsize=4)
def _phrases(lang: str, seed: int) -> tuple[tuple[str, ...], ...]:
    # num2words takes seconds for 20,000 numbers: once per process and language
    return tuple(tuple(number_phrase(n, lang) for n in numbers) for numbers in task_numbers(seed))
