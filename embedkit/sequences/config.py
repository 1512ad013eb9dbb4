"""Model names and the configuration of the encoder-decoders (torch-free): the command line imports this
module while it builds its parser.

:class:`Seq2SeqConfig` holds every hyper-parameter and is saved into every checkpoint. Fields left
``None`` take the recipe of the chosen model (:data:`RECIPES`): the settings behind the figures of
``benchmarks/results/seq2seq_*.json``, chosen on the validation split of ``numbers-fr``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from ..config import check_caps, check_field_types, from_plain_dict
from ..errors import ConfigError

__all__ = ["ATTENTIONS", "CAPS", "RECIPES", "SEQ2SEQ_MODELS", "Attention", "Seq2SeqConfig", "Seq2SeqModel"]

Seq2SeqModel = Literal["gru", "lstm", "gru-attn", "lstm-attn", "transformer"]
Attention = Literal["additive", "dot", "general"]
SEQ2SEQ_MODELS: tuple[str, ...] = get_args(Seq2SeqModel)
"""The encoder-decoder architectures (:attr:`Seq2SeqConfig.model`)."""
ATTENTIONS: tuple[str, ...] = get_args(Attention)
"""The attention scores of the ``*-attn`` models (:attr:`Seq2SeqConfig.attention`)."""
SCHEDULES: tuple[str, ...] = ("constant", "cosine")

_RNN = {
    "emb_dim": 64,
    "hidden": 256,
    "layers": 1,
    "heads": 1,
    "ff_dim": 1,
    "dropout": 0.1,
    "epochs": 4,
    "batch_size": 64,
    "lr": 2e-3,
    "clip": 1.0,
    "warmup": 0,
    "schedule": "cosine",
}
# The recipe of each model: what a None field becomes.
RECIPES: dict[str, dict[str, Any]] = {
    "gru": {**_RNN, "bidirectional": False, "attention": None},
    "lstm": {**_RNN, "bidirectional": False, "attention": None},
    "gru-attn": {**_RNN, "bidirectional": True, "attention": "additive"},
    "lstm-attn": {**_RNN, "bidirectional": True, "attention": "additive"},
    "transformer": {
        "emb_dim": 128,
        "hidden": 128,
        "layers": 2,
        "heads": 4,
        "ff_dim": 512,
        "dropout": 0.1,
        "epochs": 6,
        "batch_size": 64,
        "lr": 2e-3,
        "clip": 1.0,
        "warmup": 300,
        "schedule": "cosine",
        "bidirectional": False,
        "attention": None,
    },
}

# Upper bounds on sizes: a config read from an edited or damaged file fails here, not by allocating gigabytes.
CAPS = {
    "emb_dim": 1 << 14,
    "hidden": 1 << 14,
    "ff_dim": 1 << 16,
    "layers": 64,
    "heads": 256,
    "batch_size": 1 << 20,
    "max_len": 100_000,
    "epochs": 1_000_000,
    "warmup": 1 << 30,
    "workers": 1024,
}


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Hyper-parameters of an encoder-decoder, saved into every checkpoint.

    ``model``: ``gru`` or ``lstm`` (the lab's baseline: the encoder's final state initialises the
    decoder, no attention), ``gru-attn`` or ``lstm-attn`` (the decoder attends to every encoder state,
    with ``attention`` ``additive`` (Bahdanau), ``dot`` or ``general`` (Luong)), or ``transformer``
    (``emb_dim`` is its width, ``heads`` and ``ff_dim`` its attention heads and feed-forward size;
    ``hidden`` and ``bidirectional`` are not used). ``layers`` counts the encoder's and the decoder's
    layers each. ``teacher_forcing``: the probability that a training batch feeds the decoder the
    true previous token rather than its own prediction (recurrent models; the transformer is always
    teacher-forced). ``clip``: the gradient-norm limit. ``warmup``: linear warm-up steps;
    ``schedule``: ``cosine`` decays the learning rate to zero over the run, ``constant`` keeps it.
    ``workers``: torch threads on the CPU (0: one). ``src_unit``/``tgt_unit``: ``char`` or ``word``
    (``None``: set from the task by :func:`~embedkit.sequences.api.train_seq2seq`). ``max_len``: the
    longest output decoding produces (``None``: set from the training targets). ``min_count``: a word
    seen fewer times in training is ``<unk>``.

    Examples
    --------
    >>> c = Seq2SeqConfig(model="gru-attn")
    >>> c.attention, c.hidden, c.bidirectional
    ('additive', 256, True)
    >>> Seq2SeqConfig(model="gru", attention="dot")
    Traceback (most recent call last):
    ...
    embedkit.errors.ConfigError: attention applies to gru-attn and lstm-attn only, not to 'gru'
    """

    model: Seq2SeqModel = "gru-attn"
    attention: Attention | None = None
    emb_dim: int | None = None
    hidden: int | None = None
    layers: int | None = None
    bidirectional: bool | None = None
    heads: int | None = None
    ff_dim: int | None = None
    dropout: float | None = None
    epochs: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    teacher_forcing: float = 1.0
    clip: float | None = None
    warmup: int | None = None
    schedule: Literal["constant", "cosine"] | None = None
    label_smoothing: float = 0.0
    seed: int = 0
    workers: int = 0
    src_unit: Literal["char", "word"] | None = None
    tgt_unit: Literal["char", "word"] | None = None
    max_len: int | None = None
    min_count: int = 1

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.model not in SEQ2SEQ_MODELS:
            raise ConfigError(f"model must be one of {', '.join(SEQ2SEQ_MODELS)}; got {self.model!r}")
        if self.attention is not None and self.attention not in ATTENTIONS:
            raise ConfigError(f"attention must be one of {', '.join(ATTENTIONS)}; got {self.attention!r}")
        if self.attention is not None and not self.model.endswith("-attn"):
            raise ConfigError(f"attention applies to gru-attn and lstm-attn only, not to {self.model!r}")
        for name, value in RECIPES[self.model].items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        for name in ("src_unit", "tgt_unit"):
            if getattr(self, name) not in (None, "char", "word"):
                raise ConfigError(f"{name} must be char or word; got {getattr(self, name)!r}")
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"schedule must be constant or cosine; got {self.schedule!r}")
        for name in ("dropout", "label_smoothing"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if not 0.0 <= self.teacher_forcing <= 1.0:
            raise ConfigError(f"teacher_forcing must be in [0, 1], got {self.teacher_forcing}")
        for name in ("emb_dim", "hidden", "layers", "heads", "ff_dim", "epochs", "batch_size", "min_count"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.max_len is not None and self.max_len < 1:
            raise ConfigError(f"max_len must be >= 1, got {self.max_len}")
        for name in ("warmup", "workers", "seed"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not self.lr > 0:  # type: ignore[operator]  # filled above
            raise ConfigError(f"lr must be > 0, got {self.lr}")
        if not self.clip > 0:  # type: ignore[operator]  # filled above
            raise ConfigError(f"clip must be > 0, got {self.clip}")
        check_caps(self, CAPS)
        if self.model == "transformer" and self.emb_dim % self.heads:  # type: ignore[operator]  # filled above
            raise ConfigError(f"emb_dim ({self.emb_dim}) must be a multiple of heads ({self.heads})")

    @property
    def has_attention(self) -> bool:
        """Whether the decoder attends to the source (the ``-attn`` models and the transformer)."""
        return self.model.endswith("-attn") or self.model == "transformer"

    @property
    def recurrent(self) -> bool:
        """Whether the model is a recurrent encoder-decoder (every model but the transformer)."""
        return self.model != "transformer"

    def to_dict(self) -> dict[str, Any]:
        """The config as plain data, as checkpoints store it."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Seq2SeqConfig:
        """The config from plain data; an unknown field is a :class:`~embedkit.errors.ConfigError`."""
        return from_plain_dict(cls, d)
