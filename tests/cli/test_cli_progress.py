"""Tests for the progress of the commands that can make people wait: reading a vector file for the
first time (every command), `convert`'s writing and `projector`'s export; `-q` and `--json` silence them.
Captured stderr is not a terminal: progress there is plain lines (tests/test_progress.py has the bars)."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from embedkit import progress
from embedkit.cli import main


@pytest.fixture
def text_file(tmp_path):
    """A fresh GloVe text file (3,000 x 10): never parsed before, so loading it parses it."""
    rng = np.random.default_rng(0)
    lines = [f"w{i} " + " ".join(f"{x:.4f}" for x in row) for i, row in enumerate(rng.standard_normal((3000, 10)))]
    p = tmp_path / "vectors.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.fixture
def no_delay(monkeypatch):
    """As if every step took long: bars appear at once."""
    monkeypatch.setattr(progress, "PROGRESS_DELAY", 0.0)


@pytest.mark.parametrize("quiet", [False, True])
def test_convert_shows_reading_and_writing(text_file, tmp_path, capsys, no_delay, quiet):
    """Check that `convert` shows a bar while it parses and one while it writes, and none with -q."""
    argv = ["convert", str(text_file), str(tmp_path / "out.bin"), "--to", "word2vec-binary"]
    assert main([*argv, *(["-q"] if quiet else [])]) == 0
    err = capsys.readouterr().err
    assert ("reading " + str(text_file) in err) is not quiet
    assert ("writing out.bin" in err) is not quiet
    if not quiet:
        assert "/3.00k" in err  # the writing bar knows its total


@pytest.mark.parametrize("extra, shown", [([], True), (["-q"], False), (["--json"], False)])
def test_first_load_of_a_file_shows_progress(text_file, capsys, no_delay, extra, shown):
    """Check that a command loading a text file for the first time counts the vectors parsed on stderr."""
    assert main(["info", "--vectors", str(text_file), *extra]) == 0
    assert ("reading " + str(text_file) in capsys.readouterr().err) is shown


def test_neighbors_and_plots_take_quiet(text_file, tmp_path, capsys, no_delay):
    """Check that neighbors and the plot commands accept -q and then print nothing on stderr."""
    assert main(["neighbors", "w1", "-k", "2", "--vectors", str(text_file), "-q"]) == 0
    assert capsys.readouterr().err == ""
    out = tmp_path / "h.png"
    assert main(["plot", "heatmap", "w1", "w2", "--vectors", str(text_file), "-o", str(out), "-q"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("quiet", [False, True])
def test_projector_export_shows_progress(text_file, tmp_path, capsys, no_delay, quiet):
    """Check that the projector export counts the vectors written, and not with -q."""
    main(["info", "--vectors", str(text_file), "-q"])  # parsed once: only the export is left to show
    capsys.readouterr()
    argv = ["projector", str(tmp_path / "proj"), "--top", "3000", "--vectors", str(text_file)]
    assert main([*argv, *(["-q"] if quiet else [])]) == 0
    err = capsys.readouterr().err
    assert ("writing vectors.tsv" in err) is not quiet
    assert "reading" not in err


@pytest.mark.parametrize("quiet", [False, True])
def test_classify_cv_shows_the_folds(tmp_path, capsys, no_delay, quiet):
    """Check that `classify cv` shows a bar of the folds by default, and none with -q."""
    lines = [f"{i % 2} {'good fun nice' if i % 2 == 0 else 'bad dull awful'} w{i}" for i in range(24)]
    data = tmp_path / "data.txt"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = ["classify", "cv", "--data", str(data), "--folds", "3", "--model", "tfidf-logreg"]
    assert main([*argv, *(["-q"] if quiet else [])]) == 0
    err = capsys.readouterr().err
    assert ("cross-validation (tfidf-logreg)" in err) is not quiet
    if not quiet:
        lines = err.splitlines()
        assert all(
            re.fullmatch(r"cross-validation \(tfidf-logreg\): [123]/3 \(\d+%\), 00:\d\d", line) for line in lines
        )
        assert lines[0].startswith("cross-validation (tfidf-logreg): 1/3 (33%), ")
        assert lines[-1].startswith("cross-validation (tfidf-logreg): 3/3 (100%), ")


@pytest.mark.parametrize("quiet", [False, True])
def test_hnsw_build_shows_progress(text_file, capsys, no_delay, quiet):
    """Check that `neighbors --index hnsw` shows a bar while it builds the graph, and none with -q."""
    pytest.importorskip("faiss")
    main(["info", "--vectors", str(text_file), "-q"])  # parsed once: only the build is left to show
    capsys.readouterr()
    argv = ["neighbors", "w1", "-k", "3", "--index", "hnsw", "--vectors", str(text_file)]
    assert main([*argv, *(["-q"] if quiet else [])]) == 0
    captured = capsys.readouterr()
    assert ("building the HNSW graph" in captured.err) is not quiet
    assert captured.out.startswith("w1:")


def test_report_takes_q(capsys):
    """Check that `report` takes -q as the other commands do (it was --quiet only)."""
    assert main(["report", "glove-6b-50d", "-o", "r.html", "-q"]) == 1
    assert capsys.readouterr().err == "embedkit: error: report needs at least two vector sets\n"


@pytest.mark.parametrize("enabled", [True, False])
def test_waiting_counts_seconds_of_work_without_steps(capsys, no_delay, enabled):
    """Check that work reporting no steps (loading torch and a model) writes a line once it has run the
    delay and one when it ends (stderr here is not a terminal), and nothing when disabled."""
    import time

    with progress.waiting("loading torch and the model", enabled=enabled):
        deadline = time.monotonic() + (30 if enabled else 0.5)  # the first line, even on a loaded machine
        while "\n" not in sys.stderr.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    err = capsys.readouterr().err
    want = r"loading torch and the model \.\.\.\nloading torch and the model: done in 00:0\d\n"
    assert bool(re.fullmatch(want, err)) is enabled, err
    assert enabled or err == ""


def test_waiting_stays_silent_for_short_work(capsys):
    """Check that work shorter than the delay leaves stderr as it was."""
    with progress.waiting("loading torch and the model"):
        pass
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("extra, shown", [([], True), (["-q"], False), (["--json"], False)])
def test_classify_predict_shows_model_loading(tmp_path, capsys, no_delay, monkeypatch, extra, shown):
    """Check that `classify predict` shows a line while the model loads, and not with -q or --json."""
    import time

    import embedkit.classify as classify_pkg

    data = tmp_path / "labels.txt"
    data.write_text("".join(f"{i % 2} {'fine film' if i % 2 else 'dull plot'} {i}\n" for i in range(40)))
    model = tmp_path / "m.npz"
    assert main(["classify", "train", "--train", str(data), "--model", "tfidf-logreg", "-o", str(model), "-q"]) == 0
    capsys.readouterr()
    load = classify_pkg.load_classifier

    def slow_load(path):
        time.sleep(0.8)
        return load(path)

    monkeypatch.setattr(classify_pkg, "load_classifier", slow_load)
    assert main(["classify", "predict", "--model", str(model), "fine film", *extra]) == 0
    assert ("loading the model ...\n" in capsys.readouterr().err) is shown


# Runs embedkit's CLI as if every step took long and loading a classifier took 1.5 s.
AS_IF_SLOW = """
import sys, time
import embedkit.classify as classify_pkg
from embedkit import progress
from embedkit.cli import main

