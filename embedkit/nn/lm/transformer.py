"""A decoder-only transformer language model (Vaswani et al. 2017; GPT's pre-norm blocks, after minGPT).

Built from small modules: :class:`CausalSelfAttention` (multi-head, scaled dot-product, causal
mask), :class:`MLP`, a pre-norm residual :class:`Block`, and :class:`TransformerLM`, which fits
the :class:`~embedkit.nn.lm.models.LanguageModel` contract::

    h, state = model(ids, state)      # ids (B, T) -> features (B, T, C)

Its ``state`` is the context carried between calls: the last ``block - 1`` token ids ``(B, L)``
(empty at the start). Each call attends over ``state`` followed by ``ids``, at most ``block``
tokens, with positions counted from the start of that window, so generation feeds one token at
a time and sees the ``block`` latest tokens, as in training. Training uses no state: the trainer
draws random contiguous blocks of ``block + 1`` tokens (see :func:`embedkit.nn.lm.train.fit`),
so every position 0 .. ``block - 1`` of the window is trained; held-out loss is measured on
consecutive non-overlapping blocks, as nanoGPT measures it.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError
from .base import LanguageModel, Objective

__all__ = ["MLP", "Block", "CausalSelfAttention", "TransformerLM", "sinusoidal_positions"]


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t attends to positions 0 .. t only."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        if dim % heads:
            raise ConfigError(f"dim ({dim}) must be a multiple of heads ({heads})")
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)  # queries, keys and values of every head in one product
        self.proj = nn.Linear(dim, dim)
        self.dropout = dropout
        self.resid_drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape  # (B, T, C)
        q, k, v = self.qkv(x).split(c, dim=2)  # 3 x (B, T, C)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)  # (B, nh, T, hd)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)  # (B, nh, T, hd)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)  # (B, nh, T, hd)
        # softmax(q k^T / sqrt(hd) + causal mask) v, written out: on CPU under bfloat16 autocast the
        # matrix products run on AMX, while torch's fused flash-attention kernel's backward pass
        # is several times slower than the whole rest of the step
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))  # (B, nh, T, T)
        future = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)  # (T, T): True above the diagonal
        att = att.masked_fill(future, float("-inf")).softmax(dim=-1)
        if self.training and self.dropout:
            att = F.dropout(att, self.dropout)
        y = att.to(v.dtype) @ v  # (B, nh, T, hd)
        y = y.transpose(1, 2).reshape(b, t, c)  # (B, T, C): the heads side by side
        return self.resid_drop(self.proj(y))


class MLP(nn.Module):
    """The position-wise feed-forward network: ``C -> hidden -> C`` with a GELU."""

    def __init__(self, dim: int, hidden: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.fc = nn.Linear(dim, hidden)
        self.proj = nn.Linear(hidden, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.proj(F.gelu(self.fc(x))))  # (B, T, C)


class Block(nn.Module):
    """A pre-norm residual block: ``x + attn(ln(x))``, then ``x + mlp(ln(x))``."""

    def __init__(self, dim: int, heads: int, hidden: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads, dropout)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = MLP(dim, hidden, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))  # (B, T, C)
        return x + self.mlp(self.ln2(x))  # (B, T, C)


def sinusoidal_positions(length: int, dim: int) -> torch.Tensor:
    """``(length, dim)`` fixed positions: ``sin(p / 10000^(2i/dim))`` in even columns, ``cos`` in odd ones.

    Examples
    --------
    >>> sinusoidal_positions(3, 4)[1].tolist()  # doctest: +ELLIPSIS
    [0.84..., 0.54..., 0.0099..., 0.99...]
    """
    pos = torch.arange(length, dtype=torch.float32)[:, None]  # (L, 1)
    freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))  # (ceil(C/2),)
    pe = torch.zeros(length, dim)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq[: dim // 2])
    return pe


class TransformerLM(LanguageModel):
    """A decoder-only transformer: token embedding plus positions, ``layers`` pre-norm blocks, a
    final layer norm and the output layer (tied to the token embedding with ``tie``).

    Initialised as GPT-2 is: normal(0, 0.02) weights, the residual projections scaled by
    ``1 / sqrt(2 * layers)`` so the residual stream's variance does not grow with depth.
    """

    kind = "transformer"
    pe: torch.Tensor  # the sinusoidal table, a buffer (positions="sinusoidal")
    stateful_training = False  # trained on independent random blocks: see the module docstring

    def __init__(
        self,
        vocab_size: int,
        *,
        dim: int = 128,
        hidden: int = 512,
        layers: int = 4,
        heads: int = 4,
        block: int = 128,
        positions: str = "learned",
        dropout: float = 0.0,
        tie: bool = False,
        objective: Objective = "full",
        num_sampled: int = 512,
        counts: torch.Tensor | None = None,
        context: int = 0,
        sparse: bool = False,
        negative: int = 5,
    ) -> None:
        super().__init__(
            vocab_size,
            dim=dim,
            out_dim=dim,
            hidden=hidden,
            tie=tie,
            objective=objective,
            num_sampled=num_sampled,
            counts=counts,
            dropout=dropout,
            sparse=sparse,
            negative=negative,
        )
        if block < 1:
            raise ConfigError(f"block must be >= 1, got {block}")
        self.block = block
        self.positions = positions
        if positions == "learned":
            self.pos = nn.Embedding(block, dim)
        elif positions == "sinusoidal":
            self.register_buffer("pe", sinusoidal_positions(block, dim), persistent=False)
        else:
            raise ConfigError(f"unknown positions {positions!r}; expected learned or sinusoidal")
        self.blocks = nn.ModuleList(Block(dim, heads, hidden, dropout) for _ in range(layers))
        self.ln_f = nn.LayerNorm(dim)
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith("proj.weight") and name.startswith("blocks."):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * layers))
        if self.output.objective != "adaptive" and not tie:
            nn.init.normal_(self.output.weight, 0.0, 0.02)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, 0.02)

    def init_state(self, batch_size: int, device: torch.device | str = "cpu") -> torch.Tensor:
        """An empty context: (B, 0) token ids."""
        return torch.zeros(batch_size, 0, dtype=torch.long, device=device)  # (B, 0): no context yet

    def encode(self, ids: torch.Tensor) -> torch.Tensor:
        """One window ``ids`` (B, L), L <= block, positions 0 .. L-1 -> features (B, L, C)."""
        t = ids.shape[1]
        if t > self.block:
            raise ConfigError(f"a window of {t} tokens is longer than the block of {self.block}")
        pos = self.pos.weight[:t] if self.positions == "learned" else self.pe[:t]  # (L, C)
        x = self.drop(self.embedding(ids) + pos)  # (B, L, C)
        for blk in self.blocks:
            x = blk(x)
        return self.ln_f(x)  # (B, L, C)

    def features(self, ids: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``ids`` (B, T) after the context ``state`` (B, L) -> features (B, T, C), computed in chunks of at most
        ``block`` tokens, and the last ``block - 1`` tokens as the new context."""
        keep = self.block - 1
        outs = []
        # Chunks of at most ``block`` new tokens; each attends over the carried context and itself,
        # cropped to the latest ``block`` tokens.
        for s in range(0, ids.shape[1], self.block):
            chunk = ids[:, s : s + self.block]  # (B, t)
            ctx = torch.cat([state, chunk], dim=1)  # (B, L + t)
            ctx = ctx[:, max(0, ctx.shape[1] - self.block) :]  # (B, <= block)
            outs.append(self.encode(ctx)[:, ctx.shape[1] - chunk.shape[1] :])  # (B, t, C)
            state = ctx[:, max(0, ctx.shape[1] - keep) :] if keep else ctx[:, :0]
        h = torch.cat(outs, dim=1) if len(outs) != 1 else outs[0]  # (B, T, C)
        return h, state

    def forward(self, ids: torch.Tensor, state: Any = None) -> tuple[torch.Tensor, Any]:
        """``ids`` (B, T) after the context ``state`` (B, L) -> features (B, T, C), the new context."""
        return super().forward(ids, state)
