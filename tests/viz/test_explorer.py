"""The explorer without a browser: what the page holds, the budget, metadata, bad input, the CLI."""

from __future__ import annotations

import base64
import json
import re
import sys

import numpy as np
import pytest

import embedkit
from embedkit import Vectors
from embedkit.cli import main
from embedkit.errors import DataError, DataFileError, InvalidArgumentError, MissingDependencyError
from embedkit.viz import explorer as explorer_module
from embedkit.viz.explorer import EMBED_BUDGET, explore, read_metadata
from embedkit.viz.projection import Projection

pytest.importorskip("plotly", reason="plotly is not installed: pip install 'embedkit[explore]'")


@pytest.fixture(scope="module")
def small(glove):
    return explore(glove, 300, k=5, clusters=4)


def test_page_is_self_contained(small):
    """Check that the page loads no script, style or font from elsewhere and inlines plotly.js."""
    page = small.html()
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert "https://cdn" not in page.split("<script>", 1)[0]
    assert 'id="search"' in page and 'id="neighbors"' in page and 'id="analogy-result"' in page
    assert "plotly.js v" in page


def test_embedded_rows_are_the_float16_rows(small, glove):
    """Check that within the budget the page's vectors are the words' rows rounded to float16."""
    assert small.embedded
    assert small.vectors.keys == glove.keys[:300]
    np.testing.assert_array_equal(small.vectors.matrix, glove.matrix[:300].astype(np.float16))
    assert small.to_dict()["embed_budget"] == EMBED_BUDGET == 5_000_000


def test_budget_decides_what_the_page_holds(glove):
    """Check that above the budget the page holds exact neighbour lists equal to nearest() on float32 rows."""
    ex = explore(glove, 200, k=4, clusters=0, embed=False)
    assert not ex.embedded and ex.vectors.matrix.dtype == np.float32
    want = embedkit.nearest(ex.vectors, "he", k=4)
    row = ex.vectors.index["he"]
    assert [ex.vectors.keys[r] for r in ex.neighbor_rows[row]] == want.words
    np.testing.assert_allclose(ex.neighbor_scores[row], want.scores, atol=1e-6)
    assert "cannot answer analogies" in ex.budget_note()


def test_hnsw_neighbour_lists_are_the_approximate_index_answers(glove):
    """Check that index='hnsw' lists nearest_many(index='hnsw', ef=200) per word and the page says they are approximate."""
    ex = explore(glove, 500, k=4, clusters=0, embed=False, index="hnsw")
    assert ex.index == "hnsw" and ex.to_dict()["neighbor_index"] == "hnsw"
    words = [ex.vectors.keys[r] for r in (3, 120, 480)]
    for res in embedkit.nearest_many(ex.vectors, words, k=4, index="hnsw", ef=explorer_module.HNSW_EF):
        row = ex.vectors.index[res.query]
        assert [ex.vectors.keys[r] for r in ex.neighbor_rows[row]] == res.words
        np.testing.assert_allclose(ex.neighbor_scores[row], res.scores, atol=1e-6)
    assert "approximate HNSW index: about 99% of them exact, with exact cosines" in ex.budget_note()


def test_neighbour_lists_default_to_hnsw_above_the_exact_limit(glove, monkeypatch):
    """Check that index=None lists exact neighbours up to EXACT_NEIGHBORS_MAX words and HNSW ones above it."""
    assert explorer_module.EXACT_NEIGHBORS_MAX == 100_000
    monkeypatch.setattr(explorer_module, "EXACT_NEIGHBORS_MAX", 300)
    assert explore(glove, 300, k=3, clusters=0, embed=False).index == "exact"
    above = explore(glove, 301, k=3, clusters=0, embed=False)
    assert above.index == "hnsw" and "(precomputed with an approximate HNSW index" in above.budget_note()
    assert explore(glove, 301, k=3, clusters=0, embed=False, index="exact").index == "exact"
    assert explore(glove, 301, k=3, clusters=0).to_dict()["neighbor_index"] is None  # embedded: no lists


def test_bad_index_is_refused(glove):
    """Check that an unknown index name is refused with the two names allowed."""
    with pytest.raises(InvalidArgumentError, match=r"^index must be 'exact' or 'hnsw', got 'ivf'$"):
        explore(glove, 10, index="ivf")  # type: ignore[arg-type]


def test_coordinates_are_planar_in_the_page(small):
    """Check that the page holds every x, then every y (float32), so the map's traces are views."""
    page = small.html()
    b64 = re.search(r'id="embedkit-coords">([^<]*)<', page).group(1)
    got = np.frombuffer(base64.b64decode(b64), dtype="<f4")
    np.testing.assert_array_equal(got[:300], small.projection.coords[:, 0].astype(np.float32))
    np.testing.assert_array_equal(got[300:], small.projection.coords[:, 1].astype(np.float32))
    # The data the first picture does not need come after the page's script.
    assert page.index('id="embedkit-vectors"') > page.index("window.embedkitExplorer = api")


