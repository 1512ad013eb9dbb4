"""The transformer language model's key-value cache: the context window's token ids and, for every
layer, the keys and values of every token in it, so that a new token costs one position.

The window is today's (see :mod:`.transformer`): the latest ``block`` tokens, positions counted from
its start. While the window only grows, the cached keys and values stay exact and each new token
is computed alone against them. When the window slides, every position of every token in it
changes (positions are absolute and added at the input, and each layer's keys depend on the
earlier layers' outputs over the window), so nothing cached stays valid: the window is recomputed.
With ``stride=1`` it slides by one token, exactly as today, so the distribution of every next
token equals today's recomputation (past the block each token then costs one window).
With a larger ``stride`` a full window slides by ``stride`` tokens at once and grows again from
``block - stride`` tokens: one recomputation per ``stride`` tokens, but each token sees between
``block - stride`` and ``block - 1`` earlier tokens instead of ``block - 1``, as the positions
``block - stride`` .. ``block - 1`` see them in training. That is a different distribution.

With rotary positions (``positions="rope"``, :mod:`.rope`) the model attends at every layer to the
``window`` latest positions and a key's rotation depends on its own position only, so a cached key and
value stay exact however far the text goes: the cache is a ring buffer of ``window`` slots per layer,
position p in slot ``p % window``, and a new token writes its key and value over the one that has just
left its window and attends to the slots (their order does not matter to attention). Every new token
costs one position, inside the window and past it, and the features equal the uncached banded
computation at every position. The ring is written in place, so a rope cache must be fed once; beam
search's :meth:`KVCache.select` copies it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["KVCache"]


@dataclass(frozen=True)
class KVCache:
    """The context of a :class:`~embedkit.nn.lm.transformer.TransformerLM` call: the window's token
    ids ``(B, L)`` and each layer's keys and values ``(B, heads, L, head_dim)``; immutable, so beam
    search may keep several, except a rope model's rings, which the next token writes in place (feed such a
    cache once; :meth:`select` copies it).

    ``stride``: how many tokens a full window slides at once (1: exactly as the uncached model).
    ``offset`` and ``ring``: rope models' caches are ring buffers of ``ring`` slots (the window), keys and
    values ``(B, heads, ring, head_dim)``, position p in slot ``p % ring``, ``offset`` tokens seen so far, and
    ``ids`` empty (0 and 0 for the other models, whose positions count from the window's start).
    """

    ids: torch.Tensor
    keys: tuple[torch.Tensor, ...]
    values: tuple[torch.Tensor, ...]
    stride: int = 1
    offset: int = 0
    ring: int = 0

    @property
    def length(self) -> int:
        """How many tokens the window holds."""
        if self.ring:
            return min(self.offset, self.ring)
        return int(self.ids.shape[1])

    def ordered(self) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
        """A ring's keys and values in position order, oldest first: ``(B, heads, length, head_dim)`` each."""
        order = torch.arange(self.offset - self.length, self.offset, device=self.ids.device) % max(1, self.ring)
        return tuple(k.index_select(2, order) for k in self.keys), tuple(v.index_select(2, order) for v in self.values)

    @staticmethod
    def rolled(
        ids: torch.Tensor, keys: tuple[torch.Tensor, ...], values: tuple[torch.Tensor, ...], offset: int, ring: int
    ) -> KVCache:
        """A ring of ``ring`` slots from keys and values in position order ``(B, heads, L, head_dim)`` of the
        positions ``offset - L`` .. ``offset - 1``: the latest ``ring`` of them, each in its slot."""
        n = min(ring, keys[0].shape[2]) if keys else 0
        slots = torch.arange(offset - n, offset, device=ids.device) % ring

        def ring_of(x: torch.Tensor) -> torch.Tensor:
            buf = x.new_zeros(x.shape[0], x.shape[1], ring, x.shape[3])  # (B, nh, ring, hd)
            return buf.index_copy_(2, slots, x[:, :, x.shape[2] - n :])

        return KVCache(ids[:, :0], tuple(map(ring_of, keys)), tuple(map(ring_of, values)), 1, offset, ring)

    def select(self, index: torch.Tensor) -> KVCache:
        """The cache of the batch rows ``index`` (beam search)."""
        return KVCache(
            self.ids.index_select(0, index),
            tuple(k.index_select(0, index) for k in self.keys),
            tuple(v.index_select(0, index) for v in self.values),
            self.stride,
            self.offset,
            self.ring,
        )
