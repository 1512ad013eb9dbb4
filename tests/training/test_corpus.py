"""Tests for embedkit.training.corpus: streaming reading into token ids with the shared tokenizer and vocabulary."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pytest

from embedkit.errors import EmbedkitWarning
from embedkit.text import tokenize
from embedkit.training.corpus import EOS, Corpus, corpus_from_texts, read_char_corpus, read_corpus


@pytest.fixture()
def two_files(tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text("The cat sat on the mat.\n\nIt's the cat's mat!\n", encoding="utf-8")
    b.write_text("A dog sat.\n", encoding="utf-8")
    return a, b


def test_read_corpus_exact_ids(two_files):
    """Check that two files are tokenized, lower-cased, ended by </s> per line and encoded in frequency order."""
    c = read_corpus(two_files)
    # by count, ties in first-seen order
    assert c.vocab.words == [
        "<pad>",
        "<unk>",
        "</s>",
        "the",
        "cat",
        "sat",
        "mat",
        ".",
        "'s",
        "on",
        "it",
        "!",
        "a",
        "dog",
    ]
    assert c.vocab.decode(c.train) == [
        "the", "cat", "sat", "on", "the", "mat", ".", EOS,
        "it", "'s", "the", "cat", "'s", "mat", "!", EOS,
        "a", "dog", "sat", ".", EOS,
    ]  # fmt: skip
    assert c.train.dtype == np.int32 and len(c.valid) == 0
    assert c.vocab.counts[3:] == [3, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1]


def test_min_count_and_max_size(two_files):
    """Check that min_count and max_size limit the vocabulary and the rest becomes <unk>."""
    c = read_corpus(two_files, min_count=2)
    assert c.vocab.words == ["<pad>", "<unk>", "</s>", "the", "cat", "sat", "mat", ".", "'s"]
    assert c.vocab.decode(c.train[:8]) == ["the", "cat", "sat", "<unk>", "the", "mat", ".", EOS]
    c = read_corpus(two_files, max_size=5)
    assert c.vocab.words == ["<pad>", "<unk>", "</s>", "the", "cat"]


def test_held_out_split_uses_training_vocabulary():
    """Check that the held-out part is the tail and words seen only there are <unk>."""
    c = corpus_from_texts(["a b a b", "c d"], valid_fraction=0.25)  # 8 tokens, 2 held out
    assert c.vocab.decode(c.train) == ["a", "b", "a", "b", EOS, "c"]
    assert c.vocab.decode(c.valid) == ["<unk>", EOS]
    assert "d" not in c.vocab
    assert len(c) == 8


def test_texts_equal_files(two_files):
    """Check that corpus_from_texts on the file contents gives the same corpus as read_corpus."""
    a, b = two_files
    c1 = read_corpus([a, b])
    c2 = corpus_from_texts([a.read_text(), b.read_text()])
    assert c1.vocab.words == c2.vocab.words
    np.testing.assert_array_equal(c1.train, c2.train)


def test_sentences_and_counts(two_files):
    """Check that sentences() gives the lines as words and counts() the training frequencies."""
    c = read_corpus(two_files)
    assert list(c.sentences()) == [
        ["the", "cat", "sat", "on", "the", "mat", "."],
        ["it", "'s", "the", "cat", "'s", "mat", "!"],
        ["a", "dog", "sat", "."],
    ]
    assert c.counts()[c.vocab["the"]] == 3 and c.counts()[c.vocab[EOS]] == 3


def test_bad_arguments(tmp_path):
    """Check that a single path string, a missing file and a bad split are refused with clear errors."""
    with pytest.raises(TypeError, match="sequence of paths"):
        read_corpus(str(tmp_path / "x.txt"))
    with pytest.raises(FileNotFoundError, match="no such corpus file"):
        read_corpus([tmp_path / "missing.txt"])
    with pytest.raises(TypeError, match="iterable of strings"):
        corpus_from_texts("one string")
    with pytest.raises(ValueError, match="valid_fraction"):
        corpus_from_texts(["a"], valid_fraction=1.0)


def test_tinyshakespeare_matches_counter(data_dir):
    """Check that the streamed ids of tiny-Shakespeare match a plain Counter over the tokenized lines."""
    path = data_dir / "corpus" / "tinyshakespeare.txt"
    c = read_corpus([path], valid_fraction=0.1)
    toks: list[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = tokenize(line)
            if t:
                toks += t + [EOS]
    n_train = len(toks) - round(len(toks) * 0.1)
    assert len(c) == len(toks) == 289_735
    assert len(c.train) == n_train == 260_761
    counts = Counter(toks[:n_train])
    assert c.vocab.words[3:13] == [w for w, _ in counts.most_common(13) if w != EOS][:10]
    assert c.vocab.words[3:8] == [",", ":", ".", "the", "and"]
    assert len(c.vocab) == len(counts) + 2  # + <pad>, <unk>
    # the ids decode back to the tokens, <unk> where the held-out part has unseen words
    assert c.vocab.decode(c.train[:50]) == toks[:50]
    valid = [w if w in c.vocab else "<unk>" for w in toks[n_train:]]
    assert c.vocab.decode(c.valid) == valid
    assert isinstance(c, Corpus) and repr(c).startswith("<Corpus 260761 train")


def test_empty_files_are_an_error_naming_them(tmp_path):
    """Check that files without a single word are refused, naming them, instead of making an empty corpus."""
    (tmp_path / "a.txt").write_text("")
    (tmp_path / "b.txt").write_text("\n  \n")
    with pytest.raises(ValueError, match=r"^.*a\.txt, .*b\.txt: no words \(the files are empty or blank\)$"):
        read_corpus([tmp_path / "a.txt", tmp_path / "b.txt"])


def test_latin1_corpus_keeps_its_accents_and_warns_naming_the_first_bad_line(tmp_path):
    """Check that a Windows-1252 corpus reads café as café, with one warning naming the file and its first line that is not UTF-8."""
    utf8, latin = tmp_path / "utf8.txt", tmp_path / "latin.txt"
    utf8.write_text("le thé est chaud\n", encoding="utf-8")
    latin.write_bytes("le vin est bon\nle café est noir\nun café\n".encode("cp1252"))
    message = rf"^{latin} is not UTF-8 \(line 2: byte 0xe9\); read it as Windows-1252 \(cp1252\)$"
    with pytest.warns(EmbedkitWarning, match=message) as caught:
        c = read_corpus([utf8, latin])
    assert len(caught) == 1
    assert "café" in c.vocab and "thé" in c.vocab and "caf" not in c.vocab and "\ufffd" not in c.vocab
    assert c.vocab.decode(c.train)[-3:] == ["un", "café", EOS]
    with pytest.warns(EmbedkitWarning, match=message):
        chars = read_char_corpus([latin], valid_fraction=0.0)
    assert "é" in chars.vocab and "\ufffd" not in chars.vocab
    assert "caf" in read_corpus([latin], encoding="utf-8").vocab  # an explicit encoding is obeyed, as before


def test_utf8_corpus_with_byte_order_mark_reads_without_it(tmp_path):
    """Check that a UTF-8 corpus opening with a byte-order mark gives no warning and no U+FEFF in its first word."""
    p = tmp_path / "bom.txt"
    p.write_bytes("\ufeffcafé noir\n".encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = read_corpus([p])
    assert c.vocab.decode(c.train) == ["café", "noir", EOS]
