"""A model-agnostic training loop for the text classifiers, and prediction in batches.

:func:`fit_classifier` trains any module with the ``forward(ids, lengths) -> logits`` contract on
:class:`~embedkit.nn.classifiers.data.EncodedTexts`: Adam or Adadelta, cross-entropy, early stopping on the
dev accuracy (the best epoch's weights are restored), an optional checkpoint of the best epoch,
and progress on stderr (:mod:`embedkit.progress`) that ``progress=False`` silences. A model may define ``apply_constraints()``
(the CNN's max-norm), called after every optimiser step.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...classify.config import ClassifierConfig
from ...errors import (
    DataError,
    DataFileError,
    EmbedkitWarning,
    InvalidArgumentError,
    LabelError,
    ModelFileError,
    TrainingInterrupted,
)
from ...progress import progress_bar
from ...text import Vocabulary
from ..runtime import distributed
from ..runtime.checkpoint import epoch_checkpoints, latest_checkpoint, load_checkpoint, match_state, save_checkpoint
from ..runtime.device import prepare_run, resolve_device
from ..runtime.interrupt import deferred_interrupt
from ..runtime.rng import capture_rng_state, restore_rng_state
from .data import EncodedTexts

__all__ = [
    "EpochRecord",
    "History",
    "fit_classifier",
    "predict_logits",
]


@dataclass(frozen=True)
class EpochRecord:
    """One epoch of :func:`fit_classifier`: training loss and accuracy, the same on the dev data (``None``
    without dev data), and the epoch's wall-clock seconds."""

    epoch: int
    train_loss: float
    train_accuracy: float
    dev_loss: float | None
    dev_accuracy: float | None
    seconds: float


@dataclass
class History:
    """What :func:`fit_classifier` did: one :class:`EpochRecord` per epoch, the best epoch (by dev accuracy,
    or the last without dev data) whose weights the model now holds, and the training time."""

    epochs: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    best_dev_accuracy: float | None = None
    stopped_early: bool = False
    train_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The history as plain JSON-ready data."""
        return dataclasses.asdict(self)


def _optimizer(model: nn.Module, config: ClassifierConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if config.optimizer == "adadelta":
        return torch.optim.Adadelta(
            params, lr=config.learning_rate, rho=0.95, eps=1e-6, weight_decay=config.weight_decay
        )
    return torch.optim.Adam(params, lr=config.learning_rate, weight_decay=config.weight_decay)


@torch.no_grad()
def predict_logits(
    model: nn.Module, data: EncodedTexts, *, batch_size: int = 256, device: str | torch.device = "cpu"
) -> np.ndarray:
    """The ``(N, C)`` logits of every text, in the data's order (evaluation mode)."""
    device = resolve_device(device)
    was_training = model.training
    model.eval()
    out: np.ndarray | None = None
    for b in data.batches(batch_size):
        logits = model(b.ids.to(device), b.lengths).float().cpu().numpy()
        if out is None:
            out = np.empty((len(data), logits.shape[1]), dtype=np.float32)
        out[b.index] = logits
    model.train(was_training)
    assert out is not None
    return out


def _dev_scores(model, data, device, batch_size, ctx=None) -> tuple[float, float]:
    if ctx is None or not ctx.distributed:
        logits = predict_logits(model, data, batch_size=batch_size, device=device)
        assert data.labels is not None
        loss = float(F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(np.array(data.labels))))
        return loss, float(np.mean(logits.argmax(1) == data.labels))
    # Each process scores every world_size-th batch; the sums are combined.
    was_training = model.training
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i, b in enumerate(data.batches(batch_size)):
            if i % ctx.world_size != ctx.rank:
                continue
            logits = model(b.ids.to(device), b.lengths).float()
            labels = b.labels.to(device)
            loss_sum += float(F.cross_entropy(logits, labels, reduction="sum"))
            correct += int((logits.argmax(1) == labels).sum())
    model.train(was_training)
    loss_sum, correct = ctx.all_sum(loss_sum, correct)
    return loss_sum / len(data), correct / len(data)


