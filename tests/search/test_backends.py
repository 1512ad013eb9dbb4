"""Tests for embedkit.search.backends: resolving ``device`` without importing torch into search/."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from embedkit import Vectors
from embedkit.errors import InvalidArgumentError, MissingDependencyError
from embedkit.search import backends
from embedkit.search.backends import register_backend, resolve_backend
from embedkit.search.neighbors import nearest_many


@pytest.fixture
def no_torch(monkeypatch):
    """As if torch were not installed."""
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))


def test_cpu_is_numpy_and_bad_names_are_refused():
    """Check that "cpu" means the numpy kernels and that an unknown device is a one-line error."""
    assert resolve_backend("cpu") is None
    with pytest.raises(InvalidArgumentError, match=r"^device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got 'cuda:x'$"):
        resolve_backend("cuda:x")


@pytest.mark.parametrize("device", ["cuda", "cuda:1", "torch-cpu"])
def test_cuda_without_torch_names_the_extra(no_torch, device):
    """Check that a torch device without torch installed says which extra to install."""
    v = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
    with pytest.raises(
        MissingDependencyError,
        match=rf"^device='{device}' needs torch, which is not installed: pip install \"embedkit\[nn\]\"$",
    ):
        nearest_many(v, ["a"], device=device)


def test_auto_without_torch_is_the_numpy_path(no_torch):
    """Check that "auto" without torch silently runs the numpy kernels, with their answers."""
    assert resolve_backend("auto") is None
    v = Vectors(["a", "b", "c"], np.array([[1, 0], [1, 1], [0, 1]], dtype=np.float32))
    assert nearest_many(v, ["a"], k=2, device="auto")[0].words == ["b", "c"]


def test_register_backend_takes_a_factory_or_a_module_path(monkeypatch):
    """Check that a registered factory serves the CUDA names and that a module path is imported lazily."""
    monkeypatch.setattr(backends, "BACKENDS", dict(backends.BACKENDS))
    monkeypatch.setattr(backends, "check", lambda *a: None)
    made = []
    register_backend("torch", lambda device: made.append(device) or "backend")
    assert resolve_backend("cuda:0") == "backend" and made == ["cuda:0"]
    register_backend("torch", "embedkit.no_such_backend_module")
    with pytest.raises(ModuleNotFoundError, match=r"embedkit\.no_such_backend_module"):
        resolve_backend("cuda")
