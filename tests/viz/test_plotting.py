"""Figures: counts of points, labels and arrows on the axes, no piled-up labels, PNG and SVG output."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import embedkit
from embedkit.text import is_word
from embedkit.viz.labels import place_labels
from embedkit.viz.plots import (
    plot_analogies,
    plot_neighbors,
    plot_projection,
    plot_similarity_matrix,
    plot_vectors_heatmap,
)
from embedkit.viz.projection import Projection
from embedkit.viz.reduce import project

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _n_points(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_sizes") and len(c.get_sizes()))


def _label_boxes(fig):
    """The text boxes of the first axes' labels (an Annotation's own extent also covers its leader line)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [Text.get_window_extent(t, renderer) for t in fig.axes[0].texts]


def _overlapping(boxes) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]


@pytest.fixture(scope="module")
def pca200(glove):
    return project(glove, 200, method="pca")


def test_projection_points_labels_and_titles(pca200):
    """Check that plot_projection draws 200 points, 25 labels of the most frequent words ("first"), axis and title text."""
    fig = plot_projection(pca200, labels=25, label_choice="first")
    ax = fig.axes[0]
    assert _n_points(ax) == 200
    assert [t.get_text() for t in ax.texts] == [w for w in pca200.words if is_word(w)][:25]
    assert ax.get_title() == f"PCA of 200 words (trustworthiness {pca200.trustworthiness:.3f})"
    ratio = pca200.info["explained_variance_ratio"]
    assert ax.get_xlabel() == f"PC1 ({100 * ratio[0]:.1f}% of variance)"
    assert ax.get_ylabel().startswith("PC2 (")


def test_projection_labels_do_not_overlap(pca200):
    """Check that 40 labels in the dense middle of a 200-word PCA do not overlap one another."""
    for choice in ("first", "spread"):
        boxes = _label_boxes(plot_projection(pca200, labels=40, label_choice=choice))
        assert len(boxes) == 40
        assert _overlapping(boxes) == []


@pytest.mark.parametrize("choice", ["spread", "first"])
def test_counted_labels_are_words(glove, choice):
    """Check that 40 labels counted on the 500 most frequent tokens name words, never punctuation, numbers or clitics."""
    proj = project(glove, 500, method="pca", trust_k=0)
    assert {",", ".", "''", "'s", "(", "n't", "1"} <= set(proj.words)  # what used to be labelled
    texts = [t.get_text() for t in plot_projection(proj, labels=40, label_choice=choice).axes[0].texts]
    assert len(texts) == 40 and all(is_word(t) for t in texts)
    if choice == "first":
        assert texts[:8] == ["the", "of", "to", "and", "in", "a", "for", "that"]


def test_explicit_labels_and_group_labels_are_kept_as_given(pca200):
    """Check that words asked for by name, or through groups, are labelled even when they are not words."""
    fig = plot_projection(pca200, labels=[",", "the", "'s"])
    assert [t.get_text() for t in fig.axes[0].texts] == [",", "the", "'s"]
    fig = plot_projection(pca200, labels=2, groups={"marks": [",", "."]})
    assert sorted(t.get_text() for t in fig.axes[0].texts) == [",", "."]


