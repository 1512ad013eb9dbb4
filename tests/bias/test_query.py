"""Tests for embedkit.bias.query: missing words reported and refused, case folding, word-set files."""

from __future__ import annotations

import numpy as np
import pytest

from embedkit import Vectors
from embedkit.bias import Query, read_word_set, read_word_sets, weat
from embedkit.errors import DataError, DataFileError, EmbedkitWarning, InvalidArgumentError, InvalidTypeError

V = Vectors(
    ["rose", "tulip", "lily", "ant", "wasp", "moth", "love", "joy", "hate", "war", "einstein"],
    np.random.default_rng(0).normal(size=(11, 4)).astype(np.float32),
)


def test_missing_words_dropped_with_a_warning():
    """Check that missing words are named per set in one warning and in the result, and dropped."""
    q = Query(["rose", "tulip", "lily", "zinnia"], ["ant", "wasp", "moth"], ["love", "joy"], ["hate", "war"], name="t")
    with pytest.warns(EmbedkitWarning, match=r"^t: dropped words missing from the vectors \(X: 'zinnia'\)$"):
        r = weat(V, q, n_boot=0, max_missing=0.25)
    assert r.missing == {"X": ["zinnia"], "Y": [], "A": [], "B": []}
    assert r.sizes == {"X": 3, "Y": 3, "A": 2, "B": 2}
    assert np.isfinite(r.effect_size)


def test_refuses_a_set_losing_too_many_words():
    """Check the one-line refusal naming the words when a set loses more than max_missing."""
    q = Query(["rose", "zinnia", "aster"], ["ant", "wasp"], ["love", "joy"], ["hate", "war"], name="t")
    with pytest.raises(
        DataError, match=r"^t: set 'X' would lose 2 of 3 words, more than 0.2: missing 'zinnia', 'aster'$"
    ):
        q.resolve(V)
    q2 = Query(["rose"], ["ant"], ["love"], ["gloom", "doom"], name="t")
    with pytest.raises(DataError, match=r"^t: set 'B' would lose all its words: missing 'gloom', 'doom'$"):
        q2.resolve(V, max_missing=1.0)


def test_case_folding():
    """Check that a word missing as spelt is found lower-cased (GloVe 6B is lower-case)."""
    r = Query(["Einstein", "ROSE"], ["ant", "wasp"], ["love"], ["war"]).resolve(V)
    assert r.words[0] == ("Einstein", "ROSE")
    assert r.rows[0].tolist() == [10, 0]
    assert r.missing["X"] == []


def test_query_checks_its_arguments():
    """Check the errors for one string, an empty set and repeated set names."""
    with pytest.raises(InvalidTypeError, match=r"^the first target set must be a list of words, not one string$"):
        Query("rose", ["ant"], ["love"], ["war"])
    with pytest.raises(InvalidArgumentError, match=r"^the second attribute set is empty$"):
        Query(["rose"], ["ant"], ["love"], [])
    with pytest.raises(InvalidArgumentError, match=r"^the four sets need four different names"):
        Query(["rose"], ["ant"], ["love"], ["war"], target_names=("a", "b"), attribute_names=("a", "c"))


def test_from_test_names_the_sets():
    """Check that a built-in test's query carries its set names."""
    q = Query.from_test("weat6")
    assert q.names == ("male_names", "female_names", "career", "family")
    assert q.x[:3] == ("John", "Paul", "Mike")


def test_read_word_set(tmp_path):
    """Check a one-word-per-line file (blank and # lines skipped) and its errors."""
    p = tmp_path / "x.txt"
    p.write_text("# flowers\nrose\n\n tulip \n", encoding="utf-8")
    assert read_word_set(str(p)) == ("rose", "tulip")
    p.write_text("rose\nx\ty\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"x.txt, line 2: a tab in a one-word-per-line file"):
        read_word_set(str(p))
    p.write_text("\n# nothing\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"x.txt: no words$"):
        read_word_set(str(p))
    with pytest.raises(FileNotFoundError, match=r"^no such word file: '.*nope\.txt'$"):
        read_word_set(str(tmp_path / "nope.txt"))
    with pytest.raises(IsADirectoryError, match=r": is a directory, not a word file$"):
        read_word_set(str(tmp_path))


def test_read_word_sets(tmp_path):
    """Check a TSV of set name and word, in first-seen order, and a malformed line."""
    p = tmp_path / "sets.tsv"
    p.write_text("flowers\trose\ninsects\tant\nflowers\ttulip\n", encoding="utf-8")
    assert read_word_sets(str(p)) == {"flowers": ("rose", "tulip"), "insects": ("ant",)}
    p.write_text("flowers\trose\nant\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"sets.tsv, line 2: expected SET_NAME<TAB>WORD$"):
        read_word_sets(str(p))


def test_read_word_pairs(tmp_path):
    """Check a pairs file (spaces or a tab between the two words) and its errors."""
    from embedkit.bias import read_word_pairs

    p = tmp_path / "pairs.txt"
    p.write_text("she he\n# x\nwoman\tman\n", encoding="utf-8")
    assert read_word_pairs(str(p)) == [("she", "he"), ("woman", "man")]
    p.write_text("she he it\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"pairs.txt, line 1: expected two words, got 3$"):
        read_word_pairs(str(p))
