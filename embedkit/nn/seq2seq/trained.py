"""A trained encoder-decoder with its vocabularies: translate, evaluate, attention maps, save and load."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ...config import MAX_BEAM
from ...errors import DataError, InvalidArgumentError, ModelFileError
from ...progress import progress_bar
from ...sequences.config import Seq2SeqConfig
from ...sequences.data import AttentionMap, Pair, Splits, Translation, join_units, split_units
from ...sequences.metrics import Seq2SeqScores, score_outputs
from ...text import Vocabulary
from ..runtime.checkpoint import check_weights, checkpoint_vocab, load_checkpoint, resolve_checkpoint, save_checkpoint
from ..runtime.device import resolve_device
from .decode import beam_search, greedy
from .models import build_model
from .train import KIND, seq2seq_extra

__all__ = ["TrainedSeq2Seq", "load_seq2seq_file"]


class TrainedSeq2Seq:
    """A model, its config and its source and target vocabularies; ``history`` is the per-epoch record of
    training, ``splits`` the data it was trained on (``None`` after :func:`load_seq2seq_file`)."""

    def __init__(
        self,
        model: nn.Module,
        config: Seq2SeqConfig,
        src_vocab: Vocabulary,
        tgt_vocab: Vocabulary,
        *,
        history: list[dict[str, Any]] | None = None,
        splits: Splits | None = None,
    ) -> None:
        self.model = model.eval()
        self.config = config
        self.src_vocab, self.tgt_vocab = src_vocab, tgt_vocab
        self.history = list(history or [])
        self.splits = splits

    @property
    def device(self) -> torch.device:
        """The device the model's parameters are on."""
        return next(self.model.parameters()).device

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model to ``path`` (loadable with ``weights_only=True``); return the path."""
        return save_checkpoint(
            path,
            model_state=self.model.state_dict(),
            config=self.config.to_dict(),
            vocab={"source": self.src_vocab.to_dict(), "target": self.tgt_vocab.to_dict()},
            extra=seq2seq_extra(history=self.history),
        )

    def _encode_sources(self, sources: Sequence[str]) -> list[np.ndarray]:
        if isinstance(sources, str):
            raise InvalidArgumentError("sources must be a list of strings, not one string")
        unit = self.config.src_unit
        out = []
        for text in sources:
            tokens = split_units(text, unit)  # type: ignore[arg-type]
            if not tokens or not text.strip():
                raise DataError(f"empty source {text!r}")
            if unit == "char":
                unknown = sorted({t for t in tokens if t not in self.src_vocab})
                if unknown:
                    shown = ", ".join(repr(t) for t in unknown[:10])
                    raise DataError(f"the source {text!r} has characters the model never saw: {shown}")
            out.append(self.src_vocab.encode(tokens))  # unknown words are <unk>
        return out

    def _decode(
        self,
        sources: Sequence[str],
        *,
        beam_size: int,
        length_penalty: float,
        max_len: int | None,
        batch_size: int = 256,
        progress: bool = False,
        desc: str = "translating",
    ) -> list[Translation]:
        if not isinstance(beam_size, int) or isinstance(beam_size, bool) or not 1 <= beam_size <= MAX_BEAM:
            raise InvalidArgumentError(f"beam_size must be an integer in 1..{MAX_BEAM}, got {beam_size!r}")
        limit = max_len if max_len is not None else self.config.max_len or 100
        if not isinstance(limit, int) or limit < 1:
            raise InvalidArgumentError(f"max_len must be a positive integer, got {max_len!r}")
        from ..seq2seq.train import pad

        encoded = self._encode_sources(sources)
        out: list[Translation] = []
        dev = self.device
        bar = progress_bar(desc=desc, total=len(encoded), unit="source", enabled=progress)
        for start in range(0, len(encoded), batch_size):
            src, lengths = pad(encoded[start : start + batch_size])
            decs = beam_search(
                self.model,
                src.to(dev),
                lengths.to(dev),
                beam_size=beam_size,
                max_len=limit,
                length_penalty=length_penalty,
            )
            for text, d in zip(sources[start : start + batch_size], decs, strict=True):
                tokens = self.tgt_vocab.decode(d.ids)
                out.append(Translation(text, join_units(tokens, self.config.tgt_unit), d.score, tokens))  # type: ignore[arg-type]
            bar.update(len(decs))
        bar.close()
        return out

    def translate(
        self,
        sources: list[str],
        *,
        beam_size: int = 1,
        length_penalty: float = 1.0,
        max_len: int | None = None,
        progress: bool = False,
    ) -> list[Translation]:
        """Translate ``sources`` (in order): greedy with ``beam_size=1``, else beam search (see
        :mod:`embedkit.nn.seq2seq.decode`). Each :class:`Translation` has the output text and its score
        (log-probability including ``<eos>``, divided by ``length ** length_penalty``).

        A source character the model never saw is a :class:`~embedkit.errors.DataError` (character
        sources); an unknown word is read as ``<unk>`` (word sources). ``progress`` shows the sources
        translated, of how many, on stderr (:func:`~embedkit.progress.progress_bar`)."""
        return self._decode(
            sources, beam_size=beam_size, length_penalty=length_penalty, max_len=max_len, progress=progress
        )

    def evaluate(self, pairs: list[Pair], *, beam_size: int = 1, progress: bool = False) -> Seq2SeqScores:
        """Exact match and token accuracy of the translations of ``pairs``' sources against their
        targets (and BLEU and chrF for word targets); ``progress`` shows the pairs translated."""
        if not pairs:
            raise DataError("no pairs to evaluate")
        sources = [p.source for p in pairs]
        outs = self._decode(
            sources, beam_size=beam_size, length_penalty=1.0, max_len=None, progress=progress, desc="evaluating"
        )
        unit = self.config.tgt_unit
        refs = [join_units(split_units(p.target, unit), unit) for p in pairs]  # type: ignore[arg-type]
        return score_outputs([t.output for t in outs], refs, unit=unit)  # type: ignore[arg-type]

    def attention(self, source: str) -> AttentionMap:
        """Where each output token (greedy decoding) looked in ``source``."""
        if not self.config.has_attention:
            raise InvalidArgumentError(
                f"the model {self.config.model!r} has no attention (train --model gru-attn, lstm-attn or transformer)"
            )
        (ids,) = self._encode_sources([source])
        from ..seq2seq.train import pad

        src, lengths = pad([ids])
        dev = self.device
        (d,) = greedy(self.model, src.to(dev), lengths.to(dev), max_len=self.config.max_len or 100, attention=True)
        assert d.attention is not None
        words = self.tgt_vocab.decode(d.ids)
        out_tokens = words + (["<eos>"] if d.finished else [])
        src_tokens = split_units(source, self.config.src_unit)  # type: ignore[arg-type]
        source_text = join_units(src_tokens, self.config.src_unit)  # type: ignore[arg-type]
        output_text = join_units(words, self.config.tgt_unit)  # type: ignore[arg-type]
        if self.config.model == "transformer":
            h = self.config.heads or 1
            labels = [f"layer {i // h + 1} head {i % h + 1}" for i in range(d.attention.shape[0])]
        else:
            labels = ["attention"]
        return AttentionMap(src_tokens, out_tokens, d.attention, labels, source_text, output_text, self.config.model)


def load_seq2seq_file(path: str | os.PathLike, *, device: str | torch.device = "cpu") -> TrainedSeq2Seq:
    """A :class:`TrainedSeq2Seq` from a file of :meth:`TrainedSeq2Seq.save` or a checkpoint folder.

    Checked before anything is built: the kind of file, the config's types and caps, both vocabularies,
    and every weight's name and shape against the model the config describes (on the ``meta`` device).
    """
    path = resolve_checkpoint(path)
    ck = load_checkpoint(path)
    extra, config_data = ck["extra"], ck["config"]
    if extra.get("kind") != KIND:
        if "class_names" in extra:
            raise ModelFileError(path, "is a text classifier, not a seq2seq model")
        if "algorithm" in config_data:
            raise ModelFileError(path, "is a language model, not a seq2seq model")
        raise ModelFileError(path, "is not a seq2seq model (no 'kind': 'seq2seq' marker)")
    try:
        config = Seq2SeqConfig.from_dict(config_data)
    except (ValueError, TypeError) as exc:
        raise ModelFileError(path, f"bad seq2seq config: {exc}") from None
    if config.src_unit is None or config.tgt_unit is None:
        raise ModelFileError(path, "the config names no source or target unit")
    vocab = ck["vocab"]
    if not isinstance(vocab.get("source"), dict) or not isinstance(vocab.get("target"), dict):
        raise ModelFileError(path, "the checkpoint has no source and target vocabularies")
    src_vocab = checkpoint_vocab(path, {"vocab": vocab["source"]})
    tgt_vocab = checkpoint_vocab(path, {"vocab": vocab["target"]})
    for name, v in (("source", src_vocab), ("target", tgt_vocab)):
        if tuple(v.specials) != ("<pad>", "<unk>", "<go>", "<eos>"):
            raise ModelFileError(path, f"the {name} vocabulary does not start with <pad> <unk> <go> <eos>")
    check_weights(path, ck["model_state"], lambda: build_model(config, len(src_vocab), len(tgt_vocab)))
    model = build_model(config, len(src_vocab), len(tgt_vocab))
    model.load_state_dict(ck["model_state"])
    model.to(resolve_device(device))
    history = extra.get("history", [])
    return TrainedSeq2Seq(
        model, config, src_vocab, tgt_vocab, history=list(history) if isinstance(history, list) else []
    )
