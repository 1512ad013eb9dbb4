"""Tests of `embedkit encode`: outputs, keys, JSON, quiet, and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

import embedkit
from embedkit.cli import main
from embedkit.contextual import encode, encode_tokens

pytestmark = pytest.mark.slow  # loads a 90 MB model: seconds

SENTENCES = ["The bank raised its rates.", "We sat on the bank of the river.", "Rates rose again."]


@pytest.fixture
def sentences(tmp_path):
    p = tmp_path / "s.txt"
    p.write_text("\n".join(SENTENCES[:2]) + "\n\n" + SENTENCES[2] + "\n", encoding="utf-8")
    return p


def test_encode_ekv_keys_are_the_sentences(tmp_path, sentences, capsys, minilm):
    """Check that sentence vectors written to .ekv are keyed by the sentences and equal encode()."""
    out = tmp_path / "o.ekv"
    assert main(["encode", "--input", str(sentences), "-o", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["rows"] == 3 and result["dim"] == 384 and result["keys"] == "sentences"
    v = embedkit.load(out)
    assert v.keys == SENTENCES
    assert_allclose(v.matrix, encode(SENTENCES, model=minilm), atol=1e-6)


def test_encode_duplicate_sentences_get_row_numbers(tmp_path, capsys):
    """Check that repeated sentences make the .ekv keys row numbers."""
    src = tmp_path / "d.txt"
    src.write_text("same\nsame\nother\n", encoding="utf-8")
    out = tmp_path / "o.ekv"
    assert main(["encode", "--input", str(src), "-o", str(out), "-q"]) == 0
    assert capsys.readouterr().out == ""
    assert embedkit.load(out).keys == ["0", "1", "2"]


def test_encode_layer_writes_word_vectors(tmp_path, sentences, capsys, minilm):
    """Check that --layer writes one row per word (.npy) keyed sentence:position:word in .ekv."""
    out = tmp_path / "w.npy"
    assert main(["encode", "--input", str(sentences), "-o", str(out), "--layer", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    tokens = encode_tokens(SENTENCES, model=minilm, layer=2)
    want = np.concatenate([t.vectors for t in tokens])
    assert result["rows"] == 6 + 9 + 4 == want.shape[0] and result["layer"] == 2
    assert_allclose(np.load(out), want, atol=1e-6)
    assert main(["encode", "--input", str(sentences), "-o", str(tmp_path / "w.ekv"), "--layer", "0", "-q"]) == 0
    keys = embedkit.load(tmp_path / "w.ekv").keys
    assert keys[:3] == ["0:0:The", "0:1:bank", "0:2:raised"] and keys[-1] == "2:3:."


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--layer", "7"], "layer must be between 0 and 6 (or -1 for the last), not 7"),
        (
            ["--model", "nope"],
            "unknown model 'nope': neither a named model (minilm), a model folder nor an embedkit model file",
        ),
        (["-o", "OUT/o.txt"], "the output must be .npy or .ekv, not 'o.txt'"),
        (["--input", "missing.txt"], "missing.txt"),
    ],
    ids=["layer", "model", "suffix", "input"],
)
def test_encode_errors_are_one_line(tmp_path, sentences, capsys, argv, message):
    """Check that bad options and inputs give one `embedkit: error:` line and exit status 1."""
    base = {"--input": str(sentences), "-o": str(tmp_path / "o.npy")}
    args = [a.replace("OUT", str(tmp_path)) if a.startswith("OUT") else a for a in argv]
    for opt in ("--input", "-o"):
        if opt not in args:
            args += [opt, base[opt]]
    if "missing.txt" in args:
        args[args.index("missing.txt")] = str(tmp_path / "missing.txt")
    assert main(["encode", *args]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("embedkit: error: ") and message in err[0], err
    assert not (tmp_path / "o.npy").exists()


def test_encode_empty_input(tmp_path, capsys):
    """Check that an input without a sentence is refused in one line naming it."""
    src = tmp_path / "e.txt"
    src.write_text("\n  \n", encoding="utf-8")
    assert main(["encode", "--input", str(src), "-o", str(tmp_path / "o.npy")]) == 1
    assert capsys.readouterr().err == f"embedkit: error: {src}: no sentences (the file has no non-blank line)\n"


def test_context_lists_occurrences_and_neighbours(tmp_path, capsys, minilm):
    """Check that `context` gives each occurrence its nearest other occurrences and vocabulary words by cosine."""
    from embedkit.contextual import occurrence_neighbors, occurrences, static_neighbors, vocabulary_vectors

    src = tmp_path / "bank.txt"
    texts = ["I deposited the cash at the bank.", "We had a picnic on the river bank.", "The muddy bank."]
    src.write_text("\n".join(texts) + "\n", encoding="utf-8")
    voc = tmp_path / "voc.txt"
    voc.write_text("money river", encoding="utf-8")
    argv = ["context", "bank", "--input", str(src), "-k", "1", "--vocabulary", str(voc), "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    occ = occurrences("bank", texts, model=minilm)
    want = occurrence_neighbors(occ, k=1)
    static = static_neighbors(occ, vocabulary_vectors(["money", "river"], model=minilm), k=1)
    assert result["layer"] == 6 and [r["row"] for r in result["occurrences"]] == [0, 1, 2]
    for got, hits, near in zip(result["occurrences"], want, static):
        assert got["occurrences"][0]["index"] == hits[0].index
        assert_allclose(got["occurrences"][0]["cosine"], hits[0].cosine, atol=1e-5)
        assert got["vocabulary"][0]["word"] == near.words[0]
        assert_allclose(got["vocabulary"][0]["score"], near.scores[0], atol=1e-5)
    assert [r["vocabulary"][0]["word"] for r in result["occurrences"]] == ["money", "river", "river"]


def test_layers_json_and_figure(tmp_path, capsys, data_dir):
    """Check that `layers` prints seven layers of the four measures and writes the figure."""
    src = tmp_path / "s.txt"
    lines = (data_dir / "sentiment" / "sst2" / "dev.txt").read_text(encoding="utf-8").splitlines()[:30]
    src.write_text("\n".join(line.split(" ", 1)[1] for line in lines) + "\n", encoding="utf-8")
    fig = tmp_path / "layers.png"
    assert main(["layers", "--input", str(src), "-o", str(fig), "--pairs", "200", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["layers"] == list(range(7)) and result["sentences"] == 30 and result["pairs"] == 200
    assert all(len(result[m]) == 7 for m in ("anisotropy", "self_similarity", "first_pc_share"))
    assert fig.stat().st_size > 10_000


@pytest.mark.parametrize(
    "command", [["layers", "--input", "IN"], ["plot", "attention", "the cat"]], ids=["layers", "attention"]
)
def test_missing_model_file_names_every_kind_of_model(tmp_path, capsys, command):
    """Check that a --model path that does not exist, where an embedkit model file is also accepted, says so in one line."""
    src = tmp_path / "s.txt"
    src.write_text("the cat sat\n", encoding="utf-8")
    missing = tmp_path / "nope.pt"
    argv = [str(src) if a == "IN" else a for a in command] + ["--model", str(missing), "-o", str(tmp_path / "o.png")]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        f"embedkit: error: unknown model '{missing}': neither a named model (minilm), a model folder nor an "
        "embedkit model file\n"
    )
    assert not (tmp_path / "o.png").exists()


def test_layers_and_attention_of_an_own_language_model(tmp_path, capsys, tiny_lm_file):
    """Check that layers and plot attention take an embedkit transformer LM file and report its layers and maps."""
    src = tmp_path / "s.txt"
    src.write_text("the cat sat on the mat\nthe dog sat on the log\na cat and a dog\n", encoding="utf-8")
    argv = ["layers", "--model", str(tiny_lm_file), "--input", str(src), "--min-occurrences", "2", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["model"], result["layers"], result["tokens"], result["words"]) == ("tiny_lm.pt", [0, 1, 2], 17, 6)
    png = tmp_path / "a.png"
    argv = ["plot", "attention", "--model", str(tiny_lm_file), "the cat sat", "--layer", "2", "-o", str(png), "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["source_tokens"] == report["output_tokens"] == ["</s>", "the", "cat", "sat"]
    assert report["maps"] == ["layer 1 head 1", "layer 1 head 2", "layer 2 head 1", "layer 2 head 2"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
