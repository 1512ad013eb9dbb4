"""Word and group files (embedkit.viz.groups): parsing, exact errors naming file and line, merging."""

from __future__ import annotations

import json

import pytest

from embedkit.errors import DataFileError
from embedkit.viz.groups import merge_groups, read_groups, read_words


def test_read_words_dedups_in_order(tmp_path):
    """Check that words are split on any whitespace and a repeated word keeps its first place."""
    path = tmp_path / "w.txt"
    path.write_text("king queen\n\tking man  \nqueen woman\n", encoding="utf-8")
    assert read_words(path) == ["king", "queen", "man", "woman"]
    assert read_words(str(path)) == ["king", "queen", "man", "woman"]


def test_read_words_refuses_empty_and_non_utf8_files(tmp_path):
    """Check the exact messages for a blank file and a Latin-1 byte on line 2 (DataFileError, a ValueError)."""
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=f"^{empty}: no words in the file$"):
        read_words(empty)
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\n" + "caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ValueError, match=rf"^{latin}, line 2: not UTF-8 text \(byte 0xe9\)$"):
        read_words(latin)


def test_read_groups_tsv_with_comments_and_json(tmp_path):
    """Check that TSV lines (comments and blank lines skipped) and JSON give the same ordered groups."""
    tsv = tmp_path / "g.tsv"
    tsv.write_text("# groups\nnumbers\tone\n\ncolours\tred\nnumbers\ttwo\n", encoding="utf-8")
    js = tmp_path / "g.json"
    js.write_text(json.dumps({"numbers": ["one", "two"], "colours": ["red"]}), encoding="utf-8")
    assert read_groups(tsv) == read_groups(js) == {"numbers": ["one", "two"], "colours": ["red"]}
    assert list(read_groups(tsv)) == ["numbers", "colours"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("animals\tfrog\nanimals frog toad\n", "line 2: expected 'group<TAB>word', got 'animals frog toad'"),
        ("\tfrog\n", "line 1: expected 'group<TAB>word', got '\\tfrog'"),
        ("# only a comment\n\n", "no groups in the file"),
        ('{"animals": ["frog",]}', "line 1: not valid JSON (Expecting value)"),
        ('{"animals": "frog"}', "a JSON groups file maps each group name to a list of words"),
    ],
)
def test_read_groups_errors_name_file_and_line(tmp_path, text, message):
    """Check the exact message of each malformed groups file."""
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        read_groups(path)
    sep = ", " if message.startswith("line") else ": "
    assert str(info.value) == f"{path}{sep}{message}"


def test_merge_groups_appends_new_group_words_once():
    """Check that group words already in the base, or in an earlier group, are not repeated; the base is kept."""
    groups = {"animals": ["frog", "toad", "frog"], "more": ["toad", "newt", "the"]}
    assert merge_groups(["the", "frog"], groups) == ["the", "frog", "toad", "newt"]
    assert merge_groups([], groups) == ["frog", "toad", "newt", "the"]
    assert merge_groups(("a", "b"), {}) == ["a", "b"]
