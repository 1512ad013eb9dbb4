"""Train a language model by next-word prediction: contiguous batches, truncated back-propagation
through time, a learning-rate schedule, gradient clipping, held-out perplexity and a checkpoint per
epoch that resumes exactly.

The loop (:func:`fit`) knows nothing of the architecture: it relies on the contract of
:class:`~embedkit.nn.lm.models.LanguageModel` (``model(ids, state) -> (h, state)``, ``model.loss``,
``model.output.target_log_prob``).
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from ...errors import ConfigError, DataError, DataFileError, EmbedkitWarning, ModelFileError, TrainingInterrupted
from ...text import Vocabulary
from ...training.config import TrainConfig
from ...training.corpus import Corpus
from ...vectors import Vectors
from ..embedding import embedding_from_vectors, vectors_from_embedding
from ..runtime import distributed
from ..runtime.checkpoint import (
    check_weights,
    checkpoint_vocab,
    latest_checkpoint,
    load_checkpoint,
    match_state,
    resolve_checkpoint,
    save_checkpoint,
)
from ..runtime.device import prepare_run, resolve_device
from ..runtime.rng import capture_rng_state, restore_rng_state
from .models import LANGUAGE_MODELS, LanguageModel, build_model

__all__ = [
    "TrainedLM",
    "batchify",
    "evaluate_perplexity",
    "fit",
    "load_language_model",
    "train_language_model",
]


@dataclass
class TrainedLM:
    """A trained language model with its vocabulary, config and per-epoch history."""

    model: LanguageModel
    vocab: Vocabulary
    config: TrainConfig
    history: list[dict[str, float]] = field(default_factory=list)

    def vectors(self) -> Vectors:
        """The input embedding as :class:`~embedkit.Vectors` (special tokens left out)."""
        return vectors_from_embedding(self.model.embedding, self.vocab, source=f"embedkit-{self.config.algorithm}")

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model as a checkpoint that :func:`load_language_model` reads."""
        return save_checkpoint(
            path,
            model_state=self.model.state_dict(),
            config=self.config.to_dict(),
            vocab=self.vocab.to_dict(),
            extra={"history": self.history},
        )


def batchify(ids: np.ndarray, batch_size: int) -> torch.Tensor:
    """Cut a token stream into ``batch_size`` contiguous rows ``(B, N // B)`` (the tail is dropped)."""
    n = len(ids) // batch_size
    return torch.from_numpy(np.ascontiguousarray(ids[: n * batch_size], dtype=np.int64)).view(batch_size, n)


class _Optimizers:
    """One optimizer for the dense parameters and, with sparse gradients, one for the sparse ones
    (``SparseAdam`` in place of Adam), stepped, zeroed, scheduled and saved together."""

    def __init__(self, model: LanguageModel, config: TrainConfig) -> None:
        sparse_ids = {id(p) for p in model.sparse_parameters()}
        sparse = [p for p in model.sparse_parameters() if p.requires_grad]
        dense = [p for p in model.parameters() if p.requires_grad and id(p) not in sparse_ids]
        self.dense_params = dense
        self.all: list[torch.optim.Optimizer] = []
        lr = cast(float, config.lr)  # filled in by TrainConfig.__post_init__
        if config.optimizer == "adam":
            if dense:
                self.all.append(torch.optim.Adam(dense, lr=lr, weight_decay=config.weight_decay))
            if sparse:
                self.all.append(torch.optim.SparseAdam(sparse, lr=lr))
        elif config.optimizer == "adagrad":
            self.all.append(torch.optim.Adagrad(dense + sparse, lr=lr, weight_decay=config.weight_decay))
        else:
            self.all.append(torch.optim.SGD(dense + sparse, lr=lr, weight_decay=config.weight_decay))

    def zero_grad(self) -> None:
        for o in self.all:
            o.zero_grad(set_to_none=True)

    def step(self) -> None:
        for o in self.all:
            o.step()

    def state_dict(self) -> list[dict]:
        return [o.state_dict() for o in self.all]

    def load_state_dict(self, states: list[dict]) -> None:
        for o, st in zip(self.all, states, strict=True):
            o.load_state_dict(st)


