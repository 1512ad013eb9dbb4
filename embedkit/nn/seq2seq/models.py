"""Encoder-decoders: recurrent (GRU or LSTM, with or without attention) and the transformer.

Every model has the same contract, so the trainer and the decoders know nothing of the architecture::

    logits = model(src, src_lengths, tgt_in)            # (B, S), (B,), (B, T) -> (B, T, V)
    state = model.start(src, src_lengths)               # encode once
    logp, state, attn = model.step(prev, state)         # prev (B,) -> log-probs (B, V), attn (B, M, S) or None
    state = model.reorder(state, index)                 # keep the rows ``index`` (beam search)

``src`` holds each source's ``src_lengths`` tokens then padding (any ids: only the lengths say what is real); ``tgt_in`` starts with
``<go>``. Padded source positions get no attention (weight exactly 0) and do not change any output; the
decoder never sees a later target token (teacher forcing feeds the true previous token, or with
``teacher_forcing`` < 1 sometimes the model's own prediction).

The recurrent decoders with attention follow Luong et al. (2015) with input feeding (the previous
attentional vector is fed with the next input token); the score between the decoder state ``h`` and an
encoder state ``k`` is ``additive`` (Bahdanau et al. 2015: ``v . tanh(W h + U k)``), ``dot`` (``h . k``) or
``general`` (``h . W k``). Without attention the encoder's final state initialises the decoder and is
all the decoder knows of the source (the lab's baseline). A bidirectional encoder's two final states
are joined by a linear layer into the decoder's initial state.
"""

from __future__ import annotations

import math
from typing import Any, cast

import torch
from torch import nn

from ...sequences.config import Seq2SeqConfig

__all__ = ["Attention", "RecurrentSeq2Seq", "TransformerSeq2Seq", "build_model"]

PAD_ID = 0
NEG = -1e9  # masked scores: exp underflows to exactly 0 after the softmax


