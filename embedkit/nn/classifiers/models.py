"""Text classifiers over word embeddings: one ``nn.Module`` per architecture, one contract.

Every model maps ``forward(ids, lengths) -> logits``: ``ids`` ``(B, T)`` int64 padded with the
vocabulary's ``<pad>``, ``lengths`` ``(B,)`` the true lengths, logits ``(B, C)``. Build one by name
with :func:`build_classifier` (``CLASSIFIERS`` is the registry).

Embedding modes (Kim 2014): ``rand`` (random, trained), ``static`` (pretrained, frozen),
``non-static`` (pretrained, fine-tuned), ``multichannel`` (a frozen and a fine-tuned copy,
concatenated on the feature axis, which for a convolution is exactly Kim's two channels: each
filter sees both and sums).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ...classify.config import MODES, ClassifierConfig
from ...errors import ConfigError, InvalidArgumentError
from ...text import Vocabulary
from ...vectors import Vectors
from ..embedding import embedding_from_vectors

__all__ = [
    "CLASSIFIERS",
    "CNNClassifier",
    "ElmanClassifier",
    "Embedder",
    "GRUClassifier",
    "LSTMClassifier",
    "MultiHeadSelfAttention",
    "TransformerClassifier",
    "build_classifier",
    "num_tuned_words",
    "sinusoidal_positions",
]


class Embedder(nn.Module):
    """Token ids to vectors under one of the four modes, with optional input dropout.

    ``static`` looks up a frozen table, ``rand`` a trained one, ``non-static`` a trained table for
    the first ``num_tuned`` ids (the training words) and the frozen pretrained table beyond them
    (words added from the embedding, which no training example would move anyway), and
    ``multichannel`` concatenates the frozen and the ``non-static`` lookups. ``dim`` is the
    output width (twice the vector size for ``multichannel``).

    ``tune_scale`` (``ClassifierConfig.embed_lr_scale``) other than 1 makes the tuned rows
    ``pretrained + tune_scale * delta`` with ``delta`` trained from zero: under Adam or Adadelta,
    whose steps do not depend on the gradient's scale, the word vectors then move ``tune_scale``
    times as fast as the other weights. ``word_dropout`` zeroes whole word vectors in training.
    """

    def __init__(
        self,
        num_embeddings: int,
        embed_dim: int,
        mode: str,
        *,
        padding_idx: int | None = 0,
        pretrained: torch.Tensor | None = None,
        num_tuned: int | None = None,
        input_dropout: float = 0.0,
        tune_scale: float = 1.0,
        word_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if mode not in MODES:
            raise InvalidArgumentError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        self.mode = mode
        n_tuned = num_embeddings if num_tuned is None or mode == "rand" else min(num_tuned, num_embeddings)
        self.num_tuned = n_tuned

        def table(rows: int, freeze: bool) -> nn.Embedding:
            emb = nn.Embedding(rows, embed_dim, padding_idx=padding_idx)
            with torch.no_grad():
                if pretrained is not None and mode != "rand":
                    emb.weight.copy_(pretrained[:rows])
                else:  # Kim's "rand": uniform, about the spread of pretrained vectors
                    emb.weight.uniform_(-0.25, 0.25)
                    if padding_idx is not None:
                        emb.weight[padding_idx].zero_()
            emb.weight.requires_grad_(not freeze)
            return emb

        needs_static = mode in ("static", "multichannel") or (mode == "non-static" and n_tuned < num_embeddings)
        self.static = table(num_embeddings, True) if needs_static else None
        self.tune_scale = float(tune_scale) if mode in ("non-static", "multichannel") else 1.0
        reparam = self.tune_scale != 1.0
        self.tuned = table(n_tuned, reparam) if mode != "static" else None
        self.delta = None
        if reparam:
            self.delta = nn.Embedding(n_tuned, embed_dim, padding_idx=padding_idx)
            nn.init.zeros_(self.delta.weight)
        self.dim = embed_dim * (2 if mode == "multichannel" else 1)
        self.dropout = nn.Dropout(input_dropout)
        self.word_dropout = float(word_dropout)

    def _lookup(self, ids: torch.Tensor) -> torch.Tensor:
        assert self.tuned is not None
        x = self.tuned(ids)
        if self.delta is not None:
            x = x + self.tune_scale * self.delta(ids)
        return x  # (B, T, E)

    def _tuned(self, ids: torch.Tensor) -> torch.Tensor:
        assert self.tuned is not None
        if self.num_tuned == self.tuned.num_embeddings and self.static is None:
            return self._lookup(ids)  # (B, T, E)
        x = self._lookup(ids.clamp(max=self.num_tuned - 1))
        if self.static is not None and self.num_tuned < self.static.num_embeddings:
            x = torch.where((ids < self.num_tuned).unsqueeze(-1), x, self.static(ids))
        return x  # (B, T, E)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """``ids`` (B, T) -> embeddings (B, T, E), or (B, T, 2E) in the multichannel mode."""
        if self.mode == "static":
            x = self.static(ids)  # type: ignore[misc]  # (B, T, E)
        elif self.mode == "multichannel":
            x = torch.cat([self.static(ids), self._tuned(ids)], dim=-1)  # type: ignore[misc]  # (B, T, 2E)
        else:
            x = self._tuned(ids)  # (B, T, E)
        if self.training and self.word_dropout > 0.0:  # whole word vectors dropped, the rest rescaled
            keep = 1.0 - self.word_dropout
            x = x * torch.empty(x.shape[0], x.shape[1], 1, device=x.device).bernoulli_(keep) / keep
        return self.dropout(x)


def num_tuned_words(vocab: Vocabulary) -> int:
    """The ids below which words came from the training data: the vocabulary minus its trailing
    words of count 0 (those :func:`~embedkit.nn.classifiers.data.build_vocab` added from the embedding)."""
    counts = list(vocab.counts)
    if len(counts) != len(vocab):
        return len(vocab)
    n = len(counts)
    while n > len(vocab.specials) and counts[n - 1] == 0:
        n -= 1
    return n


def _mask(lengths: torch.Tensor, width: int) -> torch.Tensor:
    """``(B, T)`` True on real tokens."""
    return torch.arange(width, device=lengths.device)[None, :] < lengths[:, None]


# -- recurrent --------------------------------------------------------------------------------
class _Recurrent(nn.Module):
    """Shared body of the Elman, GRU and LSTM classifiers (fused torch kernels, packed sequences).

    Recurrent dropout is variational in time: one dropout mask on the hidden-to-hidden weights
    ``U`` per batch, the same at every step (DropConnect, as in AWD-LSTM, Merity et al. 2018),
    which keeps the fused kernels. ``pooling``: ``last`` (the final state of each direction),
    ``max`` or ``mean`` over the real time steps of the top layer.
    """

    rnn_class: ClassVar[type[nn.RNN | nn.GRU | nn.LSTM]]

    def __init__(self, config: ClassifierConfig, embedder: Embedder, num_classes: int) -> None:
        super().__init__()
        pooling = "last" if config.pooling == "auto" else config.pooling
        if pooling not in ("last", "max", "mean"):
            raise ConfigError(f"recurrent models pool with 'last', 'max' or 'mean', not {config.pooling!r}")
        self.embedder = embedder
        self.pooling = pooling
        self.num_classes = num_classes
        self.directions = 2 if config.bidirectional else 1
        kwargs: dict[str, Any] = {"nonlinearity": "tanh"} if self.rnn_class is nn.RNN else {}
        self.rnn = self.rnn_class(
            embedder.dim,
            config.hidden_size,
            num_layers=config.num_layers,
            batch_first=True,
            bidirectional=config.bidirectional,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            **kwargs,
        )
        self.recurrent_dropout = config.recurrent_dropout
        self.dropout = nn.Dropout(config.dropout)
        self.out = nn.Linear(config.hidden_size * self.directions, num_classes)

    def _run(self, packed):
        if self.training and self.recurrent_dropout > 0:
            dropped = {
                name: F.dropout(p, self.recurrent_dropout, training=True)
                for name, p in self.rnn.named_parameters()
                if name.startswith("weight_hh")
            }
            return functional_call(self.rnn, dropped, (packed,))
        return self.rnn(packed)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.embedder(ids)  # (B, T, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h = self._run(packed)
        if isinstance(h, tuple):  # LSTM: (h_n, c_n)
            h = h[0]
        if self.pooling == "last":
            # h: (layers * directions, B, H); the top layer's directions, concatenated
            z = torch.cat(list(h[-self.directions :]), dim=-1)  # (B, D*H)
        else:
            seq, _ = pad_packed_sequence(out, batch_first=True)  # (B, T', D*H)
            m = _mask(lengths.to(seq.device), seq.shape[1]).unsqueeze(-1)  # (B, T', 1)
            if self.pooling == "max":
                z = seq.masked_fill(~m, float("-inf")).amax(dim=1)
            else:
                z = (seq * m).sum(dim=1) / m.sum(dim=1).clamp(min=1)
        return self.out(self.dropout(z))  # (B, C)


class ElmanClassifier(_Recurrent):
    """Elman network: ``h_t = tanh(W x_t + U h_{t-1} + b)`` (torch's ``nn.RNN``, whose two bias
    vectors sum to ``b``)."""

    rnn_class = nn.RNN


class GRUClassifier(_Recurrent):
    """Gated recurrent unit (Cho et al. 2014)."""

    rnn_class = nn.GRU


class LSTMClassifier(_Recurrent):
    """Long short-term memory (Hochreiter & Schmidhuber 1997)."""

    rnn_class = nn.LSTM


# -- convolutional ----------------------------------------------------------------------------
class CNNClassifier(nn.Module):
    """Kim's (2014) CNN-1D: filters of widths 3, 4, 5 with 100 maps each, ReLU, max-over-time
    pooling, dropout 0.5 on the pooled features and a max-norm (``s = 3``) on the rows of the
    output layer, enforced by :meth:`apply_constraints` after each optimiser step."""

    def __init__(self, config: ClassifierConfig, embedder: Embedder, num_classes: int) -> None:
        super().__init__()
        self.embedder = embedder
        self.num_classes = num_classes
        self.convs = nn.ModuleList(nn.Conv1d(embedder.dim, config.num_filters, w) for w in config.filter_widths)
        self.dropout = nn.Dropout(config.dropout)
        self.out = nn.Linear(config.num_filters * len(config.filter_widths), num_classes)
        self.max_norm = config.max_norm
        self.min_len = max(config.filter_widths)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        # Kim pads every sentence with (widest filter - 1) zero vectors on both sides, so the
        # edge words appear in as many windows as the inner ones.
        """``ids`` (B, T), ``lengths`` (B,) -> logits (B, C)."""
        x = self.embedder(ids).transpose(1, 2)  # (B, E, T)
        x = F.pad(x, (self.min_len - 1, self.min_len - 1))  # (B, E, T + 2 (w - 1))
        z = torch.cat([F.relu(conv(x)).amax(dim=2) for conv in self.convs], dim=1)  # (B, F * widths)
        return self.out(self.dropout(z))  # (B, C)

    @torch.no_grad()
    def apply_constraints(self) -> None:
        """Rescale rows of the output weight whose L2 norm exceeds ``max_norm``."""
        if self.max_norm is not None:
            w = self.out.weight
            w.copy_(torch.renorm(w, p=2, dim=0, maxnorm=self.max_norm))


# -- transformer ------------------------------------------------------------------------------
def sinusoidal_positions(length: int, dim: int, *, device: torch.device | None = None) -> torch.Tensor:
    """The ``(length, dim)`` positional encoding of Vaswani et al. (2017): ``sin`` on even and
    ``cos`` on odd features, wavelengths from ``2 pi`` to ``10000 * 2 pi``."""
    pos = torch.arange(length, dtype=torch.float32, device=device)[:, None]  # (T, 1)
    div = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32, device=device) * (-math.log(10000.0) / dim))
    pe = torch.zeros(length, dim, device=device)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div[: dim // 2])
    return pe


class MultiHeadSelfAttention(nn.Module):
    """Multi-head scaled dot-product self-attention with a padding mask (keys that are padding
    get no weight). Same parameters and result as ``nn.MultiheadAttention`` with
    ``in_proj`` = ``qkv`` and ``out_proj`` = ``proj``."""

    def __init__(self, d_model: int, num_heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        if d_model % num_heads:
            raise ConfigError(f"d_model ({d_model}) must be a multiple of num_heads ({num_heads})")
        self.num_heads = num_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.dropout = dropout

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x`` (B, T, C) and ``mask`` (B, T), True where a token may be attended to -> (B, T, C)."""
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)  # 3 x (B, T, C)
        q, k, v = (t.view(B, T, self.num_heads, C // self.num_heads).transpose(1, 2) for t in (q, k, v))  # (B, h, T, d)
        attn_mask = mask[:, None, None, :]  # (B, 1, 1, T): True = may attend
        y = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attn_mask, dropout_p=self.dropout if self.training else 0.0
        )  # (B, h, T, d)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))  # (B, T, C)


class _Block(nn.Module):
    """Pre-norm encoder block: ``x + attn(ln(x))``, then ``x + mlp(ln(x))``."""

    def __init__(self, d_model: int, num_heads: int, ff_size: int, dropout: float) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadSelfAttention(d_model, num_heads, dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, ff_size), nn.GELU(), nn.Linear(ff_size, d_model))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = x + self.drop(self.attn(self.ln1(x), mask))  # (B, T, C)
        return x + self.drop(self.mlp(self.ln2(x)))  # (B, T, C)


