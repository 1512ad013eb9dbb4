"""Learn word vectors from a corpus: neural language models (``embedkit.nn``) or gensim's word2vec and
fastText, all through one config and one function returning :class:`~embedkit.Vectors`.

This module imports neither torch nor gensim; each backend is imported when it is used.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..errors import DataError, InvalidArgumentError, TrainingInterrupted
from ..vectors import Vectors
from .config import DEFAULT_CHECKPOINT_EVERY, LM_ALGORITHMS, TrainConfig

if TYPE_CHECKING:  # pragma: no cover
    from .corpus import Corpus

__all__ = ["LMTraining", "VectorTraining", "learn_vectors", "train_lm", "train_vectors"]


@dataclass(frozen=True)
class VectorTraining:
    """What training produced: the vectors, per-epoch history and, for language models, the model
    (a :class:`embedkit.nn.lm.train.TrainedLM`)."""

    vectors: Vectors
    config: TrainConfig
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    tokens_per_s: float = 0.0
    lm: Any = None

    def to_dict(self) -> dict[str, Any]:
        """The training record as plain JSON-ready data."""
        return {
            "config": self.config.to_dict(),
            "history": self.history,
            "seconds": self.seconds,
            "tokens_per_s": self.tokens_per_s,
            "words": len(self.vectors),
            "dim": self.vectors.dim,
        }


def learn_vectors(corpus: Corpus, config: TrainConfig) -> Vectors:
    """Learn word vectors from ``corpus`` with ``config.algorithm``.

    Language models (``nplm``, ``rnn``, ``gru``, ``lstm``) export their input embedding; gensim's
    models their word vectors. The special tokens are left out; ``<unk>`` too for gensim. Use
    :func:`train_vectors` for the history, checkpoints, a device or pretrained initial vectors.

    Examples
    --------
    >>> from embedkit.training.corpus import corpus_from_texts
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
) -> VectorTraining:
    """Train ``config.algorithm`` on ``corpus`` and return a :class:`VectorTraining`.

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
        raise DataError("the corpus has no words to train on: it is empty, or every word is rarer than min_count")
    if config.algorithm in LM_ALGORITHMS:
        from ..nn.lm.train import train_language_model

        lm = train_language_model(
            corpus, config, init=init, device=device, checkpoint_dir=checkpoint_dir, resume=resume, progress=progress
        )
        secs = sum(h["seconds"] for h in lm.history)
        toks = sum(h["tokens"] for h in lm.history)
        return VectorTraining(lm.vectors(), config, list(lm.history), secs, toks / secs if secs else 0.0, lm)
    if init is not None or checkpoint_dir is not None:
        raise InvalidArgumentError(f"init and checkpoints are for the neural language models, not {config.algorithm}")
    return _train_gensim(corpus, config)


def _train_gensim(corpus: Corpus, config: TrainConfig) -> VectorTraining:
    from gensim.models import FastText, Word2Vec

    sentences = _Sentences(corpus)  # re-iterable, decoded from the ids on the fly: nothing grows with the corpus
    # The vocabulary is already limited by the corpus; gensim keeps every word it is given.
    lr = cast(float, config.lr)  # filled in by TrainConfig.__post_init__
    common = {
        "vector_size": config.dim,
        "window": config.window,
        "min_count": 1,
        "workers": config.threads,
        "seed": config.seed,
        "sample": config.sample,
        "negative": config.negative,
        "alpha": lr,
        "min_alpha": lr * 1e-4 if config.schedule != "constant" else lr,
    }
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
            a0 = lr - (lr - common["min_alpha"]) * epoch / config.epochs
            a1 = lr - (lr - common["min_alpha"]) * (epoch + 1) / config.epochs
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
    return VectorTraining(vectors, config, history, secs, n_tokens * config.epochs / secs)


class _Sentences:
    """The training part of a corpus as lists of words, one per line, every time it is iterated."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    def __iter__(self):
        return self.corpus.sentences()


@dataclass(frozen=True)
class LMTraining:
    """What :func:`train_lm` produced: the model (a :class:`embedkit.nn.lm.train.TrainedLM`), its
    held-out loss on the whole held-out part in nats per token (``valid_bpc``: bits per character,
    for character models), the steps taken, training time and throughput, and the history."""

    lm: Any
    config: TrainConfig
    valid_loss: float
    steps: int
    seconds: float
    tokens_per_s: float
    history: list[dict[str, float]] = field(default_factory=list)

    @property
    def valid_bpc(self) -> float | None:
        return self.valid_loss / math.log(2) if self.config.unit == "char" else None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "valid_loss": self.valid_loss,
            "valid_ppl": math.exp(self.valid_loss) if math.isfinite(self.valid_loss) else float("nan"),
        }
        if self.config.unit == "char":
            out["valid_bpc"] = self.valid_bpc
        return {
            **out,
            "steps": self.steps,
            "tokens_per_s": self.tokens_per_s,
            "seconds": self.seconds,
            "config": self.config.to_dict(),
            "history": self.history,
        }


def train_lm(
    corpus: Corpus,
    config: TrainConfig,
    *,
    device: str = "auto",
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
    checkpoint_every: float = DEFAULT_CHECKPOINT_EVERY,
    progress: bool = True,
) -> LMTraining:
    """Train the language model ``config.algorithm`` on ``corpus`` (words or characters, as
    ``config.unit`` says; the corpus must be of that unit) and measure its loss on the whole
    held-out part. The one trainer of ``train-lm`` and of ``train-embeddings``' neural algorithms
    (:func:`embedkit.nn.lm.train.fit`, which evaluates every ``checkpoint_every`` minutes of a steps
    or minutes budget).

    Examples
    --------
    >>> from embedkit.training.corpus import char_corpus_from_text
    >>> c = char_corpus_from_text("to be or not to be\\n" * 40)
    >>> cfg = TrainConfig(algorithm="gru", unit="char", dim=8, hidden=32, objective="full", steps=60,
    ...                   batch_size=4, bptt=16, lr=0.01, workers=1)
    >>> r = train_lm(c, cfg, progress=False)
    >>> r.steps, r.valid_bpc < 2.0  # of the 3 bits a uniform guess among 8 characters takes
    (60, True)
    """
    if config.algorithm not in LM_ALGORITHMS:
        raise InvalidArgumentError(f"{config.algorithm!r} is not a neural language model")
    is_char = not corpus.vocab.specials
    if is_char != (config.unit == "char"):
        raise InvalidArgumentError(
            f"the corpus is of {'characters' if is_char else 'words'} but the config's unit is {config.unit!r}"
        )
    if not len(corpus.train):
        raise DataError("the corpus has nothing to train on")
    from ..nn.lm.train import evaluate_loss, train_language_model

    lm = train_language_model(
        corpus,
        config,
        device=device,
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        checkpoint_every=checkpoint_every,
        progress=progress,
    )
    last = lm.history[-1] if lm.history else {}
    if config.eval_tokens == 0 or config.eval_tokens >= len(corpus.valid):
        valid_loss = float(last.get("valid_loss", float("nan")))
    else:
        dev = next(lm.model.parameters()).device
        valid_loss = evaluate_loss(lm.model, corpus.valid, bptt=config.bptt, device=dev)
    secs = float(last.get("elapsed", 0.0))
    toks = sum(h["tokens"] for h in lm.history)
    return LMTraining(
        lm, config, valid_loss, int(last.get("step", 0)), secs, toks / secs if secs else 0.0, list(lm.history)
    )
