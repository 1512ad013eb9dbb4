"""Model-agnostic checkpoints: state dicts plus plain data, written atomically, read with
``torch.load(weights_only=True)`` (no pickle of arbitrary objects, so loading a file cannot run code)."""

from __future__ import annotations

import os
import pickle
import re
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, cast

import torch
from torch import nn

from ..._fs import atomic_write
from ...errors import MissingFileError, ModelFileError
from ...text import Vocabulary

__all__ = [
    "CHECKPOINT_FORMAT",
    "MAX_VOCAB",
    "check_weights",
    "checkpoint_vocab",
    "epoch_checkpoints",
    "latest_checkpoint",
    "load_checkpoint",
    "match_state",
    "resolve_checkpoint",
    "save_checkpoint",
]

CHECKPOINT_FORMAT = "embedkit-checkpoint"
_VERSION = 1
PICKLE_REFUSED = "the file holds pickled Python objects, which embedkit will not load (unpickling can run code)"
MAX_VOCAB = 50_000_000  # words in a model's vocabulary read from a file
_EPOCH_RE = re.compile(r"^epoch-(\d+)\.pt$")


def save_checkpoint(
    path: str | os.PathLike,
    *,
    model_state: Mapping[str, torch.Tensor],
    config: Mapping[str, Any],
    vocab: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write a checkpoint to ``path`` atomically (a temporary file in the same folder, then a rename).

    Parameters
    ----------
    path:
        The file to write; its folder is created if needed.
    model_state:
        The model's ``state_dict()``; tensors are moved to the CPU.
    config:
        The hyper-parameters as plain data (``dataclasses.asdict(config)``).
    vocab:
        The vocabulary as plain data (``Vocabulary.to_dict()``).
    extra:
        Anything else made of tensors, numbers, strings, lists, tuples and dicts: optimizer and
        scheduler state dicts, random-generator states, the epoch, the history.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, os, torch
    >>> p = os.path.join(tempfile.mkdtemp(), "ck.pt")
    >>> _ = save_checkpoint(p, model_state={"w": torch.ones(2)}, config={"dim": 2}, vocab={"words": ["a"]})
    >>> ck = load_checkpoint(p)
    >>> ck["config"], ck["model_state"]["w"].tolist()
    ({'dim': 2}, [1.0, 1.0])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": CHECKPOINT_FORMAT,
        "version": _VERSION,
        "model_state": {k: v.detach().cpu() for k, v in model_state.items()},
        "config": dict(config),
        "vocab": dict(vocab),
        "extra": _to_cpu(dict(extra or {})),
    }
    with atomic_write(path) as f:
        out = _KeepWriteError(f)
        try:
            torch.save(payload, cast(IO[bytes], out))  # torch.save calls only write and flush
        except RuntimeError:
            if out.error is not None:  # the file's own OSError (a full disk, ...): atomic_write names the file
                raise out.error from None
            raise
    return path


