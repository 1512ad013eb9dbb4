"""Trained text classifiers that read raw text, and the one call that trains them.

:func:`train_neural` builds the vocabulary, encodes the texts, builds the model
(:func:`~embedkit.nn.classifiers.build_classifier`) and trains it with
:func:`~embedkit.nn.classifiers.fit_classifier`; the :class:`NeuralClassifier` it returns predicts on
raw texts and saves to, and loads from, a checkpoint checked before anything big is allocated.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..._launch import is_main_process
from ...classify.config import CAPS, ClassifierConfig
from ...errors import InvalidArgumentError, ModelFileError
from ...text import Vocabulary
from ...vectors import Vectors
from ..runtime.checkpoint import check_weights, checkpoint_vocab, load_checkpoint, save_checkpoint
from ..runtime.device import resolve_device
from .data import EncodedTexts, build_vocab, encode_texts, split_compounds, tokenize_texts
from .fit import History, fit_classifier, predict_logits
from .models import build_classifier

__all__ = ["NeuralClassifier", "train_neural"]


def _training_tokens(texts: Sequence[str], config: ClassifierConfig, vectors: Vectors | None) -> list[list[str]]:
    """Tokens of the training texts; with ``config.compounds``, hyphenated words the embedding lacks
    are split into parts it has (at prediction the model's vocabulary decides the same way)."""
    toks = tokenize_texts(texts, lower=config.lower)
    if config.compounds and vectors is not None:
        toks = [split_compounds(t, vectors.index) for t in toks]
    return toks


class NeuralClassifier:
    """A trained model with its vocabulary, configuration and class names: predicts on raw texts.

    Save with :meth:`save`; :meth:`load` rebuilds it from the checkpoint alone (``weights_only``).
    """

    def __init__(
        self,
        model: nn.Module,
        vocab: Vocabulary,
        config: ClassifierConfig,
        class_names: Sequence[str],
        *,
        embed_dim: int,
        device: str | torch.device = "cpu",
    ) -> None:
        self.model = model
        self.vocab = vocab
        self.config = config
        self.class_names = tuple(class_names)
        self.embed_dim = int(embed_dim)
        self.device = resolve_device(device)
        self.model.to(self.device).eval()

    def encode(self, texts: Sequence[str]) -> EncodedTexts:
        """``texts`` as the model's input: token ids and lengths, tokenized, cut and padded as in training."""
        c = self.config
        return encode_texts(
            texts, self.vocab, policy=c.sequence, max_len=c.max_len, lower=c.lower, compounds=c.compounds
        )

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, C)`` class probabilities."""
        logits = predict_logits(self.model, self.encode(texts), device=self.device)
        return torch.softmax(torch.from_numpy(logits), dim=1).numpy()

    def predict_ids(self, texts: Sequence[str]) -> np.ndarray:
        """The predicted class id of each text."""
        return predict_logits(self.model, self.encode(texts), device=self.device).argmax(1)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The predicted class name of each text."""
        return [self.class_names[i] for i in self.predict_ids(texts)]

    def _extra(self) -> dict[str, Any]:
        return {"kind": "neural", "class_names": list(self.class_names), "embed_dim": self.embed_dim}

    def save(self, path: str | os.PathLike) -> Path:
        """Write the checkpoint (state dict, config, vocabulary, class names)."""
        return save_checkpoint(
            path,
            model_state=self.model.state_dict(),
            config=self.config.to_dict(),
            vocab=self.vocab.to_dict(),
            extra=self._extra(),
        )

    @classmethod
    def load(cls, path: str | os.PathLike, *, device: str | torch.device = "cpu") -> NeuralClassifier:
        """Rebuild a classifier saved by :meth:`save`, after checking the file: the config's types
        and size caps, the vocabulary, the class names, and every weight's name and shape against
        the model the config describes (built on the ``meta`` device first, so a damaged or edited
        file raises :class:`~embedkit.errors.ModelFileError` before anything big is allocated)."""
        ck = load_checkpoint(path)
        extra = ck["extra"]
        if "class_names" not in extra or "embed_dim" not in extra:
            what = (
                "a seq2seq model"
                if extra.get("kind") == "seq2seq"
                else "a language model"
                if "algorithm" in ck["config"]
                else "a checkpoint"
            )
            raise ModelFileError(path, f"is {what}, not a text classifier")
        try:
            config = ClassifierConfig.from_dict(ck["config"])
        except (ValueError, TypeError) as exc:
            raise ModelFileError(path, f"bad classifier config: {exc}") from None
        names, embed_dim = extra["class_names"], extra["embed_dim"]
        if not isinstance(names, list) or len(names) < 2 or not all(isinstance(c, str) for c in names):
            raise ModelFileError(path, "the class names are not a list of at least two strings")
        if isinstance(embed_dim, bool) or not isinstance(embed_dim, int) or not 1 <= embed_dim <= CAPS["embed_dim"]:
            raise ModelFileError(path, f"embed_dim must be an integer in 1..{CAPS['embed_dim']}, got {embed_dim!r}")
        vocab = checkpoint_vocab(path, ck)

        def build() -> nn.Module:
            return build_classifier(config, vocab=vocab, num_classes=len(names), embed_dim=embed_dim)

        check_weights(path, ck["model_state"], build)
        model = build()
        model.load_state_dict(ck["model_state"])
        return cls(model, vocab, config, names, embed_dim=embed_dim, device=device)


