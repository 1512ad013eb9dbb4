"""Tests for the `--device` option of `neighbors`, `analogy` and `evaluate analogies|similarity`."""

from __future__ import annotations

import json

import pytest
from numpy.testing import assert_allclose

from embedkit.cli import main

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _json(capsys, argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "argv",
    [
        ["neighbors", "frog", "paris", "-k", "5", "--restrict", "50000"],
        ["analogy", "man", "king", "woman", "--restrict", "30000"],
        ["analogy", "man", "king", "woman", "--method", "3cosmul", "--restrict", "30000"],
        ["evaluate", "similarity", "wordsim353", "--n-boot", "10"],
    ],
)
def test_device_answers_equal_the_numpy_answers(capsys, argv):
    """Check that the torch path (torch's CPU device) prints the numpy path's answers (scores within float32 rounding)."""
    ref = _json(capsys, argv)
    got = _json(capsys, [*argv, "--device", "torch-cpu"])
    assert _words(got) == _words(ref) and _words(ref)
    assert_allclose(_numbers(got), _numbers(ref), atol=1e-6)


def _words(obj) -> list[str]:
    if isinstance(obj, dict):
        return [w for key in sorted(obj) for w in _words(obj[key])]
    if isinstance(obj, list):
        return [w for x in obj for w in _words(x)]
    return [obj] if isinstance(obj, str) else []


def _numbers(obj) -> list[float]:
    if isinstance(obj, dict):
        return [x for key in sorted(obj) for x in _numbers(obj[key])]
    if isinstance(obj, list):
        return [x for y in obj for x in _numbers(y)]
    return [float(obj)] if isinstance(obj, int | float) and obj is not None else []


def test_evaluate_analogies_on_the_device(subset_file, capsys):
    """Check that `evaluate analogies --device` counts as the numpy path does."""
    argv = ["evaluate", "analogies", "--questions", str(subset_file), "--restrict", "20000", "--n-boot", "10"]
    ref, got = _json(capsys, argv), _json(capsys, [*argv, "--device", "torch-cpu"])
    assert [s["correct"] for s in got["sections"]] == [s["correct"] for s in ref["sections"]]
    assert got["total"] == ref["total"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_one_line(capsys):
    """Check that `--device cuda` on a machine without a GPU is a one-line error, and `auto` runs on the CPU."""
    assert main(["neighbors", "frog", "--device", "cuda"]) == 1
    assert capsys.readouterr().err == (
        "embedkit: error: device 'cuda' needs a CUDA GPU, and torch sees none (use 'cpu' or 'auto')\n"
    )
    assert main(["neighbors", "frog", "-k", "3", "--device", "auto"]) == 0
    assert "snake" in capsys.readouterr().out


def test_unknown_device_is_one_line(capsys):
    """Check that an unknown --device value is a one-line error naming the choices."""
    assert main(["analogy", "a", "b", "c", "--device", "gpu"]) == 1
    assert capsys.readouterr().err == ("embedkit: error: device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got 'gpu'\n")
