"""Analogies by 3CosAdd and 3CosMul, checked against gensim."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

import embedkit
from embedkit import analogy, analogy_many
from embedkit.errors import InvalidArgumentError

QUESTIONS = [
    ("man", "king", "woman"),
    ("france", "paris", "italy"),
    ("big", "bigger", "small"),
    ("miami", "florida", "dallas"),
    ("einstein", "scientist", "picasso"),
    ("japan", "sushi", "germany"),
    ("walk", "walked", "swim"),
    ("good", "better", "bad"),
    ("brother", "sister", "uncle"),
    ("athens", "greece", "oslo"),
]


def test_king_queen(glove):
    """Check the classic: man is to king as woman is to queen, with either method."""
    assert analogy(glove, "man", "king", "woman").words == ["queen"]
    assert analogy(glove, "man", "king", "woman", method="3cosmul").words == ["queen"]


def test_3cosadd_matches_gensim(glove, glove_kv):
    """Check that 3CosAdd equals gensim's most_similar(positive=[b, c], negative=[a]) in words and scores."""
    ours = analogy_many(glove, QUESTIONS, k=5)
    for (a, b, c), res in zip(QUESTIONS, ours):
        ref = glove_kv.most_similar(positive=[b, c], negative=[a], topn=5)
        assert res.words == [w for w, _ in ref], (a, b, c)
        assert_allclose(res.scores, [s for _, s in ref], atol=1e-5)
        assert res.query == (a, b, c)


def test_3cosmul_matches_gensim(glove, glove_kv):
    """Check that 3CosMul equals gensim's most_similar_cosmul in words and scores."""
    ours = analogy_many(glove, QUESTIONS, k=5, method="3cosmul")
    for (a, b, c), res in zip(QUESTIONS, ours):
        ref = glove_kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=5)
        assert res.words == [w for w, _ in ref], (a, b, c)
        assert_allclose(res.scores, [s for _, s in ref], atol=1e-5)


def test_restrict_matches_gensim_restrict_vocab(glove, glove_kv):
    """Check that restrict answers only from the most frequent words, as gensim's restrict_vocab does."""
    for a, b, c in QUESTIONS[:5]:
        ours = analogy(glove, a, b, c, k=3, restrict=20000)
        ref = glove_kv.most_similar(positive=[b, c], negative=[a], topn=3, restrict_vocab=20000)
        assert ours.words == [w for w, _ in ref]
    assert all(glove.index_of(w) < 20000 for w in ours.words)


def test_known_answers(glove):
    """Check the answers GloVe 6B 50d gives to six classic questions (three right, three wrong: kansas, filmmaker, gourmet)."""
    res = analogy_many(glove, QUESTIONS[:6], k=1)
    assert [r.words[0] for r in res] == ["queen", "rome", "larger", "kansas", "filmmaker", "gourmet"]


def test_errors(glove):
    """Check that unknown question words are all named and bad methods are refused."""
    with pytest.raises(embedkit.UnknownWordError, match=r"unknown words: 'qqqx' \(did you mean 'qqq'\?\), 'zzzq'"):
        analogy_many(glove, [("man", "qqqx", "woman"), ("zzzq", "king", "man")])
    with pytest.raises(ValueError, match="method must be one of"):
        analogy(glove, "man", "king", "woman", method="3cosx")
    with pytest.raises(ValueError, match="three words"):
        analogy_many(glove, [("man", "king")])


def test_bad_arguments_raise_invalid_argument_error(glove):
    """Check that a bad method, a negative k and a two-word question raise InvalidArgumentError with their messages."""
    with pytest.raises(InvalidArgumentError, match=r"method must be one of \('3cosadd', '3cosmul'\), got '3cosx'"):
        analogy(glove, "man", "king", "woman", method="3cosx")
    with pytest.raises(InvalidArgumentError, match="k must be >= 0, got -2"):
        analogy(glove, "man", "king", "woman", k=-2)
    with pytest.raises(InvalidArgumentError, match=r"each question must be three words \(a, b, c\)"):
        analogy_many(glove, [("man", "king")])


def _cosmul_batch() -> list[tuple[str, str, str]]:
    """Every ordered triple of three of QUESTIONS' pairs' words: a batch that repeats its words."""
    pairs = [(a, b) for a, b, _ in QUESTIONS]
    return [(a, b, c) for a, b in pairs for c, _ in pairs if c != a] * 3


def test_3cosmul_batch_with_repeated_words_equals_single_questions(glove):
    """Check that 3CosMul answers a batch of repeated words exactly as it answers each question alone."""
    batch = _cosmul_batch()  # 270 questions on 20 words: the batch computes each word's row once
    many = analogy_many(glove, batch, 5, method="3cosmul", restrict=30000)
    for q, got in zip(batch[:30], many):
        alone = analogy(glove, *q, 5, method="3cosmul", restrict=30000)
        # The same dot products and float32 steps: equal to the bit, ties broken alike.
        assert got.words == alone.words
        assert got.scores == alone.scores
