"""The device a trainer runs on, and the set-up every trainer does before its first step."""

from __future__ import annotations

import functools

import torch

from . import distributed

__all__ = ["cpu_has_bf16", "native_bf16", "prepare_run", "resolve_device"]


def resolve_device(device: str | torch.device = "auto", *, allow_mps: bool = True) -> torch.device:
    """``device`` as a :class:`torch.device`; ``"auto"`` is CUDA if available, else Apple's MPS
    (with ``allow_mps``), else the CPU.

    The language models pass ``allow_mps=False`` (``"auto"`` never picks MPS for them); the
    classifiers keep the default.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    >>> resolve_device(torch.device("cpu"), allow_mps=False)
    device(type='cpu')
    """
    if isinstance(device, torch.device):
        return device
    if str(device) == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if allow_mps and getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(device)


def prepare_run(device: str | torch.device, *, threads: int, allow_mps: bool = True) -> distributed.Context:
    """Resolve ``device`` (see :func:`resolve_device`), use ``threads`` torch threads on the CPU
    (``0``: one), and join the ``torchrun`` process group if there is one (see
    :func:`.distributed.setup`): the returned context holds the device this process trains on.

    One thread unless asked. The rule, and why: embedkit's models are small (matrices of a few
    hundred columns, batches of tens of sequences), so one operation lasts microseconds and splitting it
    across threads costs more in synchronisation than it saves; a process that wants more cores gets
    them as more processes (``torchrun``, one thread each) or by asking (``threads=N``, ``--workers N``).
    The measurements behind the rule are in ``docs/training.md``.

    Examples
    --------
    >>> ctx = prepare_run("cpu", threads=1)   # not under torchrun
    >>> ctx.device, ctx.world_size
    (device(type='cpu'), 1)
    """
    dev = resolve_device(device, allow_mps=allow_mps)
    if dev.type == "cpu":
        torch.set_num_threads(threads or 1)
    return distributed.setup(dev)


@functools.cache
def cpu_has_bf16() -> bool:
    """Whether this CPU has native bfloat16 (oneDNN's test: AVX512-BF16 or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def native_bf16(device: str | torch.device = "auto") -> bool:
    """Whether ``device`` (see :func:`resolve_device`) computes in bfloat16 natively: a CUDA GPU
    that supports it, or a CPU with AVX512-BF16 or AMX. ``train-lm`` turns bfloat16 autocast on by
    default there."""
    dev = resolve_device(device, allow_mps=False)
    if dev.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    return dev.type == "cpu" and cpu_has_bf16()
