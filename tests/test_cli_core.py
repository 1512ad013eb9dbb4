"""The core commands: neighbors, analogy, info, convert (text and --json)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import embedkit
from embedkit.cli import main


def run_json(capsys, argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_analogy_json(capsys):
    """Check the analogy JSON shape and answer on the default vectors."""
    out = run_json(capsys, ["analogy", "man", "king", "woman", "-k", "3"])
    assert out["query"] == ["man", "king", "woman"]
    assert [r["word"] for r in out["results"]] == ["queen", "throne", "prince"]
    assert out["results"][0]["score"] == pytest.approx(0.8524, abs=1e-4)
    out = run_json(capsys, ["analogy", "man", "king", "woman", "-k", "1", "--method", "3cosmul"])
    assert out["results"][0]["word"] == "queen" and out["method"] == "3cosmul"


def test_neighbors_json_and_text(capsys):
    """Check neighbours for two words as JSON, and the text table."""
    out = run_json(capsys, ["neighbors", "frog", "paris", "-k", "3"])
    assert list(out["results"]) == ["frog", "paris"]
    assert [r["word"] for r in out["results"]["frog"]] == ["snake", "ape", "toad"]
    assert main(["neighbors", "frog", "-k", "2"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == "frog:" and "snake" in text.splitlines()[1]


def test_info_and_convert(tmp_path, capsys):
    """Check info on the default vectors and a convert to word2vec binary that loads back."""
    info = run_json(capsys, ["info"])
    assert info["count"] == 400000 and info["dim"] == 50 and info["matrix_bytes"] == 400000 * 50 * 4
    dest = tmp_path / "head.bin"
    out = run_json(capsys, ["convert", "glove-6b-50d", str(dest), "--to", "word2vec-binary", "--limit", "100"])
    assert out["count"] == 100 and dest.stat().st_size == out["bytes"]
    back = embedkit.load(dest)
    assert back == embedkit.load().most_frequent(100)
    info = run_json(capsys, ["info", "--vectors", str(dest)])
    assert info["format"] == "word2vec-binary" and info["count"] == 100


def test_errors_exit_1_with_message(tmp_path, capsys):
    """Check that an unknown word or a bad file exits 1 with a one-line message (JSON too)."""
    assert main(["neighbors", "frgo"]) == 1
    assert "unknown word: 'frgo' (did you mean 'fargo', 'frog', 'forgo'?)" in capsys.readouterr().err
    bad = tmp_path / "bad.txt"
    bad.write_text("a 1 2\nb 1\n")
    assert main(["info", "--vectors", str(bad), "--json"]) == 1
    err = json.loads(capsys.readouterr().out)
    assert err["type"] == "VectorFileError" and err["error"].endswith("bad.txt, line 2: expected a word and 2 values, found 1 values")


def test_console_script_runs():
    """Check that the installed `python -m embedkit.cli` entry works in a fresh process."""
    r = subprocess.run([sys.executable, "-m", "embedkit.cli", "analogy", "france", "paris", "italy", "-k", "1", "--json"],
                       capture_output=True, text=True, check=True)
    assert json.loads(r.stdout)["results"][0]["word"] == "rome"


def test_import_is_light():
    """Check that importing embedkit loads neither torch, matplotlib, gensim nor umap."""
    code = "import sys, embedkit; print(sorted(m for m in ('torch', 'matplotlib', 'gensim', 'umap', 'sklearn') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"