def fit_classifier(
    model: nn.Module,
    train: EncodedTexts,
    valid: EncodedTexts | None,
    config: ClassifierConfig,
    *,
    seed: int = 0,
    device: str | torch.device = "auto",
    progress: bool = True,
    checkpoint: str | os.PathLike | None = None,
    vocab: Vocabulary | None = None,
    extra: Mapping[str, Any] | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
) -> History:
    """Train ``model`` on ``train`` for up to ``config.epochs`` epochs; return the :class:`History`.

    After each epoch the model is scored on ``valid``; training stops when the dev accuracy has
    not improved for ``config.patience`` epochs, and the model ends with the weights of its best
    epoch. With ``checkpoint`` (and the ``vocab``; ``extra`` adds plain data) the best epoch is
    also written there with :func:`embedkit.nn.save_checkpoint`, loadable by
    :meth:`~embedkit.nn.classifiers.NeuralClassifier.load` when ``extra`` holds ``class_names`` and ``embed_dim``.

    With ``checkpoint_dir`` the whole training state (model, optimiser, the data-order and dropout
    random generators, the best epoch so far and the history) is written after every epoch as
    ``epoch-K.pt`` (only the latest is kept); with ``resume`` a run killed at any point continues
    after its latest epoch and ends with exactly the parameters and scores of an uninterrupted run
    with the same seed (same device and thread count).

    Under ``torchrun`` (``WORLD_SIZE`` > 1) the processes train one model together with
    :class:`~torch.nn.parallel.DistributedDataParallel`: all walk the same seeded batches, each
    computes its share of every batch's rows, and the averaged gradients make each step the
    single-process step up to rounding (dropout masks are drawn per process, so the results match
    a single process exactly only without dropout). Dev scoring is split between the processes;
    rank 0 writes the checkpoints.
    """
    if train.labels is None or (valid is not None and valid.labels is None):
        raise DataError("training and dev data need labels")
    if (checkpoint is not None or checkpoint_dir is not None) and vocab is None:
        raise InvalidArgumentError("a checkpoint needs the vocabulary (vocab=...)")
    if resume and checkpoint_dir is None:
        raise InvalidArgumentError("resume needs a checkpoint_dir")
    n_out = getattr(model, "num_classes", None)
    for role, data in (("training", train), ("dev", valid)):
        # checked before training: a label past the output layer would crash the first dev scoring
        if n_out is not None and data is not None and len(data.labels) and int(np.max(data.labels)) >= n_out:  # type: ignore[arg-type]  # fit data is labelled
            raise LabelError(
                f"the {role} data has label id {int(np.max(data.labels))} but the model has "  # type: ignore[arg-type]  # labelled
                f"{n_out} classes (ids 0..{n_out - 1})"
            )
    ctx = prepare_run(device, threads=config.threads)
    dev = ctx.device
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model.to(dev)
    net = ctx.wrap(model)
    opt = _optimizer(model, config)
    constrain = getattr(model, "apply_constraints", None)
    history = History()
    best_state: dict[str, torch.Tensor] | None = None
    best_score = -1.0
    since_best = 0
    elapsed = 0.0
    first_epoch = 1
    ckdir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    saved_epoch, saved_path = 0, None  # the last checkpoint written (or resumed from): what Ctrl-C reports
    latest = latest_checkpoint(ckdir) if ckdir is not None and resume else None
    if ckdir is not None and resume and latest is None:
        warnings.warn(
            f"no checkpoint in {ckdir} to resume from; training from the first epoch", EmbedkitWarning, stacklevel=2
        )
    if latest is not None:
        ck = load_checkpoint(latest, map_location=dev)
        try:
            saved = ClassifierConfig.from_dict(ck["config"])
        except (ValueError, TypeError) as exc:
            raise ModelFileError(latest, f"bad classifier config: {exc}") from None
        if {**saved.to_dict(), "epochs": 0} != {**config.to_dict(), "epochs": 0}:
            raise DataFileError(f"{latest} was written with another config; resume needs the same (except epochs)")
        if ck["vocab"].get("words") != vocab.words:  # type: ignore[union-attr]  # checked: not None
            raise DataFileError(f"{latest} was written with another vocabulary")
        st = ck["extra"].get("train_state")
        need = (
            "optimizer",
            "numpy_rng",
            "torch_rng",
            "best_state",
            "best_score",
            "since_best",
            "epochs",
            "best_epoch",
            "best_dev_accuracy",
            "stopped_early",
            "elapsed",
        )
        if not isinstance(st, dict) or "epoch" not in ck["extra"] or any(k not in st for k in need):
            missing = "train_state" if not isinstance(st, dict) else next((k for k in need if k not in st), "epoch")
            raise ModelFileError(latest, f"the checkpoint has no {missing!r} entry, so training cannot resume from it")
        match_state(latest, ck["model_state"], model.state_dict())
        model.load_state_dict(ck["model_state"])
        opt.load_state_dict(st["optimizer"])
        rng.bit_generator.state = st["numpy_rng"]
        restore_rng_state(st, dev)
        best_state, best_score, since_best = st["best_state"], float(st["best_score"]), int(st["since_best"])
        history = History(
            epochs=[EpochRecord(**r) for r in st["epochs"]],
            best_epoch=int(st["best_epoch"]),
            best_dev_accuracy=st["best_dev_accuracy"],
            stopped_early=bool(st["stopped_early"]),
        )
        elapsed = float(st["elapsed"])
        saved_epoch, saved_path = int(ck["extra"]["epoch"]), latest
        first_epoch = saved_epoch + 1 if not history.stopped_early else config.epochs + 1
    start = time.perf_counter()
    # After the default delay: a training of a few seconds leaves stderr as it was.
    bar = progress_bar(
        range(first_epoch, config.epochs + 1), desc="epochs", unit="epoch", enabled=progress and ctx.is_main
    )
    try:
        with deferred_interrupt(enabled=not ctx.distributed) as check:
            for epoch in bar:
                t0 = time.perf_counter()
                model.train()
                total_loss = 0.0
                correct: float = 0  # all_sum() returns floats
                seen: float = 0
                for b in train.batches(config.batch_size, shuffle=True, rng=rng):
                    ids, lengths, labels = b.ids, b.lengths, b.labels
                    assert labels is not None
                    n = len(labels)
                    counted = True
                    if ctx.distributed:
                        # Each process takes its rows of the batch (already padded to the batch's width, so
                        # every row sees the padding it would see in one process) and scales its summed loss
                        # so that DDP's average of the gradients is the gradient of the batch's mean loss. A
                        # batch smaller than the world is taken whole by every process (counted once).
                        if n >= ctx.world_size:
                            rows = distributed.shard(n, rank=ctx.rank, world_size=ctx.world_size)
                            ids, lengths, labels = ids[rows], lengths[rows], labels[rows]
                            scale = ctx.world_size / n
                        else:
                            scale, counted = 1.0 / n, ctx.is_main
                    ids, labels = ids.to(dev), labels.to(dev)
                    logits = net(ids, lengths)  # (B, C)
                    if ctx.distributed:
                        loss_sum = F.cross_entropy(logits, labels, reduction="sum")
                        loss = loss_sum * scale
                    else:
                        loss = F.cross_entropy(logits, labels)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    if config.grad_clip is not None:
                        nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], config.grad_clip)
                    opt.step()
                    if constrain is not None:
                        constrain()
                    check()  # a Ctrl-C stops here, between two steps
                    if counted:
                        k = len(labels)
                        total_loss += float(loss_sum.detach()) if ctx.distributed else float(loss.detach()) * k
                        correct += int((logits.argmax(1) == labels).sum())
                        seen += k
                total_loss, correct, seen = ctx.all_sum(total_loss, correct, seen)
                dev_loss = dev_acc = None
                if valid is not None:
                    dev_loss, dev_acc = _dev_scores(model, valid, dev, max(256, config.batch_size), ctx)
                    check()
                rec = EpochRecord(epoch, total_loss / seen, correct / seen, dev_loss, dev_acc, time.perf_counter() - t0)
                history.epochs.append(rec)
                # refresh=False: a refresh would draw the bar before its delay has passed
                bar.set_postfix(
                    loss=f"{rec.train_loss:.3f}", dev=f"{dev_acc:.3f}" if dev_acc is not None else "-", refresh=False
                )
                score = dev_acc if dev_acc is not None else float(epoch)
                stop = False
                if score > best_score:
                    best_score, since_best = score, 0
                    history.best_epoch, history.best_dev_accuracy = epoch, dev_acc
                    best_state = copy.deepcopy(model.state_dict())
                    if checkpoint is not None and ctx.is_main:
                        save_checkpoint(
                            checkpoint,
                            model_state=best_state,
                            config=config.to_dict(),
                            vocab=vocab.to_dict(),  # type: ignore[union-attr]  # checked: not None
                            extra={**dict(extra or {}), "epoch": epoch},
                        )
                else:
                    since_best += 1
                    if config.patience is not None and valid is not None and since_best >= config.patience:
                        history.stopped_early = stop = True
                if ckdir is not None:
                    if ctx.is_main:
                        saved_path = _save_train_state(
                            ckdir,
                            epoch,
                            model,
                            opt,
                            rng,
                            dev,
                            best_state,
                            best_score,
                            since_best,
                            history,
                            elapsed + time.perf_counter() - start,
                            config,
                            vocab,  # type: ignore[arg-type]  # not None: a checkpoint needs it (checked)
                            extra,
                        )
                        saved_epoch = epoch
                    ctx.barrier()
                if stop:
                    break
    except KeyboardInterrupt:
        bar.close()
        done = saved_epoch if ckdir is not None else (history.epochs[-1].epoch if history.epochs else 0)
        raise TrainingInterrupted(done, saved_path) from None
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    history.train_seconds = elapsed + time.perf_counter() - start
    model.eval()
    return history