def test_clusters_are_numbered_from_the_most_frequent_word(small):
    """Check that k-means cluster 1 holds the most frequent word and each cluster is named by its first words."""
    (c,) = small.colorings
    assert c.name == "k-means (4 clusters)"
    assert c.codes[0] == 0 and c.categories[0].startswith("1: the, ")
    assert sorted(set(c.codes.tolist())) == [0, 1, 2, 3]


def test_metadata_columns_become_colourings(tmp_path, glove):
    """Check that each metadata column is a colouring; page words the file omits are 'other'."""
    path = tmp_path / "m.tsv"
    path.write_text("word\tkind\tfirst\nthe\tfunction\tt\nof\tfunction\to\nand\tconjunction\ta\n")
    ex = explore(glove, 50, clusters=0, metadata=path)
    names = {c.name: c for c in ex.colorings}
    assert list(names) == ["kind", "first"]
    kind = names["kind"]
    assert kind.categories == ("function", "conjunction", "other")
    assert kind.codes[:3].tolist() == [0, 2, 2]  # the, ",", "."


def test_metadata_columns_keep_every_value_for_search(tmp_path, glove):
    """Check that the page holds each metadata column's every value (not only the 19 coloured), as distinct values and codes."""
    words = glove.keys[:300]
    path = tmp_path / "m.tsv"
    path.write_text("word\tstart\n" + "".join(f"{w}\t{w[:2]}\n" for w in words[:200]), encoding="utf-8")
    ex = explore(glove, 300, clusters=0, metadata=path)
    values = tuple(w[:2] if i < 200 else "" for i, w in enumerate(words))
    assert ex.columns == (("start", values),)
    col = ex._meta()["columns"][0]
    assert col["values"] == list(dict.fromkeys(values)) and len(col["values"]) > 20  # more than the legend's colours
    codes = np.frombuffer(base64.b64decode(col["codes"]), dtype="<u4")
    assert [col["values"][c] for c in codes] == list(values)


def test_metadata_rows_must_match_the_page(tmp_path):
    """Check that metadata rows naming other words or with the wrong field count fail on their line."""
    path = tmp_path / "m.tsv"
    path.write_text("word\tkind\nthe\tfunction\nzzqq\tx\nqqzz\ty\n")
    with pytest.raises(DataFileError, match=r"m\.tsv, line 3: 'zzqq' is not on the page \(2 rows name words"):
        read_metadata(path, ["the", "of"])
    path.write_text("word\tkind\nthe\tfunction\textra\n")
    with pytest.raises(DataFileError, match=r"line 2: 3 fields, the header has 2"):
        read_metadata(path, ["the"])


