"""The core commands: neighbors, analogy, info, convert (text and --json)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

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


@pytest.mark.parametrize("n", ["0", "-5"])
def test_convert_limit_must_be_positive(n, tmp_path, capsys):
    """Check that convert --limit 0 (which would write a file no reader takes) or below is a one-line usage error naming --limit, and writes nothing."""
    dest = tmp_path / "none.txt"
    assert main(["convert", "glove-6b-50d", str(dest), "--to", "glove", "--limit", n]) == 2
    assert capsys.readouterr().err == (
        f"embedkit convert: error: argument --limit: expected a positive integer, got {n} "
        "(see 'embedkit convert --help')\n"
    )
    assert not dest.exists()


def test_errors_exit_1_with_message(tmp_path, capsys):
    """Check that an unknown word or a bad file exits 1 with a one-line message (JSON too)."""
    assert main(["neighbors", "frgo"]) == 1
    assert "unknown word: 'frgo' (did you mean 'fargo', 'frog', 'forgo'?)" in capsys.readouterr().err
    bad = tmp_path / "bad.txt"
    bad.write_text("a 1 2\nb 1\n")
    assert main(["info", "--vectors", str(bad), "--json"]) == 1
    err = json.loads(capsys.readouterr().out)
    assert err["type"] == "VectorFileError" and err["error"].endswith(
        "bad.txt, line 2: expected a word and 2 values, found 1 values"
    )


def test_console_script_runs():
    """Check that the installed `python -m embedkit.cli` entry works in a fresh process."""
    r = subprocess.run(
        [sys.executable, "-m", "embedkit.cli", "analogy", "france", "paris", "italy", "-k", "1", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(r.stdout)["results"][0]["word"] == "rome"


def test_import_is_light():
    """Check that importing embedkit loads neither torch, matplotlib, gensim nor umap."""
    code = "import sys, embedkit; print(sorted(m for m in ('torch', 'matplotlib', 'gensim', 'umap', 'sklearn') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


def test_k_must_be_positive_usage_error(capsys):
    """Check that -k -3 (and 0) is a usage error naming -k, exit 2, one line, for neighbors and analogy."""
    assert main(["neighbors", "frog", "-k", "-3"]) == 2
    assert capsys.readouterr().err == (
        "embedkit neighbors: error: argument -k: expected a positive integer, got -3 "
        "(see 'embedkit neighbors --help')\n"
    )
    assert main(["analogy", "man", "king", "woman", "-k", "0", "--json"]) == 2
    assert json.loads(capsys.readouterr().out) == {
        "error": "argument -k: expected a positive integer, got 0",
        "type": "UsageError",
    }
    with pytest.raises(ValueError, match="k must be >= 0, got -3"):
        embedkit.analogy(embedkit.load(), "man", "king", "woman", k=-3)


def test_many_unknown_words_are_counted_not_listed(capsys):
    """Check that 3,000 unknown words give a short line naming three and counting the rest."""
    words = [f"zzunk{i}" for i in range(3000)]
    assert main(["neighbors", *words]) == 1
    assert (
        capsys.readouterr().err == "embedkit: error: unknown words: 'zzunk0', 'zzunk1', 'zzunk2', ... and 2,997 more\n"
    )


def test_huge_values_do_not_overflow(tmp_path, capsys):
    """Check that values near float32's limit give true cosines with no overflow warning (norms in float64)."""
    path = tmp_path / "huge.txt"
    path.write_text("a 1e38 1e38\nb 3e38 -3e38\nc 1 2\n")
    assert main(["neighbors", "a", "-k", "2", "--vectors", str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    res = json.loads(out)["results"]["a"]
    assert [r["word"] for r in res] == ["c", "b"]
    assert res[0]["score"] == pytest.approx(3 / np.sqrt(10), abs=1e-6) and abs(res[1]["score"]) < 1e-6
    v = embedkit.load(path)
    assert_allclose(v.norms, [np.sqrt(2) * 1e38, np.finfo(np.float32).max, np.sqrt(5)], rtol=1e-6)


def test_demo_answers_from_the_most_frequent_words(capsys):
    """Check that the demo searches the 30,000 most frequent words, says so, and its output matches the README."""
    from pathlib import Path

    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("glove-6b-50d: 400,000 words x 50 dimensions; answers from the 30,000 most frequent\n")
    assert "  paris      france 0.80, brussels 0.78, amsterdam 0.78, french 0.77, vienna 0.74\n" in out
    assert "prohertrib" not in out
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "```\n" + out + "```" in readme
    d = run_json(capsys, ["demo", "--restrict", "400000"])
    assert d["restrict"] == 400000 and d["neighbors"]["paris"][0]["word"] == "prohertrib"


def test_print_json_is_strict():
    """Check that print_json writes null for NaN and infinities, never bare NaN."""
    import io
    from contextlib import redirect_stdout

    from embedkit.cli._common import print_json

    buf = io.StringIO()
    with redirect_stdout(buf):
        print_json({"r": float("nan"), "ci": (float("-inf"), 0.5), "a": np.float32(np.nan), "n": np.int64(2)})
    assert buf.getvalue() == '{"r": null, "ci": [null, 0.5], "a": null, "n": 2}\n'
    json.loads(buf.getvalue(), parse_constant=lambda c: pytest.fail(f"non-standard constant {c}"))
