"""Distributed data-parallel training: two CPU processes under torchrun (gloo) give the
single-process results, for the language-model and the classifier trainers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # minutes: run by the full suite, not by `pytest -m "not slow"`

torch = pytest.importorskip("torch")

WORKER = Path(__file__).with_name("ddp_worker.py")


@pytest.fixture(scope="module")
def runs(data_dir, tmp_path_factory):
    """The worker's results in one process and in two under torchrun."""
    tmp = tmp_path_factory.mktemp("ddp")
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    one = subprocess.run(
        [sys.executable, str(WORKER), str(data_dir), str(tmp / "one")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert one.returncode == 0, one.stderr[-3000:]
    two = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            str(WORKER),
            str(data_dir),
            str(tmp / "two"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert two.returncode == 0, two.stderr[-3000:]

    def load(d):
        return torch.load(tmp / d / "results.pt", weights_only=True)

    return load("one"), load("two"), tmp


def test_two_processes_ran(runs):
    """Check that the torchrun run really had two processes and the plain one had one."""
    one, two, _ = runs
    assert (one["world_size"], two["world_size"]) == (1, 2)


@pytest.mark.parametrize(
    "name", ["gru-sampled", "nplm-negative", "transformer-char", "classifier-cnn", "classifier-gru"]
)
def test_same_parameters_and_metrics(runs, name):
    """Check that two DDP processes end with the single process's parameters, losses and dev scores."""
    one, two, _ = runs
    a, b = one[name], two[name]
    assert a["state"].keys() == b["state"].keys()
    for key, t in a["state"].items():
        torch.testing.assert_close(b["state"][key], t, rtol=1e-4, atol=1e-4, msg=key)
    assert len(a["history"]) == len(b["history"]) == 2
    for ha, hb in zip(a["history"], b["history"]):
        for k, v in ha.items():
            if k in ("seconds", "tokens_per_s", "elapsed"):  # timings
                continue
            if k in ("epoch", "tokens", "train_accuracy", "dev_accuracy"):
                assert hb[k] == v, k
            else:
                assert hb[k] == pytest.approx(v, rel=1e-5), k
    if "dev_accuracy" in a:
        assert b["dev_accuracy"] == a["dev_accuracy"]


def test_language_models_learned(runs):
    """Check that the runs compared are real training runs: held-out perplexity falls in epoch 2."""
    one, _, _ = runs
    for name in ("gru-sampled", "nplm-negative"):
        h = one[name]["history"]
        assert h[1]["valid_ppl"] < 0.9 * h[0]["valid_ppl"], name


def test_rank0_writes_the_checkpoint(runs):
    """Check that under torchrun one epoch checkpoint (the latest) is written, by rank 0, and loads."""
    from embedkit.nn import load_checkpoint

    _, _, tmp = runs
    files = sorted(p.name for p in (tmp / "two" / "ck-cnn").iterdir())
    assert files == ["epoch-002.pt"]
    ck = load_checkpoint(tmp / "two" / "ck-cnn" / "epoch-002.pt")
    assert ck["extra"]["epoch"] == 2 and len(ck["extra"]["train_state"]["epochs"]) == 2
