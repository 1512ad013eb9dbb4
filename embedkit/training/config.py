"""The hyper-parameters of learning vectors, :class:`TrainConfig`, and the algorithm names.

Torch-free and gensim-free: the command line builds its parser from :data:`ALGORITHMS`, and every
language-model checkpoint stores a ``TrainConfig`` as plain data (validated again on load).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any, Literal, cast

from .._launch import under_torchrun
from ..config import check_caps, check_field_types, from_plain_dict
from ..errors import ConfigError

__all__ = [
    "ALGORITHMS",
    "DEFAULT_CHECKPOINT_EVERY",
    "GENSIM_ALGORITHMS",
    "LM_ALGORITHMS",
    "UNITS",
    "Algorithm",
    "TrainConfig",
    "lm_recipe",
]

LM_ALGORITHMS = ("nplm", "rnn", "gru", "lstm", "transformer")
"""The neural language models (torch, ``embedkit[nn]``) among :data:`ALGORITHMS`."""
UNITS = ("word", "char")
GENSIM_ALGORITHMS = ("word2vec-skipgram", "word2vec-cbow", "fasttext")
ALGORITHMS = LM_ALGORITHMS + GENSIM_ALGORITHMS
"""Every :attr:`TrainConfig.algorithm`: the language models, then gensim's word2vec and fastText."""

# Upper bounds on the sizes, far above any model of these kinds: a config read from an edited or
# damaged checkpoint fails here instead of allocating gigabytes.
_CAPS = {
    "dim": 1 << 14,
    "hidden": 1 << 14,
    "layers": 64,
    "window": 1024,
    "batch_size": 1 << 20,
    "bptt": 1 << 20,
    "num_sampled": 1 << 20,
    "negative": 1024,
    "heads": 1024,
    "block": 1 << 16,
    "attention_window": 1 << 16,
    "warmup": 1 << 40,
    "steps": 1 << 40,
    "eval_every": 1 << 40,
    "eval_tokens": 1 << 40,
}

DEFAULT_CHECKPOINT_EVERY = 5.0
"""Minutes of training time between two evaluations (and checkpoints) of a language model trained
to a ``steps`` or ``minutes`` budget (``checkpoint_every`` of :func:`embedkit.nn.lm.train.fit`)."""

