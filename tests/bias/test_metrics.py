"""Tests for embedkit.bias.metrics: RND, MAC, ECT and RIPA by hand on 2-D vectors and against WEFE on GloVe 6B 50d."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit import Vectors
from embedkit.bias import Query, ect, mac, ripa, rnd
from embedkit.errors import DataError

# X = {(1, 0), (3, 0)} (mean (2, 0)); Y = {(0, 1), (0, 3)} (mean (0, 2)); A = {(2, 0), (1, 1)}; B = {(0, 2), (-1, 0)}
V = Vectors(
    ["x1", "x2", "y1", "y2", "a1", "a2", "b1", "b2"],
    np.array([[1, 0], [3, 0], [0, 1], [0, 3], [2, 0], [1, 1], [0, 2], [-1, 0]], dtype=np.float32),
)
Q = Query(["x1", "x2"], ["y1", "y2"], ["a1", "a2"], ["b1", "b2"])


def test_rnd_by_hand():
    """Check RND: mean over A of |a - mean X| - |a - mean Y|; for A: (0 - sqrt8 + 1 - sqrt2) / 2."""
    r = rnd(V, Q)
    assert_allclose(r.value, ((0 - math.sqrt(8)) + (math.sqrt(2) - math.sqrt(2))) / 2, atol=1e-7)
    # B: b1 = (0, 2): sqrt8 - 0; b2 = (-1, 0): 3 - sqrt5
    assert_allclose(r.per_attribute["B"], (math.sqrt(8) + 3 - math.sqrt(5)) / 2, atol=1e-7)


def test_mac_by_hand():
    """Check MAC: mean cosine distance of each target word to each attribute set."""
    # cos to A = {(1,0), (1,1)/sqrt2}: x's 1 and 1/sqrt2, y's 0 and 1/sqrt2; to B = {(0,1), (-1,0)}: x's 0 and -1, y's 1 and 0
    dist_a_x = 1 - (1 + 2**-0.5) / 2
    dist_a_y = 1 - (0 + 2**-0.5) / 2
    dist_b_x, dist_b_y = 1 - (-1 / 2), 1 - (1 / 2)
    assert_allclose(mac(V, Q).value, (2 * dist_a_x + 2 * dist_a_y + 2 * dist_b_x + 2 * dist_b_y) / 8, atol=1e-7)


def test_ect_by_hand():
    """Check ECT: Spearman correlation of the attribute words' cosines with mean X and with mean Y."""
    # A: cos with (1,0): 1, 1/sqrt2; with (0,1): 0, 1/sqrt2 -> ranks (2,1) vs (1,2): -1
    r = ect(V, Q)
    assert r.value == pytest.approx(-1.0)
    # B: with (1,0): 0, -1; with (0,1): 1, 0 -> ranks (2,1) and (2,1): 1
    assert r.per_attribute["B"] == pytest.approx(1.0)


def test_ect_ties_match_scipy():
    """Check that tied cosines get average ranks, as scipy's spearmanr."""
    from scipy.stats import spearmanr

    from embedkit.bias.metrics import ect as ect_fn

    rng = np.random.default_rng(3)
    m = np.vstack([rng.normal(size=(4, 3)), np.repeat(rng.normal(size=(3, 3)), 2, axis=0)]).astype(np.float32)
    keys = [f"w{i}" for i in range(10)]
    v = Vectors(keys, m)
    q = Query(keys[:2], keys[2:4], keys[4:], ["w0"])
    mx, my = m[:2].astype(np.float64).mean(0), m[2:4].astype(np.float64).mean(0)
    a = m[4:].astype(np.float64)
    cx = a @ mx / np.linalg.norm(a, axis=1) / np.linalg.norm(mx)
    cy = a @ my / np.linalg.norm(a, axis=1) / np.linalg.norm(my)
    assert ect_fn(v, q).value == pytest.approx(spearmanr(cx, cy).correlation)


def test_ripa_by_hand():
    """Check RIPA: pairs (x_i, y_i) give b_i = (x_i - y_i)/|x_i - y_i|; the mean of a . b_i over pairs and A."""
    # b_1 = (1, -1)/sqrt2, b_2 = (3, -3)/sqrt18 = the same; a1 . b = 2/sqrt2, a2 . b = 0
    r = ripa(V, Q)
    assert_allclose(r.value, (2 / math.sqrt(2) + 0) / 2, atol=1e-7)
    assert_allclose(r.per_attribute["B"], (-2 / math.sqrt(2) + -1 / math.sqrt(2)) / 2, atol=1e-7)
    with pytest.raises(DataError, match=r"^query: RIPA pairs X with Y word by word, but they hold 2 and 1 words$"):
        ripa(V, Query(["x1", "x2"], ["y1"], ["a1"], ["b1"]))


FIXTURE = Path(__file__).with_name("wefe_metrics_glove6b50d.json")


@pytest.mark.parametrize("name", [f"weat{i}" for i in range(1, 11)])
def test_matches_wefe_on_glove(glove, name):
    """Check RND, ECT, RIPA (each attribute set) and MAC against WEFE 1.0.1's on GloVe 6B 50d (float32 tolerance)."""
    ref = json.loads(FIXTURE.read_text(encoding="utf-8"))["tests"][name]
    q = Query.from_test(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # weat1 drops 'gladiola', as WEFE does
        for metric, fn in (("rnd", rnd), ("ect", ect), ("ripa", ripa)):
            if not ref[metric]:
                continue
            got = fn(glove, q).per_attribute
            assert_allclose([got[a] for a in ref[metric]], list(ref[metric].values()), atol=1e-5, err_msg=metric)
        assert_allclose(mac(glove, q).value, ref["mac"], atol=1e-5)
