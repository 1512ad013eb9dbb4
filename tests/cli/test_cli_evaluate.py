"""Tests for `embedkit evaluate analogies|similarity`: JSON, readable tables, errors and file warnings."""

from __future__ import annotations

import json

import pytest
from numpy.testing import assert_allclose

from embedkit.cli import main
from embedkit.evaluation import analogies


def test_cli_analogies_json(subset_file, capsys):
    """Check `embedkit evaluate analogies --json` on a question file: sections, totals, skipped."""
    assert main(["evaluate", "analogies", "--questions", str(subset_file), "--restrict", "20000", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in d["sections"]][:2] == ["capital-common-countries", "capital-world"]
    assert set(d["sections"][0]) >= {"name", "correct", "total", "accuracy"}
    assert d["total"]["total"] + d["skipped"] == 168
    assert d["semantic"]["total"] + d["syntactic"]["total"] == d["total"]["total"]


def test_cli_text_tables(subset_file, capsys):
    """Check the readable tables of both subcommands."""
    assert (
        main(["evaluate", "analogies", "--questions", str(subset_file), "--restrict", "20000", "--method", "3cosmul"])
        == 0
    )
    out = capsys.readouterr().out
    assert "3cosmul, restrict=20000" in out and "capital-common-countries" in out and "total" in out
    assert main(["evaluate", "similarity", "wordsim353", "simlex999"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:5] == ["wordsim353", "353", "0", "0.5066", "0.5033"]
    assert lines[2].split()[:5] == ["simlex999", "998", "1", "0.2923", "0.2631"]


def test_cli_similarity_json(capsys):
    """Check `embedkit evaluate similarity --json`: one object per file with the interval."""
    assert main(["evaluate", "similarity", "wordsim353", "--json", "--n-boot", "100"]) == 0
    (d,) = json.loads(capsys.readouterr().out)
    assert (d["name"], d["pairs"], d["oov_pairs"]) == ("wordsim353", 353, 0)
    assert_allclose(d["spearman"], 0.503320, atol=1e-6)
    assert d["spearman_ci"][0] < d["spearman"] < d["spearman_ci"][1]


def test_cli_every_question_unknown_is_an_error(tmp_path, capsys):
    """Check that a question file whose every question is unknown exits 1 with one line, not `0/0`."""
    q = tmp_path / "q.txt"
    q.write_text(": s\nzzqq1 zzqq2 zzqq3 zzqq4\nqqzz1 qqzz2 qqzz3 qqzz4\n")
    assert main(["evaluate", "analogies", "--questions", str(q), "--restrict", "1000"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == (
        f"embedkit: error: none of the 2 questions of {q} has all four words among the "
        "first 1,000 words of glove-6b-50d: nothing to evaluate\n"
    )


def test_cli_malformed_lines_and_encoding_are_stated(tmp_path, capsys):
    """Check that text output states malformed lines (count, first line) and a non-UTF-8 file's encoding."""
    q = tmp_path / "q.txt"
    q.write_text(": s\nman king woman queen\nfrance paris italy\nbig bigger small smaller\nx\n")
    assert main(["evaluate", "analogies", "--questions", str(q), "--n-boot", "10"]) == 0
    assert capsys.readouterr().err == (
        f"embedkit: warning: {q}: skipped 2 malformed lines (not four words), the first at line 3\n"
    )
    assert main(["evaluate", "analogies", "--questions", str(q), "--n-boot", "10", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["invalid_lines"], d["first_invalid_line"], d["encoding"]) == (2, 3, "utf-8")
    s = tmp_path / "latin.txt"
    s.write_bytes(b"caf\xe9\ttea\t3.0\nking\tqueen\t8\nman\twoman\t7\ncat\tdog\t7.5\n")
    assert main(["evaluate", "similarity", str(s), "--n-boot", "10"]) == 0
    out, err = capsys.readouterr()
    assert err == f"embedkit: warning: {s} is not UTF-8; read it as Windows-1252 (cp1252)\n"
    assert out.splitlines()[1].split()[:3] == [str(s), "4", "0"]  # café is known: all four pairs count


@pytest.mark.parametrize("extra, shown", [([], True), (["-q"], False), (["--quiet"], False), (["--json"], False)])
def test_cli_analogies_progress_bar(subset_file, capsys, monkeypatch, extra, shown):
    """Check that `evaluate analogies` shows its progress bar on stderr, and never with -q or --json."""
    monkeypatch.setattr(analogies, "PROGRESS_DELAY", 0.0)  # as if the evaluation took long
    argv = ["evaluate", "analogies", "--questions", str(subset_file), "--restrict", "20000", "--n-boot", "10"]
    assert main([*argv, *extra]) == 0
    err = capsys.readouterr().err
    assert ("analogies (3cosadd)" in err) is shown
    if shown:  # the 112 answered questions are counted (56 are skipped); stderr here is a log: plain lines
        bar = [line for line in err.splitlines() if line.startswith("analogies (3cosadd): ")]
        assert bar[-1].startswith("analogies (3cosadd): 112/112 (100%), ") and "\r" not in err


@pytest.mark.parametrize("extra, shown", [([], True), (["-q"], False), (["--json"], False)])
def test_cli_similarity_progress_bar(capsys, monkeypatch, extra, shown):
    """Check that `evaluate similarity` shows its progress bar on stderr, and never with -q or --json."""
    from embedkit import progress

    monkeypatch.setattr(progress, "PROGRESS_DELAY", 0.0)  # as if the evaluation took long
    assert main(["evaluate", "similarity", "wordsim353", "--n-boot", "10", *extra]) == 0
    err = capsys.readouterr().err
    assert ("similarity (wordsim353)" in err) is shown
    if shown:  # four steps: vocabulary, cosines, correlations, bootstrap
        assert err.splitlines()[-1].startswith("similarity (wordsim353): 4/4 (100%), ")
