"""Language models trained by next-token prediction: ``nplm`` (Bengio et al. 2003), ``rnn``, ``gru``,
``lstm`` and the ``transformer`` (:mod:`.transformer`), in one registry, :data:`LANGUAGE_MODELS`.

Every model has the same contract (:class:`~embedkit.nn.lm.base.LanguageModel`), so the trainer and
the decoders know nothing of the architecture::

    h, state = model(ids, state)        # ids (B, T) -> features h (B, T, H)
    loss = model.loss(h, targets, generator=g)   # mean over B*T tokens
    logp = model.log_probs(h)           # (B, T, V), normalised over the vocabulary

``state`` carries context across contiguous batches (truncated back-propagation through time):
the recurrent hidden state, for ``nplm`` the last ``context - 1`` token ids, for the transformer
the last ``block - 1`` token ids. The output layers: :class:`~embedkit.nn.lm.base.OutputLayer`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ...errors import ConfigError
from ..runtime.device import cpu_has_bf16
from .base import LanguageModel, Objective, OutputLayer
from .transformer import TransformerLM

__all__ = [
    "GRULM",
    "LANGUAGE_MODELS",
    "LSTMLM",
    "NPLM",
    "RNNLM",
    "LanguageModel",
    "OutputLayer",
    "TransformerLM",
    "build_model",
]


class NPLM(LanguageModel):
    """Bengio et al. (2003): the previous ``context`` words' embeddings concatenated, a tanh hidden
    layer, scores over the vocabulary. The state is the last ``context - 1`` ids (``<pad>`` = 0 at the start)."""

    kind = "nplm"

    def __init__(
        self,
        vocab_size: int,
        *,
        dim: int = 100,
        context: int = 5,
        hidden: int = 100,
        tie: bool = False,
        objective: Objective = "full",
        num_sampled: int = 512,
        counts: torch.Tensor | None = None,
        dropout: float = 0.0,
        layers: int = 1,
        sparse: bool = False,
        negative: int = 5,
    ) -> None:
        super().__init__(
            vocab_size,
            dim=dim,
            out_dim=hidden,
            hidden=hidden,
            tie=tie,
            objective=objective,
            num_sampled=num_sampled,
            counts=counts,
            dropout=dropout,
            sparse=sparse,
            negative=negative,
        )
        if context < 1:
            raise ConfigError(f"context must be >= 1, got {context}")
        self.context = context
        self.hidden = nn.Linear(context * dim, hidden)

    def init_state(self, batch_size: int, device: torch.device | str = "cpu") -> torch.Tensor:
        return torch.zeros(batch_size, self.context - 1, dtype=torch.long, device=device)

    def features(self, ids: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        t = ids.shape[1]
        full = torch.cat([state, ids], dim=1)  # (B, n-1+T)
        e = self.embedding(full)  # (B, n-1+T, E)
        # windows of n consecutive embeddings, oldest first: (B, T, n*E); slices back-propagate
        # faster than unfold
        win = torch.cat([e[:, k : k + t] for k in range(self.context)], dim=-1)
        h = torch.tanh(self.hidden(win))  # (B, T, H)
        return h, full[:, full.shape[1] - (self.context - 1) :]


class _RecurrentLM(LanguageModel):
    cell: type[nn.RNN | nn.GRU | nn.LSTM] = nn.RNN

    def __init__(
        self,
        vocab_size: int,
        *,
        dim: int = 100,
        hidden: int = 256,
        layers: int = 1,
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
            out_dim=hidden,
            hidden=hidden,
            tie=tie,
            objective=objective,
            num_sampled=num_sampled,
            counts=counts,
            dropout=dropout,
            sparse=sparse,
            negative=negative,
        )
        self.layers = layers
        self.hidden_size = hidden
        self.rnn = self.cell(dim, hidden, num_layers=layers, dropout=dropout if layers > 1 else 0.0, batch_first=True)

    def init_state(self, batch_size: int, device: torch.device | str = "cpu") -> Any:
        z = torch.zeros(self.layers, batch_size, self.hidden_size, device=device)
        return (z, z.clone()) if isinstance(self.rnn, nn.LSTM) else z

    def features(self, ids: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        e = self.drop(self.embedding(ids))  # (B, T, E)
        if (
            isinstance(self.rnn, nn.LSTM)
            and e.device.type == "cpu"
            and torch.is_autocast_enabled("cpu")
            and not cpu_has_bf16()
        ):
            # oneDNN has no bfloat16 LSTM kernel without AVX512-BF16/AMX ("could not create a primitive
            # descriptor"): the LSTM alone runs in float32 there, the rest of the step stays in bfloat16
            with torch.autocast("cpu", enabled=False):
                h, state = self.rnn(e.float(), state)
        else:
            h, state = self.rnn(e, state)  # (B, T, H)
        return h, state


class RNNLM(_RecurrentLM):
    """An Elman (tanh) recurrent language model."""

    kind = "rnn"
    cell = nn.RNN


class GRULM(_RecurrentLM):
    """A GRU language model."""

    kind = "gru"
    cell = nn.GRU


class LSTMLM(_RecurrentLM):
    """An LSTM language model (Zaremba et al. 2014 style: dropout on embeddings and outputs)."""

    kind = "lstm"
    cell = nn.LSTM


LANGUAGE_MODELS: dict[str, type[LanguageModel]] = {
    "nplm": NPLM,
    "rnn": RNNLM,
    "gru": GRULM,
    "lstm": LSTMLM,
    "transformer": TransformerLM,
}
"""The language models by :attr:`~embedkit.TrainConfig.algorithm` name (exported as ``embedkit.nn.MODELS``)."""


def build_model(config: Any, vocab_size: int, counts: torch.Tensor | None = None) -> LanguageModel:
    """The model named by ``config.algorithm`` with ``config``'s sizes (a :class:`~embedkit.training.config.TrainConfig`)."""
    try:
        cls = LANGUAGE_MODELS[config.algorithm]
    except KeyError:
        raise ConfigError(
            f"{config.algorithm!r} is not a neural language model; expected one of {', '.join(LANGUAGE_MODELS)}"
        ) from None
    extra: dict[str, Any] = {}
    if cls is TransformerLM:
        extra = {"heads": config.heads, "block": config.block, "positions": config.positions}
        if config.positions == "rope":
            extra["window"] = config.attention_window or config.block
    return cls(  # type: ignore[call-arg]  # every model takes these keywords
        vocab_size,
        **extra,
        dim=config.dim,
        context=config.window,
        hidden=config.hidden,
        layers=config.layers,
        dropout=config.dropout,
        tie=config.tie,
        objective=config.objective,
        num_sampled=config.num_sampled,
        counts=counts,
        sparse=config.sparse,
        negative=config.negative,
    )