def source_mask(src: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``True`` at the first ``lengths`` positions of each row, the real source tokens. # (B, S)"""
    return torch.arange(src.size(1), device=src.device).unsqueeze(0) < lengths.to(src.device).unsqueeze(1)


class Attention(nn.Module):
    """Scores of a query against every encoder state, softmax over the real (unpadded) source tokens."""

    def __init__(self, kind: str, query_dim: int, key_dim: int) -> None:
        super().__init__()
        self.kind = kind
        self.w_key: nn.Module
        if kind == "additive":
            self.w_query = nn.Linear(query_dim, query_dim, bias=False)
            self.w_key = nn.Linear(key_dim, query_dim, bias=True)
            self.v = nn.Linear(query_dim, 1, bias=False)
        elif kind == "general":
            self.w_key = nn.Linear(key_dim, query_dim, bias=False)
        elif kind == "dot":
            # Luong's dot needs keys of the query's size: a bidirectional encoder's are projected
            self.w_key = nn.Linear(key_dim, query_dim, bias=False) if key_dim != query_dim else nn.Identity()
        else:
            raise ValueError(f"unknown attention {kind!r}")

    def keys(self, enc: torch.Tensor) -> torch.Tensor:
        """Encoder states prepared once per source. # (B, S, Dk) -> (B, S, Dq)"""
        return self.w_key(enc)

    def forward(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Attention weights. # query (B, Dq), keys (B, S, Dq), mask (B, S) -> (B, S)"""
        if self.kind == "additive":
            scores = self.v(torch.tanh(self.w_query(query).unsqueeze(1) + keys)).squeeze(2)  # (B, S)
        else:
            scores = torch.bmm(keys, query.unsqueeze(2)).squeeze(2)  # (B, S)
        return torch.softmax(scores.masked_fill(~mask, NEG), dim=1)


class RecurrentSeq2Seq(nn.Module):
    """A GRU or LSTM encoder and decoder, with ``attention`` (``"additive"``, ``"dot"``, ``"general"``)
    or without (``None``)."""

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        *,
        cell: str = "gru",
        emb_dim: int = 64,
        hidden: int = 256,
        layers: int = 1,
        bidirectional: bool = False,
        attention: str | None = None,
        dropout: float = 0.0,
        src_embedding: nn.Embedding | None = None,
    ) -> None:
        super().__init__()
        rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[cell]
        self.cell, self.layers, self.hidden, self.dirs = cell, layers, hidden, 2 if bidirectional else 1
        self.src_emb = src_embedding if src_embedding is not None else nn.Embedding(src_vocab, emb_dim, PAD_ID)
        src_dim = self.src_emb.embedding_dim
        self.tgt_emb = nn.Embedding(tgt_vocab, emb_dim, PAD_ID)
        inter = dropout if layers > 1 else 0.0
        self.encoder = rnn(src_dim, hidden, layers, batch_first=True, bidirectional=bidirectional, dropout=inter)
        self.bridge = nn.Linear(hidden * self.dirs, hidden) if bidirectional else None
        self.attn = Attention(attention, hidden, hidden * self.dirs) if attention is not None else None
        feed = hidden if attention is not None else 0  # input feeding: the previous attentional vector
        self.decoder = rnn(emb_dim + feed, hidden, layers, batch_first=True, dropout=inter)
        self.combine = nn.Linear(hidden + hidden * self.dirs, hidden) if attention is not None else None
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, tgt_vocab)

    # -- encoder --
    def _bridge(self, h: torch.Tensor) -> torch.Tensor:
        # (layers * dirs, B, H) -> (layers, B, H)
        if self.bridge is None:
            return h
        h = h.view(self.layers, 2, h.size(1), self.hidden).permute(0, 2, 1, 3)  # (L, B, 2, H)
        return torch.tanh(self.bridge(h.reshape(self.layers, h.size(1), 2 * self.hidden)))

    def start(self, src: torch.Tensor, lengths: torch.Tensor) -> dict[str, Any]:
        """Encode ``src`` (B, S) into the decoder's initial state."""
        x = self.drop(self.src_emb(src))  # (B, S, E)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, final = self.encoder(packed)
        enc, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.size(1))  # (B, S, H*dirs)
        if self.cell == "lstm":
            hidden: Any = (self._bridge(final[0]).contiguous(), self._bridge(final[1]).contiguous())
        else:
            hidden = self._bridge(final).contiguous()
        state: dict[str, Any] = {"hidden": hidden}
        if self.attn is not None:
            state.update(
                enc=enc,
                keys=self.attn.keys(enc),
                mask=source_mask(src, lengths),
                feed=enc.new_zeros(src.size(0), self.hidden),
            )
        return state

    # -- decoder --
    def _step(
        self, prev: torch.Tensor, state: dict[str, Any]
    ) -> tuple[torch.Tensor, dict[str, Any], torch.Tensor | None]:
        emb = self.drop(self.tgt_emb(prev)).unsqueeze(1)  # (B, 1, E)
        if self.attn is None:
            out, hidden = self.decoder(emb, state["hidden"])
            return self.out(self.drop(out.squeeze(1))), {"hidden": hidden}, None
        out, hidden = self.decoder(torch.cat([emb, state["feed"].unsqueeze(1)], 2), state["hidden"])
        h = out.squeeze(1)  # (B, H)
        weights = self.attn(h, state["keys"], state["mask"])  # (B, S)
        context = torch.bmm(weights.unsqueeze(1), state["enc"]).squeeze(1)  # (B, H*dirs)
        assert self.combine is not None
        att = torch.tanh(self.combine(torch.cat([h, context], 1)))  # (B, H)
        new = {**state, "hidden": hidden, "feed": att}
        return self.out(self.drop(att)), new, weights.unsqueeze(1)  # attn (B, 1, S)

    def step(
        self, prev: torch.Tensor, state: dict[str, Any]
    ) -> tuple[torch.Tensor, dict[str, Any], torch.Tensor | None]:
        logits, state, attn = self._step(prev, state)
        return torch.log_softmax(logits, -1), state, attn

    def reorder(self, state: dict[str, Any], index: torch.Tensor) -> dict[str, Any]:
        new: dict[str, Any] = {}
        for k, v in state.items():
            if k == "hidden":
                new[k] = (
                    tuple(t.index_select(1, index) for t in v) if isinstance(v, tuple) else v.index_select(1, index)
                )
            else:
                new[k] = v.index_select(0, index)
        return new

    def forward(
        self,
        src: torch.Tensor,
        lengths: torch.Tensor,
        tgt_in: torch.Tensor,
        *,
        teacher_forcing: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Training logits. # src (B, S), tgt_in (B, T) -> (B, T, V)

        With ``teacher_forcing`` < 1 each step after the first feeds, with that probability, the true
        previous token, else the model's own best guess (one draw per step from ``generator``)."""
        state = self.start(src, lengths)
        if self.attn is None and teacher_forcing >= 1.0:  # the whole sequence in one call: faster
            out, _ = self.decoder(self.drop(self.tgt_emb(tgt_in)), state["hidden"])
            return self.out(self.drop(out))  # (B, T, V)
        logits = []
        prev = tgt_in[:, 0]
        for t in range(tgt_in.size(1)):
            step_logits, state, _ = self._step(prev, state)
            logits.append(step_logits)
            if t + 1 < tgt_in.size(1):
                forced = teacher_forcing >= 1.0 or float(torch.rand((), generator=generator)) < teacher_forcing
                prev = tgt_in[:, t + 1] if forced else step_logits.argmax(-1)
        return torch.stack(logits, 1)  # (B, T, V)


def sinusoids(length: int, dim: int) -> torch.Tensor:
    """Vaswani et al.'s positions: sin on even and cos on odd columns. # (length, dim)"""
    pos = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    pe = torch.zeros(length, dim)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)[:, : dim // 2]
    return pe


class _FeedForward(nn.Sequential):
    def __init__(self, dim: int, ff_dim: int, dropout: float) -> None:
        super().__init__(nn.Linear(dim, ff_dim), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ff_dim, dim))


