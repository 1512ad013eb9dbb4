"""Tests for embedkit.bias.debias: hard debiasing by hand in 3-D and on GloVe 6B 50d."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit import Vectors
from embedkit.bias import GENDER_SPECIFIC_FULL, GENDER_SPECIFIC_SEED, bias_subspace, hard_debias, weat
from embedkit.errors import DataError


def _tiny() -> Vectors:
    # The pairs differ only along the first axis, so the bias direction is +-e1.
    keys = ["she", "he", "woman", "man", "nurse", "doctor"]
    m = np.array([[1, 1, 0], [-1, 1, 0], [2, 0, 1], [-2, 0, 1], [1, 1, 0], [-1, 0, 3]], dtype=np.float32)
    return Vectors(keys, m)


def test_subspace_by_hand():
    """Check that PCA of the pair-centred unit vectors finds the axis the pairs differ on."""
    sub = bias_subspace(_tiny(), [("she", "he"), ("woman", "man")])
    assert_allclose(np.abs(sub.direction), [1, 0, 0], atol=1e-7)
    assert sub.explained_variance_ratio == pytest.approx((1.0,))
    assert sub.pairs == (("she", "he"), ("woman", "man")) and sub.missing_pairs == ()


def test_hard_debias_by_hand():
    """Check neutralising (nurse -> (0, 1, 0)), equalising (she/he mirror images) and unit rows."""
    d = hard_debias(
        _tiny(),
        definitional=[("she", "he"), ("woman", "man")],
        equalize=[("she", "he")],
        specific=["she", "he", "woman", "man"],
    )
    assert_allclose(d["nurse"], [0, 1, 0], atol=1e-7)
    assert_allclose(d["doctor"], [0, 0, 1], atol=1e-7)
    # she = (1, 1, 0)/sqrt2, he = (-1, 1, 0)/sqrt2: already symmetric about the direction
    assert_allclose(d["she"], [2**-0.5, 2**-0.5, 0], atol=1e-7)
    assert_allclose(d["he"], [-(2**-0.5), 2**-0.5, 0], atol=1e-7)
    assert_allclose(d["woman"], np.array([2, 0, 1]) / 5**0.5, atol=1e-7)  # specific: only normalised
    assert_allclose(np.linalg.norm(d.matrix, axis=1), 1, atol=1e-6)


def test_neutral_list_limits_neutralising():
    """Check that with neutral given only those words lose their projection."""
    d = hard_debias(_tiny(), definitional=[("she", "he"), ("woman", "man")], equalize=[], neutral=["nurse"])
    assert_allclose(d["nurse"], [0, 1, 0], atol=1e-7)
    assert_allclose(d["doctor"], np.array([-1, 0, 3]) / 10**0.5, atol=1e-7)


def test_too_few_definitional_pairs():
    """Check the error naming the missing pairs."""
    with pytest.raises(
        DataError,
        match=r"^need at least 2 definitional pairs in the vectors \(and 2k words\), found 1; missing: gal/guy$",
    ):
        bias_subspace(_tiny(), [("she", "he"), ("gal", "guy")])


@pytest.fixture(scope="module")
def debiased(glove):
    return hard_debias(glove)


def test_glove_neutral_words_have_zero_projection(glove, debiased):
    """Check on GloVe 6B 50d: neutralised words ~0 on the gender direction, definitional words keep theirs."""
    g = bias_subspace(glove).direction
    for w in ["nurse", "programmer", "homemaker", "doctor", "math", "poetry"]:
        assert abs(float(debiased[w] @ g)) < 1e-6, w
    she, he = float(debiased["she"] @ g), float(debiased["he"] @ g)
    assert np.sign(she) == -np.sign(he) and min(abs(she), abs(he)) > 0.2
    before = float(glove.normalized[glove.index["he"]] @ g)
    assert np.sign(before) == np.sign(he)


def test_glove_equality_pairs_equidistant(debiased):
    """Check that each equalised pair is equidistant from neutral words."""
    for a, b in [("he", "she"), ("king", "queen"), ("man", "woman")]:
        for w in ["doctor", "nurse", "engineer"]:
            assert float(debiased[a] @ debiased[w]) == pytest.approx(float(debiased[b] @ debiased[w]), abs=1e-6)


def test_glove_weat_before_and_after(glove, debiased):
    """Check the math/arts test (weat7, population sd as WEFE): 1.544 before, -1.153 after (an overshoot)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = weat(glove, "weat7", n_boot=0, ddof=0).effect_size
        after = weat(debiased, "weat7", n_boot=0, ddof=0).effect_size
    assert before == pytest.approx(1.5442, abs=1e-3)
    assert after == pytest.approx(-1.153, abs=1e-3)


def test_gender_specific_lists():
    """Check the published lists: 218 seed words, 1,441 full words holding every seed word, first and last as in
    the authors' gender_specific_full.json."""
    assert len(GENDER_SPECIFIC_SEED) == 218 and len(set(GENDER_SPECIFIC_FULL)) == len(GENDER_SPECIFIC_FULL) == 1441
    assert set(GENDER_SPECIFIC_SEED) <= set(GENDER_SPECIFIC_FULL)
    assert GENDER_SPECIFIC_FULL[:4] == ("he", "his", "He", "her") and GENDER_SPECIFIC_FULL[-1] == "psychic_Oda"
    assert "fiancé" in GENDER_SPECIFIC_FULL


def test_subspace_as_stored():
    """Check normalize=False: PCA of the pair-centred vectors as stored (the direction Double-Hard Debias uses)."""
    v = Vectors(["she", "he", "woman", "man"], np.array([[2, 1], [0, 1], [1, 3], [-1, 3]], dtype=np.float32))
    sub = bias_subspace(v, [("she", "he"), ("woman", "man")], normalize=False)
    assert_allclose(np.abs(sub.direction), [1, 0], atol=1e-12)


WEFE_FIXTURE = Path(__file__).with_name("wefe_hard_debias_glove6b50d.json")


def test_glove_matches_wefe_hard_debias(glove, debiased):
    """Check the debiased vectors, bias direction and after-WEAT against WEFE 1.0.1's HardDebias on the same lists."""
    ref = json.loads(WEFE_FIXTURE.read_text(encoding="utf-8"))
    g = bias_subspace(glove).direction
    assert_allclose(np.abs(g @ np.asarray(ref["bias_direction"])), 1.0, atol=1e-6)  # the same line, either sign
    for word, vec in ref["vectors"].items():  # fella/granny too: both are in the full gender-specific list
        assert_allclose(debiased[word], vec, atol=2e-6, err_msg=word)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        after = {
            name: weat(debiased, name, n_boot=0, ddof=0, exact_limit=0, permutations=1).effect_size
            for name in ref["weat_effect_size_after"]
        }
    assert_allclose(list(after.values()), list(ref["weat_effect_size_after"].values()), atol=1e-4)
