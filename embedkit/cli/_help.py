"""Help text that tells the truth: recipe defaults spelled out, old option spellings kept with a warning,
and counts with the right plural.

``embedkit COMMAND --help`` states every option's default as a value. Options whose default depends on
another option (``seq2seq train``'s per-model recipes, ``train-lm``'s per-unit-and-model recipes) list
the value of each recipe, computed from the config classes themselves, so the help cannot drift from
what a run uses.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["add_deprecated_option", "format_value", "plural", "recipe_defaults"]


def plural(n: int, word: str, words: str | None = None) -> str:
    """``n`` and ``word``, plural unless ``n`` is 1: ``plural(1, "epoch") == "1 epoch"``,
    ``plural(1500, "step") == "1,500 steps"``, ``plural(2, "x", "xs")`` for irregular plurals."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def format_value(value: Any) -> str:
    """A default as the help prints it: ``0.002``, ``32,768``, ``on``/``off`` for booleans."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def recipe_defaults(values: Mapping[str, Any], *, joiner: str = "/") -> str:
    """The ``default ...`` clause of an option whose default comes from a recipe: ``values`` maps each
    recipe's name to its value (recipes the option does not apply to left out); names with the same
    value are grouped, in the order they first appear.

    >>> recipe_defaults({"gru": 4, "lstm": 4, "transformer": 6})
    'default 4 for gru/lstm, 6 for transformer'
    >>> recipe_defaults({"gru": 0.1, "transformer": 0.1})
    'default 0.1'

    Names of two words (``"char rnn"``, ``"word gru"``) are grouped by their first word:
    ``default 1 for char rnn, word rnn/gru/lstm; ...``.
    """
    groups: dict[str, list[str]] = {}
    for name, value in values.items():
        groups.setdefault(format_value(value), []).append(name)
    if len(groups) == 1:
        return f"default {next(iter(groups))}"
    parts = [f"{value} for {_names(names, joiner)}" for value, names in groups.items()]
    two_word = any(" " in name for name in values)
    return "default " + ("; " if two_word else ", ").join(parts)


def _names(names: Sequence[str], joiner: str) -> str:
    """``["char rnn", "word rnn", "word gru"]`` -> ``"char rnn, word rnn/gru"``; one-word names joined."""
    if not any(" " in n for n in names):
        return joiner.join(names)
    by_first: dict[str, list[str]] = {}
    for n in names:
        first, _, rest = n.partition(" ")
        by_first.setdefault(first, []).append(rest)
    return ", ".join(f"{first} {joiner.join(rest)}" for first, rest in by_first.items())


class _Deprecated(argparse.Action):
    """An old spelling of an option: hidden from ``--help``, stores into the new option's ``dest``, and
    warns ``embedkit: warning: --init is deprecated; use --vectors`` (one line on stderr, through
    :func:`embedkit.cli._common.one_line_warnings`)."""

    def __init__(self, option_strings, dest, *, instead: str, **kwargs) -> None:
        self.instead = instead
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from ..errors import EmbedkitWarning

        warnings.warn(f"{option_string} is deprecated; {self.instead}", EmbedkitWarning, stacklevel=2)
        setattr(namespace, self.dest, self.const if self.nargs == 0 else values)


def add_deprecated_option(
    p: argparse.ArgumentParser, old: str, dest: str, *, instead: str, flag: bool = False, **kwargs: Any
) -> None:
    """Keep ``old`` working for scripts that use it: it sets ``dest`` as the new option does (``flag``:
    takes no value and stores ``True``) and warns ``OLD is deprecated; INSTEAD`` (``instead``: ``"use
    --vectors"``). It is left out of ``--help``, which shows only the one spelling."""
    if flag:
        kwargs.update(nargs=0, const=True)
    p.add_argument(
        old, dest=dest, action=_Deprecated, instead=instead, default=argparse.SUPPRESS, help=argparse.SUPPRESS, **kwargs
    )


def is_deprecated(action: argparse.Action) -> bool:
    """Whether ``action`` is an old spelling kept by :func:`add_deprecated_option` (the help tests skip it)."""
    return isinstance(action, _Deprecated)