progress.PROGRESS_DELAY = 0.0
load = classify_pkg.load_classifier


def slow_load(path):
    time.sleep(1.5)
    return load(path)


classify_pkg.load_classifier = slow_load
sys.exit(main(sys.argv[1:]))
"""


def _run_piped(tmp_path, *argv: str) -> subprocess.CompletedProcess:
    script = tmp_path / "as_if_slow.py"
    script.write_text(AS_IF_SLOW)
    return subprocess.run(
        [sys.executable, str(script), *argv], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
@pytest.mark.parametrize("quiet", [False, True])
def test_piped_stderr_gets_plain_lines_then_a_clean_error(tmp_path, quiet):
    """Check that with stderr piped (a log file, CI), a command whose progress shows before it fails writes
    whole lines with no '\\r' or padding, its error line stays clean, and -q leaves only the error."""
    bad = tmp_path / "bad.npz"
    bad.write_text("not a model\n")
    r = _run_piped(tmp_path, "classify", "predict", "--model", str(bad), "fine film", *(["-q"] if quiet else []))
    error = f"embedkit: error: {bad}: not a readable embedkit checkpoint (not a PyTorch file)\n"
    assert r.returncode == 1 and r.stdout == ""
    if quiet:
        assert r.stderr == error
    else:
        assert "\r" not in r.stderr
        lines = r.stderr.splitlines(keepends=True)
        assert lines[0] == "loading the model ...\n" and lines[-1] == error
        assert all(re.fullmatch(r"loading the model: \d\d:\d\d so far\n", line) for line in lines[1:-2])
        assert re.fullmatch(r"loading the model: stopped after \d\d:\d\d\n", lines[-2]), r.stderr


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_piped_stderr_gets_plain_progress_lines(tmp_path):
    """Check that a command's progress bar becomes plain lines on a piped stderr, stdout untouched."""
    r = _run_piped(tmp_path, "evaluate", "similarity", "wordsim353", "--n-boot", "10")
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stderr and r.stderr.endswith("\n")
    lines = r.stderr.splitlines()
    assert all(re.fullmatch(r"similarity \(wordsim353\): [1-4]/4 \(\d+%\), 00:\d\d", line) for line in lines), r.stderr
    assert lines[0].startswith("similarity (wordsim353): 1/4 (25%), ")
    assert lines[-1].startswith("similarity (wordsim353): 4/4 (100%), ")
    assert r.stdout.splitlines()[1].split()[:3] == ["wordsim353", "353", "0"]