def train_neural(
    train_texts: Sequence[str],
    train_labels: np.ndarray,
    dev_texts: Sequence[str] | None,
    dev_labels: np.ndarray | None,
    class_names: Sequence[str],
    config: ClassifierConfig,
    *,
    vectors: Vectors | None,
    seed: int = 0,
    device: str | torch.device = "auto",
    progress: bool = False,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
) -> tuple[NeuralClassifier, History]:
    """Vocabulary, encoding, model and :func:`~embedkit.nn.classifiers.fit_classifier` in one call; the
    model of the best dev epoch. ``checkpoint_dir`` and ``resume``: see
    :func:`~embedkit.nn.classifiers.fit_classifier`."""
    if config.mode != "rand" and vectors is None:
        raise InvalidArgumentError(f"mode {config.mode!r} needs pretrained vectors")
    toks = _training_tokens(train_texts, config, vectors)
    # Words added from the embedding only help where a pretrained vector is used.
    vector_words = config.vector_words if config.mode != "rand" else 0
    vocab = build_vocab(toks, vectors, min_count=config.min_count, vector_words=vector_words)
    enc = {"policy": config.sequence, "max_len": config.max_len, "lower": config.lower, "compounds": config.compounds}
    train = encode_texts(toks, vocab, labels=train_labels, **enc)  # type: ignore[arg-type]  # enc: the config's typed fields
    valid = encode_texts(dev_texts, vocab, labels=dev_labels, **enc) if dev_texts is not None else None  # type: ignore[arg-type]  # typed fields
    model = build_classifier(config, vocab=vocab, num_classes=len(class_names), vectors=vectors, seed=seed)
    embed_dim = vectors.dim if vectors is not None else config.embed_dim
    extra = {"kind": "neural", "class_names": list(class_names), "embed_dim": embed_dim}
    refit = config.refit and valid is not None
    history = fit_classifier(
        model,
        train,
        valid,
        config,
        seed=seed,
        device=device,
        progress=progress,
        checkpoint=None if refit else checkpoint,
        vocab=vocab,
        extra=extra,
        checkpoint_dir=checkpoint_dir,
        resume=resume,
    )
    if refit:
        # A fresh model on the training and dev texts together, for as many epochs as the best one had.
        # (Not checkpointed: a resumed run finds the first phase finished and repeats this seeded phase.)
        assert dev_texts is not None and dev_labels is not None
        toks = toks + _training_tokens(dev_texts, config, vectors)
        labels = np.concatenate([np.asarray(train_labels), np.asarray(dev_labels)])
        vocab = build_vocab(toks, vectors, min_count=config.min_count, vector_words=vector_words)
        data = encode_texts(toks, vocab, labels=labels, **enc)  # type: ignore[arg-type]  # enc: the config's typed fields
        model = build_classifier(config, vocab=vocab, num_classes=len(class_names), vectors=vectors, seed=seed)
        again = dataclasses.replace(config, epochs=max(history.best_epoch, 1), patience=None)
        history.train_seconds += fit_classifier(
            model, data, None, again, seed=seed, device=device, progress=progress
        ).train_seconds
    clf = NeuralClassifier(model, vocab, config, class_names, embed_dim=embed_dim, device=device)
    if refit and checkpoint is not None and is_main_process():
        clf.save(checkpoint)
    return clf, history
