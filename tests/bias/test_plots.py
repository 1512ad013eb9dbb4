"""Tests for embedkit.bias.plots: projections on the bias direction and the effect-size figure."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit import Vectors
from embedkit.bias import (
    DirectionProjection,
    bias_subspace,
    plot_direction,
    plot_effect_sizes,
    project_on_direction,
    weat_from_scores,
)
from embedkit.errors import DataError, EmbedkitWarning

V = Vectors(
    ["she", "he", "woman", "man", "nurse", "doctor"],
    np.array([[1, 1, 0], [-1, 1, 0], [2, 0, 1], [-2, 0, 1], [3, 4, 0], [-1, 0, 1]], dtype=np.float32),
)
SUB = bias_subspace(V, [("she", "he"), ("woman", "man")])


def test_projection_by_hand():
    """Check the cosines with the direction e1, signed so that she is positive, and missing words warned."""
    with pytest.warns(EmbedkitWarning, match=r"^dropped words missing from the vectors: 'zzq'$"):
        p = project_on_direction(V, ["nurse", "doctor", "zzq"], subspace=SUB)
    assert p.words == ("nurse", "doctor") and p.missing == ("zzq",)
    assert_allclose(p.values, [0.6, -(2**-0.5)], atol=1e-7)
    flipped = project_on_direction(V, ["nurse"], subspace=SUB, orient=("he", "she"))
    assert_allclose(flipped.values, [-0.6], atol=1e-7)
    with pytest.raises(DataError, match=r"^none of the 1 words is in the vectors$"):
        project_on_direction(V, ["zzq"], subspace=SUB)
    with pytest.raises(
        DataError, match=r"^orient: 'shee' is not in the vectors \(the two words set which side is positive\)$"
    ):
        project_on_direction(V, ["nurse"], subspace=SUB, orient=("shee", "he"))


def test_glove_occupations(glove):
    """Check nurse and programmer on GloVe 6B 50d's she-he direction (Bolukbasi's axis)."""
    p = project_on_direction(glove, ["nurse", "homemaker", "programmer", "captain"])
    assert_allclose(p.values, [0.2620, 0.3202, -0.2161, -0.4892], atol=1e-4)


def test_plot_direction():
    """Check that each word gets a dot and a label, sorted by projection, on a new Figure."""
    p = DirectionProjection(("a", "b", "c"), (0.3, -0.2, 0.1), "she", "he")
    fig = plot_direction(p)
    ax = fig.axes[0]
    assert [t.get_text().strip() for t in ax.texts] == ["b", "c", "a"]
    assert_allclose(ax.collections[0].get_offsets()[:, 0], [-0.2, 0.1, 0.3])
    assert ax.get_xlabel() == "projection on the he \u2192 she direction (cosine)"
    assert ax.get_title() == "3 words on the she-he direction"


def test_plot_effect_sizes():
    """Check one error-bar series per vector set, the tests as row labels, and mismatched tests refused."""
    r1 = weat_from_scores(np.array([0.3, 0.5, 0.2]), np.array([0.1, -0.2, 0.0]), name="t1", n_boot=200)
    r2 = weat_from_scores(np.array([0.1, 0.0, 0.2]), np.array([0.1, 0.2, 0.0]), name="t2", n_boot=200)
    a1 = weat_from_scores(np.array([0.1, 0.0, 0.2]), np.array([0.1, 0.2, 0.0]), name="t1", n_boot=200)
    fig = plot_effect_sizes({"before": [r1, r2], "after": [a1, r2]})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["t1", "t2"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["before", "after"]
    line = ax.containers[0].lines[0]
    assert_allclose(line.get_xdata(), [r1.effect_size, r2.effect_size])
    with pytest.raises(DataError, match=r"^'after' holds other tests than 'before'"):
        plot_effect_sizes({"before": [r1, r2], "after": [r2, r1]})
    with pytest.raises(DataError, match=r"^no results to plot$"):
        plot_effect_sizes({})
