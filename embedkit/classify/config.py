"""Classifier names and the configuration of the neural text classifiers: torch-free.

The model and mode names are written here once: the neural architectures (:data:`NEURAL_MODELS`),
the baselines (:data:`BASELINES`), all of them (:data:`MODELS`) and the embedding modes
(:data:`MODES`). :class:`ClassifierConfig` is saved into every checkpoint. The command line imports
this module while it builds its parser, so it imports neither torch nor scikit-learn.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from ..config import check_caps, check_field_types, from_plain_dict
from ..errors import ConfigError, InvalidArgumentError

__all__ = [
    "BASELINES",
    "CAPS",
    "ENCODER_MODELS",
    "FINETUNE_MODELS",
    "MODELS",
    "MODES",
    "NEURAL_MODELS",
    "SENTENCE_MODELS",
    "BaselineName",
    "ClassifierConfig",
    "FinetuneConfig",
    "Mode",
    "NeuralModel",
    "check_model",
    "needs_vectors",
]

NeuralModel = Literal["rnn", "gru", "lstm", "cnn", "transformer"]
BaselineName = Literal["tfidf-logreg", "tfidf-svm", "mean-logreg"]
Mode = Literal["rand", "static", "non-static", "multichannel"]
SentenceModel = Literal["sentence-logreg", "sentence-mlp"]
FinetuneModel = Literal["minilm-finetune"]

NEURAL_MODELS: tuple[str, ...] = get_args(NeuralModel)
"""The neural classifiers (torch, ``embedkit[nn]``): :attr:`ClassifierConfig.model` values that train a network."""
BASELINES: tuple[str, ...] = get_args(BaselineName)
"""The scikit-learn baselines on words: TF-IDF and mean word vectors."""
SENTENCE_MODELS: tuple[str, ...] = get_args(SentenceModel)
"""Classifiers on a contextual model's sentence vectors (:mod:`embedkit.classify.sentence`): logistic
regression and a one-hidden-layer MLP (scikit-learn)."""
FINETUNE_MODELS: tuple[str, ...] = get_args(FinetuneModel)
"""The contextual encoder plus a linear head, trained end to end (:mod:`embedkit.nn.classifiers.finetune`)."""
ENCODER_MODELS: tuple[str, ...] = SENTENCE_MODELS + FINETUNE_MODELS
"""The models that run a contextual encoder (``--encoder``): on its sentence vectors or fine-tuned."""
MODELS: tuple[str, ...] = NEURAL_MODELS + BASELINES + ENCODER_MODELS
"""Every model name: the neural classifiers, the baselines (scikit-learn), then the models on a contextual encoder."""
MODES: tuple[str, ...] = get_args(Mode)
"""How a neural classifier uses the vectors (:attr:`ClassifierConfig.mode`), as Kim (2014) names them."""


def check_model(model: str, mode: str) -> None:
    """Raise :class:`~embedkit.errors.InvalidArgumentError` unless ``model`` is one of
    :data:`MODELS` and, for a neural model, ``mode`` one of :data:`MODES`.

    Examples
    --------
    >>> check_model("tfidf-svm", "anything")
    >>> check_model("cnn", "frozen")
    Traceback (most recent call last):
    ...
    embedkit.errors.InvalidArgumentError: unknown mode 'frozen'; expected one of rand, static, non-static, multichannel
    """
    if model not in MODELS:
        raise InvalidArgumentError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    if model in NEURAL_MODELS and mode not in MODES:
        raise InvalidArgumentError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")


def needs_vectors(model: str, mode: str) -> bool:
    """Whether ``model`` in ``mode`` needs pretrained word vectors: ``mean-logreg``, and every
    neural model in a mode other than ``rand``.

    Examples
    --------
    >>> needs_vectors("mean-logreg", "rand"), needs_vectors("cnn", "rand"), needs_vectors("cnn", "static")
    (True, False, True)
    """
    return model == "mean-logreg" or (model in NEURAL_MODELS and mode != "rand")


# Upper bounds on the sizes (far above any published model of these kinds): a config read from an
# edited or damaged file fails here instead of allocating tens of gigabytes.
CAPS = {
    "embed_dim": 1 << 14,
    "hidden_size": 1 << 14,
    "num_filters": 1 << 14,
    "d_model": 1 << 14,
    "ff_size": 1 << 16,
    "num_layers": 64,
    "num_heads": 256,
    "transformer_layers": 256,
    "filter_widths": 256,
    "max_len": 100_000,
    "batch_size": 1 << 20,
}


@dataclass
class ClassifierConfig:
    """Hyper-parameters of a neural text classifier, saved into every checkpoint.

    The defaults are Kim's (2014) CNN-non-static settings (filter widths 3, 4, 5 x 100 maps,
    dropout 0.5, max-norm 3, batch 50) with Adam in place of Adadelta, 25% dropout on the word
    vectors, early stopping after 3 epochs without a better dev accuracy, and the 100,000 most
    frequent words of the embedding joined to the training vocabulary. ``threads`` is the number
    of torch threads on the CPU (0: one; the rule and why: :func:`embedkit.nn.runtime.device.prepare_run`;
    epoch times with one and two threads: ``docs/classification.md#training-speed``).

    ``word_dropout`` drops whole word vectors (the kept ones rescaled) before ``input_dropout``
    drops single values; ``embed_lr_scale`` makes the fine-tuned pretrained vectors move that many
    times as fast as the other weights (``non-static`` and ``multichannel``; see
    :class:`~embedkit.nn.classifiers.Embedder`). With ``refit``, :func:`~embedkit.nn.classifiers.train_neural` trains a
    fresh model on the training and dev texts together for the best epoch's number of epochs after
    early stopping has chosen it, and returns that model (its dev scores are then on seen texts).
    With ``compounds``, hyphenated words the embedding lacks are split into their parts when it has
    them all (``ham-fisted`` -> ``ham fisted``; see :func:`~embedkit.nn.classifiers.data.split_compounds`).

    Examples
    --------
    >>> ClassifierConfig(model="lstm", bidirectional=True).pooling
    'auto'
    >>> ClassifierConfig(dropout=1.5)
    Traceback (most recent call last):
    ...
    embedkit.errors.ConfigError: dropout must be in [0, 1), got 1.5
    """

    model: NeuralModel = "cnn"
    mode: Mode = "non-static"
    # text and embedding
    lower: bool = True
    min_count: int = 1
    vector_words: int = 100_000
    compounds: bool = False
    unknown: Literal["uniform", "zero"] = "uniform"
    embed_dim: int = 300
    sequence: Literal["fixed", "bucket"] = "bucket"
    max_len: int = 400
    input_dropout: float = 0.25
    embed_lr_scale: float = 1.0
    word_dropout: float = 0.0
    dropout: float = 0.5
    pooling: Literal["auto", "last", "max", "mean", "cls"] = "auto"
    # recurrent
    hidden_size: int = 150
    num_layers: int = 1
    bidirectional: bool = False
    recurrent_dropout: float = 0.0
    # CNN
    filter_widths: tuple[int, ...] = (3, 4, 5)
    num_filters: int = 100
    max_norm: float | None = 3.0
    # transformer
    d_model: int = 128
    num_heads: int = 4
    ff_size: int = 256
    transformer_layers: int = 2
    attention_dropout: float = 0.1
    # optimisation
    optimizer: Literal["adam", "adadelta"] = "adam"
    lr: float | None = None
    weight_decay: float = 0.0
    batch_size: int = 50
    epochs: int = 15
    patience: int | None = 3
    grad_clip: float | None = 5.0
    dev_fraction: float = 0.1
    refit: bool = False
    threads: int = 0

    def __post_init__(self) -> None:
        check_field_types(self)
        self.filter_widths = tuple(self.filter_widths)
        choices = {
            "model": NEURAL_MODELS,
            "mode": MODES,
            "unknown": ("uniform", "zero"),
            "sequence": ("fixed", "bucket"),
            "pooling": ("auto", "last", "max", "mean", "cls"),
            "optimizer": ("adam", "adadelta"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {', '.join(allowed)}; got {getattr(self, name)!r}")
        for name in ("input_dropout", "word_dropout", "dropout", "recurrent_dropout", "attention_dropout"):
            p = getattr(self, name)
            if not 0.0 <= p < 1.0:
                raise ConfigError(f"{name} must be in [0, 1), got {p}")
        positive = (
            "min_count",
            "embed_dim",
            "max_len",
            "hidden_size",
            "num_layers",
            "num_filters",
            "d_model",
            "num_heads",
            "ff_size",
            "transformer_layers",
            "batch_size",
            "epochs",
        )
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        check_caps(self, CAPS)
        if self.vector_words < 0:
            raise ConfigError(f"vector_words must be >= 0, got {self.vector_words}")
        if not self.filter_widths or min(self.filter_widths) < 1:
            raise ConfigError(f"filter_widths must be positive widths, got {self.filter_widths}")
        if self.d_model % self.num_heads:
            raise ConfigError(f"d_model ({self.d_model}) must be a multiple of num_heads ({self.num_heads})")
        if not self.embed_lr_scale > 0.0:
            raise ConfigError(f"embed_lr_scale must be positive, got {self.embed_lr_scale}")
        for name in ("lr", "max_norm", "grad_clip"):
            v = getattr(self, name)
            if v is not None and not v > 0:
                raise ConfigError(f"{name} must be positive or None, got {v}")
        if self.weight_decay < 0:
            raise ConfigError(f"weight_decay must be >= 0, got {self.weight_decay}")
        if self.patience is not None and self.patience < 1:
            raise ConfigError(f"patience must be >= 1 or None, got {self.patience}")
        if not 0.0 < self.dev_fraction < 1.0:
            raise ConfigError(f"dev_fraction must be in (0, 1), got {self.dev_fraction}")
        if self.threads < 0:
            raise ConfigError(f"threads must be >= 0, got {self.threads}")

    @property
    def learning_rate(self) -> float:
        """``lr``, or the optimiser's usual rate (Adam 1e-3, Adadelta 1.0)."""
        return self.lr if self.lr is not None else (1e-3 if self.optimizer == "adam" else 1.0)

    def to_dict(self) -> dict[str, Any]:
        """The config as plain data (``filter_widths`` as a list), as checkpoints store it."""
        d = dataclasses.asdict(self)
        d["filter_widths"] = list(self.filter_widths)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ClassifierConfig:
        """The config from plain data; an unknown field is a :class:`~embedkit.errors.ConfigError`."""
        return from_plain_dict(cls, d)


@dataclass
class FinetuneConfig:
    """Hyper-parameters of a contextual encoder fine-tuned end to end with a linear head
    (``minilm-finetune``), saved into its checkpoint.

    The pooled sentence vector (the model's own pooling, not normalised) goes through ``dropout`` to a
    linear layer over the classes; every weight of the encoder and the head is trained with AdamW
    (``lr``, ``weight_decay`` on the matrices only, not on biases or layer norms), the rate rising
    linearly from 0 over the first ``warmup`` share of the steps and then falling linearly to 0 at the
    last step, gradients clipped to norm ``grad_clip``. Texts are cut to ``max_length`` word pieces
    (special tokens included). After each epoch the dev accuracy is measured and the best epoch's
    weights are kept. ``threads``: torch threads on the CPU (0: one, the rule of
    :func:`embedkit.nn.runtime.device.prepare_run`; on a machine shared with other work more threads can be
    slower, as they wait for each other).

    Examples
    --------
    >>> FinetuneConfig(epochs=2).total_steps(100)   # batch 16: 7 steps an epoch
    14
    >>> FinetuneConfig(warmup=1.5)
    Traceback (most recent call last):
    ...
    embedkit.errors.ConfigError: warmup must be in [0, 1), got 1.5
    """

    encoder: str = "minilm"
    max_length: int = 64
    batch_size: int = 16
    epochs: int = 3
    lr: float = 5e-5
    weight_decay: float = 0.01
    warmup: float = 0.1
    dropout: float = 0.1
    grad_clip: float | None = 1.0
    dev_fraction: float = 0.1
    threads: int = 0

    def __post_init__(self) -> None:
        check_field_types(self)
        for name in ("max_length", "batch_size", "epochs"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.max_length < 3:
            raise ConfigError(f"max_length must be >= 3 (two special tokens and a piece), got {self.max_length}")
        check_caps(self, {"max_length": 100_000, "batch_size": 1 << 20})
        for name in ("warmup", "dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if not self.lr > 0:
            raise ConfigError(f"lr must be positive, got {self.lr}")
        if self.weight_decay < 0:
            raise ConfigError(f"weight_decay must be >= 0, got {self.weight_decay}")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ConfigError(f"grad_clip must be positive or None, got {self.grad_clip}")
        if not 0.0 < self.dev_fraction < 1.0:
            raise ConfigError(f"dev_fraction must be in (0, 1), got {self.dev_fraction}")
        if self.threads < 0:
            raise ConfigError(f"threads must be >= 0, got {self.threads}")

    def total_steps(self, n_train: int) -> int:
        """The optimiser steps of a run on ``n_train`` examples: ``epochs`` x batches an epoch."""
        return self.epochs * -(-n_train // self.batch_size)

    def to_dict(self) -> dict[str, Any]:
        """The config as plain data, as checkpoints store it."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FinetuneConfig:
        """The config from plain data; an unknown field is a :class:`~embedkit.errors.ConfigError`."""
        return from_plain_dict(cls, d)
