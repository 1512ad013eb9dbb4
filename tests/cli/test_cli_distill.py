"""Tests of `embedkit distill`: both methods, the --json contract, and one-line errors (a tiny random
BERT for the vocabulary method, whose full vocabulary pass on MiniLM takes minutes)."""

from __future__ import annotations

import json

import pytest
from numpy.testing import assert_allclose

import embedkit
from embedkit.cli import main
from embedkit.contextual import corpus_vectors, distill_vocabulary

pytestmark = pytest.mark.slow  # builds a model and loads MiniLM: seconds

KEYS = {"model", "method", "rows", "dim", "pieces", "words", "sentences", "source", "output", "seconds"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny random BERT folder."""
    pytest.importorskip("transformers")
    from tests.contextual.tiny_bert import make_tiny_bert

    return make_tiny_bert(tmp_path_factory.mktemp("tiny") / "bert")


def test_distill_vocabulary_json_and_file(tiny, tmp_path, capsys):
    """Check that --method vocabulary writes the pieces (or the --words) as distill_vocabulary gives them."""
    out = tmp_path / "v.ekv"
    assert main(["distill", "--model", str(tiny), "--dim", "4", "-o", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == KEYS
    assert (result["method"], result["rows"], result["dim"], result["pieces"], result["words"]) == (
        "vocabulary",
        17,
        4,
        17,
        None,
    )
    assert result["model"] == "bert" and result["output"] == str(out) and result["sentences"] is None
    want = distill_vocabulary(tiny, dim=4)
    got = embedkit.load(out)
    assert got.keys == want.keys and result["source"] == want.source
    assert_allclose(got.matrix, want.matrix, atol=1e-6)
    words = tmp_path / "words.txt"
    words.write_text("bank banks\nzzz river\n", encoding="utf-8")
    assert main(["distill", "--model", str(tiny), "--dim", "3", "--words", str(words), "-o", str(out), "-q"]) == 0
    assert capsys.readouterr() == ("", "")
    assert embedkit.load(out).keys == ["bank", "banks", "river"] and embedkit.load(out).dim == 3


def test_distill_corpus(minilm, tmp_path, capsys):
    """Check that --method corpus writes corpus_vectors of the file's sentences, and prints one line."""
    src = tmp_path / "c.txt"
    src.write_text("The bank raised its rates.\n\nWe sat on the river bank.\n", encoding="utf-8")
    out = tmp_path / "c.ekv"
    argv = ["distill", "--method", "corpus", "--corpus", str(src), "--min-count", "2", "--layer", "3", "-o", str(out)]
    assert main([*argv, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["method"], result["rows"], result["dim"], result["sentences"], result["pieces"]) == (
        "corpus",
        3,
        384,
        2,
        None,
    )
    want = corpus_vectors(
        ["The bank raised its rates.", "We sat on the river bank."], model=minilm, layer=3, min_count=2
    )
    assert embedkit.load(out).keys == want.keys == ["the", "bank", "."]
    assert_allclose(embedkit.load(out).matrix, want.matrix, atol=1e-6)
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith(
        "distilled 3 vectors of 384 dimensions (minilm corpus average, layer 3): "
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--method", "corpus"], "--method corpus needs --corpus FILE (sentences, one per line)"),
        (["--method", "corpus", "--corpus", "C", "--top", "5"], "--top applies to --method vocabulary, not corpus"),
        (["--corpus", "C"], "--corpus applies to --method corpus, not vocabulary"),
        (["--layer", "2"], "--layer applies to --method corpus, not vocabulary"),
        (["-o", "OUT/v.txt"], "the output must be .ekv, not 'v.txt'"),
        (["--dim", "17"], "dim must be an integer from 1 to the model's 16 dimensions, not 17"),
        (["--words", "OUT/missing.txt"], "missing.txt"),
        (["--method", "corpus", "--corpus", "OUT/missing.txt"], "missing.txt"),
        (["--model", "nope"], "unknown model 'nope': neither a named model (minilm) nor a folder"),
    ],
    ids=[
        "no-corpus",
        "top-corpus",
        "corpus-vocabulary",
        "layer-vocabulary",
        "suffix",
        "dim",
        "words",
        "corpus",
        "model",
    ],
)
def test_distill_errors_are_one_line(tiny, tmp_path, capsys, argv, message):
    """Check that bad options and inputs give one `embedkit: error:` line, exit status 1 and no file."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("the bank\n", encoding="utf-8")
    args = [str(corpus) if a == "C" else a.replace("OUT", str(tmp_path)) for a in argv]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "o.ekv")]
    if "--model" not in args:
        args += ["--model", str(tiny)]
    assert main(["distill", *args]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("embedkit: error: ") and message in err[0], err
    assert not (tmp_path / "o.ekv").exists()