def test_metadata_word_listed_twice_is_refused(tmp_path, capsys):
    """Check that explore --metadata with two rows for one word exits 1 with one line naming the file, the word and both lines, and writes no page."""
    path = tmp_path / "m.tsv"
    path.write_text("word\tkind\nthe\tfunction\nof\tfunction\nthe\tarticle\n")
    out = tmp_path / "e.html"
    assert main(["explore", "--top", "50", "-q", "--clusters", "0", "--metadata", str(path), "-o", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"embedkit: error: {path}, line 4: a second row for 'the' (the first is line 2); one row per word\n"
    )
    assert not out.exists()


def test_projection_from_other_vectors_is_refused(glove):
    """Check that a projection whose source or words are not the vectors' gets one clear error."""
    other = Projection(("the", "of"), np.zeros((2, 2)), "pca", source="glove-6b-100d")
    with pytest.raises(DataError, match="the projection was made from 'glove-6b-100d', not from 'glove-6b-50d'"):
        explore(other, vectors=glove)
    foreign = Projection(("the", "zzqqxx", "qqzz"), np.zeros((3, 2)), "pca")
    with pytest.raises(DataError, match=r"2 of the projection's 3 words are not in the vectors \(e\.g\. 'zzqqxx'\)"):
        explore(foreign, vectors=glove)
    flat3 = Projection(("the", "of"), np.zeros((2, 3)), "pca")
    with pytest.raises(InvalidArgumentError, match="2-D projections; this one has 3 dimensions"):
        explore(flat3, vectors=glove)


def test_saved_projection_explores_with_its_parameters(tmp_path, glove):
    """Check that a saved projection reloads into a page showing its method, parameters and trustworthiness."""
    proj = embedkit.viz.project(glove, 100, method="pca")
    proj.save(tmp_path / "p.npz")
    ex = explore(Projection.load(tmp_path / "p.npz"), clusters=0)  # vectors from the recorded source
    meta = ex._meta()
    assert meta["method"] == "pca" and meta["params"] == proj.params
    assert meta["trustworthiness"] == pytest.approx(proj.trustworthiness)
    assert meta["csv_header"] == proj.csv_header()


def test_inline_view_and_save(small, tmp_path):
    """Check that Jupyter's HTML is an iframe holding the saved page, and save refuses other suffixes."""
    out = small.save(tmp_path / "e.html")
    inline = small._repr_html_()
    assert inline.startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
    assert len(inline) > out.stat().st_size  # the same page, escaped
    with pytest.raises(InvalidArgumentError, match=re.escape("save the explorer as .html, not 'e.png'")):
        small.save(tmp_path / "e.png")


def test_missing_plotly_is_one_line(small, monkeypatch):
    """Check that without plotly the page names the extra to install."""
    monkeypatch.setitem(sys.modules, "plotly.offline", None)
    monkeypatch.setitem(sys.modules, "plotly", None)
    with pytest.raises(
        MissingDependencyError, match=r'the explorer needs plotly.offline.*pip install "embedkit\[explore\]"'
    ):
        small.html()


def test_any_vectors(tmp_path):
    """Check that hand-made vectors without a source make a page, and bad arguments are refused."""
    v = Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    ex = explore(v, None, clusters=2, k=1)
    assert len(ex) == 3 and ex.embedded
    with pytest.raises(InvalidArgumentError, match="k must be a positive integer, got 0"):
        explore(v, None, k=0)


def test_cli_writes_the_page(tmp_path, capsys):
    """Check that `embedkit explore --json` writes the page and reports what it holds."""
    out = tmp_path / "e.html"
    assert main(["explore", "--top", "200", "--clusters", "3", "-o", str(out), "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["output"] == str(out) and rec["bytes"] == out.stat().st_size
    assert rec["count"] == 200 and rec["embedded"] is True and rec["k"] == 10
    assert rec["colorings"] == ["k-means (3 clusters)"]


def test_page_lists_the_vectors_other_words(small, glove):
    """Check that the page lists every vector word it does not hold, in the vectors' order, as one JSON string."""
    assert small.other_words_total == len(glove) - 300 == len(small.other_words)
    assert small.other_words[:3] == tuple(glove.keys[300:303])
    listed = re.search(r'id="embedkit-other-words">([^<]*)<', small.html()).group(1)
    assert json.loads(listed).split("\n") == list(small.other_words)


def test_several_methods_make_one_page(glove, monkeypatch):
    """Check that method=['pca', 'tsne'] holds both, t-SNE on the first SLOW_METHOD_MAX words, NaN past them in the page."""
    monkeypatch.setattr(explorer_module, "SLOW_METHOD_MAX", 100)
    ex = explore(glove, 150, method=["pca", "tsne"], clusters=0)
    assert ex.projection.method == "pca" and [q.method for q in ex.more] == ["tsne"]
    assert ex.more[0].words == ex.projection.words[:100]
    assert ex.to_dict()["methods"] == ["pca", "tsne"] and ex.title == "PCA, t-SNE of 150 words (glove-6b-50d)"
    coords = ex._more_coords()  # (1, 2, 150)
    np.testing.assert_array_equal(coords[0, :, :100], ex.more[0].coords.T.astype(np.float32))
    assert np.isnan(coords[0, :, 100:]).all()
    assert [p["method"] for p in ex._meta()["projections"]] == ["pca", "tsne"]
    with pytest.raises(
        InvalidArgumentError, match=r"one or more of 'pca', 'tsne', 'umap', each once, got \['pca', 'pca'\]"
    ):
        explore(glove, 50, method=["pca", "pca"])


def test_cli_takes_several_methods(tmp_path, capsys, monkeypatch):
    """Check that `embedkit explore --method pca tsne --3d` writes one page holding both and t-SNE's 3-D fit."""
    monkeypatch.setattr(explorer_module, "SLOW_METHOD_MAX", 80)
    out = tmp_path / "e.html"
    assert (
        main(
            ["explore", "--top", "120", "--method", "pca", "tsne", "--3d", "--clusters", "0", "-o", str(out), "--json"]
        )
        == 0
    )
    rec = json.loads(capsys.readouterr().out)
    assert rec["methods"] == ["pca", "tsne"] and rec["more_counts"] == [80] and rec["fits3d"] == ["tsne"]
    assert 'id="embedkit-more-coords">' in out.read_text()


@pytest.mark.slow
def test_three_d_fits_tsne_in_three_dimensions(glove, monkeypatch):
    """Check that three_d=True fits t-SNE again in 3-D on the same words, and the page holds those coordinates (PCA needs no fit)."""
    monkeypatch.setattr(explorer_module, "SLOW_METHOD_MAX", 100)
    ex = explore(glove, 150, method=["pca", "tsne"], clusters=0, three_d=True)
    fit = ex.fits3d[1]
    assert ex.fits3d[0] is None and fit is not None and fit.dim == 3 and fit.method == "tsne"
    assert fit.words == ex.more[0].words and ex.to_dict()["fits3d"] == ["tsne"]
    coords = ex._coords3()  # (1, 3, 150)
    np.testing.assert_array_equal(coords[0, :, :100], fit.coords.T.astype(np.float32))
    assert np.isnan(coords[0, :, 100:]).all()
    assert [p["has3d"] for p in ex._meta()["projections"]] == [False, True]
    assert ex._meta()["projections"][1]["trustworthiness_3d"] == fit.trustworthiness