class EncoderBlock(nn.Module):
    """Pre-norm self-attention over the source (padding masked) and a feed-forward layer."""

    def __init__(self, dim: int, heads: int, ff_dim: int, dropout: float) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.ff = _FeedForward(dim, ff_dim, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
        # x (B, S, D), pad (B, S) True at padding
        h = self.norm1(x)
        x = x + self.drop(self.attn(h, h, h, key_padding_mask=pad, need_weights=False)[0])
        return x + self.drop(self.ff(self.norm2(x)))


class DecoderBlock(nn.Module):
    """Pre-norm causal self-attention, cross-attention to the encoder (its weights kept per head), feed-forward."""

    def __init__(self, dim: int, heads: int, ff_dim: int, dropout: float) -> None:
        super().__init__()
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.self_attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.ff = _FeedForward(dim, ff_dim, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(
        self, y: torch.Tensor, memory: torch.Tensor, pad: torch.Tensor, causal: torch.Tensor, *, weights: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        # y (B, T, D), memory (B, S, D), pad (B, S), causal (T, T) True above the diagonal
        h = self.norm1(y)
        y = y + self.drop(self.self_attn(h, h, h, attn_mask=causal, need_weights=False)[0])
        h = self.norm2(y)
        out, w = self.cross_attn(
            h, memory, memory, key_padding_mask=pad, need_weights=weights, average_attn_weights=False
        )  # w (B, heads, T, S)
        y = y + self.drop(out)
        return y + self.drop(self.ff(self.norm3(y))), w

    def step(
        self,
        y: torch.Tensor,
        past: tuple[torch.Tensor, torch.Tensor] | None,
        cross: tuple[torch.Tensor, torch.Tensor],
        pad_bias: torch.Tensor,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor], torch.Tensor]:
        """:meth:`forward` (inference) for one new position ``y`` (B, 1, D) after the cached self-attention keys
        and values ``past`` (B, heads, t, hd) each, against the source's keys and values ``cross``, computed
        once (:func:`head_projections`): the new ``y``, the keys and values of the t + 1 positions, and the
        cross-attention weights (B, heads, 1, S)."""
        h = self.norm1(y)
        q, k, v = head_projections(self.self_attn, h)  # (B, heads, 1, hd) each
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)  # (B, heads, t + 1, hd)
        y = y + self.drop(attend(self.self_attn, q, k, v, None)[0])  # the new position sees every earlier one
        out, w = attend(
            self.cross_attn, head_projections(self.cross_attn, self.norm2(y), only_query=True), *cross, pad_bias
        )
        y = y + self.drop(out)
        return y + self.drop(self.ff(self.norm3(y))), (k, v), w


def head_projections(mha: nn.MultiheadAttention, x: torch.Tensor, *, only_query: bool = False) -> Any:
    """``mha``'s input projections of ``x`` (B, T, D) split into heads: queries, keys, values (B, heads, T, hd)
    each, or the queries alone with ``only_query``."""
    b, t, d = x.shape
    w, bias = mha.in_proj_weight, mha.in_proj_bias
    parts = 1 if only_query else 3
    z = nn.functional.linear(x, w[: parts * d], None if bias is None else bias[: parts * d])  # (B, T, parts * D)
    z = z.view(b, t, parts, mha.num_heads, d // mha.num_heads).permute(2, 0, 3, 1, 4)  # (parts, B, heads, T, hd)
    return z[0] if only_query else (z[0], z[1], z[2])


def attend(
    mha: nn.MultiheadAttention, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention of ``q`` (B, heads, T, hd) over ``k``, ``v`` (B, heads, S, hd) plus ``bias``
    (B, 1, 1, S: 0, or -inf at padding), through ``mha``'s output projection: (B, T, D), weights (B, heads, T, S)."""
    w = (q @ k.transpose(-2, -1)) * (q.size(-1) ** -0.5)  # (B, heads, T, S)
    if bias is not None:
        w = w + bias
    w = w.softmax(-1)
    out = (w @ v).transpose(1, 2).reshape(q.size(0), q.size(2), -1)  # (B, T, D)
    return mha.out_proj(out), w


class TransformerSeq2Seq(nn.Module):
    """Vaswani et al.'s encoder-decoder (pre-norm): sinusoidal positions, source self-attention with the
    padding masked, causal target self-attention, cross-attention whose weights :meth:`step` returns
    per layer and head (``M = layers * heads`` maps, layer-major)."""

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        *,
        dim: int = 128,
        heads: int = 4,
        ff_dim: int = 512,
        layers: int = 2,
        dropout: float = 0.1,
        max_positions: int = 1024,
        src_embedding: nn.Embedding | None = None,
    ) -> None:
        super().__init__()
        self.dim, self.heads = dim, heads
        self.record_attention = True  # step() returns the cross-attention weights (validation turns it off: faster)
        # step() computes one position against cached keys and values (inference; off: the whole prefix again)
        self.kv_cache = True
        self.src_emb = src_embedding if src_embedding is not None else nn.Embedding(src_vocab, dim, PAD_ID)
        if self.src_emb.embedding_dim != dim:
            raise ValueError(f"the source vectors have {self.src_emb.embedding_dim} dimensions, the model {dim}")
        self.tgt_emb = nn.Embedding(tgt_vocab, dim, PAD_ID)
        # rows of norm about 1 after the sqrt(dim) scaling, as large as the positions (N(0, 1) rows would drown them)
        for emb in (self.tgt_emb, None if src_embedding is not None else self.src_emb):
            if emb is not None:
                nn.init.normal_(emb.weight, std=dim**-0.5)
                with torch.no_grad():
                    emb.weight[PAD_ID].zero_()
        self.register_buffer("positions", sinusoids(max_positions, dim), persistent=False)
        self.enc_blocks = nn.ModuleList(EncoderBlock(dim, heads, ff_dim, dropout) for _ in range(layers))
        self.dec_blocks = nn.ModuleList(DecoderBlock(dim, heads, ff_dim, dropout) for _ in range(layers))
        self.enc_norm, self.dec_norm = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(dim, tgt_vocab)

    def _embed(self, emb: nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
        # ids (B, T) -> (B, T, D)
        positions: torch.Tensor = self.positions  # type: ignore[assignment]  # a buffer
        return self.drop(emb(ids) * math.sqrt(self.dim) + positions[: ids.size(1)])

    def encode(self, src: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
        # src (B, S), pad (B, S) True at padding
        x = self._embed(self.src_emb, src)
        for block in self.enc_blocks:
            x = block(x, pad)
        return self.enc_norm(x)  # (B, S, D)

    def decode(
        self, tgt_in: torch.Tensor, memory: torch.Tensor, pad: torch.Tensor, *, weights: bool = False
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        t = tgt_in.size(1)
        causal = torch.triu(torch.ones(t, t, dtype=torch.bool, device=tgt_in.device), diagonal=1)
        y = self._embed(self.tgt_emb, tgt_in)
        maps = []
        for block in self.dec_blocks:
            y, w = block(y, memory, pad, causal, weights=weights)
            if w is not None:
                maps.append(w)
        return self.out(self.dec_norm(y)), maps  # (B, T, V), layers x (B, heads, T, S)

    def forward(
        self,
        src: torch.Tensor,
        lengths: torch.Tensor,
        tgt_in: torch.Tensor,
        *,
        teacher_forcing: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Training logits (always teacher-forced). # (B, S), (B, T) -> (B, T, V)"""
        pad = ~source_mask(src, lengths)
        return self.decode(tgt_in, self.encode(src, pad), pad)[0]

    def start(self, src: torch.Tensor, lengths: torch.Tensor) -> dict[str, Any]:
        """Encode ``src`` (B, S) once; with :attr:`kv_cache` (inference) also every layer's cross-attention
        keys and values, and an empty self-attention cache."""
        pad = ~source_mask(src, lengths)
        state: dict[str, Any] = {"memory": self.encode(src, pad), "pad": pad, "prefix": src.new_zeros(src.size(0), 0)}
        if self.kv_cache and not self.training:
            memory = state["memory"]
            cross = [head_projections(cast(DecoderBlock, b).cross_attn, memory)[1:] for b in self.dec_blocks]
            state["cross"] = tuple(t for kv in cross for t in kv)  # k, v of layer 0, then layer 1, ...
            state["pad_bias"] = torch.zeros(pad.shape, dtype=memory.dtype, device=memory.device).masked_fill(
                pad, float("-inf")
            )[:, None, None, :]  # (B, 1, 1, S)
            state["past"] = ()  # the self-attention keys and values, layer by layer, once decoding starts
        return state

    def _cached_step(
        self, prev: torch.Tensor, state: dict[str, Any]
    ) -> tuple[torch.Tensor, dict[str, Any], torch.Tensor | None]:
        t = state["prefix"].size(1)
        positions: torch.Tensor = self.positions  # type: ignore[assignment]  # a buffer
        y = self.drop(self.tgt_emb(prev[:, None]) * math.sqrt(self.dim) + positions[t : t + 1])  # (B, 1, D)
        past, cross, maps = state["past"], state["cross"], []
        new_past: list[torch.Tensor] = []
        for i, block in enumerate(self.dec_blocks):
            mine = (past[2 * i], past[2 * i + 1]) if past else None
            y, kv, w = cast(DecoderBlock, block).step(y, mine, (cross[2 * i], cross[2 * i + 1]), state["pad_bias"])
            new_past += kv
            maps.append(w[:, :, 0])  # (B, heads, S)
        logits = self.out(self.dec_norm(y[:, 0]))  # (B, V)
        prefix = torch.cat([state["prefix"], prev.unsqueeze(1)], 1)  # (B, t + 1)
        attn = torch.cat(maps, 1) if self.record_attention else None  # (B, layers * heads, S)
        return torch.log_softmax(logits, -1), {**state, "prefix": prefix, "past": tuple(new_past)}, attn

    def step(
        self, prev: torch.Tensor, state: dict[str, Any]
    ) -> tuple[torch.Tensor, dict[str, Any], torch.Tensor | None]:
        """The next token's log-probabilities after ``prev`` (B,), the new state, the cross-attention weights."""
        if "cross" in state:  # one new position against the cached keys and values
            return self._cached_step(prev, state)
        prefix = torch.cat([state["prefix"], prev.unsqueeze(1)], 1)  # (B, t)
        logits, maps = self.decode(prefix, state["memory"], state["pad"], weights=self.record_attention)
        attn = torch.cat([m[:, :, -1] for m in maps], 1) if maps else None  # (B, layers * heads, S)
        return torch.log_softmax(logits[:, -1], -1), {**state, "prefix": prefix}, attn

    def reorder(self, state: dict[str, Any], index: torch.Tensor) -> dict[str, Any]:
        """Keep the rows ``index`` of every tensor of ``state`` (beam search)."""
        return {
            k: tuple(x.index_select(0, index) for x in v) if isinstance(v, tuple) else v.index_select(0, index)
            for k, v in state.items()
        }


def build_model(
    config: Seq2SeqConfig, src_vocab: int, tgt_vocab: int, *, src_embedding: nn.Embedding | None = None
) -> nn.Module:
    """The model ``config`` describes, for vocabularies of ``src_vocab`` and ``tgt_vocab`` tokens."""
    assert config.emb_dim and config.hidden and config.layers and config.heads and config.ff_dim  # filled by the config
    if config.model == "transformer":
        return TransformerSeq2Seq(
            src_vocab,
            tgt_vocab,
            dim=config.emb_dim,
            heads=config.heads,
            ff_dim=config.ff_dim,
            layers=config.layers,
            dropout=config.dropout or 0.0,
            max_positions=max(1024, (config.max_len or 0) + 2),
            src_embedding=src_embedding,
        )
    return RecurrentSeq2Seq(
        src_vocab,
        tgt_vocab,
        cell=config.model.split("-")[0],
        emb_dim=config.emb_dim,
        hidden=config.hidden,
        layers=config.layers,
        bidirectional=bool(config.bidirectional),
        attention=config.attention,
        dropout=config.dropout or 0.0,
        src_embedding=src_embedding,
    )
