"""Tests of the encoder-decoder's torch-free front: pairs and TSV files, the numbers tasks, metrics, config."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import sacrebleu

from embedkit.errors import ConfigError, DataFileError, InvalidArgumentError, MissingDependencyError
from embedkit.sequences import (
    AttentionMap,
    Pair,
    Seq2SeqConfig,
    join_units,
    load_task,
    number_phrase,
    read_pairs,
    score_outputs,
    split_pairs,
    split_units,
    task_units,
)
from embedkit.sequences.tasks import task_numbers

ENG_FRA = "/work/shared/data/translation/eng-fra-4500.tsv"


def test_number_phrases_are_written_as_the_lab_writes_them():
    """Check that phrases have spaces for hyphens (and no commas in English), as in the issue's examples."""
    assert number_phrase(96237, "fr") == "quatre vingt seize mille deux cent trente sept"
    assert number_phrase(96237, "en") == "ninety six thousand two hundred and thirty seven"
    assert number_phrase(1000000 - 1, "en") == "nine hundred and ninety nine thousand nine hundred and ninety nine"
    assert number_phrase(80, "fr") == "quatre vingts"


def test_task_numbers_follow_the_protocol():
    """Check the 20,000 distinct numbers: all of 1..5000, 5,000 per range, 10k/5k/5k disjoint splits."""
    train, valid, test = task_numbers(0)
    assert (len(train), len(valid), len(test)) == (10_000, 5_000, 5_000)
    every = set(train) | set(valid) | set(test)
    assert len(every) == 20_000
    assert set(range(1, 5001)) <= every
    beyond = every - set(range(1, 5001))
    assert sum(5000 < n <= 10_000 for n in beyond) == 5000
    assert sum(10_000 < n <= 100_000 for n in beyond) == 5000
    assert sum(100_000 < n <= 999_999 for n in beyond) == 5000
    assert max(every) <= 999_999
    assert task_numbers(0) == task_numbers(0)
    assert task_numbers(1)[0] != train


def test_load_task_pairs_and_reverse():
    """Check that numbers-fr pairs phrases with digits and that reverse swaps the sides."""
    s = load_task("numbers-fr")
    assert s.counts() == {"train": 10_000, "valid": 5_000, "test": 5_000}
    assert all(p.source == number_phrase(int(p.target), "fr") for p in s.test[:50])
    r = load_task("numbers-fr", reverse=True)
    assert [(p.target, p.source) for p in r.train[:20]] == [(p.source, p.target) for p in s.train[:20]]
    assert {p.target for p in s.train}.isdisjoint(p.target for p in s.test)
    assert task_units("numbers-en") == ("word", "char")
    assert (s.units, r.units) == (("word", "char"), ("char", "word"))
    assert s.swapped() == r
    with pytest.raises(
        InvalidArgumentError, match=r"^unknown task 'numbers-de'; expected one of numbers-fr, numbers-en"
    ):
        load_task("numbers-de")


def test_missing_num2words_names_the_extra(monkeypatch):
    """Check that the numbers tasks without num2words say which extra to install."""
    monkeypatch.setitem(sys.modules, "num2words", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "embedkit\[seq2seq\]"'):
        number_phrase(5, "fr")


def test_units_round_trip():
    """Check that characters keep spaces and words join with single spaces."""
    assert split_units("a b", "char") == ["a", " ", "b"]
    assert join_units(split_units("a b", "char"), "char") == "a b"
    assert join_units(split_units("  deux   cent ", "word"), "word") == "deux cent"
    with pytest.raises(InvalidArgumentError, match=r"^unknown unit 'byte'; expected char or word$"):
        split_units("x", "byte")  # type: ignore[arg-type]


def test_read_pairs_keeps_attribution(tmp_path):
    """Check a TSV with an attribution column, a BOM, CRLF and blank lines."""
    p = tmp_path / "a.tsv"
    p.write_bytes("\ufeffGo.\tVa !\tCC-BY 2.0 (France) #1\r\n\nHi.\tSalut !\n".encode())
    assert read_pairs(p) == [Pair("Go.", "Va !", "CC-BY 2.0 (France) #1"), Pair("Hi.", "Salut !")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a\tb\nno tab here\n", r":2: no tab between the source and the target$"),
        (b"a\tb\n\tb\n", r":2: empty source$"),
        (b"a\tb\nc\t \n", r":2: empty target$"),
        (b"a\tb\n\xff\xfe\tx\n", r":2: the line is not UTF-8 text$"),
        (b"\n\n", r":1: the file holds no source<TAB>target line$"),
        (b"", r":1: the file holds no source<TAB>target line$"),
    ],
)
def test_read_pairs_errors_name_the_line(tmp_path, content, message):
    """Check that a bad TSV fails with one line naming path:line."""
    p = tmp_path / "bad.tsv"
    p.write_bytes(content)
    with pytest.raises(DataFileError, match=r"^" + str(p).replace("\\", "\\\\") + message):
        read_pairs(p)


