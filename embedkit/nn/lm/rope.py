"""Rotary positions (RoPE, Su et al. 2021) and the sliding-window attention band of the transformer's
``positions="rope"``.

Rotary positions rotate each head's queries and keys by an angle proportional to their position
(GPT-NeoX's and LLaMA's "rotate half" layout: the first and second halves of a head's dimensions form
the pairs), so the product of the query at position m and the key at position n depends on m - n only.
A key computed once therefore stays valid however far the text goes on, which is what lets a rolling
key-value cache give exactly the uncached computation (:mod:`.kvcache`). The angles are computed in
float64 and only their cosines and sines rounded to float32, so a rotation at position 2,000 is as
accurate as one at position 0.

With a window of ``W`` keys each query attends to the ``W`` latest positions, itself included
(Mistral 7B's and Longformer's sliding window), at every layer.
"""

from __future__ import annotations

import torch

__all__ = ["ROPE_BASE", "band_mask", "rope_tables", "rotate"]

ROPE_BASE = 10000.0
"""The base of the rotary frequencies: dimension pair ``i`` of a head of ``d`` turns by ``base^(-2i/d)`` radians per position."""


def rope_tables(
    start: int, length: int, dim: int, device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """The cosines and signed sines ``(length, dim)`` each, float32, of positions ``start`` .. ``start + length - 1``
    for a head of ``dim`` (even) dimensions, in the rotate-half layout: both halves hold the same angles, and the
    sines of the first half are negated (what :func:`rotate` multiplies the swapped halves by).

    Examples
    --------
    >>> cos, sin = rope_tables(1, 1, 4)
    >>> [round(x, 4) for x in sin[0].tolist()]  # angles 1 and 1/100 radians
    [-0.8415, -0.01, 0.8415, 0.01]
    """
    freq = ROPE_BASE ** (-torch.arange(0, dim, 2, dtype=torch.float64, device=device) / dim)  # (d/2,)
    pos = torch.arange(start, start + length, dtype=torch.float64, device=device)  # (T,)
    angle = pos[:, None] * freq[None, :]  # (T, d/2)
    sin = angle.sin()
    return torch.cat([angle, angle], dim=1).cos().float(), torch.cat([-sin, sin], dim=1).float()


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """``x`` (..., T, d) rotated by the angles of :func:`rope_tables` ``(T, d)``: each pair ``(x_i, x_{i + d/2})``
    turns to ``(x_i cos - x_{i + d/2} sin, x_{i + d/2} cos + x_i sin)`` (the halves swapped, times the signed sines).

    Examples
    --------
    >>> cos, sin = rope_tables(1, 1, 2)  # one pair, one radian
    >>> [round(v, 4) for v in rotate(torch.tensor([[1.0, 0.0]]), cos, sin)[0].tolist()]
    [0.5403, 0.8415]
    """
    return x * cos + x.roll(x.shape[-1] // 2, dims=-1) * sin


def band_mask(queries: int, keys: int, window: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """``(queries, keys)`` booleans, True where a query may attend: the queries are the last ``queries`` of the
    ``keys`` positions, and each sees the ``window`` latest positions up to itself.

    Examples
    --------
    >>> band_mask(3, 4, 2).int().tolist()
    [[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]
    """
    q = torch.arange(keys - queries, keys, device=device)[:, None]  # (Q, 1): the queries' positions
    behind = q - torch.arange(keys, device=device)[None, :]  # (Q, K): how far back each key is
    return (behind >= 0) & (behind < window)
