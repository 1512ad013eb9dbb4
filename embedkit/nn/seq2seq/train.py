"""Training an encoder-decoder: padded batches, teacher forcing, Adam with clipping and a warm-up/cosine
schedule, per-epoch validation (loss and greedy exact match), checkpoints with exact resume.

The loop knows only the model contract of :mod:`.models`. Every epoch's checkpoint (``epoch-K.pt`` in
``checkpoint_dir``, only the latest kept) holds the model, the optimiser and schedule, the random
generators (batch order, dropout, teacher-forcing draws) and the history, so a run resumed after any
epoch ends with the parameters of the uninterrupted run (same device and thread count).
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...errors import DataFileError, EmbedkitWarning, InvalidArgumentError, ModelFileError, TrainingInterrupted
from ...progress import progress_bar
from ...sequences.config import Seq2SeqConfig
from ...sequences.data import EOS, GO, SPECIALS, Pair, join_units, split_units
from ...text import Vocabulary
from ..runtime import distributed
from ..runtime.checkpoint import epoch_checkpoints, latest_checkpoint, load_checkpoint, match_state, save_checkpoint
from ..runtime.interrupt import deferred_interrupt
from ..runtime.rng import capture_rng_state, restore_rng_state
from .decode import greedy

__all__ = ["KIND", "EncodedPairs", "build_vocab", "encode_pairs", "fit_seq2seq", "seq2seq_extra"]

KIND = "seq2seq"  # extra["kind"] of every seq2seq checkpoint: how other loaders tell the file apart


def seq2seq_extra(**more: Any) -> dict[str, Any]:
    """The ``extra`` entry of a seq2seq checkpoint: the ``"kind": "seq2seq"`` marker plus ``more``."""
    return {"kind": KIND, **more}


def build_vocab(texts: Sequence[str], unit: str, *, min_count: int = 1) -> Vocabulary:
    """The vocabulary of ``texts`` read in ``unit``s: ``<pad> <unk> <go> <eos>`` then tokens by count."""
    counts: dict[str, int] = {}
    for text in texts:
        for tok in split_units(text, unit):  # type: ignore[arg-type]
            counts[tok] = counts.get(tok, 0) + 1
    return Vocabulary.from_counts(counts, min_count=min_count, specials=SPECIALS)


@dataclass(frozen=True)
class Batch:
    src: torch.Tensor  # (B, S) padded with 0
    lengths: torch.Tensor  # (B,)
    tgt_in: torch.Tensor  # (B, T): <go> y1 .. yn, padded
    tgt_out: torch.Tensor  # (B, T): y1 .. yn <eos>, padded
    index: np.ndarray  # rows of the data


@dataclass(frozen=True)
class EncodedPairs:
    """Source and target ids of pairs (targets end with ``<eos>``), and the reference texts."""

    src: list[np.ndarray]
    tgt: list[np.ndarray]
    references: list[str]

    def __len__(self) -> int:
        return len(self.src)

    def batches(self, batch_size: int, *, rng: np.random.Generator | None = None) -> Iterator[Batch]:
        order = rng.permutation(len(self)) if rng is not None else np.arange(len(self))
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            yield make_batch([self.src[i] for i in index], [self.tgt[i] for i in index], index)


def pad(seqs: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ids (B, L) and lengths (B,)."""
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    out = torch.zeros(len(seqs), int(lengths.max()), dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.from_numpy(np.asarray(s, dtype=np.int64))
    return out, lengths


def make_batch(src: Sequence[np.ndarray], tgt: Sequence[np.ndarray], index: np.ndarray) -> Batch:
    ids, lengths = pad(src)
    go = SPECIALS.index(GO)
    tgt_out, _ = pad(tgt)
    tgt_in, _ = pad([np.concatenate([[go], t[:-1]]) for t in tgt])
    return Batch(ids, lengths, tgt_in, tgt_out, index)


def encode_pairs(
    pairs: Sequence[Pair], src_vocab: Vocabulary, tgt_vocab: Vocabulary, config: Seq2SeqConfig
) -> EncodedPairs:
    eos = tgt_vocab.index[EOS]
    src, tgt, refs = [], [], []
    for p in pairs:
        s = split_units(p.source, config.src_unit)  # type: ignore[arg-type]
        t = split_units(p.target, config.tgt_unit)  # type: ignore[arg-type]
        src.append(src_vocab.encode(s) if s else np.array([src_vocab.unk_id]))
        tgt.append(np.append(tgt_vocab.encode(t), eos))
        refs.append(join_units(t, config.tgt_unit))  # type: ignore[arg-type]
    return EncodedPairs(src, tgt, refs)


def _schedule(config: Seq2SeqConfig, total: int):
    warm = config.warmup or 0

    def factor(step: int) -> float:
        if warm and step < warm:
            return (step + 1) / warm
        if config.schedule == "constant":
            return 1.0
        progress = min(1.0, (step - warm) / max(1, total - warm))
        return 0.5 * (1.0 + math.cos(math.pi * progress))

    return factor


@torch.no_grad()
def validate(
    model: nn.Module, data: EncodedPairs, tgt_vocab: Vocabulary, config: Seq2SeqConfig, device: torch.device
) -> tuple[float, float]:
    """Teacher-forced loss (nats per target token) and greedy exact match on ``data``."""
    was, recording = model.training, getattr(model, "record_attention", None)
    model.eval()
    if recording is not None:
        setattr(model, "record_attention", False)  # noqa: B010  # a plain attribute mypy reads as a Module
    loss_sum, tokens, right = 0.0, 0, 0
    max_len = config.max_len or 100
    for b in data.batches(512):
        src, lengths = b.src.to(device), b.lengths.to(device)
        logits = model(src, lengths, b.tgt_in.to(device))
        tgt = b.tgt_out.to(device)
        loss_sum += float(F.cross_entropy(logits.flatten(0, 1), tgt.flatten(), ignore_index=0, reduction="sum"))
        tokens += int((tgt != 0).sum())
        for i, dec in zip(b.index, greedy(model, src, lengths, max_len=max_len, length_penalty=0.0), strict=True):
            right += join_units(tgt_vocab.decode(dec.ids), config.tgt_unit) == data.references[i]  # type: ignore[arg-type]
    model.train(was)
    if recording is not None:
        setattr(model, "record_attention", recording)  # noqa: B010
    return loss_sum / max(tokens, 1), right / max(len(data), 1)


def fit_seq2seq(
    model: nn.Module,
    train: EncodedPairs,
    valid: EncodedPairs | None,
    config: Seq2SeqConfig,
    *,
    vocab: Mapping[str, Vocabulary],
    device: torch.device,
    progress: bool = True,
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
    extra: Mapping[str, Any] | None = None,
    ctx: distributed.Context | None = None,
) -> list[dict[str, Any]]:
    """Train ``model`` for ``config.epochs`` epochs; return the history, one dict per epoch:
    ``epoch, loss, valid_loss, valid_exact_match, seconds`` (losses in nats per target token).

    ``vocab`` holds the ``"source"`` and ``"target"`` vocabularies (saved in checkpoints). With
    ``checkpoint_dir`` the whole state is saved after each epoch; with ``resume`` training continues
    after the latest one and ends exactly as the uninterrupted run would.

    Under ``torchrun`` (``ctx`` from :func:`~embedkit.nn.runtime.device.prepare_run` with several
    processes) every process walks the same seeded batches and takes its rows of each; the summed loss
    is scaled by the batch's target tokens, so the averaged gradients are the one-process step's up to
    rounding (dropout masks differ per process). Every process validates; rank 0 writes checkpoints.
    """
    if resume and checkpoint_dir is None:
        raise InvalidArgumentError("resume needs a checkpoint_dir")
    assert config.epochs and config.batch_size and config.lr and config.clip  # filled by the config
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    gen = torch.Generator().manual_seed(config.seed + 1)  # teacher-forcing draws
    ctx = ctx or distributed.Context(device=device)
    model.to(device)
    net = ctx.wrap(model)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _schedule(config, steps_per_epoch * config.epochs))
    history: list[dict[str, Any]] = []
    first = 1
    ckdir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    vocab_data = {name: v.to_dict() for name, v in vocab.items()}
    latest = latest_checkpoint(ckdir) if ckdir is not None and resume else None
    if ckdir is not None and resume and latest is None:
        warnings.warn(
            f"no checkpoint in {ckdir} to resume from; training from the first epoch", EmbedkitWarning, stacklevel=2
        )
    saved_epoch, saved_path = 0, latest
    if latest is not None:
        ck = load_checkpoint(latest, map_location=device)
        if ck["extra"].get("kind") != KIND:
            raise ModelFileError(latest, "is not a seq2seq checkpoint")
        if {**ck["config"], "epochs": 0} != {**config.to_dict(), "epochs": 0}:
            raise DataFileError(f"{latest} was written with another config; resume needs the same (except epochs)")
        if ck["vocab"] != vocab_data:
            raise DataFileError(f"{latest} was written with other vocabularies")
        st = ck["extra"].get("train_state")
        if not isinstance(st, dict) or any(
            k not in st for k in ("optimizer", "scheduler", "numpy_rng", "torch_rng", "generator")
        ):
            raise ModelFileError(
                latest, "the checkpoint has no complete 'train_state' entry, so training cannot resume from it"
            )
        match_state(latest, ck["model_state"], model.state_dict())
        model.load_state_dict(ck["model_state"])
        opt.load_state_dict(st["optimizer"])
        sched.load_state_dict(st["scheduler"])
        rng.bit_generator.state = st["numpy_rng"]
        restore_rng_state(st, device)
        gen.set_state(st["generator"])
        history = list(ck["extra"].get("history", []))
        saved_epoch = int(ck["extra"]["epoch"])
        first = saved_epoch + 1
    bar = progress_bar(
        desc="batches",
        total=(config.epochs - first + 1) * steps_per_epoch,
        unit="batch",
        delay=0.0,
        enabled=progress and ctx.is_main,
    )
    try:
        with deferred_interrupt(enabled=not ctx.distributed) as check:
            for epoch in range(first, config.epochs + 1):
                t0 = time.perf_counter()
                model.train()
                loss_sum, tokens = 0.0, 0.0
                for b in train.batches(config.batch_size, rng=rng):
                    src, lengths, tgt_in, tgt = b.src, b.lengths, b.tgt_in, b.tgt_out
                    batch_tokens = int((tgt != 0).sum())
                    counted = True
                    if ctx.distributed and len(src) >= ctx.world_size:
                        rows = distributed.shard(len(src), rank=ctx.rank, world_size=ctx.world_size)
                        src, lengths, tgt_in, tgt = src[rows], lengths[rows], tgt_in[rows], tgt[rows]
                        scale = ctx.world_size / batch_tokens  # DDP averages: world * (sum / batch tokens) / world
                    else:  # one process, or a last batch smaller than the world: taken whole, counted once
                        scale, counted = 1.0 / batch_tokens, ctx.is_main
                    tgt = tgt.to(device)
                    logits = net(
                        src.to(device),
                        lengths.to(device),
                        tgt_in.to(device),
                        teacher_forcing=config.teacher_forcing,
                        generator=gen,
                    )
                    loss = (
                        F.cross_entropy(
                            logits.flatten(0, 1),
                            tgt.flatten(),
                            ignore_index=0,
                            label_smoothing=config.label_smoothing,
                            reduction="sum",
                        )
                        * scale
                    )
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    nn.utils.clip_grad_norm_(model.parameters(), config.clip)
                    opt.step()
                    sched.step()
                    if counted:
                        loss_sum += float(loss.detach()) / scale
                        tokens += float((tgt != 0).sum())
                    bar.update(1)
                    check()  # a Ctrl-C stops here, between two steps
                loss_sum, tokens = ctx.all_sum(loss_sum, tokens)
                record: dict[str, Any] = {
                    "epoch": epoch,
                    "loss": loss_sum / max(tokens, 1),
                    "valid_loss": None,
                    "valid_exact_match": None,
                }
                if valid is not None and len(valid):
                    record["valid_loss"], record["valid_exact_match"] = validate(
                        model, valid, vocab["target"], config, device
                    )
                record["seconds"] = time.perf_counter() - t0
                history.append(record)
                em = record["valid_exact_match"]
                bar.set_postfix(epoch=epoch, loss=f"{record['loss']:.3f}", valid_em="-" if em is None else f"{em:.4f}")
                if ckdir is not None and ctx.is_main:
                    state = {
                        "optimizer": opt.state_dict(),
                        "scheduler": sched.state_dict(),
                        "numpy_rng": rng.bit_generator.state,
                        "generator": gen.get_state(),
                        **capture_rng_state(device),
                    }
                    saved_path = save_checkpoint(
                        ckdir / f"epoch-{epoch:03d}.pt",
                        model_state=model.state_dict(),
                        config=config.to_dict(),
                        vocab=vocab_data,
                        extra=seq2seq_extra(**dict(extra or {}), epoch=epoch, history=history, train_state=state),
                    )
                    saved_epoch = epoch
                    for p in epoch_checkpoints(ckdir):
                        if p != saved_path:
                            p.unlink(missing_ok=True)
                ctx.barrier()
    except KeyboardInterrupt:
        bar.close()
        raise TrainingInterrupted(saved_epoch, saved_path) from None
    bar.close()
    model.eval()
    return history