def _schedule(config: TrainConfig, total_steps: int) -> Callable[[int], float]:
    total = max(1, total_steps)
    if config.schedule == "linear":
        return lambda step: max(1e-4, 1.0 - step / total)
    if config.schedule == "cosine":
        return lambda step: max(1e-4, 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total)))
    return lambda step: 1.0


class _LossStep(torch.nn.Module):
    """One training step's forward and loss as a single module, so that
    :class:`~torch.nn.parallel.DistributedDataParallel` sees every parameter the loss uses."""

    def __init__(self, lm: LanguageModel) -> None:
        super().__init__()
        self.lm = lm

    def forward(self, x: torch.Tensor, state: Any, y: torch.Tensor, generator: torch.Generator | None):
        h, state = self.lm(x, state)
        return self.lm.loss(h, y, generator=generator), state


@torch.no_grad()
def evaluate_perplexity(
    model: LanguageModel,
    ids: np.ndarray,
    *,
    batch_size: int = 16,
    bptt: int = 64,
    device: str | torch.device = "cpu",
    ctx: distributed.Context | None = None,
) -> float:
    """Perplexity of ``model`` on the token stream ``ids`` under the full normalised model
    (``exp`` of the mean negative log-probability of each next token). With a distributed
    ``ctx`` each process scores its share of the rows and the sums are combined."""
    device = torch.device(device)
    batch_size = max(1, min(batch_size, len(ids) // 2))
    data = batchify(ids, batch_size).to(device)
    if data.shape[1] < 2:
        return float("nan")
    if ctx is not None and ctx.distributed:
        data = data[distributed.shard(batch_size, rank=ctx.rank, world_size=ctx.world_size)]
        batch_size = data.shape[0]
    was_training = model.training
    model.eval()
    state = model.init_state(batch_size, device)
    total = 0.0
    count: float = 0  # all_sum() returns floats
    # Rows per exact log-softmax, so that rows x vocabulary stays near 16M floats.
    rows = max(1, (1 << 24) // model.vocab_size)
    for i in range(0, data.shape[1] - 1, bptt):
        seq = min(bptt, data.shape[1] - 1 - i)
        x, y = data[:, i : i + seq], data[:, i + 1 : i + 1 + seq]
        h, state = model(x, state)
        h, y = h.reshape(-1, h.shape[-1]), y.reshape(-1)
        for s in range(0, len(y), rows):
            total -= float(model.output.target_log_prob(h[s : s + rows], y[s : s + rows]).double().sum())
        count += len(y)
    model.train(was_training)
    if ctx is not None:
        total, count = ctx.all_sum(total, count)
    return math.exp(total / count)


def fit(
    model: LanguageModel,
    train: np.ndarray,
    valid: np.ndarray | None,
    config: TrainConfig,
    *,
    vocab: Vocabulary,
    device: str | torch.device = "auto",
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool = True,
) -> list[dict[str, float]]:
    """Train ``model`` on the token stream ``train``; returns the history, one dict per epoch
    (``epoch``, ``loss``, ``valid_ppl``, ``tokens``, ``seconds``, ``tokens_per_s``, ``lr``).

    With ``checkpoint_dir`` an ``epoch-K.pt`` checkpoint is written after every epoch holding the
    model, optimizer and scheduler state, every random-generator state and the history; with
    ``resume`` training continues after the latest one and ends with exactly the parameters an
    uninterrupted run with the same seed would have (same device and thread count).

    Under ``torchrun`` (``WORLD_SIZE`` > 1) the processes train together with
    :class:`~torch.nn.parallel.DistributedDataParallel`: process ``r`` of ``W`` takes rows
    ``r * B / W`` to ``(r + 1) * B / W`` of the ``B = batch_size`` contiguous streams (``B`` must
    be a multiple of ``W``), the sampled and negative objectives draw the whole batch's noise on
    every process and keep their share, and the averaged gradients make each step the
    single-process step up to rounding; dropout masks are per process, so the results equal a
    single process's only without dropout. Held-out perplexity is split between the processes;
    rank 0 writes the checkpoints, and every process resumes from them.
    """
    # "auto" never picks MPS for the language models; one thread unless asked: see TrainConfig.workers.
    ctx = prepare_run(device, threads=config.workers, allow_mps=False)
    device = ctx.device
    batch_size = cast(int, config.batch_size)  # filled in by TrainConfig.__post_init__
    if batch_size % ctx.world_size:
        raise ConfigError(
            f"batch_size ({config.batch_size}) must be a multiple of the number of processes ({ctx.world_size})"
        )
    model.to(device)
    data = batchify(train, batch_size).to(device)
    if data.shape[1] < 2:
        raise DataError(f"the training corpus ({len(train)} tokens) is too small for batch_size={config.batch_size}")
    rows = batch_size // ctx.world_size
    data = data[ctx.rank * rows : (ctx.rank + 1) * rows]
    if ctx.distributed and config.sparse:
        raise ConfigError(
            "sparse gradients cannot be averaged across processes here: train with sparse=False "
            "(the default under torchrun)"
        )
    model.output.shard = (ctx.rank, ctx.world_size)
    # the adaptive softmax leaves out the tail clusters no target of a step falls in
    net = ctx.wrap(_LossStep(model), find_unused_parameters=config.objective == "adaptive")
    steps_per_epoch = math.ceil((data.shape[1] - 1) / config.bptt)
    optimizer = _Optimizers(model, config)
    lam = _schedule(config, steps_per_epoch * config.epochs)
    schedulers = [torch.optim.lr_scheduler.LambdaLR(o, lam) for o in optimizer.all]
    generator = torch.Generator(device=device)
    generator.manual_seed(config.seed + 1)
    history: list[dict[str, float]] = []
    start_epoch = 0

    ckdir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    saved: dict[str, Any] = {"epoch": 0, "path": None}  # the last checkpoint written or resumed from (for Ctrl-C)
    if ckdir is not None and resume:
        latest = latest_checkpoint(ckdir)
        if latest is None:
            warnings.warn(
                f"no checkpoint in {ckdir} to resume from; training from the first epoch", EmbedkitWarning, stacklevel=2
            )
        else:
            ck = load_checkpoint(latest)
            try:
                saved_config = TrainConfig.from_dict(ck["config"])
            except (ValueError, TypeError) as exc:
                raise ModelFileError(latest, f"bad language-model config: {exc}") from None
            if {**saved_config.to_dict(), "epochs": 0} != {**config.to_dict(), "epochs": 0}:
                raise DataFileError(f"{latest} was written with another config; resume needs the same (except epochs)")
            if ck["vocab"].get("words") != vocab.words:
                raise DataFileError(f"{latest} was written with another vocabulary")
            extra = ck["extra"]
            for key in ("epoch", "optimizer", "scheduler", "generator", "torch_rng", "history"):
                if key not in extra:
                    raise ModelFileError(
                        latest, f"the checkpoint has no {key!r} entry, so training cannot resume from it"
                    )
            match_state(latest, ck["model_state"], model.state_dict())
            model.load_state_dict(ck["model_state"])
            optimizer.load_state_dict(extra["optimizer"])
            for sch, st in zip(schedulers, extra["scheduler"], strict=True):
                sch.load_state_dict({**st, "lr_lambdas": [None] * len(st["base_lrs"])})  # the lambdas are code
            generator.set_state(extra["generator"])
            restore_rng_state(extra, device)
            history = list(extra["history"])
            start_epoch = int(extra["epoch"])
            saved.update(epoch=start_epoch, path=latest)

    try:
        _epochs(
            model,
            data,
            valid,
            config,
            vocab,
            device,
            ctx,
            net,
            optimizer,
            schedulers,
            generator,
            history,
            rows,
            steps_per_epoch,
            range(start_epoch, config.epochs),
            ckdir,
            progress,
            saved,
        )
    except KeyboardInterrupt:
        done = saved["epoch"] if ckdir is not None else (int(history[-1]["epoch"]) if history else 0)
        raise TrainingInterrupted(done, saved["path"]) from None
    return history


def _epochs(
    model: LanguageModel,
    data: torch.Tensor,
    valid: np.ndarray | None,
    config: TrainConfig,
    vocab: Vocabulary,
    device: torch.device,
    ctx: distributed.Context,
    net: torch.nn.Module,
    optimizer: _Optimizers,
    schedulers: list,
    generator: torch.Generator,
    history: list[dict[str, float]],
    rows: int,
    steps_per_epoch: int,
    epochs: range,
    ckdir: Path | None,
    progress: bool,
    saved: dict[str, Any],
) -> None:
    """The epochs of :func:`fit`, appending to ``history``; ``saved`` follows the checkpoints written."""
    from tqdm.auto import tqdm

    for epoch in epochs:
        model.train()
        state = model.init_state(rows, device)
        bar = tqdm(
            total=steps_per_epoch,
            desc=f"{config.algorithm} epoch {epoch + 1}/{config.epochs}",
            disable=not (progress and ctx.is_main),
            unit="step",
            leave=False,
        )
        t0 = time.perf_counter()
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        tokens: float = 0  # all_sum() returns floats
        for step, i in enumerate(range(0, data.shape[1] - 1, config.bptt)):
            seq = min(config.bptt, data.shape[1] - 1 - i)
            x, y = data[:, i : i + seq], data[:, i + 1 : i + 1 + seq]  # (B, T)
            state = model.detach_state(state)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=config.bf16):
                loss, state = net(x, state, y, generator)  # mean over this process's B/W x T tokens
            optimizer.zero_grad()
            loss.backward()
            if config.clip > 0:
                torch.nn.utils.clip_grad_norm_(optimizer.dense_params, config.clip)
            optimizer.step()
            for sch in schedulers:
                sch.step()
            loss_sum += loss.detach() * y.numel()
            tokens += y.numel()
            if progress and (step % 20 == 0 or step == steps_per_epoch - 1):
                dt = time.perf_counter() - t0
                bar.set_postfix(
                    loss=f"{float(loss.detach()):.3f}", tok_s=f"{tokens / max(dt, 1e-9):,.0f}", refresh=False
                )
            bar.update(1)
        seconds = time.perf_counter() - t0
        bar.close()
        ppl = (
            evaluate_perplexity(model, valid, device=device, ctx=ctx)
            if valid is not None and len(valid) > 4
            else float("nan")
        )
        loss_total, tokens = ctx.all_sum(float(loss_sum), tokens)
        tokens = int(tokens)
        history.append(
            {
                "epoch": epoch + 1,
                "loss": loss_total / max(tokens, 1),
                "valid_ppl": ppl,
                "tokens": tokens,
                "seconds": seconds,
                "tokens_per_s": tokens / seconds if seconds else 0.0,
                "lr": float(schedulers[0].get_last_lr()[0]),
            }
        )
        if ckdir is not None and ctx.is_main:
            extra: dict[str, Any] = {
                "epoch": epoch + 1,
                "optimizer": optimizer.state_dict(),
                "scheduler": [{k: v for k, v in sch.state_dict().items() if k != "lr_lambdas"} for sch in schedulers],
                "generator": generator.get_state(),
                **capture_rng_state(device),
                "history": history,
            }
            path = save_checkpoint(
                ckdir / f"epoch-{epoch + 1:03d}.pt",
                model_state=model.state_dict(),
                config=config.to_dict(),
                vocab=vocab.to_dict(),
                extra=extra,
            )
            saved.update(epoch=epoch + 1, path=path)
        if ckdir is not None:
            ctx.barrier()


def train_language_model(
    corpus: Corpus,
    config: TrainConfig,
    *,
    init: Vectors | None = None,
    device: str | torch.device = "auto",
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool = True,
) -> TrainedLM:
    """Build the model ``config.algorithm`` for ``corpus``'s vocabulary, seeded by ``config.seed``,
    optionally start its input embedding from ``init`` (unknown words uniform, Kim 2014), and
    :func:`fit` it on ``corpus.train`` with perplexity on ``corpus.valid``.

    Examples
    --------
    >>> from embedkit.training.corpus import corpus_from_texts
    >>> c = corpus_from_texts(["a b c d"] * 50, valid_fraction=0.2)
    >>> cfg = TrainConfig(algorithm="gru", dim=8, hidden=16, objective="full", epochs=6, batch_size=4, bptt=8,
    ...                   lr=0.05, workers=1)
    >>> lm = train_language_model(c, cfg, progress=False)
    >>> [round(h["valid_ppl"], 1) for h in lm.history]
    [3.4, 1.5, 1.1, 1.1, 1.0, 1.0]
    """
    torch.manual_seed(config.seed)
    counts = torch.from_numpy(corpus.counts())
    model = build_model(config, len(corpus.vocab), counts)
    if init is not None:
        if init.dim != config.dim:
            raise DataError(f"the initial vectors have dimension {init.dim}, the config {config.dim}")
        emb = embedding_from_vectors(init, corpus.vocab, freeze=False, unknown="uniform", seed=config.seed)
        with torch.no_grad():
            model.embedding.weight.copy_(emb.weight)
    if config.freeze_embeddings:
        if config.tie:
            raise ConfigError("freeze_embeddings cannot be combined with tie")
        model.embedding.weight.requires_grad_(False)
    history = fit(
        model,
        corpus.train,
        corpus.valid,
        config,
        vocab=corpus.vocab,
        device=device,
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        progress=progress,
    )
    return TrainedLM(model, corpus.vocab, config, history)


def load_language_model(path: str | os.PathLike, *, device: str | torch.device = "cpu") -> TrainedLM:
    """A :class:`TrainedLM` from a checkpoint written by :func:`fit` or :meth:`TrainedLM.save`, or
    from a ``checkpoint_dir`` of :func:`fit` (its latest epoch).

    The file is checked before the model is built: the config's types and size caps, the
    vocabulary, and every weight's name and shape against the model the config describes (built
    on the ``meta`` device, so an edited file cannot make it allocate gigabytes); a problem is a
    :class:`~embedkit.errors.ModelFileError` naming the file.
    """
    path = resolve_checkpoint(path)
    ck = load_checkpoint(path)
    if "class_names" in ck["extra"] or ("model" in ck["config"] and "algorithm" not in ck["config"]):
        raise ModelFileError(path, "is a classifier model, not a language model")
    try:
        config = TrainConfig.from_dict(ck["config"])
    except (ValueError, TypeError) as exc:
        raise ModelFileError(path, f"bad language-model config: {exc}") from None
    if config.algorithm not in LANGUAGE_MODELS:
        raise ModelFileError(path, f"its config names {config.algorithm!r}, which is not a neural language model")
    vocab = checkpoint_vocab(path, ck)
    check_weights(path, ck["model_state"], lambda: build_model(config, len(vocab)))
    model = build_model(config, len(vocab))
    model.load_state_dict(ck["model_state"])
    model.to(resolve_device(device, allow_mps=False)).eval()
    history = ck["extra"].get("history", [])
    return TrainedLM(model, vocab, config, list(history) if isinstance(history, list) else [])
