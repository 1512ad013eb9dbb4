"""Train, load and use encoder-decoders: the public entry points (torch is imported when called).

>>> from embedkit.sequences import Seq2SeqConfig, Pair, Splits
>>> pairs = [Pair(w, w[::-1]) for w in ["abc", "bca", "cab", "acb", "bac", "cba"]]
>>> cfg = Seq2SeqConfig(model="gru-attn", emb_dim=8, hidden=16, epochs=1, src_unit="char", tgt_unit="char")
>>> m = train_seq2seq(Splits(pairs, pairs[:2], pairs[:2]), cfg, progress=False, device="cpu")
>>> [round(h["loss"], 1) > 0 for h in m.history]
[True]
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._deps import require
from ..errors import DataError, InvalidArgumentError
from .config import Seq2SeqConfig
from .data import Splits, Unit, read_pairs, split_pairs
from .tasks import TASKS, load_task, task_units

if TYPE_CHECKING:
    from ..nn.seq2seq.trained import TrainedSeq2Seq
    from ..vectors import Vectors

__all__ = ["TrainedSeq2Seq", "load_seq2seq", "train_seq2seq"]

_MAX_LEN_MARGIN = 10


def _data(data: str | os.PathLike | Splits, config: Seq2SeqConfig, reverse: bool) -> tuple[Splits, tuple[Unit, Unit]]:
    if isinstance(data, Splits):
        return data, data.units or ("word", "word")
    if str(data) in TASKS:
        splits = load_task(str(data), reverse=reverse)
        return splits, splits.units or task_units(str(data), reverse)
    if Path(data).suffix.lower() not in (".tsv", ".txt") and not Path(data).exists():
        raise InvalidArgumentError(f"unknown task {str(data)!r}; expected one of {', '.join(TASKS)} or a .tsv file")
    splits = split_pairs(read_pairs(data), seed=config.seed)
    if reverse:
        splits = splits.swapped()
    return splits, ("word", "word")


def train_seq2seq(
    data: str | os.PathLike | Splits,
    config: Seq2SeqConfig,
    *,
    reverse: bool = False,
    vectors: Vectors | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
    device: str = "auto",
    progress: bool = True,
) -> TrainedSeq2Seq:
    """Train an encoder-decoder on ``data``: a task name (``numbers-fr``, ``numbers-en``), a TSV file of
    ``source<TAB>target`` lines (split 80/10/10 by source sentence with ``config.seed``), or
    :class:`~embedkit.sequences.data.Splits`. ``reverse`` swaps the sides (task or file).

    Units not set in ``config`` come from the task (phrases as words, digits as characters) or are
    words; ``max_len`` defaults to the longest training target plus 10. With ``vectors`` the source
    embedding starts from them (their dimension becomes ``emb_dim``). The returned model holds the
    config as trained (units and lengths filled in), its ``history`` and ``splits``.
    """
    torch = require("torch", "nn", "training a seq2seq model")
    from ..nn.runtime.device import prepare_run
    from ..nn.seq2seq.models import build_model
    from ..nn.seq2seq.train import build_vocab, encode_pairs, fit_seq2seq
    from ..nn.seq2seq.trained import TrainedSeq2Seq

    splits, (src_unit, tgt_unit) = _data(data, config, reverse)
    if not splits.train:
        raise DataError("no training pairs")
    config = dataclasses.replace(config, src_unit=config.src_unit or src_unit, tgt_unit=config.tgt_unit or tgt_unit)
    src_vocab = build_vocab([p.source for p in splits.train], config.src_unit, min_count=config.min_count)  # type: ignore[arg-type]
    tgt_vocab = build_vocab([p.target for p in splits.train], config.tgt_unit, min_count=config.min_count)  # type: ignore[arg-type]
    if config.max_len is None:
        from .data import split_units

        longest = max(len(split_units(p.target, config.tgt_unit)) for p in splits.train)  # type: ignore[arg-type]
        config = dataclasses.replace(config, max_len=longest + _MAX_LEN_MARGIN)
    if vectors is not None and config.model != "transformer":
        config = dataclasses.replace(config, emb_dim=vectors.dim)
    ctx = prepare_run(device, threads=config.workers)
    torch.manual_seed(config.seed)
    embedding = None
    if vectors is not None:
        from ..nn.embedding import embedding_from_vectors

        if config.model == "transformer" and vectors.dim != config.emb_dim:
            raise InvalidArgumentError(
                f"the vectors have {vectors.dim} dimensions but the transformer's emb_dim is {config.emb_dim}"
            )
        embedding = embedding_from_vectors(vectors, src_vocab, seed=config.seed)
    model = build_model(config, len(src_vocab), len(tgt_vocab), src_embedding=embedding)
    train = encode_pairs(splits.train, src_vocab, tgt_vocab, config)
    valid = encode_pairs(splits.valid, src_vocab, tgt_vocab, config) if splits.valid else None
    history = fit_seq2seq(
        model,
        train,
        valid,
        config,
        vocab={"source": src_vocab, "target": tgt_vocab},
        device=ctx.device,
        progress=progress,
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        ctx=ctx,
    )
    return TrainedSeq2Seq(model, config, src_vocab, tgt_vocab, history=history, splits=splits)


def load_seq2seq(path: str | os.PathLike, *, device: str = "cpu") -> TrainedSeq2Seq:
    """A trained model from a file written by ``TrainedSeq2Seq.save`` or a checkpoint folder (its latest
    epoch), read with ``weights_only=True`` and checked before it is built; a file of another kind is a
    :class:`~embedkit.errors.ModelFileError` (``... is a language model, not a seq2seq model``)."""
    require("torch", "nn", "loading a seq2seq model")
    from ..nn.seq2seq.trained import load_seq2seq_file

    return load_seq2seq_file(path, device=device)


def __getattr__(name: str) -> Any:
    if name == "TrainedSeq2Seq":
        from ..nn.seq2seq.trained import TrainedSeq2Seq

        return TrainedSeq2Seq
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