def test_eng_fra_split_by_english_sentence():
    """Check that the real eng-fra file splits with no English sentence in two splits and keeps credits."""
    pairs = read_pairs(ENG_FRA)
    assert len(pairs) == 4500
    assert all(p.attribution.startswith("CC-BY") for p in pairs)
    s = split_pairs(pairs, seed=0)
    assert len(s.train) + len(s.valid) + len(s.test) == 4500
    tr, va, te = ({p.source for p in part} for part in (s.train, s.valid, s.test))
    assert not (tr & va or tr & te or va & te)
    assert split_pairs(pairs, seed=0) == s
    with pytest.raises(InvalidArgumentError, match=r"^fractions must be three"):
        split_pairs(pairs, fractions=(0.5, 0.5, 0.5))


def test_scores_match_hand_values():
    """Check exact match and token accuracy on hand-counted outputs (a missing token is an error)."""
    s = score_outputs(["123", "45", "7"], ["123", "456", "78"], unit="char")
    assert (s.n, s.exact_match, s.bleu, s.chrf) == (3, pytest.approx(1 / 3), None, None)
    assert s.token_accuracy == pytest.approx((3 + 2 + 1) / (3 + 3 + 2))


def test_bleu_and_chrf_match_sacrebleu():
    """Check that phrase scores equal sacrebleu's corpus_bleu and corpus_chrf on the same strings."""
    outs = ["the cat sat on the mat", "il fait beau aujourd'hui", "deux cent trente"]
    refs = ["the cat is on the mat", "il fait très beau aujourd'hui", "deux cent trente"]
    s = score_outputs(outs, refs, unit="word")
    assert s.bleu == pytest.approx(sacrebleu.corpus_bleu(outs, [refs]).score, rel=1e-6)
    assert s.chrf == pytest.approx(sacrebleu.corpus_chrf(outs, [refs]).score, rel=1e-6)
    assert s.exact_match == pytest.approx(1 / 3)
    assert s.to_dict()["bleu"] == s.bleu


def test_config_recipes_and_validation():
    """Check that None fields take the model's recipe, round-trip through plain data, and bad values fail."""
    c = Seq2SeqConfig(model="transformer")
    assert (c.emb_dim, c.heads, c.attention, c.has_attention) == (128, 4, None, True)
    assert Seq2SeqConfig.from_dict(c.to_dict()) == c
    assert Seq2SeqConfig(model="gru").has_attention is False
    assert Seq2SeqConfig(model="lstm-attn", attention="dot").attention == "dot"
    with pytest.raises(
        ConfigError, match=r"^model must be one of gru, lstm, gru-attn, lstm-attn, transformer; got 'rnn'$"
    ):
        Seq2SeqConfig(model="rnn")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^hidden must be at most 16,384, got 100,000$"):
        Seq2SeqConfig(hidden=100_000)
    with pytest.raises(ConfigError, match=r"^teacher_forcing must be in \[0, 1\], got 1.5$"):
        Seq2SeqConfig(teacher_forcing=1.5)
    with pytest.raises(ConfigError, match=r"^emb_dim \(100\) must be a multiple of heads \(3\)$"):
        Seq2SeqConfig(model="transformer", emb_dim=100, heads=3)
    with pytest.raises(ConfigError, match=r"^layers must be an integer or null, got '2'$"):
        Seq2SeqConfig.from_dict({"layers": "2"})
    with pytest.raises(ConfigError, match=r"^unknown Seq2SeqConfig fields: foo$"):
        Seq2SeqConfig.from_dict({"foo": 1})


def test_attention_map_checks_shape():
    """Check that an attention map's weights are read-only and shaped (maps, outputs, sources)."""
    m = AttentionMap(["a", "b"], ["1", "<eos>"], np.full((1, 2, 2), 0.5), ["attention"])
    assert m.weights.dtype == np.float32 and not m.weights.flags.writeable
    with pytest.raises(InvalidArgumentError, match=r"^attention weights are shaped \(1, 2, 3\), expected \(1, 2, 2\)$"):
        AttentionMap(["a", "b"], ["1", "<eos>"], np.zeros((1, 2, 3)), ["attention"])


def test_missing_sacrebleu_names_the_extra(monkeypatch):
    """Check that BLEU and chrF without sacrebleu say which extra to install (digit scores need nothing)."""
    monkeypatch.setitem(sys.modules, "sacrebleu", None)
    assert score_outputs(["12"], ["12"], unit="char").exact_match == 1.0
    with pytest.raises(
        MissingDependencyError,
        match=r'^scoring BLEU and chrF needs sacrebleu, which is not installed: pip install "embedkit\[seq2seq\]"$',
    ):
        score_outputs(["a b"], ["a b"], unit="word")
