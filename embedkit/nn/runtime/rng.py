"""The state of torch's random generators, saved in a checkpoint so that a resumed run draws what
the uninterrupted run would have drawn (dropout masks, sampled candidates, shuffles)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

__all__ = ["capture_rng_state", "restore_rng_state"]


def capture_rng_state(device: torch.device) -> dict[str, Any]:
    """torch's CPU generator state as ``"torch_rng"`` and, on CUDA, ``device``'s as ``"cuda_rng"``
    (plain tensors, so a checkpoint holding them loads with ``weights_only=True``).

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> state = capture_rng_state(torch.device("cpu"))
    >>> a = torch.rand(2)
    >>> restore_rng_state(state, torch.device("cpu"))
    >>> torch.equal(torch.rand(2), a)
    True
    """
    state: dict[str, Any] = {"torch_rng": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda_rng"] = torch.cuda.get_rng_state(device)
    return state


def restore_rng_state(state: Mapping[str, Any], device: torch.device) -> None:
    """Set the generators from a :func:`capture_rng_state` mapping (``"cuda_rng"`` only on CUDA,
    and only if the mapping has it)."""
    torch.set_rng_state(state["torch_rng"])
    if device.type == "cuda" and "cuda_rng" in state:
        torch.cuda.set_rng_state(state["cuda_rng"], device)
