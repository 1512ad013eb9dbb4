"""Tests for embedkit.bias.wordsets: Caliskan et al.'s ten tests as their supplement lists them."""

from __future__ import annotations

import pytest

from embedkit.bias import CALISKAN_EFFECT_SIZES, WEAT_TESTS, weat_test
from embedkit.errors import InvalidArgumentError


def test_ten_tests_in_the_papers_order():
    """Check the names, set names and sizes of the ten tests, in the paper's order."""
    got = [(t.name, t.target_names, len(t.x), len(t.y), len(t.a), len(t.b)) for t in WEAT_TESTS.values()]
    assert got == [
        ("weat1", ("flowers", "insects"), 25, 25, 25, 25),
        ("weat2", ("instruments", "weapons"), 25, 25, 25, 25),
        ("weat3", ("european_american_names", "african_american_names"), 32, 32, 25, 25),
        ("weat4", ("european_american_names", "african_american_names"), 16, 16, 25, 25),
        ("weat5", ("european_american_names", "african_american_names"), 16, 16, 8, 8),
        ("weat6", ("male_names", "female_names"), 8, 8, 8, 8),
        ("weat7", ("math", "arts"), 8, 8, 8, 8),
        ("weat8", ("science", "arts"), 8, 8, 8, 8),
        ("weat9", ("mental_disease", "physical_disease"), 6, 6, 7, 7),
        ("weat10", ("young_names", "old_names"), 8, 8, 8, 8),
    ]
    assert list(CALISKAN_EFFECT_SIZES.values()) == [1.50, 1.53, 1.41, 1.50, 1.28, 1.81, 1.06, 1.24, 1.38, 1.21]


def test_supplement_details():
    """Check details of the supplement: the names excluded in italics, and the two unpleasant lists."""
    t3, t4 = weat_test("weat3"), weat_test("weat4")
    assert "Chip" not in t3.x and "Lerone" not in t3.y and "Adam" in t3.x and "Alonzo" in t3.y
    assert "Jay" not in t4.x and "Tremayne" not in t4.y and "Latonya" not in t4.y
    assert {"agony", "prison"} <= set(weat_test("weat1").b) and "bomb" not in weat_test("weat1").b
    assert {"bomb", "evil"} <= set(t3.b) and "prison" not in t3.b
    assert weat_test("weat8").x[4:6] == ("Einstein", "NASA")
    assert weat_test("weat6").to_dict()["sets"]["career"][0] == "executive"


def test_unknown_test():
    """Check the error naming the ten tests."""
    with pytest.raises(
        InvalidArgumentError, match=r"^unknown WEAT test 'weat0': choose one of weat1, weat2, .*weat10$"
    ):
        weat_test("weat0")
