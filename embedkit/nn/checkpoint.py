"""Model-agnostic checkpoints: state dicts plus plain data, written atomically, read with
``torch.load(weights_only=True)`` (no pickle of arbitrary objects, so loading a file cannot run code)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from .._fs import atomic_write

__all__ = ["CHECKPOINT_FORMAT", "epoch_checkpoints", "latest_checkpoint", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_FORMAT = "embedkit-checkpoint"
_VERSION = 1
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
        torch.save(payload, f)
    return path


def load_checkpoint(path: str | os.PathLike, *, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``).

    Returns
    -------
    dict
        ``{"format", "version", "model_state", "config", "vocab", "extra"}``.

    Raises
    ------
    ValueError
        The file is not an embedkit checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such checkpoint: {str(path)!r}")
    try:
        ck = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises several types for a damaged or foreign file
        raise ValueError(f"{path} is not a readable embedkit checkpoint: {exc}") from exc
    if not isinstance(ck, dict) or ck.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not an embedkit checkpoint")
    return ck


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
