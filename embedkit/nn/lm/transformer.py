"""A decoder-only transformer language model (Vaswani et al. 2017; GPT's pre-norm blocks, after minGPT).

Built from small modules: :class:`CausalSelfAttention` (multi-head, scaled dot-product, causal
mask), :class:`MLP`, a pre-norm residual :class:`Block`, and :class:`TransformerLM`, which fits
the :class:`~embedkit.nn.lm.models.LanguageModel` contract::

    h, state = model(ids, state)      # ids (B, T) -> features (B, T, C)

Its ``state`` is the context carried between calls: the last ``block - 1`` token ids ``(B, L)``
(empty at the start). Each call attends over ``state`` followed by ``ids``, at most ``block``
tokens, with positions counted from the start of that window, so generation feeds one token at
a time and sees the ``block`` latest tokens, as in training. A key-value cache
(:meth:`TransformerLM.init_cache`, :class:`~embedkit.nn.lm.kvcache.KVCache`) as ``state`` gives
the same features and keeps every layer's keys and values, so that a new token costs one position
until the window slides. Training uses no state: the trainer draws random contiguous blocks of
``block + 1`` tokens (see :func:`embedkit.nn.lm.train.fit`), so every position 0 .. ``block - 1``
of the window is trained; held-out loss is measured on consecutive non-overlapping blocks, as
nanoGPT measures it.

With ``positions="rope"`` (:mod:`.rope`) there is no position embedding: queries and keys are rotated by
their position and every layer attends to the ``window`` latest tokens (default: ``block``), so the model
reads text of any length. Its ``state`` is then the last ``layers x (window - 1)`` token ids, the context
a new token's features depend on, and each call is the banded forward over that context and the new ids;
its key-value cache is a ring of the ``window`` latest keys and values per layer, exact at every position.
Held-out loss is measured on that cache, as the model generates.
"""

from __future__ import annotations

import math
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError
from .base import LanguageModel, Objective
from .kvcache import KVCache
from .rope import band_mask, rope_tables, rotate

