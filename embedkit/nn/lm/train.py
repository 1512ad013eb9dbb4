"""Train a language model by next-token prediction (words or characters): contiguous streams with
truncated back-propagation through time, or random blocks for the transformer; a budget of epochs,
steps or minutes; learning-rate warm-up and decay, gradient clipping, held-out loss and a checkpoint
per evaluation round that resumes exactly.

The loop (:func:`fit`) knows nothing of the architecture: it relies on the contract of
:class:`~embedkit.nn.lm.base.LanguageModel` (``model(ids, state) -> (h, state)``, ``model.loss``,
``model.output.target_log_prob``, ``model.stateful_training``).
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
from ...training.config import DEFAULT_CHECKPOINT_EVERY, TrainConfig
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
from ..runtime.interrupt import deferred_interrupt
from ..runtime.rng import capture_rng_state, restore_rng_state
from .models import LANGUAGE_MODELS, LanguageModel, build_model
from .steps import Batches, LossStep, Optimizers, TrainingProgress, batchify, lr_factor

__all__ = [
    "TrainedLM",
    "batchify",
    "evaluate_loss",
    "evaluate_perplexity",
    "fit",
    "load_language_model",
    "train_language_model",
]

_clock = time.perf_counter  # the training time's clock (tests replace it with a fake one)


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
    (``exp`` of the mean negative log-probability of each next token, :func:`evaluate_loss`)."""
    return math.exp(evaluate_loss(model, ids, batch_size=batch_size, bptt=bptt, device=device, ctx=ctx))


