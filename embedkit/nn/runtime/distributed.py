"""Data-parallel training under ``torchrun``: the small layer both trainers share.

Launched by ``torchrun`` (which sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and
``MASTER_PORT``), a trainer calls :func:`setup`, which joins the process group (``gloo`` on the
CPU, ``nccl`` on CUDA, one GPU per process picked by ``LOCAL_RANK``). Every process builds the same
seeded model and walks the same seeded batches; each keeps its :func:`shard` of every batch rows,
and :class:`~torch.nn.parallel.DistributedDataParallel` averages the gradients, so a step equals
the single-process step on the whole batch up to floating-point rounding. Outside ``torchrun``
:func:`setup` returns a one-process :class:`Context` and nothing changes.

Examples
--------
>>> ctx = setup("cpu")          # not under torchrun
>>> ctx.world_size, ctx.rank, ctx.is_main
(1, 0, True)
>>> shard(10, rank=1, world_size=4)
slice(3, 6, None)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch

from ..._launch import is_main_process, under_torchrun

__all__ = ["Context", "is_main_process", "launched", "setup", "shard", "shutdown"]


@dataclass(frozen=True)
class Context:
    """Where this process stands: ``rank`` of ``world_size`` processes, and its device."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that writes checkpoints and shows progress."""
        return self.rank == 0

    def all_sum(self, *values: float) -> list[float]:
        """The sums over all processes of ``values`` (float64); the values themselves alone."""
        if not self.distributed:
            return [float(v) for v in values]
        import torch.distributed as dist

        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return t.tolist()

    def barrier(self) -> None:
        if self.distributed:
            import torch.distributed as dist

            dist.barrier()

    def wrap(self, model: torch.nn.Module, *, find_unused_parameters: bool = False) -> torch.nn.Module:
        """``model`` in :class:`DistributedDataParallel` when distributed, else ``model``
        (``find_unused_parameters`` for models that may leave parameters out of a step)."""
        if not self.distributed:
            return model
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids, find_unused_parameters=find_unused_parameters)


# Whether this process was started by ``torchrun`` with more than one process (the name callers know).
launched = under_torchrun


def setup(device: torch.device | str) -> Context:
    """Join (once) the process group ``torchrun`` describes and return this process's
    :class:`Context`; on CUDA each process takes GPU ``LOCAL_RANK``. Without ``torchrun`` (or with
    one process) a :class:`Context` of one process on ``device``."""
    device = torch.device(device)
    if not launched():
        return Context(device=device)
    import torch.distributed as dist

    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Context(rank=dist.get_rank(), world_size=dist.get_world_size(), local_rank=local_rank, device=device)


def shutdown() -> None:
    """Leave the process group, if one was joined (the command line does this on exit)."""
    if launched():
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


def shard(n: int, *, rank: int, world_size: int) -> slice:
    """The contiguous rows of ``n`` that process ``rank`` of ``world_size`` takes: sizes differ
    by at most one, earlier ranks take the larger shares (``numpy.array_split``'s split)."""
    base, extra = divmod(n, world_size)
    start = rank * base + min(rank, extra)
    return slice(start, start + base + (1 if rank < extra else 0))
