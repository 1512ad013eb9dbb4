"""What the key-value cache tests share: a text, float32 tolerances and random weights that make outputs lively."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is optional: this module is collected (for doctests) without it too
    import torch

TEXT = "the quick brown fox jumps over the lazy dog.\nto be, or not to be: that is the question.\n"
TOL = {"rtol": 1e-5, "atol": 2e-5}  # float32: the cached products have other shapes, so other roundings


def lively(model: torch.nn.Module, seed: int = 0, std: float = 0.3) -> torch.nn.Module:
    """``model`` with every parameter drawn from N(0, std²): outputs far from uniform, sensitive to every input."""
    import torch

    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * std)
    return model.eval()
