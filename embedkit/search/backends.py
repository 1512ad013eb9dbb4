"""Where exact search runs: the numpy kernels of this package, or a registered device backend.

``nearest_many``, ``analogy_many``, ``evaluate_analogies`` and ``evaluate_similarity`` take
``device``: ``"cpu"`` (the numpy kernels, the default), ``"cuda"`` or ``"cuda:N"`` (torch on a GPU),
``"auto"`` (CUDA when torch is installed and sees a device, else the numpy kernels, silently), or a
backend object (such as :class:`embedkit.nn.search_backend.TorchSearch`, which can also hold the
matrix on the device between calls, or run on torch's CPU device for tests).

Why a registry: torch lives only under ``embedkit/nn``, and ``search/`` sits below ``nn/`` (``nn``
imports the kernels and constants of this package), so no module of ``search/`` or ``evaluation/``
may import ``nn``, not even inside a function. The device kernels therefore live in
``embedkit.nn.search_backend`` and are found here by name: :data:`BACKENDS` maps a backend name to
either a factory or the dotted path of a module whose ``make_backend(device)`` is the factory;
such a module is imported with :func:`importlib.import_module` the first time a device needs it
(a string, not an import statement, so the arrows of the package still point down and
``import embedkit`` still never imports torch). :func:`register_backend` adds or replaces one.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Protocol

import numpy as np

from .._deps import check
from ..errors import DeviceError, InvalidArgumentError
from ..vectors import Vectors

__all__ = ["BACKENDS", "SearchBackend", "register_backend", "resolve_backend"]


class SearchBackend(Protocol):
    """What a device backend does: the blocked top-k of the numpy kernels, and pair cosines.

    Every method returns numpy arrays as the numpy kernels do: ``(rows, scores)``, both ``(n, k)``,
    best first, ties broken by the lower row, ``-1`` rows and ``-inf`` scores where fewer than
    ``k`` candidates remain. ``progress`` (if given) is called with a number of queries done.
    """

    def cosine_topk(
        self,
        vectors: Vectors,
        queries: np.ndarray,
        k: int,
        exclude: np.ndarray | None,
        *,
        n_candidates: int,
        query_block: int,
        candidate_block: int,
        progress: Callable[[float], object] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` of unit ``queries`` ``(n, dim)`` against the unit rows ``0:n_candidates``."""
        ...

    def cosmul_topk(
        self,
        vectors: Vectors,
        a: np.ndarray,
        b: np.ndarray,
        c: np.ndarray,
        k: int,
        exclude: np.ndarray | None,
        *,
        n_candidates: int,
        query_block: int,
        candidate_block: int,
        progress: Callable[[float], object] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` 3CosMul answers of the row triples ``(a, b, c)``."""
        ...

    def pair_cosines(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Row-wise dot products of two ``(n, dim)`` float32 arrays of unit rows."""
        ...


Factory = Callable[[str], SearchBackend]

# name -> factory, or the module path of one (its ``make_backend``), imported on first use.
BACKENDS: dict[str, Factory | str] = {"torch": "embedkit.nn.search_backend"}


def register_backend(name: str, factory: Factory | str) -> None:
    """Make ``factory`` (a callable ``device -> backend``, or a module path string whose
    ``make_backend`` is one) the backend called ``name``; ``"torch"`` serves the CUDA devices."""
    BACKENDS[name] = factory


def _factory(name: str) -> Factory:
    entry = BACKENDS[name]
    if isinstance(entry, str):
        module = importlib.import_module(entry)
        entry = BACKENDS[name] = module.make_backend
    return entry


def resolve_backend(device: str | SearchBackend) -> SearchBackend | None:
    """The backend for ``device``, or ``None`` for the numpy kernels.

    ``"cpu"``: ``None``. ``"cuda"``, ``"cuda:N"``: the torch backend on that GPU; without torch a
    :class:`~embedkit.errors.MissingDependencyError` naming the ``nn`` extra, without a CUDA device a
    :class:`~embedkit.errors.DeviceError`. ``"auto"``: CUDA if torch is installed and sees a device,
    else ``None``. ``"torch-cpu"``: the torch backend on torch's CPU device (to test the device path
    without a GPU). A backend object is returned as it is.

    >>> resolve_backend("cpu") is None
    True
    >>> resolve_backend("tpu")
    Traceback (most recent call last):
    ...
    embedkit.errors.InvalidArgumentError: device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got 'tpu'
    """
    if not isinstance(device, str):
        return device
    if device == "cpu":
        return None
    if device == "auto":
        if importlib.util.find_spec("torch") is None:
            return None
        try:
            return _factory("torch")("auto")
        except DeviceError:  # torch is there but sees no GPU
            return None
    if device in ("torch-cpu", "cuda") or (device.startswith("cuda:") and device[5:].isdigit()):
        check("torch", "nn", f"device={device!r}")
        return _factory("torch")("cpu" if device == "torch-cpu" else device)
    raise InvalidArgumentError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got {device!r}")