class _KeepWriteError:
    """The ``write`` and ``flush`` that ``torch.save`` uses, keeping the ``OSError`` of a failed
    write: torch reports it as a RuntimeError of its own (``unexpected pos 704 vs 598``)."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f = f
        self.error: OSError | None = None

    def write(self, data: bytes) -> int:
        try:
            return self.f.write(data)
        except OSError as exc:
            self.error = exc
            raise

    def flush(self) -> None:
        try:
            self.f.flush()
        except OSError as exc:
            self.error = exc
            raise


def load_checkpoint(path: str | os.PathLike, *, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``).

    Returns
    -------
    dict
        ``{"format", "version", "model_state", "config", "vocab", "extra"}``, each checked for its
        type (``model_state`` maps names to tensors; the others are dicts).

    Raises
    ------
    MissingFileError
        No such file (a ``FileNotFoundError``).
    ModelFileError
        The file is damaged, not an embedkit checkpoint, lacks an entry, or holds pickled Python
        objects (which are never loaded: unpickling can run code).
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(path, "checkpoint")
    try:
        with warnings.catch_warnings():  # torch warns (several lines) about pickle protocols it then refuses
            warnings.simplefilter("ignore")
            ck = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        # torch's message advises weights_only=False, which would run whatever code the file holds
        with open(path, "rb") as f:
            head = f.read(2)
        if "Unsupported global" in str(exc) or head[:1] == b"\x80":  # a pickle stream starts with PROTO (0x80)
            raise ModelFileError(path, PICKLE_REFUSED) from None
        what = "a damaged or foreign PyTorch file" if head == b"PK" else "not a PyTorch file"
        raise ModelFileError(path, f"not a readable embedkit checkpoint ({what})") from None
    except Exception as exc:  # torch raises several types for a damaged or foreign file
        with open(path, "rb") as f:
            head = f.read(2)
        # torch's own words (an index, "pop from empty list") say nothing about the file unless it is a zip
        what = f"a damaged PyTorch file: {_first_line(exc)}" if head == b"PK" else "not a PyTorch file"
        raise ModelFileError(path, f"not a readable embedkit checkpoint ({what})") from exc
    if not isinstance(ck, dict) or ck.get("format") != CHECKPOINT_FORMAT:
        raise ModelFileError(path, "not an embedkit checkpoint")
    for key in ("model_state", "config", "vocab", "extra"):
        if key not in ck:
            raise ModelFileError(path, f"the checkpoint has no {key!r} entry")
        if not isinstance(ck[key], dict):
            raise ModelFileError(path, f"the checkpoint's {key!r} entry is a {type(ck[key]).__name__}, not a dict")
    for name, value in ck["model_state"].items():
        if not isinstance(name, str) or not isinstance(value, torch.Tensor):
            raise ModelFileError(path, f"the checkpoint's weights hold {name!r}, which is not a named tensor")
    return ck


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def resolve_checkpoint(path: str | os.PathLike) -> Path:
    """``path`` itself, or for a folder of ``epoch-K.pt`` files (a ``checkpoint_dir``) the latest.

    Raises :class:`~embedkit.errors.MissingFileError` (a ``FileNotFoundError``) for a missing path or a folder without checkpoints.
    """
    p = Path(path)
    if p.is_dir():
        latest = latest_checkpoint(p)
        if latest is None:
            raise MissingFileError(p, "checkpoint", hint="a folder without epoch-K.pt files")
        return latest
    if not p.is_file():
        raise MissingFileError(p, "checkpoint")
    return p


def checkpoint_vocab(path: str | os.PathLike, ck: Mapping[str, Any], *, max_words: int = MAX_VOCAB) -> Vocabulary:
    """The checkpoint's vocabulary, its plain data checked (lists of strings, at most ``max_words``)."""
    d = ck["vocab"]
    words, specials, counts = d.get("words"), d.get("specials"), d.get("counts", [])
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ModelFileError(path, "the checkpoint's vocabulary has no list of words")
    if not isinstance(specials, (list, tuple)) or not all(isinstance(w, str) for w in specials):
        raise ModelFileError(path, "the checkpoint's vocabulary has no list of special tokens")
    if not isinstance(counts, list) or not all(isinstance(c, int) for c in counts):
        raise ModelFileError(path, "the checkpoint's vocabulary counts are not a list of integers")
    if len(words) > max_words:
        raise ModelFileError(path, f"the vocabulary holds {len(words):,} words, more than the {max_words:,} allowed")
    try:
        return Vocabulary(list(words), tuple(specials), list(counts))
    except ValueError as exc:
        raise ModelFileError(path, f"bad vocabulary: {exc}") from None


def check_weights(path: str | os.PathLike, state: Mapping[str, torch.Tensor], build: Callable[[], nn.Module]) -> None:
    """Check that ``state`` has exactly the names and shapes of the model ``build()`` makes from the
    file's config and vocabulary, building that model on the ``meta`` device (no memory), so that a
    config edited to absurd sizes fails here, before any real allocation.

    Raises :class:`~embedkit.errors.ModelFileError` naming the first mismatch.
    """
    try:
        with torch.device("meta"):
            expected = build().state_dict()
    except (ValueError, TypeError, RuntimeError) as exc:
        raise ModelFileError(path, f"its config does not describe a model: {_first_line(exc)}") from None
    match_state(path, state, expected)


def match_state(
    path: str | os.PathLike, state: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Tensor]
) -> None:
    """Check that ``state`` (read from ``path``) has exactly the names and shapes of ``expected``
    (a model's ``state_dict()``); raise :class:`~embedkit.errors.ModelFileError` naming the first mismatch."""
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}")
        if unexpected:
            parts.append(f"unexpected {', '.join(unexpected[:3])}{' ...' if len(unexpected) > 3 else ''}")
        raise ModelFileError(path, f"the weights do not match the model its config describes ({'; '.join(parts)})")
    for name, ref in expected.items():
        got = tuple(state[name].shape)
        if got != tuple(ref.shape):
            raise ModelFileError(
                path,
                f"weight {name!r} is {_shape(got)} but the file's config and vocabulary "
                f"make it {_shape(tuple(ref.shape))}",
            )


def _shape(shape: tuple[int, ...]) -> str:
    return " x ".join(str(n) for n in shape) if shape else "a scalar"


def _to_cpu(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_cpu(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_to_cpu(v) for v in obj)
    return obj


def epoch_checkpoints(checkpoint_dir: str | os.PathLike) -> list[Path]:
    """The ``epoch-K.pt`` files the trainers write in ``checkpoint_dir``, by increasing K."""
    d = Path(checkpoint_dir)
    if not d.is_dir():
        return []
    found = sorted((int(m.group(1)), p) for p in d.iterdir() if (m := _EPOCH_RE.match(p.name)))
    return [p for _, p in found]


def latest_checkpoint(checkpoint_dir: str | os.PathLike) -> Path | None:
    """The ``epoch-K.pt`` with the highest K in ``checkpoint_dir``, or ``None``."""
    found = epoch_checkpoints(checkpoint_dir)
    return found[-1] if found else None
