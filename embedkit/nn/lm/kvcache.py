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
value stay exact however far the text goes: the cache is a rolling buffer of each layer's ``window - 1``
latest keys and values, every new token costs one position, inside the window and past it, and the
features equal the uncached banded computation at every position.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["KVCache"]


@dataclass(frozen=True)
class KVCache:
    """The context of a :class:`~embedkit.nn.lm.transformer.TransformerLM` call: the window's token
    ids ``(B, L)`` and each layer's keys and values ``(B, heads, L, head_dim)``; immutable, so beam
    search may keep several.

    ``stride``: how many tokens a full window slides at once (1: exactly as the uncached model).
    ``offset``: the position in the text of the first cached token (rope models, whose cache rolls;
    0 for the others, whose positions count from the window's start).
    """

    ids: torch.Tensor
    keys: tuple[torch.Tensor, ...]
    values: tuple[torch.Tensor, ...]
    stride: int = 1
    offset: int = 0

    @property
    def length(self) -> int:
        """How many tokens the window holds."""
        return int(self.ids.shape[1])

    def select(self, index: torch.Tensor) -> KVCache:
        """The cache of the batch rows ``index`` (beam search)."""
        return KVCache(
            self.ids.index_select(0, index),
            tuple(k.index_select(0, index) for k in self.keys),
            tuple(v.index_select(0, index) for v in self.values),
            self.stride,
            self.offset,
        )
