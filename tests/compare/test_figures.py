"""The report's figures: the aligned projection labels every probe word once, with no two labels overlapping."""

from __future__ import annotations

import numpy as np
import pytest

from embedkit.compare import Comparison
from embedkit.compare.figures import figure_projection
from embedkit.viz.labels import renderer

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

# The probe words of a report comparing GloVe 6B 50d with skip-gram vectors trained on the classification
# texts (notebooks/compare.ipynb), in aligned coordinates: in the second set most words crowd into a small
# part of the first set's plane, where the labels used to pile up. ("toad" is a probe word these vectors lack.)
WORDS = [
    "king",
    "queen",
    "man",
    "woman",
    "prince",
    "princess",
    "paris",
    "france",
    "rome",
    "italy",
    "berlin",
    "germany",
    "tokyo",
    "japan",
    "one",
    "two",
    "three",
    "four",
    "five",
    "ten",
    "doctor",
    "nurse",
    "teacher",
    "lawyer",
    "engineer",
    "farmer",
    "frog",
    "dog",
    "cat",
    "horse",
    "good",
    "bad",
    "happy",
    "sad",
]
GLOVE = [
    (0.034, 0.3), (0.087, 0.414), (0.301, -0.056), (0.323, 0.09), (-0.076, 0.407), (0.077, 0.527), (-0.537, 0.313),
    (-0.532, 0.225), (-0.543, 0.284), (-0.502, 0.096), (-0.593, 0.238), (-0.604, 0.093), (-0.401, -0.014),
    (-0.324, -0.102), (0.021, -0.362), (-0.211, -0.522), (-0.206, -0.548), (-0.205, -0.569), (-0.205, -0.572),
    (-0.173, -0.512), (0.282, 0.175), (0.387, 0.168), (0.191, 0.062), (0.097, 0.197), (0.059, 0.066), (0.414, 0.007),
    (0.595, 0.026), (0.632, -0.082), (0.608, 0.008), (0.387, -0.081), (0.165, -0.211), (0.128, -0.168),
    (0.197, -0.051), (0.126, 0.155),
]  # fmt: skip
SKIPGRAM = [
    (0.024, -0.153), (0.134, -0.208), (0.244, -0.042), (0.223, -0.06), (0.052, -0.166), (0.132, -0.196),
    (-0.139, -0.174), (-0.169, -0.035), (-0.003, -0.132), (-0.108, -0.079), (-0.05, -0.136), (-0.244, -0.071),
    (-0.049, -0.1), (-0.195, -0.151), (0.04, -0.172), (-0.189, -0.471), (-0.241, -0.454), (-0.198, -0.555),
    (-0.182, -0.54), (-0.122, -0.457), (0.133, -0.139), (0.115, -0.229), (0.143, -0.104), (0.081, -0.019),
    (0.107, -0.235), (0.109, -0.216), (0.138, -0.165), (0.191, -0.154), (0.179, -0.155), (0.153, -0.239),
    (0.2, -0.143), (0.284, -0.18), (0.203, -0.208), (0.226, -0.08),
]  # fmt: skip


def _text_boxes(fig, ax):
    """The boxes of the text of ``ax``'s labels, in pixels (an Annotation's own extent includes its leader line)."""
    from matplotlib.text import Text

    rend = renderer(fig)
    fig.canvas.draw()
    return [Text.get_window_extent(t, rend) for t in ax.texts]


def test_probe_labels_do_not_overlap():
    """Check that each panel labels every probe word once, inside its axes, and that no two labels overlap."""
    comparison = Comparison([], [], {}, [], [], {"words": WORDS, "coordinates": {"glove": GLOVE, "sg": SKIPGRAM}}, {})
    fig = figure_projection(comparison)
    assert [ax.get_title() for ax in fig.axes] == ["glove", "sg"]
    for ax in fig.axes:
        assert [t.get_text() for t in ax.texts] == WORDS
        boxes = _text_boxes(fig, ax)
        pile = [
            (WORDS[i], WORDS[j])
            for i in range(len(boxes))
            for j in range(i + 1, len(boxes))
            if boxes[i].overlaps(boxes[j])
        ]
        assert pile == []
        frame = ax.get_window_extent(renderer(fig))
        outside = [
            w for w, b in zip(WORDS, boxes) if b.x0 < frame.x0 or b.x1 > frame.x1 or b.y0 < frame.y0 or b.y1 > frame.y1
        ]
        assert outside == []


def test_each_panel_has_its_own_scale():
    """Check that a set whose words crowd into a corner gets axes fitted to its own points, not the first set's."""
    comparison = Comparison([], [], {}, [], [], {"words": WORDS, "coordinates": {"glove": GLOVE, "sg": SKIPGRAM}}, {})
    fig = figure_projection(comparison)
    for ax, xy in zip(fig.axes, (np.array(GLOVE), np.array(SKIPGRAM))):
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        span = xy.max(axis=0) - xy.min(axis=0)
        assert x0 == pytest.approx(xy[:, 0].min() - 0.12 * span[0]) and x1 == pytest.approx(
            xy[:, 0].max() + 0.12 * span[0]
        )
        assert y0 == pytest.approx(xy[:, 1].min() - 0.12 * span[1]) and y1 == pytest.approx(
            xy[:, 1].max() + 0.12 * span[1]
        )
