"""Tests for embedkit.evaluation.benchmark_files: analogy and similarity files in every shape."""

from __future__ import annotations

import pytest

from embedkit.errors import BenchmarkError
from embedkit.evaluation.benchmark_files import benchmark_path, read_analogies, read_similarity


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_google_set_by_name():
    """Check that 'google' reads gensim's questions-words.txt: 14 sections, 19,544 questions."""
    qs = read_analogies("google")
    assert len(qs.sections) == 14
    assert qs.n_questions == 19544
    assert [len(s.questions) for s in qs.sections][:5] == [506, 4524, 866, 2467, 506]
    assert qs.sections[0].name == "capital-common-countries"
    assert qs.sections[-1].name == "gram9-plural-verbs"
    assert qs.sections[-1].questions[-1] == ("write", "writes", "work", "works")
    assert qs.invalid_lines == 0


def test_registered_names_and_unknown_file():
    """Check that the three names resolve to gensim's files and an unknown name raises clearly."""
    assert benchmark_path("wordsim353").name == "wordsim353.tsv"
    assert benchmark_path("simlex999").name == "simlex999.txt"
    with pytest.raises(
        FileNotFoundError,
        match=r"^no such benchmark file or registered name: 'nope' \(registered names: google, simlex999, wordsim353\)$",
    ):
        benchmark_path("nope")


@pytest.mark.parametrize("sep", [" ", "\t", ",", " , ", "  "])
def test_plain_analogy_file_any_separator(tmp_path, sep):
    """Check that four words per line are read with space, tab or comma separators, without headers."""
    lines = [sep.join(q) for q in [("a", "b", "c", "d"), ("man", "king", "woman", "queen")]]
    p = _write(tmp_path, "plain.txt", "\n".join(lines) + "\n")
    qs = read_analogies(p)
    assert [s.name for s in qs.sections] == ["plain"]
    assert qs.sections[0].questions == (("a", "b", "c", "d"), ("man", "king", "woman", "queen"))


def test_analogy_sections_comments_and_invalid_lines(tmp_path):
    """Check sections, questions before the first header, # comments, blanks and invalid lines."""
    p = _write(
        tmp_path,
        "mixed.csv",
        "# my questions\nx,y,z,w\n\n: first\na b c d\nthree words only\n:second\ne\tf\tg\th\n",
    )
    qs = read_analogies(p)
    assert [(s.name, s.questions) for s in qs.sections] == [
        ("mixed", (("x", "y", "z", "w"),)),
        ("first", (("a", "b", "c", "d"),)),
        ("second", (("e", "f", "g", "h"),)),
    ]
    assert qs.invalid_lines == 1


def test_analogy_file_without_questions(tmp_path):
    """Check that a file with no question raises an error naming it."""
    p = _write(tmp_path, "empty.txt", ": only a header\n")
    with pytest.raises(ValueError, match="no analogy questions"):
        read_analogies(p)


def test_similarity_bundled_sets():
    """Check the pair and score counts and first rows of wordsim353 and simlex999."""
    ws = read_similarity("wordsim353")
    assert len(ws.pairs) == 353 and ws.pairs[0] == ("love", "sex") and ws.scores[0] == 6.77
    sl = read_similarity("simlex999")
    assert len(sl.pairs) == 999 and sl.pairs[1] == ("smart", "intelligent") and sl.scores[1] == 9.2
    assert ws.invalid_lines == 0 and sl.invalid_lines == 0


@pytest.mark.parametrize(
    "text",
    [
        "word1\tword2\tscore\ncat\tdog\t7.5\nsun\tmoon\t3\n",  # tab, header row
        "# comment\ncat,dog,7.5\nsun,moon,3\n",  # comma, comment
        "cat dog 7.5 1.2 extra\nsun   moon  3  0.4\n",  # spaces, extra columns after the score
        "cat dog n 7.5\nsun moon n 3\n",  # a non-numeric column before the score
    ],
)
def test_similarity_shapes(tmp_path, text):
    """Check that every shape of pair file gives the same pairs and scores."""
    s = read_similarity(_write(tmp_path, "pairs.txt", text))
    assert s.pairs == (("cat", "dog"), ("sun", "moon"))
    assert s.scores == (7.5, 3.0)


def test_similarity_header_is_counted_and_pos_suffixes(tmp_path):
    """Check that a header row is counted as invalid and POS suffixes are stripped only on request."""
    p = _write(tmp_path, "men.txt", "w1 w2 sim\nsun-n sunlight-n 50\nrun-v walk-v 12\nbig-j large-a 48\n")
    raw = read_similarity(p)
    assert raw.invalid_lines == 1
    assert raw.pairs[0] == ("sun-n", "sunlight-n")
    stripped = read_similarity(p, strip_pos=True)
    assert stripped.pairs == (("sun", "sunlight"), ("run", "walk"), ("big", "large"))
    assert stripped.scores == (50.0, 12.0, 48.0)


def test_similarity_file_without_scores(tmp_path):
    """Check that a file with no scored pair raises an error."""
    with pytest.raises(ValueError, match="no word pairs with a score"):
        read_similarity(_write(tmp_path, "bad.txt", "a b\nc d e\n"))


def test_latin1_similarity_file_is_decoded(tmp_path):
    """Check that a Latin-1 (Windows-1252) pair file is read with its accents and says its encoding."""
    p = tmp_path / "latin.txt"
    p.write_bytes(b"caf\xe9\tth\xe9\t3.0\nking\tqueen\t8\n")
    s = read_similarity(p)
    assert s.pairs == (("café", "thé"), ("king", "queen")) and s.encoding == "cp1252"
    assert read_similarity("wordsim353").encoding == "utf-8"


def test_first_invalid_line_and_binary_junk(tmp_path):
    """Check that the first malformed line is numbered, and that a binary file is refused with its line."""
    p = tmp_path / "q.txt"
    p.write_text(": s\na b c d\n\na b c\na b c d\nx y\n")
    qs = read_analogies(p)
    assert (qs.invalid_lines, qs.first_invalid_line) == (2, 4)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"a b c d\n\x00\x01\x02")
    with pytest.raises(BenchmarkError, match=r"junk\.bin, line 2: a NUL byte: not a text file"):
        read_analogies(junk)