Algorithm = Literal["nplm", "rnn", "gru", "lstm", "transformer", "word2vec-skipgram", "word2vec-cbow", "fasttext"]


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters for learning vectors; saved into every checkpoint.

    ``None`` fields take the algorithm's default in ``__post_init__``, so a saved config always holds
    the values that were used.

    Parameters
    ----------
    algorithm:
        ``nplm``, ``rnn``, ``gru``, ``lstm``, ``transformer`` (next-token prediction in PyTorch) or
        ``word2vec-skipgram``, ``word2vec-cbow``, ``fasttext`` (gensim).
    unit:
        ``word`` (the shared tokenizer, ``</s>`` at line ends) or ``char`` (every character, the
        newline included, is a token; :func:`~embedkit.training.corpus.read_char_corpus`).
    dim:
        Embedding dimension.
    window:
        Context words: the ``nplm``'s n (it predicts word t from words t-n .. t-1) or gensim's window.
    hidden, layers, dropout, tie:
        Hidden size (``nplm``'s hidden layer, the recurrent state, the transformer's feed-forward
        width, default ``4 * dim`` there), layers, dropout, tied input and output embeddings.
    heads, block, positions:
        The transformer's attention heads (``dim`` must be a multiple), its context in tokens (it
        trains on random contiguous blocks of ``block + 1`` tokens and sees at most ``block`` tokens
        when it predicts) and its positions: ``learned`` or ``sinusoidal`` (absolute, added at the
        input), or ``rope`` (rotary, with sliding-window attention: every layer attends to the
        ``attention_window`` latest tokens, so the model reads text of any length and generates on an
        exact rolling key-value cache; :mod:`embedkit.nn.lm.rope`).
    attention_window:
        With ``positions="rope"``: the tokens each position attends to at every layer, itself included;
        0 (the default): ``block``. Training on blocks longer than the window trains positions past it.
    objective:
        ``full`` softmax, ``sampled`` softmax (``num_sampled`` shared candidates, default 256), ``negative`` sampling
        (``negative`` per token) or ``adaptive`` softmax. Default: ``negative`` for ``nplm`` (the word2vec
        objective), ``sampled`` otherwise.
    epochs, batch_size, bptt:
        Passes over the corpus; sequences per batch (default 512 for ``nplm``, 64 otherwise); tokens per
        sequence and per truncated back-propagation step (the recurrent models and ``nplm``).
    steps, minutes:
        Training budgets in place of ``epochs``: ``steps`` optimizer steps (reproducible exactly), or
        ``minutes`` of training time (evaluation and checkpoints excluded; the result depends on the
        machine's speed, and the history reports the steps taken). With both, training stops at the
        first reached and the schedule follows ``steps``. 0: not set.
    warmup:
        Optimizer steps of linear learning-rate warm-up before the ``schedule``'s decay.
    eval_every, eval_tokens:
        Evaluate (and checkpoint) every ``eval_every`` steps (0: after every epoch, or with a ``steps``
        or ``minutes`` budget only at the end), on the first ``eval_tokens`` held-out tokens (0: all).
    lr, optimizer, schedule, clip, weight_decay:
        Learning rate (default 1e-2 for ``nplm``, 2e-3 for the recurrent models with Adam, 1e-3 for the
        transformer, 0.025 for gensim), ``adam``/``adamw``/``sgd``/``adagrad``, ``constant``/``linear``/``cosine`` decay over all steps,
        gradient-norm clipping (0 = off; with sparse gradients only the dense parameters are clipped),
        L2 weight decay.
    sparse:
        Sparse gradients for the embedding and output rows (only the rows a batch touches are updated,
        lazy Adam): the default for the recurrent models with the sampled and negative objectives, so large
        vocabularies train fast. The nplm's batches touch most rows, so it updates densely by default
        (tokens/s of both ways: ``docs/training.md#speed-and-quality``).
        Under ``torchrun`` the default is dense (DistributedDataParallel averages sparse gradients
        only of ``nn.Embedding`` modules, not of the output rows), and ``sparse=True`` is an error there.
    freeze_embeddings:
        With pretrained initial vectors, keep the input embedding fixed.
    bf16:
        Compute the forward and backward passes in bfloat16 (``torch.autocast``; parameters, optimizer
        and losses stay float32). CPUs with AMX (Sapphire Rapids and later) run bfloat16 matrix products
        natively, so the lstm trains faster there (tokens/s: ``docs/training.md#speed-and-quality``);
        held-out perplexity is still computed in float32. On CPUs without native bfloat16 (no AVX512-BF16 or AMX), oneDNN has no
        bfloat16 LSTM kernel, so the lstm's recurrence runs in float32 there and the rest in bfloat16.
    seed:
        Seeds model initialisation, dropout, negative sampling and gensim.
    workers:
        gensim's worker threads (0: all cores) or torch's CPU threads (0: one thread, because these
        models' small matrix products gain less from more threads than the threads cost to synchronise;
        the rule: :func:`embedkit.nn.runtime.device.prepare_run`, the measurements:
        ``docs/training.md#speed-and-quality``).
    sample:
        gensim's down-sampling of frequent words.

    Examples
    --------
    >>> TrainConfig(algorithm="nplm", dim=50).batch_size
    512
    >>> TrainConfig(algorithm="word2vec-skipgram").lr
    0.025
    """

    algorithm: Algorithm = "lstm"
    unit: Literal["word", "char"] = "word"
    dim: int = 100
    window: int = 5
    hidden: int | None = None
    layers: int = 1
    dropout: float = 0.0
    tie: bool = False
    heads: int = 4
    block: int = 128
    positions: Literal["learned", "sinusoidal", "rope"] = "learned"
    attention_window: int = 0
    objective: Literal["full", "sampled", "negative", "adaptive"] | None = None
    num_sampled: int = 256
    negative: int = 5
    epochs: int = 5
    steps: int = 0
    minutes: float = 0.0
    batch_size: int | None = None
    bptt: int = 35
    lr: float | None = None
    warmup: int = 0
    eval_every: int = 0
    eval_tokens: int = 0
    optimizer: Literal["adam", "adamw", "sgd", "adagrad"] = "adam"
    schedule: Literal["constant", "linear", "cosine"] = "linear"
    clip: float = 1.0
    weight_decay: float = 0.0
    sparse: bool | None = None
    freeze_embeddings: bool = False
    bf16: bool = False
    seed: int = 0
    workers: int = 0
    sample: float = 1e-3

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.algorithm not in ALGORITHMS:
            raise ConfigError(f"unknown algorithm {self.algorithm!r}; expected one of {', '.join(ALGORITHMS)}")
        nplm = self.algorithm == "nplm"
        gensim = self.algorithm in GENSIM_ALGORITHMS
        transformer = self.algorithm == "transformer"
        set_ = object.__setattr__
        if self.hidden is None:
            set_(self, "hidden", self.dim if nplm else 4 * self.dim if transformer else 256)
        if self.objective is None:
            set_(self, "objective", "negative" if nplm else "sampled")
        if self.batch_size is None:
            set_(self, "batch_size", 512 if nplm else 64)
        if self.lr is None:
            set_(
                self,
                "lr",
                0.025
                if gensim
                else (1.0 if self.optimizer == "sgd" else 1e-2 if nplm else 1e-3 if transformer else 2e-3),
            )
        if self.sparse is None:
            # nplm batches hold many tokens per step, so a dense update of the tables is cheaper there
            set_(
                self,
                "sparse",
                self.objective in ("sampled", "negative")
                and self.weight_decay == 0
                and not gensim
                and not nplm
                and not under_torchrun(),
            )
        if self.sparse and self.objective not in ("sampled", "negative"):
            raise ConfigError("sparse=True needs a sampled or negative objective")
        if self.sparse and self.weight_decay:
            raise ConfigError("sparse=True cannot be combined with weight_decay")
        for name in (
            "dim",
            "window",
            "hidden",
            "layers",
            "epochs",
            "batch_size",
            "bptt",
            "num_sampled",
            "negative",
            "heads",
            "block",
        ):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("steps", "warmup", "eval_every", "eval_tokens", "attention_window"):
            if int(getattr(self, name)) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not 0.0 <= self.minutes <= 1e6:
            raise ConfigError(f"minutes must be in [0, 1e6], got {self.minutes}")
        check_caps(self, _CAPS)
        if self.unit not in UNITS:
            raise ConfigError(f"unknown unit {self.unit!r}; expected word or char")
        if self.positions not in ("learned", "sinusoidal", "rope"):
            raise ConfigError(f"unknown positions {self.positions!r}; expected learned, sinusoidal or rope")
        if self.attention_window and self.positions != "rope":
            raise ConfigError(f"attention_window applies to rope positions; these are {self.positions}")
        if transformer and self.positions == "rope" and self.dim % self.heads == 0 and (self.dim // self.heads) % 2:
            raise ConfigError(f"rope positions need an even head dimension; dim / heads = {self.dim // self.heads}")
        if transformer and self.dim % self.heads:
            raise ConfigError(f"dim ({self.dim}) must be a multiple of heads ({self.heads})")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout}")
        if cast(float, self.lr) <= 0 or self.clip < 0 or self.weight_decay < 0 or self.workers < 0 or self.sample < 0:
            raise ConfigError("lr must be > 0; clip, weight_decay, workers and sample >= 0")
        if self.objective not in ("full", "sampled", "negative", "adaptive"):
            raise ConfigError(f"unknown objective {self.objective!r}")
        if self.optimizer not in ("adam", "adamw", "sgd", "adagrad"):
            raise ConfigError(f"unknown optimizer {self.optimizer!r}")
        if self.schedule not in ("constant", "linear", "cosine"):
            raise ConfigError(f"unknown schedule {self.schedule!r}")
        if self.tie and self.objective == "adaptive":
            raise ConfigError("tie=True needs a full, sampled or negative objective, not adaptive")

    def to_dict(self) -> dict[str, Any]:
        """The config as plain data, as checkpoints and reports store it."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """The config from :meth:`to_dict`'s data; keys it does not know (from a newer version) are ignored."""
        return from_plain_dict(cls, d, ignore_unknown=True)

    @property
    def threads(self) -> int:
        """The CPU threads training uses: ``workers``, or every core when that is 0."""
        return self.workers or (os.cpu_count() or 1)


def lm_recipe(unit: str, algorithm: str) -> dict[str, Any]:
    """The defaults of ``embedkit train-lm`` for ``unit`` and ``algorithm``: the hyper-parameters
    behind the measured figures in ``docs/training.md#character-models`` (the character
    transformer's are the best recipe found for five minutes on two CPU cores). Explicit options
    override them; fields not named keep :class:`TrainConfig`'s defaults.

    Examples
    --------
    >>> lm_recipe("char", "lstm")["hidden"]
    256
    """
    if unit not in UNITS:
        raise ConfigError(f"unknown unit {unit!r}; expected word or char")
    if algorithm not in LM_ALGORITHMS:
        raise ConfigError(f"unknown model {algorithm!r}; expected one of {', '.join(LM_ALGORITHMS)}")
    common: dict[str, Any] = {"unit": unit, "algorithm": algorithm, "objective": "full", "clip": 1.0}
    if unit == "char":
        if algorithm == "transformer":
            return {
                **common,
                **_CHAR_TRANSFORMER,
            }
        # char-rnn's two layers (Karpathy 2015), sized for a CPU: a 512-unit GRU or LSTM takes
        # several seconds a step on one core, too few steps in five minutes
        return {
            **common,
            "dim": 64,
            "hidden": 512 if algorithm == "rnn" else 256,
            "layers": 1 if algorithm == "rnn" else 2,
            "batch_size": 32,
            "bptt": 64,
            "lr": 2e-3,
            "warmup": 50,
            "schedule": "cosine",
            "eval_every": 250,
            "eval_tokens": 32_768,
        }
    if algorithm == "transformer":
        return {
            **common,
            "objective": None,
            "dim": 128,
            "layers": 2,
            "heads": 4,
            "block": 64,
            "batch_size": 32,
            "optimizer": "adamw",
            "warmup": 100,
            "schedule": "cosine",
        }
    return {**common, "objective": None}


# The best five-minute recipe for characters found on two CPU cores (docs/training.md#character-models);
# rotary positions with a window of the block: lower held-out loss than learned positions for the same
# steps, and an exact key-value cache at a flat cost per generated character.
_CHAR_TRANSFORMER: dict[str, Any] = {
    "dim": 128,
    "heads": 4,
    "layers": 4,
    "hidden": 512,
    "block": 128,
    "positions": "rope",
    "batch_size": 24,
    "dropout": 0.0,
    "lr": 3e-3,
    "optimizer": "adamw",
    "weight_decay": 0.1,
    "warmup": 100,
    "schedule": "cosine",
    "eval_every": 250,
    "eval_tokens": 32_768,
}
