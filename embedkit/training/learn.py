"""Learn word vectors from a corpus: neural language models (``embedkit.nn``) or gensim's word2vec and
fastText, all through one config and one function returning :class:`~embedkit.Vectors`.

This module imports neither torch nor gensim; each backend is imported when it is used.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .config import check_caps, check_field_types, from_plain_dict
from .errors import ConfigError, TrainingInterrupted
from .vectors import Vectors

if TYPE_CHECKING:  # pragma: no cover
    from .corpus import Corpus

__all__ = ["ALGORITHMS", "GENSIM_ALGORITHMS", "LM_ALGORITHMS", "TrainConfig", "TrainResult", "learn_vectors", "train_vectors"]

LM_ALGORITHMS = ("nplm", "rnn", "gru", "lstm")
GENSIM_ALGORITHMS = ("word2vec-skipgram", "word2vec-cbow", "fasttext")
ALGORITHMS = LM_ALGORITHMS + GENSIM_ALGORITHMS

# Upper bounds on the sizes, far above any model of these kinds: a config read from an edited or
# damaged checkpoint fails here instead of allocating gigabytes.
_CAPS = {"dim": 1 << 14, "hidden": 1 << 14, "layers": 64, "window": 1024, "batch_size": 1 << 20, "bptt": 1 << 20,
         "num_sampled": 1 << 20, "negative": 1024}

Algorithm = Literal["nplm", "rnn", "gru", "lstm", "word2vec-skipgram", "word2vec-cbow", "fasttext"]


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters for learning vectors; saved into every checkpoint.

    ``None`` fields take the algorithm's default in ``__post_init__``, so a saved config always holds
    the values that were used.

    Parameters
    ----------
    algorithm:
        ``nplm``, ``rnn``, ``gru``, ``lstm`` (next-word prediction in PyTorch) or
        ``word2vec-skipgram``, ``word2vec-cbow``, ``fasttext`` (gensim).
    dim:
        Embedding dimension.
    window:
        Context words: the ``nplm``'s n (it predicts word t from words t-n .. t-1) or gensim's window.
    hidden, layers, dropout, tie:
        Hidden size (``nplm``'s hidden layer, the recurrent state), recurrent layers, dropout,
        tied input and output embeddings.
    objective:
        ``full`` softmax, ``sampled`` softmax (``num_sampled`` shared candidates, default 256), ``negative`` sampling
        (``negative`` per token) or ``adaptive`` softmax. Default: ``negative`` for ``nplm`` (the word2vec
        objective), ``sampled`` otherwise.
    epochs, batch_size, bptt:
        Passes over the corpus; sequences per batch (default 512 for ``nplm``, 64 otherwise); tokens per
        sequence and per truncated back-propagation step.
    lr, optimizer, schedule, clip, weight_decay:
        Learning rate (default 1e-2 for ``nplm``, 2e-3 for the recurrent models with Adam, 0.025 for
        gensim), ``adam``/``sgd``/``adagrad``, ``constant``/``linear``/``cosine`` decay over all steps,
        gradient-norm clipping (0 = off; with sparse gradients only the dense parameters are clipped),
        L2 weight decay.
    sparse:
        Sparse gradients for the embedding and output rows (only the rows a batch touches are updated,
        lazy Adam): the default for the recurrent models with the sampled and negative objectives, so large
        vocabularies train fast (the nplm's batches touch most rows, and dense updates measured faster).
        Under ``torchrun`` the default is dense (DistributedDataParallel averages sparse gradients
        only of ``nn.Embedding`` modules, not of the output rows), and ``sparse=True`` is an error there.
    freeze_embeddings:
        With pretrained initial vectors, keep the input embedding fixed.
    bf16:
        Compute the forward and backward passes in bfloat16 (``torch.autocast``; parameters, optimizer
        and losses stay float32). On CPUs with AMX (Sapphire Rapids and later) this ran the lstm 2.3x
        faster (``python benchmarks/bench_train.py speed --lstm-only``); held-out perplexity is still
        computed in float32. On CPUs without native bfloat16 (no AVX512-BF16 or AMX), oneDNN has no
        bfloat16 LSTM kernel, so the lstm's recurrence runs in float32 there and the rest in bfloat16.
    seed:
        Seeds model initialisation, dropout, negative sampling and gensim.
    workers:
        gensim's worker threads (0: all cores) or torch's CPU threads (0: one thread, which the
        benchmark measured faster than two for these small matrix products on a busy 2-core machine:
        ``python benchmarks/bench_train.py speed``).
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
    dim: int = 100
    window: int = 5
    hidden: int | None = None
    layers: int = 1
    dropout: float = 0.0
    tie: bool = False
    objective: Literal["full", "sampled", "negative", "adaptive"] | None = None
    num_sampled: int = 256
    negative: int = 5
    epochs: int = 5
    batch_size: int | None = None
    bptt: int = 35
    lr: float | None = None
    optimizer: Literal["adam", "sgd", "adagrad"] = "adam"
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
        set_ = object.__setattr__
        if self.hidden is None:
            set_(self, "hidden", self.dim if nplm else 256)
        if self.objective is None:
            set_(self, "objective", "negative" if nplm else "sampled")
        if self.batch_size is None:
            set_(self, "batch_size", 512 if nplm else 64)
        if self.lr is None:
            set_(self, "lr", 0.025 if gensim else (1.0 if self.optimizer == "sgd" else 1e-2 if nplm else 2e-3))
        if self.sparse is None:
            # nplm batches hold many tokens per step, so a dense update of the tables is cheaper there
            set_(self, "sparse", self.objective in ("sampled", "negative") and self.weight_decay == 0
                 and not gensim and not nplm and int(os.environ.get("WORLD_SIZE", "1")) == 1)
        if self.sparse and self.objective not in ("sampled", "negative"):
            raise ConfigError("sparse=True needs a sampled or negative objective")
        if self.sparse and self.weight_decay:
            raise ConfigError("sparse=True cannot be combined with weight_decay")
        for name in ("dim", "window", "hidden", "layers", "epochs", "batch_size", "bptt", "num_sampled", "negative"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        check_caps(self, _CAPS)
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.lr <= 0 or self.clip < 0 or self.weight_decay < 0 or self.workers < 0 or self.sample < 0:
            raise ConfigError("lr must be > 0; clip, weight_decay, workers and sample >= 0")
        if self.objective not in ("full", "sampled", "negative", "adaptive"):
            raise ConfigError(f"unknown objective {self.objective!r}")
        if self.optimizer not in ("adam", "sgd", "adagrad"):
            raise ConfigError(f"unknown optimizer {self.optimizer!r}")
        if self.schedule not in ("constant", "linear", "cosine"):
            raise ConfigError(f"unknown schedule {self.schedule!r}")
        if self.tie and self.objective == "adaptive":
            raise ConfigError("tie=True needs a full, sampled or negative objective, not adaptive")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        return from_plain_dict(cls, d, ignore_unknown=True)

    @property
    def threads(self) -> int:
        return self.workers or (os.cpu_count() or 1)


@dataclass(frozen=True)
class TrainResult:
    """What training produced: the vectors, per-epoch history and, for language models, the model
    (a :class:`embedkit.nn.train_lm.TrainedLM`)."""

    vectors: Vectors
    config: TrainConfig
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    tokens_per_s: float = 0.0
    lm: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"config": self.config.to_dict(), "history": self.history, "seconds": self.seconds,
                "tokens_per_s": self.tokens_per_s, "words": len(self.vectors), "dim": self.vectors.dim}


def learn_vectors(corpus: Corpus, config: TrainConfig) -> Vectors:
    """Learn word vectors from ``corpus`` with ``config.algorithm``.

    Language models (``nplm``, ``rnn``, ``gru``, ``lstm``) export their input embedding; gensim's
    models their word vectors. The special tokens are left out; ``<unk>`` too for gensim. Use
    :func:`train_vectors` for the history, checkpoints, a device or pretrained initial vectors.

    Examples
    --------
    >>> from embedkit.corpus import corpus_from_texts
    >>> c = corpus_from_texts(["the cat sat on the mat", "the dog sat on the log"] * 20)
    >>> v = learn_vectors(c, TrainConfig(algorithm="word2vec-cbow", dim=8, epochs=2, workers=1))
    >>> v.shape
    (7, 8)
    """
    return train_vectors(corpus, config, progress=False).vectors


def train_vectors(
    corpus: Corpus,
    config: TrainConfig,
    *,
    init: Vectors | None = None,
    device: str = "auto",
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool = True,
) -> TrainResult:
    """Train ``config.algorithm`` on ``corpus`` and return a :class:`TrainResult`.

    Parameters
    ----------
    init:
        Pretrained vectors to start the input embedding from (language models only).
    device:
        ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"``... (language models only).
    checkpoint_dir, resume:
        Write a checkpoint after every epoch there; continue from the latest one (language models only).
    progress:
        Show a progress bar (language models).
    """
    if len(corpus.vocab) <= len(corpus.vocab.specials) or not len(corpus.train):
        raise ValueError("the corpus has no words to train on: it is empty, or every word is rarer than min_count")
    if config.algorithm in LM_ALGORITHMS:
        from .nn.train_lm import train_language_model

        lm = train_language_model(corpus, config, init=init, device=device, checkpoint_dir=checkpoint_dir,
                                  resume=resume, progress=progress)
        secs = sum(h["seconds"] for h in lm.history)
        toks = sum(h["tokens"] for h in lm.history)
        return TrainResult(lm.vectors(), config, list(lm.history), secs, toks / secs if secs else 0.0, lm)
    if init is not None or checkpoint_dir is not None:
        raise ValueError(f"init and checkpoints are for the neural language models, not {config.algorithm}")
    return _train_gensim(corpus, config)


def _train_gensim(corpus: Corpus, config: TrainConfig) -> TrainResult:
    from gensim.models import FastText, Word2Vec

    sentences = _Sentences(corpus)  # re-iterable, decoded from the ids on the fly: nothing grows with the corpus
    # The vocabulary is already limited by the corpus; gensim keeps every word it is given.
    common = {"vector_size": config.dim, "window": config.window, "min_count": 1, "workers": config.threads,
                  "seed": config.seed, "sample": config.sample, "negative": config.negative, "alpha": config.lr,
                  "min_alpha": config.lr * 1e-4 if config.schedule != "constant" else config.lr}
    if config.algorithm == "fasttext":
        model = FastText(sg=1, **common)
    else:
        model = Word2Vec(sg=int(config.algorithm == "word2vec-skipgram"), **common)
    model.build_vocab(sentences)
    n_tokens = model.corpus_total_words
    n_sentences = model.corpus_count
    history = []
    start = time.perf_counter()
    try:
        for epoch in range(config.epochs):
            t0 = time.perf_counter()
            # One epoch per call with the learning rate decayed linearly over all epochs, as one call would.
            a0 = config.lr - (config.lr - common["min_alpha"]) * epoch / config.epochs
            a1 = config.lr - (config.lr - common["min_alpha"]) * (epoch + 1) / config.epochs
            model.train(sentences, total_examples=n_sentences, epochs=1, start_alpha=a0, end_alpha=a1)
            dt = time.perf_counter() - t0
            history.append({"epoch": epoch + 1, "tokens": n_tokens, "seconds": dt, "tokens_per_s": n_tokens / dt})
    except KeyboardInterrupt:
        raise TrainingInterrupted(len(history), None) from None
    secs = time.perf_counter() - start
    wv = model.wv
    keep = [w for w in wv.index_to_key if w != "<unk>"]
    rows = np.asarray([wv.key_to_index[w] for w in keep], dtype=np.int64)
    vectors = Vectors(keep, np.array(wv.vectors[rows], dtype=np.float32), source=config.algorithm, format="embedkit")
    return TrainResult(vectors, config, history, secs, n_tokens * config.epochs / secs)


class _Sentences:
    """The training part of a corpus as lists of words, one per line, every time it is iterated."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    def __iter__(self):
        return self.corpus.sentences()
