"""embedkit's own trained transformers as contextual models: the transformer language model
(``train-lm --model transformer``, word or character), the seq2seq transformer's encoder
(``seq2seq train --model transformer``) and the transformer text classifier (``classify train --model
transformer``), loaded from their files so :func:`~embedkit.contextual.layer_analysis`
and the attention figures take them as they take MiniLM (torch is imported when one is loaded).

A sentence becomes the model's tokens as the model reads text: a word language model's tokens are the
shared tokenizer's (lower-cased; unknown words are ``<unk>``), after the end of line ``</s>`` that
starts every line of its corpus; a character model's are the sentence's characters after a newline; the
seq2seq encoder's are its source units (characters, or words split at spaces), with nothing before; the
classifier's are the tokens it was trained on (the shared tokenizer, its ``lower`` and ``compounds``
settings, cut at ``max_len``), after its learned ``[CLS]`` vector when it pools by it.
The *words* of a sentence, for the per-word measures, are those tokens for a word model and the runs
of non-space characters for a character model (a word's vector: the mean of its characters', or its
first character's). A language model reads at most ``block`` tokens: longer sentences are cut off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .._deps import require
from ..errors import InvalidArgumentError, ModelFileError
from .api import load_encoder
from .models import MODELS

if TYPE_CHECKING:
    from ..nn.contextual import Encoder

__all__ = [
    "OwnTransformer",
    "TokenSplit",
    "load_any",
    "load_transformer",
    "names_encoder",
    "require_model",
    "split_tokens",
]


@dataclass(frozen=True)
class OwnTransformer:
    """A trained embedkit transformer loaded for analysis: ``kind`` ``"lm"`` (a
    :class:`~embedkit.nn.lm.train.TrainedLM`), ``"seq2seq"`` (a
    :class:`~embedkit.nn.seq2seq.trained.TrainedSeq2Seq`, whose encoder is analysed) or ``"classifier"`` (a
    :class:`~embedkit.nn.classifiers.neural.NeuralClassifier`), its ``unit``
    (``word`` or ``char``), layers, width and heads; ``name`` is the file's name."""

    name: str
    kind: Literal["lm", "seq2seq", "classifier"]
    trained: Any
    unit: str
    num_layers: int
    dim: int
    heads: int
    max_tokens: int


@dataclass(frozen=True)
class TokenSplit:
    """One sentence as a model reads it: ``tokens`` (their text), their ``ids``, and for each token the
    index of the word it belongs to in ``words`` (``None``: a start token or a space). A classifier's
    ``[CLS]`` is a learned vector, not a token: its id is -1."""

    tokens: list[str]
    ids: list[int]
    word_of: list[int | None]
    words: list[str]


def load_transformer(path: str | os.PathLike) -> OwnTransformer:
    """Load an embedkit transformer from a model file or checkpoint folder: a transformer language model,
    a seq2seq transformer or a transformer classifier; any other model is refused in one line naming the file."""
    require("torch", "nn", "loading a trained transformer")
    from ..nn.runtime.checkpoint import load_checkpoint, resolve_checkpoint

    p = resolve_checkpoint(path)
    ck = load_checkpoint(p)
    net: Any
    if ck["extra"].get("kind") == "seq2seq":
        from ..nn.seq2seq.trained import load_seq2seq_file

        s2s = load_seq2seq_file(p)
        net = s2s.model
        if s2s.config.model != "transformer":
            raise ModelFileError(p, f"is a {s2s.config.model} seq2seq model, not a transformer")
        return OwnTransformer(
            name=Path(path).name,
            kind="seq2seq",
            trained=s2s,
            unit=str(s2s.config.src_unit),
            num_layers=len(net.enc_blocks),
            dim=int(net.dim),
            heads=int(net.heads),
            max_tokens=int(net.positions.shape[0]),
        )
    if "class_names" in ck["extra"]:
        from ..nn.classifiers.neural import NeuralClassifier

        clf = NeuralClassifier.load(p)
        if clf.config.model != "transformer":
            raise ModelFileError(p, f"is a {clf.config.model} classifier, not a transformer")
        net = clf.model
        return OwnTransformer(
            name=Path(path).name,
            kind="classifier",
            trained=clf,
            unit="word",
            num_layers=len(net.blocks),
            dim=int(net.d_model),
            heads=int(clf.config.num_heads),
            max_tokens=int(clf.config.max_len),
        )
    from ..nn.lm.train import load_language_model

    lm = load_language_model(p)
    model: Any = lm.model
    if lm.config.algorithm != "transformer":
        raise ModelFileError(p, f"is a {lm.config.algorithm} language model, not a transformer")
    return OwnTransformer(
        name=Path(path).name,
        kind="lm",
        trained=lm,
        unit=lm.config.unit,
        num_layers=len(model.blocks),
        dim=int(lm.config.dim),
        heads=int(lm.config.heads),
        max_tokens=int(model.block),
    )


