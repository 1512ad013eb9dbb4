"""``embedkit train-lm`` and ``embedkit generate`` on a character model, end to end in-process."""

from __future__ import annotations

import json
import math

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
