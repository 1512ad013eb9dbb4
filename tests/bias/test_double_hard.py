"""Tests for embedkit.bias.double_hard: two-means, the frequency direction, and Double-Hard Debias on GloVe 6B 50d
(its defining properties, and the frequency step against WEFE 1.0.1's DoubleHardDebias)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit import Vectors
from embedkit.bias import (
    GENDER_SPECIFIC_FULL,
    bias_subspace,
    double_hard_debias,
    frequency_direction,
    two_means,
    weat,
)
from embedkit.errors import DataError, InvalidArgumentError


def test_two_means_by_hand():
    """Check two-means on two clear groups, the same labels for the same seed, and the lower-inertia split."""
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 0.1, size=(30, 3)), rng.normal(4, 0.1, size=(20, 3))])
    labels = two_means(x, seed=5)
    assert labels[0] != labels[-1] and len(set(labels[:30])) == 1 and len(set(labels[30:])) == 1
    assert np.array_equal(two_means(x, seed=5), labels)
    # four points on a line: {0, 1} / {10, 11} has inertia 1, any other split more
    lab = two_means(np.array([[0.0], [1.0], [10.0], [11.0]]), seed=1)
    assert lab[0] == lab[1] != lab[2] == lab[3]


def _line_vectors() -> Vectors:
    # he/she differ on axis 0; "a*" words lean to she, "b*" to he; axis 1 carries a large shared offset.
    keys = ["he", "she", "man", "woman", "a1", "a2", "b1", "b2", "c"]
    m = np.array(
        [[1, 5, 0], [-1, 5, 0], [1, 4, 1], [-1, 4, 1], [-1, 3, 1], [-2, 6, 0], [1, 3, 2], [2, 6, 1], [0, 5, 3]],
        dtype=np.float32,
    )
    return Vectors(keys, m)


def test_frequency_direction_small():
    """Check the search on 9 words: the female and male words by cos(he) - cos(she), one score per candidate, and
    that purifying leaves every vector the same coordinate on the chosen component."""
    v = _line_vectors()
    f = frequency_direction(
        v,
        definitional=[("she", "he"), ("woman", "man")],
        specific=["he", "she", "man", "woman"],
        n_words=2,
        n_candidates=3,
    )
    assert set(f.female) == {"a1", "a2"} and set(f.male) == {"b1", "b2"}
    assert len(f.scores) == 3 and f.chosen == int(np.argmin(f.scores))
    assert all(0.5 <= s <= 1.0 for s in f.scores)
    u = f.components[f.chosen]
    along = f.purify(v.matrix) @ u
    assert_allclose(along, -float(f.mean @ u), atol=1e-12)  # (w - mu) . u - (u . w) = -mu . u
    assert_allclose(np.abs(f.direction), [1, 0, 0], atol=1e-12)
    assert f.to_dict()["chosen"] == f.chosen


def test_frequency_direction_errors():
    """Check the errors for a missing pair word, too few words and a bad candidate count."""
    v = _line_vectors()
    kw = {"definitional": [("she", "he"), ("woman", "man")], "n_candidates": 2}
    with pytest.raises(DataError, match=r"^the gender pair word 'him' is not in the vectors$"):
        frequency_direction(v, pair=("him", "she"), **kw)
    with pytest.raises(DataError, match=r"^n_words=5 needs 10 words outside the gender-specific list, found 9$"):
        frequency_direction(v, n_words=5, specific=[], **kw)
    with pytest.raises(InvalidArgumentError, match=r"^n_candidates must be in 1..3, got 4$"):
        frequency_direction(v, **{**kw, "n_candidates": 4})


WEFE_FIXTURE = Path(__file__).with_name("wefe_double_hard_glove6b50d.json")


def test_frequency_step_matches_wefe(glove):
    """Check against WEFE's DoubleHardDebias given its candidate components: the same 1,000 + 1,000 words, the
    purified target vectors to float32 tolerance, the same chosen component, and each score within the spread of
    WEFE's unseeded k-means over three runs (0.02)."""
    ref = json.loads(WEFE_FIXTURE.read_text(encoding="utf-8"))
    f = frequency_direction(glove, components=np.asarray(ref["components"]))
    assert set(f.female) == set(ref["female"]) and set(f.male) == set(ref["male"])  # order: float32 near-ties
    g = np.asarray(ref["bias_direction"])
    assert_allclose(abs(float(f.direction @ g)), 1.0, atol=1e-6)
    assert_allclose(f.mean, ref["mean"], atol=2e-5)
    for word, vec in ref["vectors"].items():
        p = f.purify(glove.matrix[[glove.index[word]]])[0]
        p -= g * (p @ g) / (g @ g)
        assert_allclose(p, vec, atol=2e-5, err_msg=word)
    runs = np.array([ref["scores"], *ref["scores_reruns"]])
    assert f.chosen == ref["chosen"] == 0
    assert np.all(np.asarray(f.scores) >= runs.min(axis=0) - 0.02)
    assert np.all(np.asarray(f.scores) <= runs.max(axis=0) + 0.02)


@pytest.fixture(scope="module")
def double_hard(glove):
    return double_hard_debias(glove)


@pytest.mark.slow  # Double-Hard Debias of 400,000 words
def test_glove_double_hard_properties(glove, double_hard):
    """Check on GloVe 6B 50d: neutral words have zero projection on the purified vectors' gender direction, each
    equality pair is equidistant from neutral words, gender-specific words keep their gender, rows are unit."""
    f = frequency_direction(glove)
    purified = Vectors(glove.keys_view, f.purify(glove.matrix).astype(np.float32))
    g = bias_subspace(purified).direction
    for w in ["nurse", "programmer", "homemaker", "doctor", "math", "poetry"]:
        assert abs(float(double_hard[w] @ g)) < 1e-6, w
    for a, b in [("he", "she"), ("king", "queen"), ("man", "woman")]:
        for w in ["doctor", "nurse", "engineer"]:
            assert float(double_hard[a] @ double_hard[w]) == pytest.approx(
                float(double_hard[b] @ double_hard[w]), abs=1e-6
            )
    assert "actress" in GENDER_SPECIFIC_FULL and abs(float(double_hard["actress"] @ g)) > 0.1
    assert_allclose(np.linalg.norm(double_hard.matrix[:1000], axis=1), 1, atol=1e-6)
    assert double_hard.source.endswith("(double-hard-debiased)")


@pytest.mark.slow  # shares the debiased vectors above
def test_glove_double_hard_weat(glove, double_hard):
    """Check the gender tests after Double-Hard Debias (population sd): weat6 and weat7 measured values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        after = [weat(double_hard, t, n_boot=0, ddof=0).effect_size for t in ("weat6", "weat7", "weat8")]
    assert_allclose(after, [0.9839, -1.1992, -0.4543], atol=1e-3)