def load_any(model: str | os.PathLike | Encoder | OwnTransformer) -> Encoder | OwnTransformer:
    """A contextual model from what names it: a loaded model as it is; a named model (``minilm``) or a
    Hugging Face folder (one with ``config.json``) through :func:`~embedkit.contextual.load_encoder`; a
    model file or checkpoint folder of embedkit through :func:`load_transformer`; a path that does not exist
    is refused in one line that names all three."""
    if not isinstance(model, str | os.PathLike):
        return model
    require_model(model)
    if names_encoder(model):
        return load_encoder(model)
    path = Path(model).expanduser()
    if path.is_dir():
        from ..nn.runtime.checkpoint import latest_checkpoint

        if latest_checkpoint(path) is None:
            raise ModelFileError(
                path,
                "not a model folder: no config.json (a Hugging Face model) and no epoch-K.pt files (embedkit's "
                "checkpoints)",
            )
    return load_transformer(model)


def require_model(model: str | os.PathLike) -> None:
    """Refuse, in one line, a ``model`` that names nothing: not a named model and no such path.

    >>> require_model("no-such-model")
    Traceback (most recent call last):
    ...
    embedkit.errors.InvalidArgumentError: unknown model 'no-such-model': neither a named model (minilm), a model folder nor an embedkit model file
    """
    if str(model) not in MODELS and not Path(model).expanduser().exists():
        raise InvalidArgumentError(
            f"unknown model {str(model)!r}: neither a named model ({', '.join(MODELS)}), a model folder nor an "
            "embedkit model file"
        )


def names_encoder(model: str | os.PathLike) -> bool:
    """Whether ``model`` names a Hugging Face encoder rather than an embedkit model file: a named model
    (``minilm``) or a folder with ``config.json`` (a path that does not exist: :func:`require_model` first)."""
    path = Path(model).expanduser()
    return str(model) in MODELS or (path.is_dir() and (path / "config.json").is_file())


def split_tokens(model: OwnTransformer, sentence: str) -> TokenSplit:
    """``sentence`` as ``model`` reads it (see the module's summary), cut to the tokens it can read."""
    from ..text import tokenize
    from ..training.corpus import EOS

    if model.kind == "classifier":
        return _classifier_tokens(model, sentence)
    vocab = model.trained.vocab if model.kind == "lm" else model.trained.src_vocab
    if model.unit == "char":
        tokens = list(sentence)
        word_of: list[int | None] = []
        words: list[str] = []
        for i, ch in enumerate(tokens):
            if ch.isspace():
                word_of.append(None)
                continue
            if i == 0 or tokens[i - 1].isspace():
                words.append("")
            words[-1] += ch
            word_of.append(len(words) - 1)
        start = ["\n"] if model.kind == "lm" and "\n" in vocab.index else []
    else:
        tokens = tokenize(sentence, lower=True) if model.kind == "lm" else sentence.split()
        words = list(tokens)
        word_of = list(range(len(tokens)))
        start = [EOS] if model.kind == "lm" and EOS in vocab.index else []
    none: list[int | None] = [None] * len(start)
    tokens, word_of = start + tokens, none + word_of
    tokens, word_of = tokens[: model.max_tokens], word_of[: model.max_tokens]
    kept = {w for w in word_of if w is not None}
    # a word cut off in the middle keeps the characters read; words past the cut are dropped
    words = words[: max(kept) + 1] if kept else []
    return TokenSplit(tokens, [vocab[t] for t in tokens], word_of, words)


def _classifier_tokens(model: OwnTransformer, sentence: str) -> TokenSplit:
    from ..nn.classifiers.data import split_compounds
    from ..text import tokenize

    clf = model.trained
    tokens = tokenize(sentence, lower=clf.config.lower)
    if clf.config.compounds:
        tokens = split_compounds(tokens, clf.vocab)
    tokens = tokens[: model.max_tokens]
    ids = [clf.vocab[t] for t in tokens]
    word_of: list[int | None] = list(range(len(tokens)))
    if clf.model.cls is not None:  # pooled by a learned [CLS] vector put in front
        return TokenSplit(["[CLS]", *tokens], [-1, *ids], [None, *word_of], list(tokens))
    return TokenSplit(list(tokens), ids, word_of, list(tokens))