def test_place_labels_spreads_a_pile():
    """Check that ten labels on one single point are spread without overlaps and get leader lines when far."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 4))
    ax = fig.add_subplot()
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    xy = np.zeros((10, 2))
    arts = place_labels(ax, xy, [f"label{i}" for i in range(10)])
    assert len(arts) == 10
    assert _overlapping(_label_boxes(fig)) == []
    assert any(a.arrow_patch is not None for a in arts)


def test_projection_groups_legend_and_colours(glove):
    """Check that groups give one legend entry each (with counts), an 'other' entry, and labels from every group."""
    groups = {"animals": ["frog", "toad", "cat"], "numbers": ["one", "two"]}
    p = project(glove, [*glove.keys[:100], "frog", "toad", "cat"], method="pca")
    fig = plot_projection(p, groups=groups, labels=4)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["other", "animals (3)", "numbers (2)"]
    assert _n_points(ax) == 103
    # Round-robin over the groups, each in projection order: frog, one, toad, two.
    assert [t.get_text() for t in ax.texts] == ["frog", "one", "toad", "two"]


def test_projection_explicit_labels_and_given_axes(pca200):
    """Check that an explicit label list skips unknown words and that drawing on a given ax returns its figure."""
    from matplotlib.figure import Figure

    fig = Figure()
    left, right = fig.subplots(1, 2)
    out = plot_projection(pca200, labels=["the", "of", "qzxqzx"], ax=right, title="mine")
    assert out is fig
    assert [t.get_text() for t in right.texts] == ["the", "of"]
    assert right.get_title() == "mine" and len(left.texts) == 0


def test_projection_3d_is_refused(glove):
    """Check that a 3-D projection is refused with a clear message."""
    p = project(glove, 20, method="pca", dim=3)
    with pytest.raises(ValueError, match="plot a 2-D projection; this one has 3 dimensions"):
        plot_projection(p)


def test_neighbors_figure(glove):
    """Check the frog figure: 15 neighbours + the query labelled with similarities, 15 lines, a colorbar."""
    nb = embedkit.nearest(glove, "frog", k=15)
    p = project(glove, ["frog", *nb.words], method="pca")
    fig = plot_neighbors(nb, p)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts[0] == "frog" and len(texts) == 16
    assert texts[1] == f"snake {nb.scores[0]:.2f}" == "snake 0.84"
    lines = [c for c in ax.collections if c.__class__.__name__ == "LineCollection"]
    assert len(lines) == 1 and len(lines[0].get_segments()) == 15
    assert _n_points(ax) == 16
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "cosine similarity to the query"
    assert ax.get_title() == "The 15 nearest neighbours of \u201cfrog\u201d (PCA)"
    assert _overlapping(_label_boxes(fig)) == []


def test_neighbors_figure_needs_words_in_projection(glove):
    """Check that a projection missing a neighbour is refused naming the word."""
    nb = embedkit.nearest(glove, "frog", k=3)
    p = project(glove, ["frog", *nb.words[:2]], method="pca", trust_k=0)
    with pytest.raises(KeyError, match=nb.words[2]):
        plot_neighbors(nb, p)


def test_analogy_arrows(glove):
    """Check that each pair becomes one arrow from a's point to b's point, with every word labelled once."""
    pairs = [("man", "woman"), ("king", "queen"), ("uncle", "aunt"), ("france", "paris"), ("italy", "rome")]
    words = [w for ab in pairs for w in ab]
    p = project(glove, words, method="pca")
    fig = plot_analogies(p, pairs, relations=["gender"] * 3 + ["capital"] * 2)
    ax = fig.axes[0]
    assert len(ax.patches) == 5
    assert sorted(t.get_text() for t in ax.texts) == sorted(words)
    for patch, (a, b) in zip(ax.patches, pairs):
        start, end = patch._posA_posB
        assert_allclose([start, end], p.coords_of([a, b]), rtol=1e-6)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["gender", "capital"]
    with pytest.raises(ValueError, match="2 relations for 5 pairs"):
        plot_analogies(p, pairs, relations=["a", "b"])


def test_heatmap_shows_the_raw_vectors(glove):
    """Check that the heatmap image is exactly the words' vectors, one labelled row per word."""
    words = ["king", "queen", "man", "woman", "water"]
    fig = plot_vectors_heatmap(glove, words)
    ax = fig.axes[0]
    assert_array_equal(ax.images[0].get_array(), glove.vectors(words))
    assert [t.get_text() for t in ax.get_yticklabels()] == words
    assert ax.get_xlabel() == "dimension"


def test_similarity_matrix_values_match_gensim(glove, glove_kv):
    """Check that the similarity matrix holds cosines equal to gensim's, with one annotation per cell."""
    words = ["cat", "dog", "car", "truck"]
    fig = plot_similarity_matrix(glove, words)
    ax = fig.axes[0]
    S = ax.images[0].get_array()
    assert S.shape == (4, 4)
    assert S[0, 1] == pytest.approx(glove_kv.similarity("cat", "dog"), abs=1e-6)
    assert S[2, 3] == pytest.approx(glove_kv.similarity("car", "truck"), abs=1e-6)
    assert len(ax.texts) == 16 and ax.texts[1].get_text() == f"{S[0, 1]:.2f}"


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_figures_save_png_and_svg(tmp_path, glove, pca200, suffix):
    """Check that every figure writes a non-empty PNG and SVG and that nothing is left in pyplot's state."""
    import matplotlib.pyplot as plt

    nb = embedkit.nearest(glove, "king", k=5)
    figs = {
        "projection": plot_projection(pca200, labels=10),
        "neighbors": plot_neighbors(nb, project(glove, ["king", *nb.words], trust_k=0)),
        "analogies": plot_analogies(
            project(glove, ["man", "woman", "king", "queen"]), [("man", "woman"), ("king", "queen")]
        ),
        "heatmap": plot_vectors_heatmap(glove, ["king", "queen"]),
        "similarity": plot_similarity_matrix(glove, ["king", "queen"]),
    }
    for name, fig in figs.items():
        path = tmp_path / f"{name}{suffix}"
        assert embedkit.save_figure(fig, path) == path
        data = path.read_bytes()
        assert len(data) > 5000, name
        assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data[:2000]
    assert plt.get_fignums() == []


def test_projection_figure_from_a_saved_projection(tmp_path, pca200):
    """Check that a projection loaded from disk redraws the same points."""
    q = Projection.load(pca200.save(tmp_path / "p.npz"))
    ax = plot_projection(q, labels=0).axes[0]
    assert_array_equal(ax.collections[0].get_offsets(), pca200.coords)
    assert len(ax.texts) == 0


def test_spread_labels_cover_the_map(glove):
    """Check that the default labels reach more of the map than the most frequent words (kept as 'first')."""
    from embedkit.viz.plots import plot_projection
    from embedkit.viz.reduce import project

    proj = project(glove, 5000, trust_k=0)
    xy = proj.coords
    lo, hi = xy.min(axis=0), xy.max(axis=0)

    def cells(fig):
        pts = np.array([t.xy for t in fig.axes[0].texts])
        return len({tuple(c) for c in np.minimum(((pts - lo) / (hi - lo) * 4).astype(int), 3).tolist()})

    spread = plot_projection(proj, labels=30)
    first = plot_projection(proj, labels=30, label_choice="first")
    assert [t.get_text() for t in first.axes[0].texts] == [w for w in proj.words if is_word(w)][:30]
    assert len(spread.axes[0].texts) == 30
    assert (cells(spread), cells(first)) == (14, 5)  # of the 16 quarters of a 4 x 4 grid