__all__ = ["MLP", "Block", "CausalSelfAttention", "TransformerLM", "sinusoidal_positions"]


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t attends to positions 0 .. t only, or with ``window``
    to the ``window`` latest positions t - window + 1 .. t (sliding-window attention)."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0, window: int | None = None) -> None:
        super().__init__()
        if dim % heads:
            raise ConfigError(f"dim ({dim}) must be a multiple of heads ({heads})")
        self.heads = heads
        self.window = window
        self.qkv = nn.Linear(dim, 3 * dim)  # queries, keys and values of every head in one product
        self.proj = nn.Linear(dim, dim)
        self.dropout = dropout
        self.resid_drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, rope: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        """``x`` (B, T, C) -> (B, T, C); ``rope``: the cosines and sines (T, hd) that rotate queries and keys."""
        b, t, c = x.shape  # (B, T, C)
        q, k, v = self.qkv(x).split(c, dim=2)  # 3 x (B, T, C)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)  # (B, nh, T, hd)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)  # (B, nh, T, hd)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)  # (B, nh, T, hd)
        if rope is not None:
            q, k = rotate(q, *rope), rotate(k, *rope)
        # softmax(q k^T / sqrt(hd) + causal mask) v, written out: on CPU under bfloat16 autocast the
        # matrix products run on AMX, while torch's fused flash-attention kernel's backward pass
        # is several times slower than the whole rest of the step
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))  # (B, nh, T, T)
        if self.window is None:
            hidden = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)  # (T, T): True above the diagonal
        else:
            hidden = ~band_mask(t, t, self.window, x.device)  # (T, T): the future and the keys past the window
        att = att.masked_fill(hidden, float("-inf")).softmax(dim=-1)
        if self.training and self.dropout:
            att = F.dropout(att, self.dropout)
        y = att.to(v.dtype) @ v  # (B, nh, T, hd)
        y = y.transpose(1, 2).reshape(b, t, c)  # (B, T, C): the heads side by side
        return self.resid_drop(self.proj(y))

    def step(
        self,
        x: torch.Tensor,
        past: tuple[torch.Tensor, torch.Tensor] | None,
        keep: int | None = None,
        rope: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """:meth:`forward` for new positions ``x`` (B, T, C) after ``past``'s keys and values (B, nh, P, hd)
        each (rotated, with ``rope``): the outputs of the last ``keep`` positions (all with ``None``) and the
        keys and values of all P + T positions."""
        b, t, c = x.shape  # (B, T, C)
        qkv = self.qkv(x).view(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)  # (3, B, nh, T, hd)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (B, nh, T, hd) each
        if rope is not None:
            q, k = rotate(qkv[:2], *rope).unbind(0)  # queries and keys turned together
        if past is not None:
            k = torch.cat([past[0], k], dim=2)  # (B, nh, P + T, hd)
            v = torch.cat([past[1], v], dim=2)
        if keep is not None and keep < t:
            q = q[:, :, t - keep :]  # (B, nh, keep, hd): the queries whose outputs are needed
        tq, total = q.shape[2], k.shape[2]
        seen = None  # query i sits at position total - tq + i and sees the keys up to it (and within the window)
        if self.window is not None and (tq > 1 or total > self.window):
            seen = band_mask(tq, total, self.window, x.device)  # (tq, P + T)
        elif tq > 1:
            seen = torch.ones(tq, total, dtype=torch.bool, device=x.device).tril(total - tq)  # (tq, P + T)
        # torch's fused kernel: inference only (see forward for why training writes the product out)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=seen, dropout_p=self.dropout if self.training else 0.0)
        y = self.proj(y.transpose(1, 2).reshape(b, tq, c))  # (B, tq, C)
        return (self.resid_drop(y) if self.training else y), k, v

    def roll(
        self,
        x: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        slot: int,
        n: int,
        rope: tuple[torch.Tensor, ...],
    ) -> torch.Tensor:
        """One new position ``x`` (B, 1, C) on a ring of keys and values (B, nh, W, hd) (inference only): its key
        and value are written in place into ``slot``, and it attends to the first ``n`` slots."""
        b, _, c = x.shape  # (B, 1, C)
        # F.linear rather than the modules' calls: a token's work is small, so the per-call overhead shows
        qkv = F.linear(x, self.qkv.weight, self.qkv.bias)
        qkv = qkv.view(b, 1, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)  # (3, B, nh, 1, hd)
        qk = rotate(qkv[:2], rope[0], rope[1])  # (2, B, nh, 1, hd)
        keys[:, :, slot : slot + 1] = qk[1]
        values[:, :, slot : slot + 1] = qkv[2]
        y = F.scaled_dot_product_attention(qk[0], keys[:, :, :n], values[:, :, :n])  # (B, nh, 1, hd)
        return F.linear(y.transpose(1, 2).reshape(b, 1, c), self.proj.weight, self.proj.bias)  # (B, 1, C)


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

    def __init__(self, dim: int, heads: int, hidden: int, dropout: float = 0.0, window: int | None = None) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads, dropout, window)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = MLP(dim, hidden, dropout)

    def forward(self, x: torch.Tensor, rope: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        """``x`` (B, T, C) -> (B, T, C); ``rope`` as for :meth:`CausalSelfAttention.forward`."""
        x = x + self.attn(self.ln1(x), rope)  # (B, T, C)
        return x + self.mlp(self.ln2(x))  # (B, T, C)

    def step(
        self,
        x: torch.Tensor,
        past: tuple[torch.Tensor, torch.Tensor] | None,
        keep: int | None = None,
        rope: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """:meth:`forward` for new positions after cached keys and values (see :meth:`CausalSelfAttention.step`):
        the last ``keep`` positions' outputs (B, keep, C), the layer's keys and values."""
        a, k, v = self.attn.step(self.ln1(x), past, keep, rope)
        if keep is not None and keep < x.shape[1]:
            x = x[:, x.shape[1] - keep :]  # (B, keep, C)
        x = x + a
        if self.training:
            return x + self.mlp(self.ln2(x)), k, v
        return x + self.mlp.proj(F.gelu(self.mlp.fc(self.ln2(x)))), k, v  # the MLP without its dropout: fewer calls

    def roll(
        self,
        x: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        slot: int,
        n: int,
        rope: tuple[torch.Tensor, ...],
    ) -> torch.Tensor:
        """:meth:`forward` for one new position on a ring of keys and values (see :meth:`CausalSelfAttention.roll`)."""
        ln1, ln2, fc, proj = self.ln1, self.ln2, self.mlp.fc, self.mlp.proj
        a = F.layer_norm(x, ln1.normalized_shape, ln1.weight, ln1.bias, ln1.eps)
        x = x + self.attn.roll(a, keys, values, slot, n, rope)  # (B, 1, C)
        a = F.layer_norm(x, ln2.normalized_shape, ln2.weight, ln2.bias, ln2.eps)
        return x + F.linear(F.gelu(F.linear(a, fc.weight, fc.bias)), proj.weight, proj.bias)


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
        window: int | None = None,
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
        self.window: int | None = None
        if positions == "learned":
            self.pos = nn.Embedding(block, dim)
        elif positions == "sinusoidal":
            self.register_buffer("pe", sinusoidal_positions(block, dim), persistent=False)
        elif positions == "rope":
            self.window = block if window is None else window
            if self.window < 1:
                raise ConfigError(f"window must be >= 1, got {self.window}")
            if dim % heads == 0 and (dim // heads) % 2:
                raise ConfigError(f"rope positions need an even head dimension; dim / heads = {dim // heads}")
        else:
            raise ConfigError(f"unknown positions {positions!r}; expected learned, sinusoidal or rope")
        if window is not None and positions != "rope":
            raise ConfigError(f"a window applies to rope positions; these are {positions}")
        self.head_dim = dim // heads if dim % heads == 0 else 0
        # rope: the rotations of a run of positions, reused by the next tokens (a memo of rope_tables)
        self._angles: tuple[int, torch.Tensor, torch.Tensor] = (0, torch.zeros(0), torch.zeros(0))
        self.blocks = nn.ModuleList(Block(dim, heads, hidden, dropout, self.window) for _ in range(layers))
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

    @property
    def context(self) -> int:
        """The tokens before a new one that its features depend on: ``block - 1``, or with rope positions
        ``layers x (window - 1)`` (each layer reaches ``window - 1`` positions further back)."""
        if self.window is None:
            return self.block - 1
        return len(self.blocks) * (self.window - 1)

    def encode(self, ids: torch.Tensor) -> torch.Tensor:
        """One window ``ids`` (B, L), positions 0 .. L-1 -> features (B, L, C); L <= block, or any length with
        rope positions (the banded forward: each position attends to the ``window`` latest at every layer)."""
        t = ids.shape[1]
        if self.window is not None:
            rope = rope_tables(0, t, self.head_dim, ids.device)  # (L, hd) each
            x = self.drop(self.embedding(ids))  # (B, L, C)
            for blk in self.blocks:
                x = blk(x, rope)
            return self.ln_f(x)  # (B, L, C)
        if t > self.block:
            raise ConfigError(f"a window of {t} tokens is longer than the block of {self.block}")
        pos = self.pos.weight[:t] if self.positions == "learned" else self.pe[:t]  # (L, C)
        x = self.drop(self.embedding(ids) + pos)  # (B, L, C)
        for blk in self.blocks:
            x = blk(x)
        return self.ln_f(x)  # (B, L, C)

    def init_cache(self, batch_size: int, device: torch.device | str = "cpu", *, stride: int = 1) -> KVCache:
        """An empty :class:`~embedkit.nn.lm.kvcache.KVCache`: pass it as ``state`` and each new token costs one
        position; ``stride`` (1 .. ``block - 1``) is how far a full window slides at once (1: exactly as
        without a cache)."""
        if self.window is not None and stride != 1:
            raise ConfigError(
                f"stride applies to learned or sinusoidal positions; a rope model's cache rolls one token at a "
                f"time, exactly, got {stride!r}"
            )
        if isinstance(stride, bool) or not isinstance(stride, int) or not 1 <= stride < self.block:
            raise ConfigError(f"stride must be an integer in 1..{self.block - 1} (the block less one), got {stride!r}")
        empty = torch.zeros(batch_size, 0, dtype=torch.long, device=device)  # (B, 0)
        return KVCache(empty, (), (), stride)

    def _run(self, ids: torch.Tensor, start: int, cache: KVCache | None, keep: int) -> tuple[torch.Tensor, KVCache]:
        """``ids`` (B, T) at positions ``start`` .. ``start + T - 1`` after ``cache``'s keys and values ->
        the last ``keep`` positions' features (B, keep, C) and the keys and values of every position."""
        t = ids.shape[1]
        rope = None
        if self.window is not None:
            rope = rope_tables(start, t, self.head_dim, ids.device)  # (T, hd) each
            x = self.drop(self.embedding(ids))  # (B, T, C)
        else:
            pos = self.pos.weight[start : start + t] if self.positions == "learned" else self.pe[start : start + t]
            x = self.drop(self.embedding(ids) + pos)  # (B, T, C)
        keys, values = [], []
        for i, blk in enumerate(self.blocks):
            past = (cache.keys[i], cache.values[i]) if cache is not None and cache.keys else None
            # only the last layer can drop the rows nobody reads: every layer's keys need the one below
            x, k, v = cast(Block, blk).step(x, past, keep if i == len(self.blocks) - 1 else None, rope)
            keys.append(k)
            values.append(v)
        if not self.blocks:
            x = x[:, t - keep :]
        before = cache.ids if cache is not None else ids[:, :0]
        return self.ln_f(x), KVCache(torch.cat([before, ids], dim=1), tuple(keys), tuple(values))

    def cached_features(self, ids: torch.Tensor, cache: KVCache) -> tuple[torch.Tensor, KVCache]:
        """:meth:`features` on a key-value cache: ``ids`` (B, T) after ``cache`` -> features (B, T, C) and the
        new cache. While the window grows, only the new tokens are computed; when it must slide, the slid
        window is computed afresh (see :mod:`~embedkit.nn.lm.kvcache`)."""
        if self.window is not None:
            return self._rolled(ids, cache)
        outs = []
        for s in range(0, ids.shape[1], self.block):  # the chunks of :meth:`features`
            chunk = ids[:, s : s + self.block]  # (B, t)
            t = chunk.shape[1]
            if cache.length + t <= self.block:  # the window grows: positions unchanged, the cache valid
                h, grown = self._run(chunk, cache.length, cache, t)
            else:  # the window slides: every position changes
                ctx = torch.cat([cache.ids, chunk], dim=1)  # (B, L + t)
                cut = min(max(ctx.shape[1] - self.block, cache.stride), cache.length)
                h, grown = self._run(ctx[:, cut:], 0, None, t)
            cache = KVCache(grown.ids, grown.keys, grown.values, cache.stride)
            outs.append(h)  # (B, t, C)
        h = torch.cat(outs, dim=1) if len(outs) != 1 else outs[0]  # (B, T, C)
        return h, cache

    def _rolled(self, ids: torch.Tensor, cache: KVCache) -> tuple[torch.Tensor, KVCache]:
        """:meth:`cached_features` with rope positions: each new token is computed once against the cached keys
        and values, and the cache is a ring of the ``window`` latest (see :mod:`~embedkit.nn.lm.kvcache`): exact,
        since a rotated key does not change as the text goes on. One token writes its slot in place; a chunk
        of several is computed against the ring in position order and makes a new ring."""
        w = cast(int, self.window)
        if ids.shape[1] == 1 and cache.ring and not self.training:
            p = cache.offset
            start, cos, sin = self._angles
            stale = cos.device != ids.device or (torch.is_inference(cos) and not torch.is_inference_mode_enabled())
            if stale or not start <= p < start + len(cos):  # the next 512 positions' rotations
                start, (cos, sin) = p, rope_tables(p, 512, self.head_dim, ids.device)
                self._angles = (start, cos, sin)
            rope = (cos[p - start : p - start + 1], sin[p - start : p - start + 1])  # (1, hd) each
            x = F.embedding(ids, self.embedding.weight)  # (B, 1, C)
            for i, blk in enumerate(self.blocks):
                x = cast(Block, blk).roll(x, cache.keys[i], cache.values[i], p % w, min(p + 1, w), rope)
            ln = self.ln_f
            x = F.layer_norm(x, ln.normalized_shape, ln.weight, ln.bias, ln.eps)
            return x, KVCache(cache.ids, cache.keys, cache.values, 1, p + 1, w)
        outs = []
        for s in range(0, ids.shape[1], self.block):  # chunks bound the (chunk, window + chunk) attention masks
            chunk = ids[:, s : s + self.block]  # (B, t)
            keys, values = cache.ordered()
            past = KVCache(cache.ids, keys, values) if cache.ring else None
            h, grown = self._run(chunk, cache.offset, past, chunk.shape[1])
            cache = KVCache.rolled(chunk, grown.keys, grown.values, cache.offset + chunk.shape[1], w)
            outs.append(h)  # (B, t, C)
        h = torch.cat(outs, dim=1) if len(outs) != 1 else outs[0]  # (B, T, C)
        return h, cache

    def features(self, ids: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """``ids`` (B, T) after the context ``state`` (B, L) -> features (B, T, C), computed in chunks of at most
        ``block`` tokens, and the last ``block - 1`` tokens as the new context. A :class:`KVCache` as
        ``state`` runs :meth:`cached_features`."""
        if isinstance(state, KVCache):
            return self.cached_features(ids, state)
        keep = self.context
        span = self.block if self.window is None else keep + self.block  # rope: the context, then the chunk
        outs = []
        # Chunks of at most ``block`` new tokens; each attends over the carried context and itself,
        # cropped to the latest ``block`` tokens (rope: computed afresh with the context their features need).
        for s in range(0, ids.shape[1], self.block):
            chunk = ids[:, s : s + self.block]  # (B, t)
            ctx = torch.cat([state, chunk], dim=1)  # (B, L + t)
            ctx = ctx[:, max(0, ctx.shape[1] - span) :]  # (B, <= span)
            outs.append(self.encode(ctx)[:, ctx.shape[1] - chunk.shape[1] :])  # (B, t, C)
            state = ctx[:, max(0, ctx.shape[1] - keep) :] if keep else ctx[:, :0]
        h = torch.cat(outs, dim=1) if len(outs) != 1 else outs[0]  # (B, T, C)
        return h, state

    def forward(self, ids: torch.Tensor, state: Any = None) -> tuple[torch.Tensor, Any]:
        """``ids`` (B, T) after the context ``state`` (B, L), or a :class:`KVCache` -> features (B, T, C), the new
        context."""
        return super().forward(ids, state)

    @staticmethod
    def select_state(state: Any, index: torch.Tensor) -> Any:
        """Reorder the batch dimension of ``state``, ids or a :class:`KVCache` (beam search)."""
        if isinstance(state, KVCache):
            return state.select(index)
        return LanguageModel.select_state(state, index)
