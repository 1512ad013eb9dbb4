"""Faults: a language model and a classifier killed with SIGKILL mid-epoch resume to exactly the uninterrupted result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import embedkit

pytestmark = pytest.mark.slow  # minutes: run by the full suite, not by `pytest -m "not slow"`


def _train_cmd(corpus, ckpt, out):
    return [sys.executable, "-m", "embedkit.cli", "train-embeddings", str(corpus), "--algorithm", "gru",
            "--dim", "32", "--hidden", "64", "--epochs", "2", "--seed", "3", "--min-count", "2",
            "--checkpoint", str(ckpt), "-o", str(out), "--quiet"]


def _kill_inside_epoch_2(cmd, ckpt, env, *, after: float) -> None:
    """Start ``cmd``, wait for its first epoch's checkpoint, SIGKILL it ``after`` seconds into epoch 2."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (ckpt / "epoch-001.pt").exists():
        assert proc.poll() is None, "training ended before its first checkpoint"
        assert time.time() < deadline
        time.sleep(0.02)
    time.sleep(after)
    killed_mid_epoch = proc.poll() is None and not (ckpt / "epoch-002.pt").exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert killed_mid_epoch, "epoch 2 finished before the kill: make the data larger"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_epoch_then_resume_is_exact(data_dir, tmp_path):
    """Check that killing training mid-epoch and resuming from the last checkpoint gives the uninterrupted run's vectors and perplexities."""
    import torch

    corpus = tmp_path / "shakespeare.txt"
    corpus.write_text((data_dir / "corpus" / "tinyshakespeare.txt").read_text())
    env = {**os.environ, "PYTHONHASHSEED": "0"}

    subprocess.run(_train_cmd(corpus, tmp_path / "a", tmp_path / "a.txt"), check=True, env=env, capture_output=True)

    ckpt = tmp_path / "b"
    _kill_inside_epoch_2(_train_cmd(corpus, ckpt, tmp_path / "b.txt"), ckpt, env, after=0.3)
    assert not (tmp_path / "b.txt").exists()

    subprocess.run([*_train_cmd(corpus, ckpt, tmp_path / "b.txt"), "--resume"], check=True, env=env,
                   capture_output=True)
    a, b = embedkit.load(tmp_path / "a.txt", cache=False), embedkit.load(tmp_path / "b.txt", cache=False)
    assert a.keys == b.keys and len(a) > 1000
    np.testing.assert_array_equal(a.matrix, b.matrix)
    ca = torch.load(tmp_path / "a" / "epoch-002.pt", weights_only=True)
    cb = torch.load(ckpt / "epoch-002.pt", weights_only=True)
    for name, tensor in ca["model_state"].items():
        assert torch.equal(tensor, cb["model_state"][name]), name
    ha, hb = ca["extra"]["history"], cb["extra"]["history"]
    assert [h["valid_ppl"] for h in ha] == [h["valid_ppl"] for h in hb]


def _classify_cmd(data, ckpt, out):
    return [sys.executable, "-m", "embedkit.cli", "classify", "train", "--train", str(data), "--model", "cnn",
            "--mode", "non-static", "--epochs", "3", "--seed", "7",
            "--config", '{"patience": null, "vector_words": 2000}', "--checkpoint-dir", str(ckpt), "-o", str(out),
            "--json"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_classifier_sigkill_mid_epoch_then_resume_is_exact(data_dir, tmp_path):
    """Check that a classifier killed mid-epoch and resumed ends with the uninterrupted run's weights, history and scores."""
    import json

    import torch

    lines = (data_dir / "sentiment" / "mr" / "mr.txt").read_bytes().splitlines()
    data = tmp_path / "mr-part.txt"
    data.write_bytes(b"\n".join(lines[::2]) + b"\n")  # 5,331 reviews, both classes
    env = {**os.environ, "PYTHONHASHSEED": "0"}

    a = subprocess.run(_classify_cmd(data, tmp_path / "a", tmp_path / "a.pt"), check=True, env=env,
                       capture_output=True, text=True)

    ckpt = tmp_path / "b"
    _kill_inside_epoch_2(_classify_cmd(data, ckpt, tmp_path / "b.pt"), ckpt, env, after=0.2)
    assert not (tmp_path / "b.pt").exists()

    b = subprocess.run([*_classify_cmd(data, ckpt, tmp_path / "b.pt"), "--resume"], check=True, env=env,
                       capture_output=True, text=True)
    ra, rb = json.loads(a.stdout), json.loads(b.stdout)
    assert ra["dev"] == rb["dev"] and 0.6 < ra["dev"]["accuracy"] < 1.0
    assert ra["epochs_run"] == rb["epochs_run"] == 3 and ra["best_epoch"] == rb["best_epoch"]
    strip = lambda ck: [{k: v for k, v in e.items() if k != "seconds"} for e in ck["extra"]["train_state"]["epochs"]]
    assert strip(torch.load(tmp_path / "a" / "epoch-003.pt", weights_only=True)) == strip(
        torch.load(ckpt / "epoch-003.pt", weights_only=True))
    ma = torch.load(tmp_path / "a.pt", weights_only=True)["model_state"]
    mb = torch.load(tmp_path / "b.pt", weights_only=True)["model_state"]
    assert ma.keys() == mb.keys()
    for name, tensor in ma.items():
        assert torch.equal(tensor, mb[name]), name
    assert sorted(p.name for p in ckpt.iterdir()) == ["epoch-003.pt"]
