"""The contract every language model fits (:class:`LanguageModel`) and the output layer they share
(:class:`OutputLayer`); the architectures are in :mod:`.models` and :mod:`.transformer`.

The output layer is chosen by ``objective``:

- ``"full"``: the full softmax;
- ``"sampled"``: sampled softmax (Jean et al. 2015) with ``num_sampled`` candidates shared by the
  batch, drawn from the unigram^0.75 distribution, logits corrected by ``log Q``, accidental hits removed;
- ``"negative"``: word2vec's negative sampling, ``negative`` draws per token;
- ``"adaptive"``: ``nn.AdaptiveLogSoftmaxWithLoss`` (Grave et al. 2017); the vocabulary is sorted
  by frequency, as it needs.

The sampled objectives train the same output matrix; ``log_probs`` always returns the full softmax
over it (for ``"negative"`` those probabilities are not calibrated, so its perplexity is high).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError

__all__ = ["LanguageModel", "Objective", "OutputLayer"]

Objective = Literal["full", "sampled", "negative", "adaptive"]


class OutputLayer(nn.Module):
    """Scores ``(N, H)`` features against the vocabulary; the loss depends on ``objective``."""

    noise: torch.Tensor  # buffers, registered in __init__ for the sampled objectives
    log_noise: torch.Tensor

    def __init__(
        self,
        in_dim: int,
        vocab_size: int,
        *,
        objective: Objective = "full",
        num_sampled: int = 512,
        counts: torch.Tensor | None = None,
        weight: nn.Parameter | None = None,
        cutoffs: list[int] | None = None,
        sparse: bool = False,
        negative: int = 5,
    ) -> None:
        super().__init__()
        self.negative = negative
        # (rank, world size) under data-parallel training: the negative objective draws the
        # noise of the whole batch and keeps this process's share (see nn.lm.train.fit)
        self.shard = (0, 1)
        if sparse and objective not in ("sampled", "negative"):
            raise ConfigError("sparse gradients need a sampled or negative objective")
        self.sparse = sparse
        self._table: torch.Tensor | None = None
        if objective not in ("full", "sampled", "negative", "adaptive"):
            raise ConfigError(f"unknown objective {objective!r}")
        self.objective = objective
        self.num_sampled = num_sampled
        self.vocab_size = vocab_size
        if objective == "adaptive":
            if weight is not None:
                raise ConfigError("tied embeddings are not supported with the adaptive softmax")
            cutoffs = cutoffs or _default_cutoffs(vocab_size)
            self.adaptive = nn.AdaptiveLogSoftmaxWithLoss(in_dim, vocab_size, cutoffs, div_value=4.0)
            return
        self.weight = (
            weight if weight is not None else nn.Parameter(torch.empty(vocab_size, in_dim).uniform_(-0.1, 0.1))
        )
        self.bias = nn.Parameter(torch.zeros(vocab_size))
        if objective in ("sampled", "negative"):
            c = torch.ones(vocab_size) if counts is None else counts.double().clamp(min=0)
            p = c.pow(0.75)
            p = p / p.sum()
            self.register_buffer("noise", p.float())
            self.register_buffer("log_noise", torch.log(p.clamp(min=1e-30)).float())

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        self._table = None  # rebuilt from the loaded noise distribution
        super()._load_from_state_dict(*args, **kwargs)

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        """``n`` ids from the noise distribution: uniform positions in a table where each word fills
        a share of the entries proportional to its probability (word2vec's method, one vectorised call)."""
        if self._table is None or self._table.device != self.noise.device:
            size = 1 << 22
            cdf = torch.cumsum(self.noise.double(), 0)
            pos = (torch.arange(size, dtype=torch.float64, device=self.noise.device) + 0.5) / size
            self._table = torch.searchsorted(cdf, pos * float(cdf[-1])).clamp_(max=self.vocab_size - 1)
        return self._table[torch.randint(len(self._table), (n,), generator=generator, device=self.noise.device)]

    def _rows(self, ids: torch.Tensor) -> torch.Tensor:
        return F.embedding(ids, self.weight, sparse=self.sparse)

    def _bias(self, ids: torch.Tensor) -> torch.Tensor:
        return self.bias[ids]  # a dense gradient of V floats is cheap even for large vocabularies

    def log_probs(self, h: torch.Tensor) -> torch.Tensor:
        """``(..., H) -> (..., V)`` log-probabilities."""
        if self.objective == "adaptive":
            return self.adaptive.log_prob(h.reshape(-1, h.shape[-1])).view(*h.shape[:-1], self.vocab_size)
        return F.log_softmax(F.linear(h, self.weight, self.bias), dim=-1)

    def target_log_prob(self, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``(N, H), (N,) -> (N,)`` exact log-probability of each target under the full model."""
        if self.objective == "adaptive":
            return self.adaptive(h, y).output
        logits = F.linear(h, self.weight, self.bias)  # (N, V)
        return logits.gather(1, y[:, None])[:, 0] - torch.logsumexp(logits, dim=1)

    def loss(self, h: torch.Tensor, y: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """The training loss, mean over the ``N`` rows of ``h`` ``(N, H)`` with targets ``y`` ``(N,)``."""
        if self.objective == "full":
            return F.cross_entropy(F.linear(h, self.weight, self.bias).float(), y)
        if self.objective == "adaptive":
            return self.adaptive(h, y).loss
        if self.objective == "sampled":
            s = self._draw(self.num_sampled, generator)  # (S,)
            log_expected = self.log_noise + math.log(self.num_sampled)  # (V,)
            true_logit = (h * self._rows(y)).sum(-1) + self._bias(y) - log_expected[y]  # (N,)
            # .float(): under bfloat16 autocast the product is bf16; the log-sum-exp stays float32
            samp_logit = F.linear(h, self._rows(s), self._bias(s) - log_expected[s]).float()  # (N, S)
            samp_logit = samp_logit.masked_fill(s[None, :] == y[:, None], float("-inf"))
            logits = torch.cat([true_logit[:, None], samp_logit], dim=1)  # (N, 1 + S)
            return (torch.logsumexp(logits, dim=1) - true_logit).mean()
        # negative sampling, word2vec's way: ``negative`` draws per token. The target and its negatives
        # are gathered together, (N, 1 + K) rows, and scored by an elementwise product, which beats
        # bmm's N tiny products and separate gathers by far on CPU.
        n = h.shape[0]
        rank, world = self.shard
        neg = self._draw(world * n * self.negative, generator).view(world, n, self.negative)[rank]  # (N, K)
        ids = torch.cat([y[:, None], neg], dim=1)  # (N, 1 + K)
        scores = (self._rows(ids) * h[:, None, :]).sum(-1) + self._bias(ids)  # (N, 1 + K)
        sign = torch.full((1, 1 + self.negative), -1.0, device=h.device, dtype=scores.dtype)
        sign[0, 0] = 1.0
        return -F.logsigmoid(scores.float() * sign).sum(-1).mean()


def _default_cutoffs(vocab_size: int) -> list[int]:
    cut = [c for c in (2_000, 10_000, 50_000) if c < vocab_size - 1]
    return cut or [max(1, vocab_size // 2)]


class LanguageModel(nn.Module):
    """Base class: an input embedding, a feature network (in subclasses), an :class:`OutputLayer`."""

    kind: str = ""
    # Whether training carries ``state`` across contiguous batches (streams, truncated BPTT); the
    # transformer trains on independent random blocks instead (see nn.lm.train.fit).
    stateful_training: bool = True

    def __init__(
        self,
        vocab_size: int,
        *,
        dim: int,
        out_dim: int,
        hidden: int,
        tie: bool,
        objective: Objective,
        num_sampled: int,
        counts: torch.Tensor | None,
        dropout: float,
        sparse: bool = False,
        negative: int = 5,
    ) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, dim, sparse=sparse)
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        self.drop = nn.Dropout(dropout)
        # A projection makes the features the embedding's size when the weights are tied.
        self.proj = nn.Linear(out_dim, dim) if tie and out_dim != dim else None
        head_dim = dim if tie else out_dim
        self.output = OutputLayer(
            head_dim,
            vocab_size,
            objective=objective,
            num_sampled=num_sampled,
            counts=counts,
            weight=self.embedding.weight if tie else None,  # type: ignore[arg-type]  # a Parameter; torch types it Tensor
            sparse=sparse,
            negative=negative,
        )

    def sparse_parameters(self) -> list[nn.Parameter]:
        """The parameters that receive sparse gradients (embedding and output rows), when ``sparse``."""
        if not self.output.sparse:
            return []
        out = {id(p): p for p in (self.embedding.weight, self.output.weight)}
        return list(out.values())  # type: ignore[arg-type]  # Parameters; torch types .weight as Tensor

    def init_state(self, batch_size: int, device: torch.device | str = "cpu") -> Any:
        """The state before the first token, for a batch of ``batch_size`` (each architecture defines it)."""
        raise NotImplementedError

    def features(self, ids: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """``ids`` (B, T) after ``state`` -> features (B, T, H) before dropout and the projection, and the state to
        carry on (each architecture defines it)."""
        raise NotImplementedError

    def forward(self, ids: torch.Tensor, state: Any = None) -> tuple[torch.Tensor, Any]:
        """``ids`` (B, T) -> features (B, T, H) for the output layer, and the state to carry on."""
        if state is None:
            state = self.init_state(ids.shape[0], ids.device)
        h, state = self.features(ids, state)  # (B, T, H)
        h = self.drop(h)
        if self.proj is not None:
            h = self.proj(h)
        return h, state

    def loss(self, h: torch.Tensor, targets: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """Mean loss of features ``h`` (B, T, H) against ``targets`` (B, T)."""
        return self.output.loss(h.reshape(-1, h.shape[-1]), targets.reshape(-1), generator=generator)

    def log_probs(self, h: torch.Tensor) -> torch.Tensor:
        """(B, T, H) -> (B, T, V) log-probabilities of the next word."""
        return self.output.log_probs(h)

    @staticmethod
    def detach_state(state: Any) -> Any:
        """``state`` cut from the autograd graph: truncated backpropagation through time between batches."""
        if isinstance(state, tuple):
            return tuple(s.detach() for s in state)
        return state.detach()

    @staticmethod
    def select_state(state: Any, index: torch.Tensor) -> Any:
        """Reorder the batch dimension of ``state`` (beam search)."""
        if isinstance(state, tuple):
            return tuple(LanguageModel.select_state(s, index) for s in state)
        return state.index_select(0 if state.dim() == 2 else 1, index)
