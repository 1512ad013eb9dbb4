"""Tests for embedkit.bias.rnsb: the classifier against scikit-learn's liblinear, RNSB by hand and against WEFE."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit import Vectors
from embedkit.bias import Query, logistic_regression, rnsb
from embedkit.errors import DataError, InvalidArgumentError


def test_logistic_regression_matches_liblinear():
    """Check the Newton solution against scikit-learn's liblinear (intercept penalised) run to a tight tolerance."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5))
    y = np.where(x[:, 0] + 0.5 * rng.normal(size=40) > 0, 1.0, -1.0)
    for c in (0.3, 1.0):
        ref = LogisticRegression(solver="liblinear", C=c, tol=1e-12, max_iter=100_000).fit(x, y)
        w = logistic_regression(x, y, c=c)
        assert_allclose(w[:-1], ref.coef_[0], atol=2e-6)
        assert_allclose(w[-1], ref.intercept_[0], atol=2e-6)
    with pytest.raises(InvalidArgumentError, match=r"^c must be positive, got 0$"):
        logistic_regression(x, y, c=0)


# 1-D attribute words: A (positive) at +1, +2; B (negative) at -1, -2. Targets at +1 and -1 (X) and 0, 0 (Y).
V = Vectors(
    ["a1", "a2", "b1", "b2", "x1", "x2", "y1", "y2"],
    np.array([[1], [2], [-1], [-2], [1], [-1], [0], [0]], dtype=np.float32),
)


def test_rnsb_by_hand():
    """Check the KL divergence of the normalised negative probabilities from uniform, with the classifier's weights."""
    r = rnsb(V, Query(["x1", "x2"], ["y1", "y2"], ["a1", "a2"], ["b1", "b2"]))
    w, b = logistic_regression(np.array([[1.0], [2], [-1], [-2]]), np.array([1.0, 1, -1, -1]))
    assert b == pytest.approx(0, abs=1e-12)  # symmetric data: no intercept
    p_neg = [1 / (1 + math.exp(w * s)) for s in (1, -1, 0, 0)]  # P(B) = sigmoid(-w s)
    assert r.negative_probability == pytest.approx(dict(zip(["x1", "x2", "y1", "y2"], p_neg)), abs=1e-12)
    assert p_neg[0] + p_neg[1] == pytest.approx(1.0) and p_neg[2] == pytest.approx(0.5)
    # the four probabilities sum to 2: P = p / 2
    kl = sum(p / 2 * math.log(p / 2 * 4) for p in p_neg)
    assert r.value == pytest.approx(kl, abs=1e-12) and r.value > 0.05
    assert r.accuracy == 1.0 and r.holdout == 0.0
    assert r.to_dict()["metric"] == "rnsb"


def test_rnsb_zero_when_targets_alike():
    """Check that RNSB is 0 when every target word has the same vector (a uniform distribution)."""
    r = rnsb(V, Query(["y1"], ["y2"], ["a1", "a2"], ["b1", "b2"]))
    assert r.value == pytest.approx(0.0, abs=1e-15)


def test_rnsb_holdout_is_seeded():
    """Check the held-out split: the same seed gives the same result, and a set too small to split is refused."""
    rng = np.random.default_rng(1)
    keys = [f"w{i}" for i in range(24)]
    v = Vectors(keys, rng.normal(size=(24, 4)).astype(np.float32))
    q = Query(keys[:4], keys[4:8], keys[8:16], keys[16:])
    r1, r2 = rnsb(v, q, holdout=0.25, seed=3), rnsb(v, q, holdout=0.25, seed=3)
    assert r1.value == r2.value and r1.accuracy == r2.accuracy and r1.holdout == 0.25
    assert r1.accuracy in {k / 4 for k in range(5)}  # 2 + 2 held-out words
    assert rnsb(v, q, holdout=0.25, seed=4).value != r1.value
    with pytest.raises(
        DataError, match=r"^holdout 0.05 leaves no training or no test word of a set of 8 attribute words$"
    ):
        rnsb(v, q, holdout=0.05)
    with pytest.raises(InvalidArgumentError, match=r"^holdout must be in \[0, 1\), got 1.0$"):
        rnsb(v, q, holdout=1.0)


FIXTURE = Path(__file__).with_name("wefe_rnsb_glove6b50d.json")


def test_glove_classifier_is_the_optimum(glove):
    """Check weat1's probabilities against scikit-learn's liblinear run to tol 1e-12 on the same words (WEFE stops at 1e-4)."""
    from sklearn.linear_model import LogisticRegression

    q = Query.from_test("weat1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r, rq = rnsb(glove, q), q.resolve(glove)
    x, y, a, b = (np.asarray(glove.matrix[rows], dtype=np.float64) for rows in rq.rows)
    labels = np.r_[np.ones(len(a)), -np.ones(len(b))]
    clf = LogisticRegression(solver="liblinear", tol=1e-12, max_iter=100_000).fit(np.vstack([a, b]), labels)
    assert_allclose(list(r.negative_probability.values()), clf.predict_proba(np.vstack([x, y]))[:, 0], atol=1e-6)


def test_matches_wefe_on_glove(glove):
    """Check RNSB and each target word's negative probability against WEFE 1.0.1 on the ten tests, within the
    spread of liblinear's stopping tolerance (1e-4, WEFE's setting): 5e-4 relative and 5e-4 absolute."""
    ref = json.loads(FIXTURE.read_text(encoding="utf-8"))["tests"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # weat1 drops 'gladiola', as WEFE does
        for name, t in ref.items():
            r = rnsb(glove, Query.from_test(name))
            assert r.value == pytest.approx(t["rnsb"], rel=5e-4), name
            assert list(r.negative_probability) == list(t["negative_probability"]), name
            got = list(r.negative_probability.values())
            assert_allclose(got, list(t["negative_probability"].values()), atol=5e-4, err_msg=name)
