"""Tests for `embedkit train-embeddings` and `embedkit generate`: outputs, resume, errors and interrupts."""

from __future__ import annotations

import json

import embedkit
from embedkit.cli import main

TEXT = [
    "the king is dead , long live the king .",
    "the queen is wise and the king is old .",
    "a horse , a horse , my kingdom for a horse !",
]


def test_cli_train_and_generate(tmp_path, capsys):
    """Check that train-embeddings writes loadable vectors and a model, resumes, and generate repeats under a seed."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(TEXT * 20) + "\n", encoding="utf-8")
    out = tmp_path / "vec.txt"
    args = [
        "train-embeddings",
        str(corpus),
        "--algorithm",
        "lstm",
        "--dim",
        "8",
        "--hidden",
        "16",
        "--epochs",
        "2",
        "--batch-size",
        "4",
        "--bptt",
        "8",
        "--min-count",
        "1",
        "--workers",
        "1",
        "--objective",
        "full",
        "-o",
        str(out),
        "--checkpoint",
        str(tmp_path / "ck"),
        "--json",
    ]
    assert main(args) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["format"] == "word2vec" and rep["model"] == str(tmp_path / "vec.pt")
    assert len(rep["history"]) == 2 and rep["corpus"]["vocab"] == 21
    v = embedkit.load(out)
    assert v.shape == (18, 8)
    assert main(args[:-1] + ["--resume", "--epochs", "3"]) == 0
    text = capsys.readouterr().out
    assert "epoch 3:" in text and "epoch 2:" in text and "wrote 18 x 8 vectors" in text
    gen = ["generate", "--model", str(tmp_path / "vec.pt"), "--prompt", "the king", "--words", "6", "--seed", "3"]
    assert main(gen) == 0
    first = capsys.readouterr().out
    assert main(gen) == 0
    assert capsys.readouterr().out == first and first.startswith("the king ")
    assert main(gen + ["--json", "--method", "beam"]) == 0
    g = json.loads(capsys.readouterr().out)
    assert g["prompt"] == ["the", "king"] and len(g["words"]) == 6


def test_cli_errors(tmp_path, capsys):
    """Check that a missing corpus and --resume without --checkpoint are reported as errors."""
    assert main(["train-embeddings", str(tmp_path / "none.txt"), "-o", str(tmp_path / "v.txt")]) == 1
    assert "no such corpus file" in capsys.readouterr().err
    (tmp_path / "c.txt").write_text("a b\n")
    assert main(["train-embeddings", str(tmp_path / "c.txt"), "-o", str(tmp_path / "v.txt"), "--resume"]) == 1
    assert "--resume needs --checkpoint" in capsys.readouterr().err


def test_cli_generate_from_checkpoint_folder_and_resume_warning(tmp_path, capsys):
    """Check that generate accepts the --checkpoint folder of train-embeddings (its latest epoch) and that --resume with no checkpoint warns in one line."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(TEXT * 20) + "\n", encoding="utf-8")
    ck = tmp_path / "ck"
    args = [
        "train-embeddings",
        str(corpus),
        "--algorithm",
        "gru",
        "--dim",
        "8",
        "--hidden",
        "16",
        "--epochs",
        "2",
        "--batch-size",
        "4",
        "--bptt",
        "8",
        "--min-count",
        "1",
        "--workers",
        "1",
        "--objective",
        "full",
        "-o",
        str(tmp_path / "v.txt"),
        "--checkpoint",
        str(ck),
        "--resume",
        "--quiet",
    ]
    assert main(args) == 0
    assert (
        capsys.readouterr().err
        == f"embedkit: warning: no checkpoint in {ck} to resume from; training from the first epoch\n"
    )
    gen = ["generate", "--prompt", "the king", "--words", "6", "--seed", "3", "--json"]
    assert main([*gen, "--model", str(ck)]) == 0
    from_dir = json.loads(capsys.readouterr().out)
    assert main([*gen, "--model", str(ck / "epoch-002.pt")]) == 0
    assert json.loads(capsys.readouterr().out) == from_dir and len(from_dir["words"]) == 6


def test_cli_empty_corpus_and_gensim_interrupt(tmp_path, capsys, monkeypatch):
    """Check that an empty corpus is one line naming the file (gensim and language models), and Ctrl-C in gensim exits 130."""
    import gensim.models

    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    for algorithm in ("word2vec-cbow", "fasttext", "gru"):
        assert main(["train-embeddings", str(empty), "--algorithm", algorithm, "-o", str(tmp_path / "v.txt")]) == 1
        assert capsys.readouterr().err == f"embedkit: error: {empty}: no words (the file is empty or blank)\n"
    rare = tmp_path / "rare.txt"
    rare.write_text("hello world\n")
    assert main(["train-embeddings", str(rare), "--algorithm", "word2vec-cbow", "-o", str(tmp_path / "v.txt")]) == 1
    assert capsys.readouterr().err == (
        "embedkit: error: the corpus has no words to train on: it is empty, or every word is rarer than min_count\n"
    )
    assert not (tmp_path / "v.txt").exists()
    calls = []

    def train(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(gensim.models.Word2Vec, "train", train)
    rare.write_text("hello world\n" * 10)
    assert main(["train-embeddings", str(rare), "--algorithm", "word2vec-cbow", "-o", str(tmp_path / "v.txt")]) == 130
    assert capsys.readouterr().err == "embedkit: interrupted after epoch 1; nothing was saved\n"
    assert not (tmp_path / "v.txt").exists()


def test_cli_latin1_corpus_warns_and_keeps_accents(tmp_path, capsys):
    """Check that train-embeddings on a Latin-1 corpus warns in one line naming the file and its first non-UTF-8 line, and learns 'café', not 'caf'."""
    corpus = tmp_path / "latin.txt"
    corpus.write_bytes(("\n".join(TEXT) + "\nle café est noir .\n").encode("latin-1") * 5)
    out = tmp_path / "v.txt"
    argv = ["train-embeddings", str(corpus), "--algorithm", "word2vec-skipgram", "--dim", "8", "--epochs", "1"]
    assert main([*argv, "-o", str(out), "--json"]) == 0
    assert capsys.readouterr().err == (
        f"embedkit: warning: {corpus} is not UTF-8 (line 4: byte 0xe9); read it as Windows-1252 (cp1252)\n"
    )
    keys = embedkit.load(out).keys
    assert "café" in keys and "caf" not in keys and "\ufffd" not in "".join(keys)