def _save_train_state(
    ckdir: Path,
    epoch: int,
    model: nn.Module,
    opt: torch.optim.Optimizer,
    rng: np.random.Generator,
    dev: torch.device,
    best_state: dict[str, torch.Tensor] | None,
    best_score: float,
    since_best: int,
    history: History,
    elapsed: float,
    config: ClassifierConfig,
    vocab: Vocabulary,
    extra: Mapping[str, Any] | None,
) -> Path:
    state: dict[str, Any] = {
        "optimizer": opt.state_dict(),
        "numpy_rng": rng.bit_generator.state,
        **capture_rng_state(dev),
        "best_state": best_state,
        "best_score": best_score,
        "since_best": since_best,
        "best_epoch": history.best_epoch,
        "best_dev_accuracy": history.best_dev_accuracy,
        "stopped_early": history.stopped_early,
        "epochs": [dataclasses.asdict(r) for r in history.epochs],
        "elapsed": elapsed,
    }
    path = save_checkpoint(
        ckdir / f"epoch-{epoch:03d}.pt",
        model_state=model.state_dict(),
        config=config.to_dict(),
        vocab=vocab.to_dict(),
        extra={**dict(extra or {}), "epoch": epoch, "train_state": state},
    )
    for p in epoch_checkpoints(ckdir):  # keep only the latest: each holds the model, the best model, Adam's moments
        if p != path:
            p.unlink(missing_ok=True)
    return path
