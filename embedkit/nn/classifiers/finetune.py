"""A contextual encoder fine-tuned end to end as a text classifier (``minilm-finetune``): the encoder's
pooled sentence vector, dropout and a linear layer over the classes, every weight trained with AdamW under
a linear warm-up and decay (:class:`~embedkit.classify.config.FinetuneConfig`).

The saved model is an embedkit checkpoint (:func:`~embedkit.nn.runtime.checkpoint.save_checkpoint`,
read back with ``weights_only=True``): the config, the class names, the encoder it started from (a named
model or a folder, for the architecture and the tokenizer) and every weight, encoder included.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...classify.config import FinetuneConfig
from ...errors import ModelFileError, TrainingInterrupted
from ...progress import progress_bar
from ..contextual import Encoder, pool
from ..runtime.checkpoint import load_checkpoint, match_state, save_checkpoint
from ..runtime.interrupt import deferred_interrupt
from .fit import EpochRecord, History

__all__ = ["KIND", "EncoderHead", "FinetunedClassifier", "is_finetuned", "train_finetune"]

KIND = "minilm-finetune"
"""The ``extra["kind"]`` of a fine-tuned encoder's checkpoint."""


class EncoderHead(nn.Module):
    """The encoder (a Hugging Face model), its pooling over the pieces, dropout and a linear layer:
    ``forward(ids, mask)`` gives (B, classes) logits."""

    def __init__(self, encoder: nn.Module, dim: int, num_classes: int, *, pooling: str, dropout: float) -> None:
        super().__init__()
        self.encoder = encoder
        self.pooling = pooling
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits (B, classes) of piece ids ``ids`` (B, T) and their mask (1 for a piece, 0 for padding)."""
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state  # (B, T, C)
        return self.head(self.dropout(pool(hidden, mask, self.pooling)))


def _pieces(encoder: Encoder, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Each text's piece ids, cut to ``max_length`` with its closing special token kept."""
    out = []
    for e in encoder.tokenizer.encode_batch(list(texts)):
        ids = list(e.ids)
        if len(ids) > max_length:
            ids = ids[: max_length - 1] + ids[-1:]
        out.append(ids)
    return out


def _padded(rows: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for j, r in enumerate(rows):
        ids[j, : len(r)] = r
        mask[j, : len(r)] = 1
    return torch.from_numpy(ids), torch.from_numpy(mask)


def _by_length(pieces: Sequence[Sequence[int]], batch_size: int) -> Iterator[list[int]]:
    """Row numbers in batches of similar length (longest first, ties in input order)."""
    order = sorted(range(len(pieces)), key=lambda i: (-len(pieces[i]), i))
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def _logits(net: EncoderHead, pieces: Sequence[Sequence[int]], batch_size: int) -> np.ndarray:
    was_training = net.training
    net.eval()
    out: np.ndarray | None = None
    with torch.inference_mode():
        for rows in _by_length(pieces, batch_size):
            z = net(*_padded([pieces[i] for i in rows])).float().numpy()
            if out is None:
                out = np.zeros((len(pieces), z.shape[1]), dtype=np.float32)
            out[rows] = z
    net.train(was_training)
    return out if out is not None else np.zeros((0, net.head.out_features), dtype=np.float32)


class FinetunedClassifier:
    """A fine-tuned encoder with its head, tokenizer, config and class names: predicts on raw texts.
    Save with :meth:`save`; :meth:`load` rebuilds it from the checkpoint (``weights_only``)."""

    def __init__(self, net: EncoderHead, encoder: Encoder, config: FinetuneConfig, class_names: Sequence[str]) -> None:
        self.net = net
        self.encoder = encoder
        self.config = config
        self.class_names = tuple(class_names)
        self.net.eval()

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, C)`` scores of ``texts``, batched by length (the same input gives the same result)."""
        return _logits(self.net, _pieces(self.encoder, texts, self.config.max_length), max(64, self.config.batch_size))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, C)`` class probabilities."""
        return torch.softmax(torch.from_numpy(self.logits(texts)), dim=1).numpy()

    def predict_ids(self, texts: Sequence[str]) -> np.ndarray:
        """The predicted class id of each text."""
        return self.logits(texts).argmax(axis=1)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The predicted class name of each text."""
        return [self.class_names[i] for i in self.predict_ids(texts)]

    def _extra(self) -> dict[str, Any]:
        return {"kind": KIND, "class_names": list(self.class_names)}

    def save(self, path: str | os.PathLike) -> Path:
        """Write the checkpoint (every weight, the config and the class names) atomically."""
        return save_checkpoint(
            path, model_state=self.net.state_dict(), config=self.config.to_dict(), vocab={}, extra=self._extra()
        )

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, ck: dict[str, Any]) -> FinetunedClassifier:
        """Rebuild from a checkpoint already read by :func:`~embedkit.nn.runtime.checkpoint.load_checkpoint`:
        the encoder it names is loaded, then every weight checked by name and shape and replaced."""
        from ...contextual.api import load_encoder

        try:
            config = FinetuneConfig.from_dict(ck["config"])
        except (ValueError, TypeError) as exc:
            raise ModelFileError(path, f"bad fine-tuning config: {exc}") from None
        names = ck["extra"].get("class_names")
        if not isinstance(names, list) or len(names) < 2 or not all(isinstance(c, str) for c in names):
            raise ModelFileError(path, "the class names are not a list of at least two strings")
        encoder = load_encoder(config.encoder)
        net = EncoderHead(
            encoder.model, encoder.dim, len(names), pooling=encoder.folder.pooling, dropout=config.dropout
        )
        match_state(path, ck["model_state"], net.state_dict())
        net.load_state_dict(ck["model_state"])
        return cls(net, encoder, config, names)

    @classmethod
    def load(cls, path: str | os.PathLike) -> FinetunedClassifier:
        """Read a model written by :meth:`save`."""
        ck = load_checkpoint(path)
        if not is_finetuned(ck):
            raise ModelFileError(path, "not a fine-tuned encoder")
        return cls.from_checkpoint(path, ck)


def is_finetuned(ck: dict[str, Any]) -> bool:
    """Whether a checkpoint read by :func:`~embedkit.nn.runtime.checkpoint.load_checkpoint` is a fine-tuned encoder."""
    return ck["extra"].get("kind") == KIND


def _optimizer(net: nn.Module, config: FinetuneConfig) -> torch.optim.Optimizer:
    decay: list[nn.Parameter] = []
    plain: list[nn.Parameter] = []
    for name, p in net.named_parameters():
        (plain if p.ndim < 2 or "LayerNorm" in name or "norm" in name.lower() else decay).append(p)
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": plain, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.lr)


def warmup_decay(step: int, total: int, warmup_steps: int) -> float:
    """The learning-rate factor at ``step`` (0-based) of ``total``: a linear rise, ``1 / warmup_steps`` a
    step, to 1 at step ``warmup_steps - 1``, then a linear fall reaching 0 at the last step.

    >>> [round(warmup_decay(s, 10, 2), 3) for s in range(10)]
    [0.5, 1.0, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0.0]
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    return max(0.0, (total - 1 - step) / max(1, total - warmup_steps))


