"""The `embedkit project`, `embedkit plot ...` and `embedkit projector` commands."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import embedkit
from embedkit.cli import main
from embedkit.viz.groups import read_groups
from embedkit.viz.projection import Projection
from embedkit.viz.reduce import project

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _run_json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_project_writes_figure_projection_and_json(tmp_path, capsys, glove):
    """Check that `project --top 300 --json` writes the PNG and the projection and reports sklearn-checked quality."""
    png, npz = tmp_path / "p.png", tmp_path / "p.npz"
    out = _run_json(capsys, ["project", "--top", "300", "-o", str(png), "--save-projection", str(npz), "--json"])
    assert png.read_bytes().startswith(b"\x89PNG") and out["bytes"] == png.stat().st_size > 10_000
    assert out["method"] == "pca" and out["count"] == 300 and out["dim"] == 2
    assert out["params"]["metric"] == "cosine" and out["params"]["seed"] == 0
    ref = project(glove, 300, method="pca")
    assert out["trustworthiness"] == pytest.approx(ref.trustworthiness) == pytest.approx(0.7450, abs=1e-4)
    assert {"load", "fit", "trustworthiness", "plot"} <= set(out["timings"])
    saved = Projection.load(npz)
    assert saved.words == ref.words
    # The command sets its own BLAS thread count: allow float32 rounding between the two SVDs.
    assert_allclose(saved.coords, ref.coords, rtol=1e-5, atol=1e-5)


def test_project_groups_tsv_and_json_files(tmp_path, capsys):
    """Check that --groups (TSV or JSON) adds the group words to the projected set and to the legend."""
    tsv = tmp_path / "g.tsv"
    tsv.write_text("animals\tfrog\nanimals\ttoad\n# a comment\ncolours\tred\n", encoding="utf-8")
    js = tmp_path / "g.json"
    js.write_text(json.dumps({"animals": ["frog", "toad"], "colours": ["red"]}), encoding="utf-8")
    assert read_groups(tsv) == read_groups(js) == {"animals": ["frog", "toad"], "colours": ["red"]}
    out = _run_json(capsys, ["project", "--top", "50", "--groups", str(tsv), "-o", str(tmp_path / "g.svg"), "--json"])
    # the 50 most frequent words, then frog, toad and red (none of them among the 50)
    assert out["count"] == 53
    assert b"<svg" in (tmp_path / "g.svg").read_bytes()[:2000]
    only = _run_json(capsys, ["project", "--groups", str(js), "-o", str(tmp_path / "o.png"), "--json"])
    assert only["count"] == 3


def test_project_words_file_and_redraw(tmp_path, capsys):
    """Check --words FILE, then --from-projection redrawing the saved projection without recomputing."""
    words = tmp_path / "w.txt"
    words.write_text("king queen\nman woman\nfrog toad paris\n", encoding="utf-8")
    csv = tmp_path / "p.csv"
    out = _run_json(
        capsys,
        ["project", "--words", str(words), "-o", str(tmp_path / "a.png"), "--save-projection", str(csv), "--json"],
    )
    assert out["count"] == 7
    again = _run_json(capsys, ["project", "--from-projection", str(csv), "-o", str(tmp_path / "b.svg"), "--json"])
    assert again["count"] == 7 and "fit" not in again["timings"]
    assert again["trustworthiness"] == out["trustworthiness"]


def test_project_tsne_text_output(tmp_path, capsys):
    """Check that `project --method tsne -q` prints a summary, the whole time by stage, and no progress bar."""
    assert main(["project", "--method", "tsne", "--top", "100", "-q", "-o", str(tmp_path / "t.png")]) == 0
    cap = capsys.readouterr()
    summary, times = cap.out.splitlines()
    assert summary.startswith("tsne of 100 words, trustworthiness 0.") and summary.endswith(
        f"on 100 words; wrote {tmp_path / 't.png'}"
    )
    assert re.fullmatch(r"\d+\.\d s: load \d+\.\d s, fit \d+\.\d s, trustworthiness \d+\.\d s, plot \d+\.\d s", times)
    assert cap.err == ""


@pytest.mark.slow  # a full figure pipeline: run by the full suite
def test_project_total_time_covers_its_stages_and_no_trust_skips_the_check(tmp_path, capsys):
    """Check that the JSON total covers load, fit, trustworthiness and plot, and that --no-trust skips the check."""
    out = _run_json(capsys, ["project", "--top", "500", "-o", str(tmp_path / "p.png"), "--json"])
    t = out["timings"]
    assert t["total"] >= t["load"] + t["fit"] + t["trustworthiness"] + t["plot"]
    assert out["params"]["trustworthiness"] == {"k": 10, "sample": 500}
    out = _run_json(
        capsys, ["project", "--top", "500", "--trust-sample", "100", "-o", str(tmp_path / "p.png"), "--json"]
    )
    assert out["params"]["trustworthiness"] == {"k": 10, "sample": 100}
    out = _run_json(capsys, ["project", "--top", "500", "--no-trust", "-o", str(tmp_path / "p.png"), "--json"])
    assert out["trustworthiness"] is None and "trustworthiness" not in out["timings"]


def test_plot_neighbors_json(tmp_path, capsys, glove):
    """Check that `plot neighbors frog -k 5` writes the figure and reports the same neighbours as nearest()."""
    out = _run_json(capsys, ["plot", "neighbors", "frog", "-k", "5", "-o", str(tmp_path / "n.png"), "--json"])
    assert [r["word"] for r in out["results"]] == embedkit.nearest(glove, "frog", k=5).words
    assert [r["word"] for r in out["results"]] == ["snake", "ape", "toad", "monkey", "spider"]
    assert (tmp_path / "n.png").stat().st_size > 10_000


@pytest.mark.slow  # a full figure pipeline: run by the full suite
def test_plot_analogies_heatmap_similarity(tmp_path, capsys):
    """Check that the analogy, heatmap and similarity figures are written, and a malformed pair is an error."""
    out = _run_json(capsys, ["plot", "analogies", "man:woman", "king:queen", "-o", str(tmp_path / "a.png"), "--json"])
    assert out["pairs"] == [["man", "woman"], ["king", "queen"]]
    assert len(out["explained_variance_ratio"]) == 2 and sum(out["explained_variance_ratio"]) <= 1.0
    assert main(["plot", "heatmap", "king", "queen", "-o", str(tmp_path / "h.svg")]) == 0
    assert main(["plot", "similarity", "king", "queen", "man", "-o", str(tmp_path / "s.png")]) == 0
    capsys.readouterr()
    assert all((tmp_path / f).stat().st_size > 5000 for f in ("a.png", "h.svg", "s.png"))
    assert main(["plot", "analogies", "man-woman", "-o", str(tmp_path / "x.png")]) == 1
    assert "write each pair as A:B (e.g. man:woman), got 'man-woman'" in capsys.readouterr().err


def test_errors_are_reported(tmp_path, capsys):
    """Check that an unknown word and a wrong figure suffix exit 1 with the message (as JSON with --json)."""
    assert main(["plot", "heatmap", "king", "qzxqzx", "-o", str(tmp_path / "h.png"), "--json"]) == 1
    err = json.loads(capsys.readouterr().out)
    assert err["type"] == "UnknownWordError" and "qzxqzx" in err["error"]
    assert main(["project", "--top", "10", "-o", str(tmp_path / "p.jpg")]) == 1
    assert "must be .png, .svg or .pdf, not 'p.jpg'" in capsys.readouterr().err


def test_projector_export(tmp_path, capsys, glove):
    """Check that `projector DIR --top 20` writes 20 vectors and 20 words."""
    out = _run_json(capsys, ["projector", str(tmp_path / "tf"), "--top", "20", "--json"])
    assert out["count"] == 20 and out["dim"] == 50
    M = np.loadtxt(out["vectors"], delimiter="\t").astype(np.float32)
    assert_array_equal(M, glove.matrix[:20])
    assert (tmp_path / "tf" / "metadata.tsv").read_text().splitlines() == glove.keys[:20]


def test_readme_groups_example_file(tmp_path, capsys, glove):
    """Check that the README's docs/examples/groups.tsv exists, holds the figure's three groups of known words,
    and drives `project --groups` (PCA here; the README's t-SNE takes seconds longer)."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "docs" / "examples" / "groups.tsv"
    assert "--groups docs/examples/groups.tsv" in (path.parent.parent.parent / "README.md").read_text()
    groups = read_groups(path)
    assert list(groups) == ["countries", "numbers", "job titles"] and groups["numbers"][:3] == ["one", "two", "three"]
    assert all(w in glove for ws in groups.values() for w in ws)
    png = tmp_path / "g.png"
    out = _run_json(capsys, ["project", "--top", "200", "--groups", str(path), "-q", "-o", str(png), "--json"])
    assert out["count"] == 200 + len([w for ws in groups.values() for w in ws if glove.index_of(w) >= 200])


def test_bad_outputs_are_refused_before_the_projection(tmp_path, capsys):
    """Check that a bad --save-projection extension is reported at once (no figure written) and a good one works."""
    png = tmp_path / "p.png"
    assert main(["project", "--top", "50", "-o", str(png), "--save-projection", str(tmp_path / "p.json")]) == 1
    assert capsys.readouterr().err == "embedkit: error: --save-projection must be .npz or .csv, not 'p.json'\n"
    assert not png.exists()
    assert main(["project", "--top", "50", "-q", "-o", str(png), "--save-projection", str(tmp_path / "p.csv")]) == 0
    assert png.exists() and (tmp_path / "p.csv").exists()
