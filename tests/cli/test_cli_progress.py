"""Tests for the progress bars of the commands that can make people wait: reading a vector file for the
first time (every command), `convert`'s writing and `projector`'s export; `-q` and `--json` silence them."""

from __future__ import annotations

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
        assert "0/3 " in err


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
    """Check that work reporting no steps (loading torch and a model) shows a line once it has run the
    delay, cleared at the end, and nothing when disabled."""
    import time

    with progress.waiting("loading torch and the model", enabled=enabled):
        time.sleep(0.8)
    err = capsys.readouterr().err
    assert ("loading torch and the model: 00:0" in err) is enabled


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
    assert ("loading the model: 00:0" in capsys.readouterr().err) is shown