def train_finetune(
    train_texts: Sequence[str],
    train_labels: Sequence[int] | np.ndarray,
    dev_texts: Sequence[str],
    dev_labels: Sequence[int] | np.ndarray,
    class_names: Sequence[str],
    config: FinetuneConfig,
    *,
    seed: int = 0,
    progress: bool = False,
    checkpoint: str | os.PathLike | None = None,
) -> tuple[FinetunedClassifier, History]:
    """Fine-tune ``config.encoder`` with a linear head on the training texts; keep the epoch with the best
    dev accuracy (``checkpoint``: saved there each time the dev accuracy improves).

    Seeded: the head's initial weights, the dropout and the order of the examples come from ``seed``.
    Progress (steps, loss, dev accuracy) goes to stderr. A Ctrl-C stops at the next step boundary with
    :class:`~embedkit.errors.TrainingInterrupted` naming the last epoch done and the checkpoint written.
    """
    from ...contextual.api import load_encoder

    torch.set_num_threads(config.threads or 1)
    encoder = load_encoder(config.encoder)
    torch.manual_seed(seed)
    net = EncoderHead(
        encoder.model, encoder.dim, len(class_names), pooling=encoder.folder.pooling, dropout=config.dropout
    )
    tr = _pieces(encoder, train_texts, config.max_length)
    dv = _pieces(encoder, dev_texts, config.max_length)
    y = torch.as_tensor(np.array(train_labels), dtype=torch.long)
    y_dev = np.array(dev_labels)
    steps_per_epoch = -(-len(tr) // config.batch_size)
    total = config.total_steps(len(tr))
    warm = int(config.warmup * total)
    opt = _optimizer(net, config)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_decay(s, total, warm))
    rng = np.random.default_rng(seed)
    history = History()
    best_state: dict[str, torch.Tensor] | None = None
    best_acc = -1.0
    saved: str | None = None
    start = time.perf_counter()
    bar = progress_bar(desc="fine-tune", total=total, unit="step", enabled=progress)
    try:
        with deferred_interrupt() as check:
            for epoch in range(1, config.epochs + 1):
                t0 = time.perf_counter()
                net.train()
                order = rng.permutation(len(tr))
                loss_sum, correct = 0.0, 0
                for b in range(steps_per_epoch):
                    rows = order[b * config.batch_size : (b + 1) * config.batch_size]
                    ids, mask = _padded([tr[i] for i in rows])
                    logits = net(ids, mask)
                    loss = F.cross_entropy(logits, y[rows])
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    if config.grad_clip is not None:
                        nn.utils.clip_grad_norm_(net.parameters(), config.grad_clip)
                    opt.step()
                    sched.step()
                    check()  # a Ctrl-C stops here, between two steps
                    loss_sum += float(loss.detach()) * len(rows)
                    correct += int((logits.argmax(1) == y[rows]).sum())
                    bar.update()
                    bar.set_postfix(loss=f"{float(loss.detach()):.3f}", refresh=False)
                z = _logits(net, dv, max(64, config.batch_size))
                dev_loss = float(F.cross_entropy(torch.from_numpy(z), torch.as_tensor(y_dev, dtype=torch.long)))
                dev_acc = float((z.argmax(1) == y_dev).mean())
                check()
                history.epochs.append(
                    EpochRecord(
                        epoch, loss_sum / len(tr), correct / len(tr), dev_loss, dev_acc, time.perf_counter() - t0
                    )
                )
                bar.set_postfix(dev=f"{dev_acc:.3f}", refresh=False)
                if dev_acc > best_acc:
                    best_acc = dev_acc
                    history.best_epoch, history.best_dev_accuracy = epoch, dev_acc
                    best_state = copy.deepcopy(net.state_dict())
                    if checkpoint is not None:
                        clf = FinetunedClassifier(net, encoder, config, class_names)
                        saved = str(clf.save(checkpoint))
                        net.train()
    except KeyboardInterrupt:
        bar.close()
        raise TrainingInterrupted(history.epochs[-1].epoch if history.epochs else 0, saved) from None
    bar.close()
    if best_state is not None:
        net.load_state_dict(best_state)
    history.train_seconds = time.perf_counter() - start
    return FinetunedClassifier(net, encoder, config, class_names), history
