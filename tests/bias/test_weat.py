"""Tests for embedkit.bias.weat: WEAT's statistic, effect size and p-values, by hand on 2-D vectors and
against WEFE's numbers on GloVe 6B 50d."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit import Vectors
from embedkit.bias import Query, association, permutation_p_value, weat, weat_from_scores
from embedkit.errors import InvalidArgumentError

# s(w, A, B) with A = {(1, 0)}, B = {(0, 1)}: cos(w, a) - cos(w, b).
# x1 = (1, 0) -> 1;  x2 = (3, 4) -> 0.6 - 0.8 = -0.2;  y1 = (1, 1) -> 0;  y2 = (0, 1) -> -1.
TINY = Vectors(
    ["x1", "x2", "y1", "y2", "a", "b"],
    np.array([[1, 0], [3, 4], [1, 1], [0, 1], [1, 0], [0, 1]], dtype=np.float32),
)
TINY_Q = Query(["x1", "x2"], ["y1", "y2"], ["a"], ["b"])


def test_association_by_hand():
    """Check that s(w, A, B) is the mean cosine with A minus that with B, on 2-D vectors."""
    m = TINY.matrix
    assert_allclose(association(m[:4], m[4:5], m[5:6]), [1.0, -0.2, 0.0, -1.0], atol=1e-7)
    # two attribute words each side: means of the cosines
    s = association(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[-1.0, 0.0]]))
    assert_allclose(s, [0.5 - (-1.0)])


def test_statistic_and_effect_size_by_hand():
    """Check the statistic (1 - 0.2) - (0 - 1) = 1.8 and the effect size 0.9 / sd with ddof 1 and 0."""
    r = weat(TINY, TINY_Q, n_boot=0)
    assert_allclose(r.statistic, 1.8, atol=1e-6)
    # the four scores 1, -0.2, 0, -1: mean -0.05, sum of squared deviations 2.03
    assert_allclose(r.effect_size, 0.9 / math.sqrt(2.03 / 3), rtol=1e-6)
    assert r.ddof == 1
    pop = weat(TINY, TINY_Q, n_boot=0, ddof=0)
    assert_allclose(pop.effect_size, 0.9 / math.sqrt(2.03 / 4), rtol=1e-6)


def test_exact_p_value_by_hand():
    """Check the exact p-values over the 6 partitions of {1, -0.2, 0, -1} into pairs.

    Partition statistics 2*sum(X_i) - total: {1,-0.2} 1.8 (observed), {1,0} 2.2, {1,-1} 0.2,
    {-0.2,0} -0.2, {-0.2,-1} -2.2, {0,-1} -1.8: one larger (1/6); two larger in absolute value (2/6).
    """
    r = weat(TINY, TINY_Q, n_boot=0)
    assert (r.p_method, r.p_count, r.p_stderr) == ("exact", 6, 0.0)
    assert r.p_value == pytest.approx(1 / 6)
    r2 = weat(TINY, TINY_Q, n_boot=0, two_sided=True)
    assert r2.p_value == pytest.approx(2 / 6) and r2.two_sided


def test_exact_p_value_counts_only_strictly_larger():
    """Check that partitions tying the observed statistic are not counted (Caliskan's Pr[s_i > s])."""
    # scores 1, 0 | 1, 0: observed 0; partition statistics 0, 2, 0, 0, -2, 0
    p, method, count, se = permutation_p_value(np.array([1.0, 0.0, 1.0, 0.0]), 2)
    assert (p, method, count, se) == (1 / 6, "exact", 6, 0.0)


def test_unequal_sizes_two_sided_centres_on_the_mean():
    """Check the two-sided p-value of unequal sets, centred on the mean partition statistic."""
    # X = {3}, Y = {0, 0}: total 3, mean statistic (2/3 - 1) * 3 = -1; statistics 3, -3, -3
    p, method, count, _ = permutation_p_value(np.array([3.0, 0.0, 0.0]), 1, two_sided=True)
    assert (method, count) == ("exact", 3)
    assert p == 0.0  # |3 - (-1)| = 4 is the largest distance
    p1, *_ = permutation_p_value(np.array([0.0, 3.0, 0.0]), 1, two_sided=True)
    assert p1 == pytest.approx(1 / 3)  # |-3 + 1| = 2 < 4


def test_exact_p_value_equals_a_brute_force_reference():
    """Check the exact p-values against a slow reference that recomputes s(X_i, Y_i, A, B) from the vectors for every partition."""
    import itertools

    rng = np.random.default_rng(7)
    m = rng.normal(size=(14, 3)).astype(np.float32)  # 5 + 5 targets, 2 + 2 attributes
    keys = [f"w{i}" for i in range(14)]
    v = Vectors(keys, m)
    q = Query(keys[:5], keys[5:10], keys[10:12], keys[12:])

    def cos(u, w):
        return float(u @ w) / float(np.linalg.norm(u) * np.linalg.norm(w))

    def s_set(rows):
        return sum(
            np.mean([cos(m[r], m[a]) for a in (10, 11)]) - np.mean([cos(m[r], m[b]) for b in (12, 13)]) for r in rows
        )

    observed = s_set(range(5)) - s_set(range(5, 10))
    stats = [s_set(c) - s_set(set(range(10)) - set(c)) for c in itertools.combinations(range(10), 5)]
    one = sum(x > observed + 1e-9 for x in stats) / len(stats)
    two = sum(abs(x) > abs(observed) + 1e-9 for x in stats) / len(stats)
    r = weat(v, q, n_boot=0)
    assert (r.p_method, r.p_count) == ("exact", 252)
    assert r.p_value == pytest.approx(one) and r.statistic == pytest.approx(observed, abs=1e-6)
    assert weat(v, q, n_boot=0, two_sided=True).p_value == pytest.approx(two)
    assert 0 < one < 1


def test_monte_carlo_within_its_error_of_exact():
    """Check that the seeded Monte-Carlo p-value is within 4 standard errors of the exact one, and repeatable."""
    rng = np.random.default_rng(5)
    scores = rng.normal(size=12) + np.r_[np.full(6, 0.4), np.zeros(6)]
    exact, method, count, _ = permutation_p_value(scores, 6)
    assert (method, count) == ("exact", 924)
    p, method, count, se = permutation_p_value(scores, 6, exact_limit=0, permutations=20_000, seed=1)
    assert (method, count) == ("permutation", 20_000)
    assert se == pytest.approx(math.sqrt(p * (1 - p) / 20_000))
    assert abs(p - exact) <= 4 * math.sqrt(exact * (1 - exact) / 20_000)
    assert permutation_p_value(scores, 6, exact_limit=0, permutations=20_000, seed=1)[0] == p
    assert permutation_p_value(scores, 6, exact_limit=0, permutations=20_000, seed=2)[0] != p


def test_exact_limit_chooses_the_method():
    """Check that C(|X|+|Y|, |X|) above exact_limit switches to the permutation test with the given count."""
    r = weat(TINY, TINY_Q, n_boot=0, exact_limit=5, permutations=1000, seed=3)
    assert (r.p_method, r.p_count) == ("permutation", 1000)
    assert weat(TINY, TINY_Q, n_boot=0, exact_limit=6).p_method == "exact"


def test_bootstrap_interval_is_seeded():
    """Check the bootstrap interval: repeatable for a seed, around the effect size, NaN with n_boot=0."""
    sx, sy = np.array([0.3, 0.5, 0.2, 0.6, 0.4]), np.array([0.1, -0.2, 0.0, 0.2, -0.1])
    r = weat_from_scores(sx, sy, n_boot=2000, seed=4)
    assert r.effect_size_ci == weat_from_scores(sx, sy, n_boot=2000, seed=4).effect_size_ci
    lo, hi = r.effect_size_ci
    assert lo < r.effect_size < hi
    assert weat_from_scores(sx, sy, n_boot=2000, seed=5).effect_size_ci != (lo, hi)
    assert all(math.isnan(x) for x in weat_from_scores(sx, sy, n_boot=0).effect_size_ci)


def test_result_to_dict():
    """Check that to_dict() holds the contract's fields with plain values."""
    d = weat(TINY, TINY_Q, n_boot=10).to_dict()
    assert {
        "name",
        "targets",
        "attributes",
        "effect_size",
        "statistic",
        "p_value",
        "p_method",
        "effect_size_ci",
        "missing",
    } <= set(d)
    assert (
        d["targets"] == ["X", "Y"] and d["p_method"] == "exact" and d["missing"] == {"X": [], "Y": [], "A": [], "B": []}
    )
    assert d["sizes"] == {"X": 2, "Y": 2, "A": 1, "B": 1}
    json.dumps(d)


def test_bad_arguments():
    """Check the one-line errors for bad ddof, confidence and empty target sets."""
    with pytest.raises(InvalidArgumentError, match=r"^ddof must be 0 \(population\) or 1 \(sample\), got 2$"):
        weat(TINY, TINY_Q, ddof=2)
    with pytest.raises(InvalidArgumentError, match=r"^confidence must be between 0 and 1, got 1.5$"):
        weat(TINY, TINY_Q, confidence=1.5)
    with pytest.raises(InvalidArgumentError, match=r"^both target sets need words: 2 and 0$"):
        permutation_p_value(np.array([1.0, 2.0]), 2)


FIXTURE = Path(__file__).with_name("wefe_weat_glove6b50d.json")


@pytest.mark.parametrize("name", [f"weat{i}" for i in range(1, 11)])
def test_matches_wefe_on_glove(glove, name):
    """Check the statistic and the population-sd effect size against WEFE 1.0.1's on GloVe 6B 50d (float32 tolerance)."""
    ref = json.loads(FIXTURE.read_text(encoding="utf-8"))["tests"][name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # weat1 drops 'gladiola', as WEFE does
        r = weat(glove, name, n_boot=0, ddof=0, exact_limit=0, permutations=1)
    assert_allclose(r.statistic, ref["statistic"], atol=1e-5)
    assert_allclose(r.effect_size, ref["effect_size"], atol=1e-5)


def test_glove_exact_p_values(glove):
    """Check the exact one-sided p-values of the 8-word tests on GloVe 6B 50d (partitions counted)."""
    assert weat(glove, "weat6", n_boot=0).p_value == 0.0
    r7 = weat(glove, "weat7", n_boot=0)
    assert (r7.p_method, r7.p_count) == ("exact", 12870)
    assert r7.p_value * 12870 == pytest.approx(2)
    assert weat(glove, "weat9", n_boot=0).p_value * 924 == pytest.approx(20)
    assert weat(glove, "weat7", n_boot=0, two_sided=True).p_value * 12870 == pytest.approx(4)