def evaluate_loss(
    model: LanguageModel,
    ids: np.ndarray,
    *,
    batch_size: int = 16,
    bptt: int = 64,
    device: str | torch.device = "cpu",
    ctx: distributed.Context | None = None,
) -> float:
    """The mean negative log-probability, in nats, of each next token of the stream ``ids`` under
    the full normalised model (divide by ``ln 2`` for bits per token), in float32.

    The stream is cut into ``batch_size`` contiguous rows. Models that carry state read each row
    ``bptt`` tokens at a time with the state carried over (every token sees the row's whole past);
    the transformer reads consecutive non-overlapping windows of its ``block`` tokens, each from an
    empty context (every position 0 .. block-1 counted once, as nanoGPT measures); with rope positions
    it reads each row on its rolling key-value cache, as it generates. With a distributed ``ctx`` each
    process scores its share of the rows and the sums are combined.
    """
    device = torch.device(device)
    batch_size = max(1, min(batch_size, len(ids) // 2))
    data = batchify(ids, batch_size).to(device)
    if data.shape[1] < 2:
        return float("nan")
    if ctx is not None and ctx.distributed:
        data = data[distributed.shard(batch_size, rank=ctx.rank, world_size=ctx.world_size)]
        batch_size = data.shape[0]
    rolling = getattr(model, "window", None) is not None  # rope: each row read on its rolling cache
    stateful = model.stateful_training or rolling
    seq_len = bptt if stateful else int(getattr(model, "block", bptt))
    was_training = model.training
    model.eval()
    state = (model.init_cache if rolling else model.init_state)(batch_size, device)  # type: ignore[operator]
    total = 0.0
    count: float = 0  # all_sum() returns floats
    # Rows per exact log-softmax, so that rows x vocabulary stays near 16M floats.
    rows = max(1, (1 << 24) // model.vocab_size)
    with torch.no_grad():
        for i in range(0, data.shape[1] - 1, seq_len):
            seq = min(seq_len, data.shape[1] - 1 - i)
            x, y = data[:, i : i + seq], data[:, i + 1 : i + 1 + seq]
            if not stateful:
                state = model.init_state(batch_size, device)
            h, state = model(x, state)
            h, y = h.reshape(-1, h.shape[-1]), y.reshape(-1)
            for s in range(0, len(y), rows):
                total -= float(model.output.target_log_prob(h[s : s + rows], y[s : s + rows]).double().sum())
            count += len(y)
    model.train(was_training)
    if ctx is not None:
        total, count = ctx.all_sum(total, count)
    return total / count


@dataclass
class _Run:
    """Where training stands: what a checkpoint saves and a resumed run restores."""

    step: int = 0  # optimizer steps taken
    rounds: int = 0  # evaluations (and checkpoints) done
    elapsed: float = 0.0  # seconds spent in training steps (evaluation and checkpoints excluded)
    history: list[dict[str, float]] = field(default_factory=list)
    state: Any = None  # the recurrent models' carried state
    saved: Path | None = None  # the last checkpoint written or resumed from (for Ctrl-C)
    saved_round: int = 0  # its round


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
    checkpoint_every: float = DEFAULT_CHECKPOINT_EVERY,
    progress: bool = True,
) -> list[dict[str, float]]:
    """Train ``model`` on the token stream ``train``; returns the history, one dict per round
    (``epoch``, ``step``, ``loss``, ``valid_loss`` in nats per token, ``valid_ppl``, ``tokens``,
    ``seconds``, ``elapsed``, ``tokens_per_s``, ``lr``).

    The budget is ``config.steps`` optimizer steps, or ``config.minutes`` of training time, or else
    ``config.epochs`` passes; batches come from :class:`~embedkit.nn.lm.steps.Batches` (contiguous
    streams for the models that carry state, random blocks for the transformer). A round ends every
    ``config.eval_every`` steps (0: every epoch, or with a steps or minutes budget at the end), with
    a steps or minutes budget also every ``checkpoint_every`` minutes of training time (0: never),
    and at the end of the budget: the held-out loss is measured (on the first ``config.eval_tokens``
    tokens of ``valid``, 0: all of it) and, with ``checkpoint_dir``, an ``epoch-K.pt`` checkpoint
    (K: the round) is written holding the model, the optimizer state, every random-generator state,
    the step, the elapsed time and the history. With ``resume`` training continues after the latest
    one and, under a steps or epochs budget, ends with exactly the parameters an uninterrupted run
    with the same seed would have (same device and thread count). A minutes budget depends on the
    machine's speed (the learning rate decays with elapsed time), so only the steps it reports
    reproduce a run.

    Under ``torchrun`` (``WORLD_SIZE`` > 1) the processes train together with
    :class:`~torch.nn.parallel.DistributedDataParallel`: process ``r`` of ``W`` takes ``B / W`` rows
    of each batch of ``B = batch_size`` (``B`` must be a multiple of ``W``), the sampled and negative
    objectives draw the whole batch's noise on every process and keep their share, and the averaged
    gradients make each step the single-process step up to rounding; dropout masks are per process,
    so the results equal a single process's only without dropout. Held-out loss is split between
    the processes; rank 0 writes the checkpoints, and every process resumes from them.
    """
    if not 0.0 <= checkpoint_every <= 1e6:  # NaN too
        raise ConfigError(f"checkpoint_every must be in [0, 1e6] minutes, got {checkpoint_every}")
    # "auto" never picks MPS for the language models; one thread unless asked: see TrainConfig.workers.
    ctx = prepare_run(device, threads=config.workers, allow_mps=False)
    device = ctx.device
    batch_size = cast(int, config.batch_size)  # filled in by TrainConfig.__post_init__
    if batch_size % ctx.world_size:
        raise ConfigError(
            f"batch_size ({config.batch_size}) must be a multiple of the number of processes ({ctx.world_size})"
        )
    model.to(device)
    batches = Batches(
        train, config, stateful=model.stateful_training, rank=ctx.rank, world_size=ctx.world_size, device=device
    )
    if ctx.distributed and config.sparse:
        raise ConfigError(
            "sparse gradients cannot be averaged across processes here: train with sparse=False "
            "(the default under torchrun)"
        )
    model.output.shard = (ctx.rank, ctx.world_size)
    # the adaptive softmax leaves out the tail clusters no target of a step falls in
    net = ctx.wrap(LossStep(model), find_unused_parameters=config.objective == "adaptive")
    optimizer = Optimizers(model, config)
    generator = torch.Generator(device=device)
    generator.manual_seed(config.seed + 1)
    run = _Run()
    ckdir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    if ckdir is not None and resume:
        _resume(ckdir, model, config, vocab, optimizer, generator, device, run)
    try:
        with deferred_interrupt(enabled=not ctx.distributed) as check:
            args = (model, batches, valid, config, vocab, device, ctx, net, optimizer, generator, run, ckdir)
            _loop(*args, checkpoint_every, progress, check)
    except KeyboardInterrupt:
        raise TrainingInterrupted(run.rounds if ckdir is None else run.saved_round, run.saved) from None
    return run.history


def _resume(
    ckdir: Path,
    model: LanguageModel,
    config: TrainConfig,
    vocab: Vocabulary,
    optimizer: Optimizers,
    generator: torch.Generator,
    device: torch.device,
    run: _Run,
) -> None:
    latest = latest_checkpoint(ckdir)
    if latest is None:
        warnings.warn(
            f"no checkpoint in {ckdir} to resume from; training from the first epoch", EmbedkitWarning, stacklevel=3
        )
        return
    ck = load_checkpoint(latest)
    try:
        saved_config = TrainConfig.from_dict(ck["config"])
    except (ValueError, TypeError) as exc:
        raise ModelFileError(latest, f"bad language-model config: {exc}") from None
    budget = {"epochs": 0, "steps": 0, "minutes": 0.0}
    if {**saved_config.to_dict(), **budget} != {**config.to_dict(), **budget}:
        raise DataFileError(
            f"{latest} was written with another config; resume needs the same (except epochs, steps and minutes)"
        )
    if ck["vocab"].get("words") != vocab.words:
        raise DataFileError(f"{latest} was written with another vocabulary")
    extra = ck["extra"]
    for key in ("epoch", "optimizer", "scheduler", "generator", "torch_rng", "history"):
        if key not in extra:
            raise ModelFileError(latest, f"the checkpoint has no {key!r} entry, so training cannot resume from it")
    sched = extra["scheduler"]
    if not isinstance(sched, dict) or "step" not in sched:
        raise ModelFileError(latest, "the checkpoint was written by an older embedkit; resume needs a new one")
    match_state(latest, ck["model_state"], model.state_dict())
    model.load_state_dict(ck["model_state"])
    optimizer.load_state_dict(extra["optimizer"])
    generator.set_state(extra["generator"])
    restore_rng_state(extra, device)
    run.history = list(extra["history"])
    run.rounds = int(extra["epoch"])
    run.step = int(sched["step"])
    run.elapsed = float(sched["elapsed"])
    state = extra.get("state")
    run.state = _to_device(state, device) if state is not None else None
    run.saved = latest
    run.saved_round = run.rounds


def _to_device(state: Any, device: torch.device) -> Any:
    if isinstance(state, (tuple, list)):
        return tuple(s.to(device) for s in state)
    return state.to(device)


def _loop(
    model: LanguageModel,
    batches: Batches,
    valid: np.ndarray | None,
    config: TrainConfig,
    vocab: Vocabulary,
    device: torch.device,
    ctx: distributed.Context,
    net: torch.nn.Module,
    optimizer: Optimizers,
    generator: torch.Generator,
    run: _Run,
    ckdir: Path | None,
    checkpoint_every: float,
    progress: bool,
    check: Callable[[], None],
) -> None:
    """The steps of :func:`fit`, appending a history entry (and a checkpoint) per round to ``run``;
    ``check()`` after each step raises a Ctrl-C that arrived during it."""
    per_epoch = batches.steps_per_epoch
    total = config.steps or (0 if config.minutes else per_epoch * config.epochs)
    budget_s = config.minutes * 60.0
    every = config.eval_every or (per_epoch if not (config.steps or config.minutes) else 0)
    every_s = checkpoint_every * 60.0 if config.steps or config.minutes else 0.0
    bar = TrainingProgress(config, total=total, step=run.step, elapsed=run.elapsed, enabled=progress and ctx.is_main)

    def done() -> bool:
        return bool((total and run.step >= total) or (budget_s and run.elapsed >= budget_s))

    while not done():
        model.train()
        t0_round = run.elapsed
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        tokens: float = 0  # all_sum() returns floats
        lr = optimizer.base_lr
        # the round's end by the clock: the next multiple of every_s (a resumed run keeps the cadence)
        until = (math.floor(run.elapsed / every_s) + 1) * every_s if every_s else math.inf
        while True:
            t0 = _clock()
            if batches.stateful and (run.step % per_epoch == 0 or run.state is None):
                run.state = model.init_state(batches.rows, device)
            if config.steps or not config.minutes:
                progress_ = (run.step - config.warmup) / max(1, total - config.warmup)
            else:
                progress_ = run.elapsed / budget_s
            lr = optimizer.set_lr(lr_factor(config, run.step, progress_))
            x, y = batches.get(run.step, generator)  # (B / W, T)
            state = model.detach_state(run.state) if batches.stateful else None
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=config.bf16):
                loss, state = net(x, state, y, generator)  # mean over this process's B/W x T tokens
            optimizer.zero_grad()
            loss.backward()
            if config.clip > 0:
                torch.nn.utils.clip_grad_norm_(optimizer.dense_params, config.clip)
            optimizer.step()
            if batches.stateful:
                run.state = state
            loss_sum += loss.detach() * y.numel()
            tokens += y.numel()
            run.step += 1
            dt = _clock() - t0
            if (budget_s or every_s) and ctx.distributed:  # every process stops at the same step
                dt = ctx.all_sum(dt)[0] / ctx.world_size
            run.elapsed += dt
            bar.step(run.step, dt, loss)
            check()  # a Ctrl-C stops here, between two steps
            if done() or (every and run.step % every == 0) or run.elapsed >= until:
                break
        seconds = run.elapsed - t0_round
        ev = valid[: config.eval_tokens] if valid is not None and config.eval_tokens else valid
        vloss = (
            evaluate_loss(model, ev, device=device, ctx=ctx, bptt=config.bptt)
            if ev is not None and len(ev) > 4
            else float("nan")
        )
        loss_total, tokens = ctx.all_sum(float(loss_sum), tokens)
        tokens = int(tokens)
        run.rounds += 1
        entry = {
            "epoch": run.rounds
            if every == per_epoch and not (config.steps or config.minutes)
            else run.step / per_epoch,
            "step": run.step,
            "loss": loss_total / max(tokens, 1),
            "valid_loss": vloss,
            "valid_ppl": math.exp(vloss) if not math.isnan(vloss) else float("nan"),
            "tokens": tokens,
            "seconds": seconds,
            "elapsed": run.elapsed,
            "tokens_per_s": tokens / seconds if seconds else 0.0,
            "lr": lr,
        }
        if config.unit == "char":
            entry["valid_bpc"] = vloss / math.log(2)
        run.history.append(entry)
        bar.evaluated(run.step, vloss)
        if ckdir is not None and ctx.is_main:
            extra: dict[str, Any] = {
                "epoch": run.rounds,
                "optimizer": optimizer.state_dict(),
                "scheduler": {"step": run.step, "elapsed": run.elapsed},
                "generator": generator.get_state(),
                **capture_rng_state(device),
                "history": run.history,
            }
            if batches.stateful and run.state is not None:
                extra["state"] = model.detach_state(run.state)
            run.saved = save_checkpoint(
                ckdir / f"epoch-{run.rounds:03d}.pt",
                model_state=model.state_dict(),
                config=config.to_dict(),
                vocab=vocab.to_dict(),
                extra=extra,
            )
            run.saved_round = run.rounds
        if ckdir is not None:
            ctx.barrier()
    bar.close()


def train_language_model(
    corpus: Corpus,
    config: TrainConfig,
    *,
    init: Vectors | None = None,
    device: str | torch.device = "auto",
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
    checkpoint_every: float = DEFAULT_CHECKPOINT_EVERY,
    progress: bool = True,
) -> TrainedLM:
    """Build the model ``config.algorithm`` for ``corpus``'s vocabulary, seeded by ``config.seed``,
    optionally start its input embedding from ``init`` (unknown words uniform, Kim 2014), and
    :func:`fit` it on ``corpus.train`` with perplexity on ``corpus.valid`` (a round every
    ``checkpoint_every`` minutes of a steps or minutes budget).

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
        checkpoint_every=checkpoint_every,
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
    if "source" in ck["vocab"] or "src_unit" in ck["config"]:
        raise ModelFileError(path, "is a sequence-to-sequence model, not a language model")
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
