"""``embedkit train-lm`` and ``embedkit generate`` on a character model, end to end in-process."""

from __future__ import annotations

import json
import math
import re

import pytest

pytest.importorskip("torch")

from embedkit.cli import main
from tests.seeds import seed

TEXT = "to be, or not to be: that is the question.\n" * 40


@pytest.mark.trains
def test_train_lm_json_and_generate_chars(tmp_path, capsys):
    """Check train-lm's JSON report (valid_loss, valid_bpc, steps, tokens_per_s, seconds, history), the model file, a resumed run and generate --chars."""
    corpus = tmp_path / "t.txt"
    corpus.write_text(TEXT)
    argv = ["train-lm", str(corpus), "--model", "transformer", "--dim", "32", "--heads", "2", "--layers", "1"]
    argv += ["--block", "16", "--batch-size", "8", "--steps", "40", "--eval-every", "20", "--lr", "0.01"]
    argv += ["--warmup", "5", "--no-bf16", "--seed", str(seed(0)), "-o", str(tmp_path / "m.pt"), "--json"]
    assert main([*argv, "--checkpoint", str(tmp_path / "ck")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"valid_loss", "valid_bpc", "steps", "tokens_per_s", "seconds", "history", "config"} <= set(report)
    assert report["steps"] == 40 and [h["step"] for h in report["history"]] == [20, 40]
    assert report["valid_bpc"] == pytest.approx(report["valid_loss"] / math.log(2))
    assert report["valid_loss"] < 2.0 and report["corpus"]["vocab"] == 17
    assert report["config"]["unit"] == "char" and report["config"]["warmup"] == 5
    # the checkpoint folder resumes after its last round: nothing left to train, the same model
    assert main([*argv, "--checkpoint", str(tmp_path / "ck"), "--resume"]) == 0
    assert json.loads(capsys.readouterr().out)["valid_loss"] == report["valid_loss"]
    gen = ["generate", "--model", str(tmp_path / "m.pt"), "--prompt", "to be", "--chars", "40", "--json"]
    assert main([*gen, "--top-p", "0.9", "--seed", "4"]) == 0
    g = json.loads(capsys.readouterr().out)
    assert g["unit"] == "char" and len(g["words"]) == 40 and g["text"].startswith("to be")
    assert main([*gen, "--top-p", "0.9", "--seed", "4"]) == 0
    assert json.loads(capsys.readouterr().out) == g
    assert (
        main(["generate", "--model", str(tmp_path / "ck"), "--prompt", "to", "--chars", "5", "--method", "beam"]) == 0
    )
    assert capsys.readouterr().out.startswith("to")


def test_train_lm_text_says_which_held_out_loss_is_which(tmp_path, capsys):
    """Check that the rounds' held-out loss (the first 32,768 held-out characters) and the final one (all of them) are labelled, and agree where they should."""
    corpus = tmp_path / "t.txt"
    corpus.write_text(TEXT * 200)  # 344,000 characters: 34,400 held out, more than a round evaluates
    argv = ["train-lm", str(corpus), "--dim", "16", "--heads", "2", "--layers", "1", "--block", "16"]
    argv += ["--batch-size", "4", "--steps", "2", "--eval-every", "1", "--workers", "1", "--no-bf16", "-q"]
    assert main([*argv, "-o", str(tmp_path / "m.pt")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "transformer (char): 309,600 training characters, 34,400 held out; a vocabulary of 17"
    assert lines[1] == "each step's held-out loss: on the first 32,768 of the 34,400 held-out characters"
    assert [line.split(":")[0] for line in lines[2:4]] == ["  step      1", "  step      2"]
    assert "  training loss " in lines[2] and " held-out " in lines[2]
    assert lines[4].startswith("held-out loss on all 34,400 held-out characters: ")
    assert lines[4].endswith(" bits per character) after 2 steps")
    assert lines[5] == f"wrote the model to {tmp_path / 'm.pt'}"


class _Recorder:
    """A stdout that records each write and flush (and says whether it is a terminal)."""

    def __init__(self, tty: bool = False) -> None:
        self.writes: list[str] = []
        self.flushes = 0
        self.tty = tty

    def write(self, s: str) -> int:
        self.writes.append(s)
        return len(s)

    def flush(self) -> None:
        self.flushes += 1

    def isatty(self) -> bool:
        return self.tty


def _random_model(tmp_path, unit: str, algorithm: str = "transformer"):
    """A saved model of random weights drawn wide (varied text, line breaks included); nothing is trained."""
    import torch

    from embedkit.nn.lm.models import build_model
    from embedkit.nn.lm.train import TrainedLM
    from embedkit.training.config import TrainConfig
    from embedkit.training.corpus import char_corpus_from_text, corpus_from_texts

    corpus = char_corpus_from_text(TEXT) if unit == "char" else corpus_from_texts([TEXT + "the quick brown fox\n"])
    config = TrainConfig(algorithm=algorithm, unit=unit, dim=16, heads=2, layers=1, hidden=32, block=16)
    model = build_model(config, len(corpus.vocab))
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)
    return TrainedLM(model, corpus.vocab, config).save(tmp_path / f"{algorithm}-{unit}.pt")


@pytest.mark.parametrize("unit", ["char", "word"])
def test_generate_stream_writes_the_same_text_token_by_token(tmp_path, monkeypatch, unit):
    """Check that --stream (and a terminal) writes the plain output's exact text piece by piece, flushing each, for char and word models past the block."""
    path = _random_model(tmp_path, unit)
    argv = ["generate", "--model", str(path), "--prompt", "to be", f"--{unit}s", "50", "--seed", "5", "-q"]
    outputs = {}
    for name, extra, tty in [("plain", [], False), ("stream", ["--stream"], False), ("terminal", [], True)]:
        out = _Recorder(tty)
        monkeypatch.setattr("sys.stdout", out)
        assert main([*argv, *extra]) == 0
        outputs[name] = out
    plain = outputs["plain"].writes
    assert len(plain) == 1 and plain[0].startswith("to be") and "\n" in plain[0].rstrip("\n")
    for name in ("stream", "terminal"):
        out = outputs[name]
        assert "".join(out.writes) == plain[0]
        assert len(out.writes) > 30 and out.flushes == len(out.writes)  # token by token (line breaks held back)


def test_generate_stream_and_stride_errors(tmp_path, capsys):
    """Check that --stream with --json, and a --stride beyond the block or on a recurrent model, are one-line errors."""
    for algorithm in ("transformer", "gru"):
        _random_model(tmp_path, "char", algorithm)
    base = ["generate", "--prompt", "to", "--chars", "5", "--model"]
    assert main([*base, str(tmp_path / "transformer-char.pt"), "--stream", "--json"]) == 1
    error = json.loads(capsys.readouterr().out)  # --json: the error as JSON on stdout
    assert error["error"] == "--stream writes text: give --stream or --json, not both"
    cases = [
        (
            [str(tmp_path / "transformer-char.pt"), "--stride", "16"],
            r"stride must be an integer in 1\.\.15 \(the block less one\), got 16",
        ),
        (
            [str(tmp_path / "gru-char.pt"), "--stride", "4"],
            "stride applies to the transformer's window; this is a gru model",
        ),
    ]
    for extra, message in cases:
        assert main([*base, *extra]) == 1
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1
        assert re.fullmatch(f"embedkit: error: {message}\n", err)


def test_generate_shows_progress_unless_it_streams(tmp_path, monkeypatch, capsys):
    """Check that generate shows a progress bar on stderr when its output is not streamed, and none when it streams."""
    from embedkit import progress

    monkeypatch.setattr(progress, "PROGRESS_DELAY", 0.0)  # as if generation took long
    argv = ["generate", "--model", str(_random_model(tmp_path, "char")), "--prompt", "to", "--chars", "30"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out.startswith("to") and "\ngenerating: 1/30 (3%)" in err
    assert main([*argv, "--stream"]) == 0
    streamed, err = capsys.readouterr()
    assert streamed == out and "generating" not in err
