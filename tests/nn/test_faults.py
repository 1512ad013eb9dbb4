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
    return [
        sys.executable,
        "-m",
        "embedkit.cli",
        "train-embeddings",
        str(corpus),
        "--algorithm",
        "gru",
        "--dim",
        "32",
        "--hidden",
        "64",
        "--epochs",
        "2",
        "--seed",
        "3",
        "--min-count",
        "2",
        "--checkpoint",
        str(ckpt),
        "-o",
        str(out),
        "--quiet",
    ]


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
    text = (data_dir / "corpus" / "tinyshakespeare.txt").read_text()
    # the first half: an epoch still takes seconds, far more than the 0.3 s the kill waits
    corpus.write_text(text[: len(text) // 2])
    env = {**os.environ, "PYTHONHASHSEED": "0"}

    subprocess.run(_train_cmd(corpus, tmp_path / "a", tmp_path / "a.txt"), check=True, env=env, capture_output=True)

    ckpt = tmp_path / "b"
    _kill_inside_epoch_2(_train_cmd(corpus, ckpt, tmp_path / "b.txt"), ckpt, env, after=0.3)
    assert not (tmp_path / "b.txt").exists()

    subprocess.run(
        [*_train_cmd(corpus, ckpt, tmp_path / "b.txt"), "--resume"], check=True, env=env, capture_output=True
    )
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
    return [
        sys.executable,
        "-m",
        "embedkit.cli",
        "classify",
        "train",
        "--train",
        str(data),
        "--model",
        "cnn",
        "--mode",
        "non-static",
        "--epochs",
        "3",
        "--seed",
        "7",
        "--config",
        '{"patience": null, "vector_words": 2000}',
        "--checkpoint",
        str(ckpt),
        "-o",
        str(out),
        "--json",
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_classifier_sigkill_mid_epoch_then_resume_is_exact(data_dir, tmp_path):
    """Check that a classifier killed mid-epoch and resumed ends with the uninterrupted run's weights, history and scores."""
    import json

    import torch

    lines = (data_dir / "sentiment" / "mr" / "mr.txt").read_bytes().splitlines()
    data = tmp_path / "mr-part.txt"
    data.write_bytes(b"\n".join(lines[::2]) + b"\n")  # 5,331 reviews, both classes
    env = {**os.environ, "PYTHONHASHSEED": "0"}

    a = subprocess.run(
        _classify_cmd(data, tmp_path / "a", tmp_path / "a.pt"), check=True, env=env, capture_output=True, text=True
    )

    ckpt = tmp_path / "b"
    _kill_inside_epoch_2(_classify_cmd(data, ckpt, tmp_path / "b.pt"), ckpt, env, after=0.2)
    assert not (tmp_path / "b.pt").exists()

    b = subprocess.run(
        [*_classify_cmd(data, ckpt, tmp_path / "b.pt"), "--resume"], check=True, env=env, capture_output=True, text=True
    )
    ra, rb = json.loads(a.stdout), json.loads(b.stdout)
    assert ra["dev"] == rb["dev"] and 0.6 < ra["dev"]["accuracy"] < 1.0
    assert ra["epochs_run"] == rb["epochs_run"] == 3 and ra["best_epoch"] == rb["best_epoch"]

    def strip(ck):
        return [{k: v for k, v in e.items() if k != "seconds"} for e in ck["extra"]["train_state"]["epochs"]]

    assert strip(torch.load(tmp_path / "a" / "epoch-003.pt", weights_only=True)) == strip(
        torch.load(ckpt / "epoch-003.pt", weights_only=True)
    )
    ma = torch.load(tmp_path / "a.pt", weights_only=True)["model_state"]
    mb = torch.load(tmp_path / "b.pt", weights_only=True)["model_state"]
    assert ma.keys() == mb.keys()
    for name, tensor in ma.items():
        assert torch.equal(tensor, mb[name]), name
    assert sorted(p.name for p in ckpt.iterdir()) == ["epoch-003.pt"]


# -- hostile or damaged model files; Ctrl-C (nn/classify) -------------------------------------
def test_pickled_npz_projection_and_baseline_are_one_line(tmp_path, capsys):
    """Check that a projection or baseline .npz holding pickled objects is refused in one line naming the file."""
    from embedkit.cli import main

    pickled = tmp_path / "p.npz"
    np.savez(pickled, words=np.array([{"a": 1}], dtype=object), coords=np.zeros((1, 2)), meta=np.array("{}"))
    assert main(["project", "--from-projection", str(pickled), "-o", str(tmp_path / "fig.png")]) == 1
    refused = "the file holds pickled Python objects, which embedkit will not load (unpickling can run code)"
    assert capsys.readouterr().err == f"embedkit: error: {pickled}: {refused}\n"
    assert not (tmp_path / "fig.png").exists()
    model = tmp_path / "m.npz"
    np.savez(model, meta=np.array('{"format": "embedkit-baseline"}'), coef=np.array([object()], dtype=object))
    assert main(["classify", "predict", "--model", str(model), "good"]) == 1
    assert capsys.readouterr().err == f"embedkit: error: {model}: {refused}\n"


def test_edited_baseline_file_is_one_line(tmp_path, capsys):
    """Check that a baseline whose weights no longer match its vocabulary fails on loading, naming the file."""
    from embedkit.classify import train
    from embedkit.classify.datasets import TextDataset
    from embedkit.cli import main

    ds = TextDataset(["good fun", "great film", "bad mess", "awful film"] * 3, [1, 1, 0, 0] * 3, ("neg", "pos"))
    path = train(ds, dev=ds, model="tfidf-logreg", output=tmp_path / "m.npz").output
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["words"] = arrays["words"][:-1]
    with open(tmp_path / "cut.npz", "wb") as f:
        np.savez(f, **arrays)
    assert main(["classify", "predict", "--model", str(tmp_path / "cut.npz"), "good"]) == 1
    n = len(arrays["words"])
    assert capsys.readouterr().err == (
        f"embedkit: error: {tmp_path / 'cut.npz'}: the weights (1 x {n + 1}) do not "
        f"match the {n} features and 2 of 2 classes it lists\n"
    )


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT and SIGTERM are POSIX")
@pytest.mark.parametrize(
    ("sig", "word", "status"),
    [(signal.SIGINT, "interrupted", 130), (signal.SIGTERM, "terminated", 143)],
    ids=["int", "term"],
)
def test_signal_during_classifier_training_exits_with_its_status(data_dir, tmp_path, sig, word, status):
    """Check that Ctrl-C (SIGINT) or kill (SIGTERM) during classifier training prints where to resume, exits 130 or 143 without a traceback, and leaves no model file."""
    lines = (data_dir / "sentiment" / "mr" / "mr.txt").read_bytes().splitlines()
    data = tmp_path / "mr-part.txt"
    data.write_bytes(b"\n".join(lines[::4]) + b"\n")
    ckpt, out = tmp_path / "ck", tmp_path / "m.pt"
    cmd = [
        sys.executable,
        "-m",
        "embedkit.cli",
        "classify",
        "train",
        "--train",
        str(data),
        "--model",
        "cnn",
        "--mode",
        "rand",
        "--epochs",
        "50",
        "--config",
        '{"patience": null, "embed_dim": 32}',
        "--checkpoint",
        str(ckpt),
        "-o",
        str(out),
        "-q",  # no progress lines: past 2 s (a loaded machine) they would precede the message
    ]
    # SIGINT's default action, whatever this process inherited: a suite run as a background job of a
    # non-interactive shell (`python -m pytest &` beside busy loops) ignores SIGINT, and so would the
    # child, which then trains to the end and exits 0 (what issue 23 saw).
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(sig, signal.SIG_DFL),  # noqa: PLW1509  (no threads here)
    )
    deadline = time.time() + 300
    while not (ckpt / "epoch-001.pt").exists():
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline
        time.sleep(0.02)
    time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    import re

    m = re.fullmatch(rf"embedkit: {word} after epoch (\d+); rerun with --resume\n", err)
    assert m is not None, err
    assert (ckpt / f"epoch-{int(m.group(1)):03d}.pt").is_file() and not out.exists()