class TransformerClassifier(nn.Module):
    """A transformer encoder: embeddings projected to ``d_model``, sinusoidal positions,
    ``transformer_layers`` blocks of multi-head self-attention and MLP with residual connections
    and layer norm, padding masked; pooled by the mean of the real tokens or a learned ``[CLS]``
    token put in front (``pooling="cls"``)."""

    def __init__(self, config: ClassifierConfig, embedder: Embedder, num_classes: int) -> None:
        super().__init__()
        pooling = "mean" if config.pooling == "auto" else config.pooling
        if pooling not in ("mean", "cls"):
            raise ConfigError(f"the transformer pools with 'mean' or 'cls', not {config.pooling!r}")
        d = config.d_model
        self.embedder = embedder
        self.num_classes = num_classes
        self.pooling = pooling
        self.d_model = d
        self.inp = nn.Linear(embedder.dim, d)
        self.cls = nn.Parameter(torch.zeros(1, 1, d)) if pooling == "cls" else None
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(
            _Block(d, config.num_heads, config.ff_size, config.attention_dropout)
            for _ in range(config.transformer_layers)
        )
        self.ln_f = nn.LayerNorm(d)
        self.out = nn.Linear(d, num_classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``ids`` (B, T), ``lengths`` (B,) -> logits (B, C)."""
        x = self.inp(self.embedder(ids))  # (B, T, d)
        lengths = lengths.to(ids.device)
        if self.cls is not None:
            x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], dim=1)  # (B, T+1, d)
            lengths = lengths + 1
        T = x.shape[1]
        x = self.drop(x + sinusoidal_positions(T, self.d_model, device=x.device))
        mask = _mask(lengths, T)  # (B, T)
        for block in self.blocks:
            x = block(x, mask)
        x = self.ln_f(x)  # (B, T, d)
        if self.cls is not None:
            z = x[:, 0]  # (B, d)
        else:
            m = mask.unsqueeze(-1)
            z = (x * m).sum(dim=1) / m.sum(dim=1)  # (B, d)
        return self.out(self.drop(z))  # (B, C)


CLASSIFIERS: dict[str, type[nn.Module]] = {
    "rnn": ElmanClassifier,
    "gru": GRUClassifier,
    "lstm": LSTMClassifier,
    "cnn": CNNClassifier,
    "transformer": TransformerClassifier,
}
"""The neural classifier classes by :attr:`~embedkit.classify.ClassifierConfig.model` name."""


def build_classifier(
    config: ClassifierConfig,
    *,
    vocab: Vocabulary,
    num_classes: int,
    vectors: Vectors | None = None,
    embed_dim: int | None = None,
    seed: int = 0,
) -> nn.Module:
    """The model ``config.model`` for ``vocab`` and ``num_classes`` classes, seeded.

    With ``vectors`` the pretrained rows come from :func:`embedkit.nn.embedding_from_vectors`
    (unknown words as ``config.unknown`` says); without (``rand`` mode, or rebuilding a model
    before loading its state) the tables are random of width ``embed_dim`` (default
    ``config.embed_dim``).
    """
    if config.model not in CLASSIFIERS:
        raise ConfigError(f"unknown model {config.model!r}; expected one of {', '.join(CLASSIFIERS)}")
    torch.manual_seed(seed)
    pretrained = None
    if vectors is not None and config.mode != "rand":
        pretrained = embedding_from_vectors(vectors, vocab, freeze=True, unknown=config.unknown, seed=seed).weight
        dim = vectors.dim
    elif vectors is not None:
        dim = vectors.dim
    else:
        dim = embed_dim or config.embed_dim
    pad = vocab.pad_id if vocab.pad_id >= 0 else None
    embedder = Embedder(
        len(vocab),
        dim,
        config.mode,
        padding_idx=pad,
        pretrained=pretrained,
        num_tuned=num_tuned_words(vocab),
        input_dropout=config.input_dropout,
        tune_scale=config.embed_lr_scale,
        word_dropout=config.word_dropout,
    )
    return CLASSIFIERS[config.model](config, embedder, num_classes)
