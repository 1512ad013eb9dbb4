"""Type and size checks shared by the config dataclasses (``TrainConfig``, ``ClassifierConfig``), and the
limits shared by the decoders (:data:`MAX_BEAM`) and by every random seed (:data:`MAX_SEED`).

A config may come from JSON on the command line or from a checkpoint file, so every field is
checked against its annotation before any arithmetic, and sizes against caps that no real model
reaches: a damaged or edited file must fail with one line naming the field, not allocate gigabytes.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any

from .errors import ConfigError

__all__ = ["MAX_BEAM", "MAX_SEED", "check_caps", "check_field_types", "from_plain_dict"]

MAX_BEAM = 1000
"""The widest beam a decoder takes (language-model generation and seq2seq translation): far wider than
any useful search, while a mistyped width of a million would hold a million states per step."""

MAX_SEED = 2**32 - 1
"""The largest random seed: numpy, scikit-learn and UMAP take seeds in 0 .. 2**32 - 1."""


def _describe(tp: Any) -> str | None:
    """What a value of annotation ``tp`` must be, for the message; ``None`` where anything goes."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        parts = [_describe(a) for a in typing.get_args(tp) if a is not type(None)]
        return " or ".join(p for p in parts if p) + " or null"
    if origin is typing.Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(tp))
    if origin is tuple:
        return "a list of integers"
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string"}.get(tp)


def _fits(tp: Any, value: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(a, value) for a in typing.get_args(tp))
    if tp is type(None):
        return value is None
    if origin is typing.Literal:  # the type only: each config lists the allowed values in its own message
        return any(type(value) is type(a) for a in typing.get_args(tp))
    if origin is tuple:
        return isinstance(value, (list, tuple)) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    return True


def check_field_types(obj: Any, *, skip: tuple[str, ...] = ()) -> None:
    """Raise :class:`~embedkit.errors.ConfigError` naming the first field of the dataclass ``obj``
    whose value does not fit its annotation (``int`` takes no ``bool``; ``float`` takes ints).

    Literal fields are checked for their type only (each config names the allowed values itself).

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class C:
    ...     dropout: float = 0.5
    >>> check_field_types(C(dropout="abc"))
    Traceback (most recent call last):
    ...
    embedkit.errors.ConfigError: dropout must be a number, got 'abc'
    """
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        if f.name in skip:
            continue
        tp = hints[f.name]
        value = getattr(obj, f.name)
        if not _fits(tp, value):
            raise ConfigError(f"{f.name} must be {_describe(tp)}, got {value!r}")


def check_caps(obj: Any, caps: Mapping[str, int]) -> None:
    """Raise :class:`~embedkit.errors.ConfigError` if a size field exceeds its cap (``None`` passes)."""
    for name, cap in caps.items():
        value = getattr(obj, name)
        values = value if isinstance(value, (list, tuple)) else (value,)
        for v in values:
            if v is not None and v > cap:
                raise ConfigError(f"{name} must be at most {cap:,}, got {v:,}")


def from_plain_dict(cls: type, d: Any, *, ignore_unknown: bool = False) -> Any:
    """``cls(**d)`` for a config dataclass, with an unknown field or a non-mapping as a
    :class:`~embedkit.errors.ConfigError` (not ``TypeError: unexpected keyword argument``)."""
    if not isinstance(d, Mapping):
        raise ConfigError(f"a {cls.__name__} must be a mapping of field names to values, got {type(d).__name__}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(str(k) for k in d if k not in names)
    if unknown and not ignore_unknown:
        raise ConfigError(f"unknown {cls.__name__} fields: {', '.join(unknown)}")
    return cls(**{k: v for k, v in d.items() if k in names})
