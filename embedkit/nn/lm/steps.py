"""The pieces of one training step of :func:`embedkit.nn.lm.train.fit`: where a batch comes from
(:class:`Batches`), the optimizers (:class:`Optimizers`) and the learning rate (:func:`lr_factor`).
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import torch

from ...errors import DataError
from ...progress import budget_bar, progress_bar
from ...training.config import TrainConfig
from .base import LanguageModel

__all__ = ["Batches", "LossStep", "Optimizers", "TrainingProgress", "batchify", "lr_factor"]


def batchify(ids: np.ndarray, batch_size: int) -> torch.Tensor:
    """Cut a token stream into ``batch_size`` contiguous rows ``(B, N // B)`` (the tail is dropped)."""
    n = len(ids) // batch_size
    return torch.from_numpy(np.ascontiguousarray(ids[: n * batch_size], dtype=np.int64)).view(batch_size, n)


class Batches:
    """Training batches ``(x, y)`` of ``(B / W, T)`` ids for this process (rank ``r`` of ``W``), by step number.

    - ``streams`` (models that carry state: ``nplm``, ``rnn``, ``gru``, ``lstm``): the text cut into
      ``B`` contiguous rows, read ``bptt`` tokens at a time, so the hidden state carries over from one
      step to the next (truncated back-propagation through time); an epoch is one pass.
    - ``blocks`` (the transformer): ``B`` random contiguous blocks of ``block + 1`` tokens per step,
      drawn with ``generator`` (nanoGPT's sampling). The transformer carries nothing between steps, so
      independent windows decorrelate the batch's gradient at no cost, and every window is a full
      ``block`` long, as the held-out evaluation and generation see it. An epoch is
      ``ceil(N / (B * block))`` steps, as many tokens as the text holds. Every process draws the
      whole batch's offsets and keeps its rows, so ``W`` processes take the single-process batch.
    """

    def __init__(
        self,
        train: np.ndarray,
        config: TrainConfig,
        *,
        stateful: bool,
        rank: int,
        world_size: int,
        device: torch.device,
    ) -> None:
        b = cast(int, config.batch_size)
        self.rows = b // world_size
        self.stateful = stateful
        if stateful:
            self.seq = config.bptt
            data = batchify(train, b)
            if data.shape[1] < 2:
                raise DataError(f"the training corpus ({len(train)} tokens) is too small for batch_size={b}")
            self.data = data[rank * self.rows : (rank + 1) * self.rows].to(device)
            self.steps_per_epoch = math.ceil((self.data.shape[1] - 1) / self.seq)
        else:
            self.seq = config.block
            if len(train) < self.seq + 1:
                raise DataError(
                    f"the training corpus ({len(train)} tokens) is shorter than one block of {self.seq + 1}"
                )
            self.data = torch.from_numpy(np.ascontiguousarray(train, dtype=np.int64)).to(device)
            self.steps_per_epoch = math.ceil(len(train) / (b * self.seq))
            self.offsets = torch.arange(self.seq + 1, device=device)
        self.batch_size = b
        self.rank = rank

    def get(self, step: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch of global step ``step`` (0-based): ``x`` and its next tokens ``y``, ``(B / W, T)`` each."""
        if self.stateful:
            i = (step % self.steps_per_epoch) * self.seq
            seq = min(self.seq, self.data.shape[1] - 1 - i)
            return self.data[:, i : i + seq], self.data[:, i + 1 : i + 1 + seq]
        starts = torch.randint(
            len(self.data) - self.seq, (self.batch_size,), generator=generator, device=self.data.device
        )
        starts = starts[self.rank * self.rows : (self.rank + 1) * self.rows]
        win = self.data[starts[:, None] + self.offsets]  # (B / W, T + 1)
        return win[:, :-1], win[:, 1:]


class Optimizers:
    """One optimizer for the dense parameters and, with sparse gradients, one for the sparse ones
    (``SparseAdam`` in place of Adam), stepped, zeroed, given a learning rate and saved together.

    ``adamw`` decays the matrices (weights and embeddings, two or more dimensions) and not the
    biases and layer-norm gains, as GPT-2 and nanoGPT do.
    """

    def __init__(self, model: LanguageModel, config: TrainConfig) -> None:
        sparse_ids = {id(p) for p in model.sparse_parameters()}
        sparse = [p for p in model.sparse_parameters() if p.requires_grad]
        dense = [p for p in model.parameters() if p.requires_grad and id(p) not in sparse_ids]
        self.dense_params = dense
        self.all: list[torch.optim.Optimizer] = []
        lr = cast(float, config.lr)  # filled in by TrainConfig.__post_init__
        self.base_lr = lr
        if config.optimizer == "adam":
            if dense:
                self.all.append(torch.optim.Adam(dense, lr=lr, weight_decay=config.weight_decay))
            if sparse:
                self.all.append(torch.optim.SparseAdam(sparse, lr=lr))
        elif config.optimizer == "adamw":
            groups = [
                {"params": [p for p in dense if p.dim() >= 2], "weight_decay": config.weight_decay},
                {"params": [p for p in dense if p.dim() < 2], "weight_decay": 0.0},
            ]
            self.all.append(torch.optim.AdamW([g for g in groups if g["params"]], lr=lr, betas=(0.9, 0.99)))
            if sparse:
                self.all.append(torch.optim.SparseAdam(sparse, lr=lr))
        elif config.optimizer == "adagrad":
            self.all.append(torch.optim.Adagrad(dense + sparse, lr=lr, weight_decay=config.weight_decay))
        else:
            self.all.append(torch.optim.SGD(dense + sparse, lr=lr, weight_decay=config.weight_decay))

    def set_lr(self, factor: float) -> float:
        """Set every group's learning rate to ``factor`` times the config's; returns it."""
        lr = self.base_lr * factor
        for o in self.all:
            for g in o.param_groups:
                g["lr"] = lr
        return lr

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


def lr_factor(config: TrainConfig, step: int, progress: float) -> float:
    """The learning rate of step ``step`` (0-based) as a fraction of ``config.lr``: linear warm-up over
    ``config.warmup`` steps, then ``config.schedule``'s decay at ``progress`` (0 at the end of the
    warm-up, 1 at the end of training, by steps or by elapsed time), never below 1e-4.

    Examples
    --------
    >>> c = TrainConfig(warmup=4, schedule="cosine")
    >>> [round(lr_factor(c, s, p), 4) for s, p in [(0, 0.0), (3, 0.0), (4, 0.0), (9, 0.5), (20, 1.0)]]
    [0.25, 1.0, 1.0, 0.5, 0.0001]
    """
    if step < config.warmup:
        return (step + 1) / config.warmup
    p = min(max(progress, 0.0), 1.0)
    if config.schedule == "linear":
        return max(1e-4, 1.0 - p)
    if config.schedule == "cosine":
        return max(1e-4, 0.5 * (1.0 + math.cos(math.pi * p)))
    return 1.0


class LossStep(torch.nn.Module):
    """One training step's forward and loss as a single module, so that
    :class:`~torch.nn.parallel.DistributedDataParallel` sees every parameter the loss uses."""

    def __init__(self, lm: LanguageModel) -> None:
        super().__init__()
        self.lm = lm

    def forward(self, x: torch.Tensor, state: Any, y: torch.Tensor, generator: torch.Generator | None):
        h, state = self.lm(x, state)
        return self.lm.loss(h, y, generator=generator), state


class TrainingProgress:
    """The trainer's progress on stderr: with a ``minutes`` budget the training time over the budget,
    its percentage and the time left (:func:`~embedkit.progress.budget_bar`), else the steps (over
    their total when it is known); the step, the training loss every 20 steps and the last held-out
    loss after it."""

    def __init__(self, config: TrainConfig, *, total: int, step: int, elapsed: float, enabled: bool) -> None:
        desc = f"{config.algorithm} ({config.unit})"
        self.by_time = bool(config.minutes)
        if self.by_time:
            self.bar = budget_bar(desc=desc, budget=config.minutes * 60.0, initial=elapsed, enabled=enabled)
        else:
            self.bar = progress_bar(
                desc=desc, total=total or None, initial=step, unit="step", delay=0.0, enabled=enabled
            )
        self.enabled = enabled
        self.loss = ""
        self.held_out = ""

    def step(self, step: int, seconds: float, loss: torch.Tensor) -> None:
        """After optimizer step ``step`` (1-based), which took ``seconds`` of training time."""
        if self.enabled and step % 20 == 0:
            self.loss = f"loss {float(loss.detach()):.3f}"
            self._postfix(step)
        self.bar.update(seconds if self.by_time else 1)

    def evaluated(self, step: int, valid_loss: float) -> None:
        """After a round's held-out loss."""
        if self.enabled and not math.isnan(valid_loss):
            self.held_out = f"held-out {valid_loss:.3f}"
            self._postfix(step)
            self.bar.refresh()

    def _postfix(self, step: int) -> None:
        parts = [f"step {step:,}"] if self.by_time else []
        self.bar.set_postfix_str(", ".join(p for p in [*parts, self.loss, self.held_out] if p), refresh=False)

    def close(self) -> None:
        self.bar.close()
