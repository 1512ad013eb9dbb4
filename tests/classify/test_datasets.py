"""Readers for classification files, format detection and the seeded splits."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from embedkit.classify.datasets import (
    TextDataset,
    detect_dataset_format,
    kfold,
    read_csv_classes,
    read_dataset,
    read_label_text,
    read_table,
    train_dev_split,
)
from embedkit.errors import DataError, EmbedkitWarning
from embedkit.text import detect_encoding


def test_label_text_reader_exact(tmp_path):
    """Check that LABEL TEXT lines give the exact texts, labels and default class names, skipping blanks."""
    p = tmp_path / "toy.txt"
    p.write_text("1 a fine film .\n\n0 dull , dull , dull\n2   three spaces  \n")
    ds = read_label_text(p)
    assert ds.texts == ("a fine film .", "dull , dull , dull", "three spaces")
    assert ds.labels.tolist() == [1, 0, 2]
    assert ds.class_names == ("0", "1", "2")
    assert ds.name == "toy"
    named = read_label_text(p, class_names=["neg", "pos", "mixed"])
    assert named.label_names() == ["pos", "neg", "mixed"]


def test_label_text_reader_rejects_bad_line(tmp_path):
    """Check that a line without an integer label is reported with its line number."""
    p = tmp_path / "bad.txt"
    p.write_text("0 fine\npositive great film\n")
    with pytest.raises(ValueError, match=r"bad.txt, line 2: expected 'LABEL TEXT'"):
        read_label_text(p)


def test_csv_reader_with_classes_file(tmp_path):
    """Check that the CSV reader maps labels from 1 to ids from 0, joins extra fields and reads classes.txt."""
    d = tmp_path / "news"
    d.mkdir()
    (d / "classes.txt").write_text("1 Sports\n2 Sci/Tech\n3 World\n")
    (d / "train.csv").write_text('"3","Title, with comma","body text"\n"1","Goal!"\n')
    ds = read_csv_classes(d / "train.csv")
    assert ds.texts == ("Title, with comma body text", "Goal!")
    assert ds.labels.tolist() == [2, 0]
    assert ds.class_names == ("Sports", "Sci/Tech", "World")
    assert ds.name == "news"
    plain = tmp_path / "plain.csv"
    plain.write_text('"1","x"\n"2","y"\n')
    assert read_csv_classes(plain).class_names == ("1", "2")
    with pytest.raises(ValueError, match="labels count from 1, got 0"):
        plain.write_text('"0","x"\n')
        read_csv_classes(plain)


def test_table_reader_named_columns(tmp_path):
    """Check that a TSV with a header is read by column name, string classes sorted."""
    p = tmp_path / "reviews.tsv"
    p.write_text("id\tlabel\tsentence\n1\tpos\tloved it\n2\tneg\thated it\n3\tpos\tgreat\n")
    ds = read_table(p, text_column="sentence", label_column="label")
    assert ds.class_names == ("neg", "pos")
    assert ds.labels.tolist() == [1, 0, 1]
    assert ds.texts == ("loved it", "hated it", "great")
    with pytest.raises(ValueError, match=r"no column 'text' \(columns: id, label, sentence\)"):
        read_table(p)


def test_detect_format(tmp_path, data_dir):
    """Check that the format is detected for both shared formats and a headed table."""
    assert detect_dataset_format(data_dir / "sentiment/mr/mr.txt") == "label-text"
    assert detect_dataset_format(data_dir / "ontology/dbpedia/train.csv") == "csv"
    t = tmp_path / "t.csv"
    t.write_text("text,label\nhello,a\n")
    assert detect_dataset_format(t) == "table"
    assert read_dataset(t).texts == ("hello",)


def test_real_mr(data_dir):
    """Check the MR file: 10,662 sentences, 5,331 per class, the first one exactly."""
    ds = read_dataset(data_dir / "sentiment/mr/mr.txt")
    assert len(ds) == 10662
    assert ds.class_counts() == {"0": 5331, "1": 5331}
    assert ds.texts[0] == "simplistic , silly and tedious ."
    assert ds.name == "mr"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("1 a cliché …\n".encode(), "utf-8", "a cliché …"),
        (b"\xef\xbb\xbf1 a clich\xc3\xa9\n", "utf-8-sig", "a cliché"),
        (b"1 a clich\xe9 \x85 \x93q\x94\n", "cp1252", "a cliché … “q”"),
        (b"1 a clich\xe9 \x81\n", "latin-1", "a cliché \x81"),  # 0x81 is undefined in cp1252
    ],
)
def test_encoding_detected(tmp_path, text, encoding, expected):
    path = tmp_path / "d.txt"
    path.write_bytes(text)
    assert detect_encoding(path) == encoding
    assert read_dataset(path).texts == (expected,)


def test_explicit_encoding_wins(tmp_path):
    path = tmp_path / "d.txt"
    path.write_bytes(b"1 a clich\xe9\n")
    assert read_label_text(path, encoding="utf-8").texts == ("a clich\ufffd",)
    assert read_dataset(path, encoding="latin-1").texts == ("a cliché",)


def test_real_latin_files_decode_without_replacement(data_dir):
    """MR, Subj and TREC are Windows-1252: no U+FFFD, and the accented words survive."""
    for rel, n, word, count in [
        ("sentiment/mr/mr.txt", 10662, "cliché", 43),
        ("sentiment/subj/subj.txt", 10000, "cliché", 17),
        ("questions/trec/train.txt", 5452, "ð", 1),
    ]:
        path = data_dir / rel
        assert detect_encoding(path) == "cp1252"
        ds = read_dataset(path)
        assert len(ds) == n
        assert not any("\ufffd" in t for t in ds.texts)
        with open(path, encoding="cp1252") as f:  # independent count on the raw decoded lines
            assert sum(word in line for line in f) == count
        assert sum(word in t for t in ds.texts) == count
    assert detect_encoding(data_dir / "sentiment/cr/cr.txt") == "utf-8"


def test_real_dbpedia_and_agnews(data_dir):
    """Check the CSV samples: sizes, class names from classes.txt and per-class counts."""
    db = read_dataset(data_dir / "ontology/dbpedia/train.csv")
    assert len(db) == 5000 and db.num_classes == 14
    assert db.class_names[0] == "Artist" and db.class_names[-1] == "Film"
    assert db.class_counts()["Artist"] == 376 and db.class_counts()["Film"] == 369
    assert db.labels[0] == 9 and db.texts[0].startswith("Mfumu'eto is a magazine")
    ag = read_dataset(data_dir / "topic/agnews/train.csv")
    assert ag.class_names == ("Sports", "Sci/Tech", "World", "Business")
    assert ag.class_counts() == {"Sports": 1615, "Sci/Tech": 1594, "World": 1604, "Business": 1567}


def test_train_dev_split_is_stratified_and_seeded(data_dir):
    """Check that the split matches sklearn's stratified split, keeps class shares and depends on the seed."""
    from sklearn.model_selection import train_test_split

    ds = read_dataset(data_dir / "questions/trec/train.txt")
    tr, dv = train_dev_split(ds, dev_fraction=0.1, seed=3)
    assert len(dv) == 546 and len(tr) == 5452 - 546
    _, ref = train_test_split(np.arange(len(ds)), test_size=0.1, stratify=ds.labels, random_state=3)
    assert dv.texts == tuple(ds.texts[i] for i in ref)
    full = np.bincount(ds.labels) / len(ds)
    np.testing.assert_allclose(np.bincount(dv.labels) / len(dv), full, atol=0.002)
    assert set(tr.texts) | set(dv.texts) == set(ds.texts)
    assert train_dev_split(ds, seed=3)[1].texts == dv.texts
    assert train_dev_split(ds, seed=4)[1].texts != dv.texts


def test_kfold_partitions_and_matches_sklearn(data_dir):
    """Check that 10 folds of MR partition the data, are stratified and equal StratifiedKFold's."""
    from sklearn.model_selection import StratifiedKFold

    ds = read_dataset(data_dir / "sentiment/mr/mr.txt")
    folds = list(kfold(ds, 10, seed=0))
    assert len(folds) == 10
    assert sorted(len(te) for _, te in folds) == [1066] * 8 + [1067] * 2
    ref = list(StratifiedKFold(10, shuffle=True, random_state=0).split(np.zeros(len(ds)), ds.labels))
    for (tr, te), (_rtr, rte) in zip(folds, ref):
        assert te.texts == tuple(ds.texts[i] for i in rte)
        assert len(tr) + len(te) == len(ds)
        assert abs(int(te.labels.sum()) * 2 - len(te)) <= 1
    assert_array_equal(np.sort(np.concatenate([r[1] for r in ref])), np.arange(len(ds)))


def test_label_without_text_is_kept_with_one_warning(tmp_path):
    """Check that LABEL-only lines, CSV rows and table rows are kept as empty texts with one warning giving the count and the first line numbers."""
    p = tmp_path / "toy.txt"
    p.write_text("1 fine\n0\n\n1  \n" + "0 ok\n" * 3 + "1\n0 \n1 \n0 \n1")  # the last line has no newline
    with pytest.warns(EmbedkitWarning) as caught:
        ds = read_label_text(p)
    assert [str(w.message) for w in caught] == [
        f"{p}: 7 examples have a label and no text (lines 2, 4, 8, 9, 10, ...); they are kept as empty texts"
    ]
    assert len(ds) == 11 and ds.texts[:3] == ("fine", "", "") and ds.labels.tolist()[-1] == 1
    c = tmp_path / "toy.csv"
    c.write_text('"1","a text"\n"2",""\n"1","more"\n')
    with pytest.warns(
        EmbedkitWarning,
        match=rf"^{re.escape(str(c))}: 1 example has a label and no text \(row 2\); it is kept as empty texts$",
    ):
        assert read_csv_classes(c).texts == ("a text", "", "more")
    t = tmp_path / "toy.tsv"
    t.write_text("text\tlabel\ngood\tpos\n \tneg\n")
    with pytest.warns(EmbedkitWarning, match=r"1 example has a label and no text \(line 3\)"):
        assert read_table(t).texts == ("good", " ")
    clean = tmp_path / "clean.txt"
    clean.write_text("0 a\n1 b\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning where every line has a text
        read_label_text(clean)


def test_real_cr_and_mpqa_keep_their_published_sizes(data_dir):
    """Check that CR and MPQA, whose Kim files have 4 and 3 label-only lines, keep 3,775 and 10,606 examples and name those lines."""
    for name, size, lines in [("cr", 3775, "lines 769, 1368, 3691, 3775"), ("mpqa", 10606, "lines 6415, 7294, 10606")]:
        path = data_dir / f"sentiment/{name}/{name}.txt"
        with pytest.warns(EmbedkitWarning) as caught:
            ds = read_dataset(path)
        n = lines.count(",") + 1
        assert [str(w.message) for w in caught] == [
            f"{path}: {n} examples have a label and no text ({lines}); they are kept as empty texts"
        ]
        assert len(ds) == size and sum(t == "" for t in ds.texts) == n


def test_kfold_refuses_more_folds_than_any_class_has_and_names_a_rare_class():
    """Check that k above every class's size is one error naming the file, and a class smaller than k one warning naming it (not sklearn's n_splits)."""
    ds = TextDataset([f"t{i}" for i in range(12)], [0] * 6 + [1] * 5 + [2], ("a", "b", "c"), source="toy.txt")
    with pytest.raises(DataError, match=r"^toy\.txt: 7 folds, but no class has 7 examples \(the largest has 6\)$"):
        next(kfold(ds, 7))
    for k, line in [
        (3, "toy.txt: class 'c' has 1 example, fewer than the 3 folds: some folds test none of it"),
        (6, "toy.txt: class 'c' has 1 example (1 more class too), fewer than the 6 folds: some folds test none of it"),
    ]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            folds = list(kfold(ds, k))
        assert [(w.category, str(w.message)) for w in caught] == [(EmbedkitWarning, line)]
        assert len(folds) == k and sorted(i for _, te in folds for i in te.texts) == sorted(ds.texts)


def test_train_dev_split_says_why_data_is_too_small():
    """Check that a class of one example, or a dev part smaller than the classes, is one error saying so (not sklearn's test_size)."""
    one = TextDataset(["a", "b", "c", "d"], [0, 0, 0, 1], ("x", "y"), source="one.txt")
    with pytest.raises(DataError, match=r"^one\.txt: cannot hold out a stratified dev split: class 'y' has 1 example$"):
        train_dev_split(one)
    ten = TextDataset([str(i) for i in range(10)], [0, 1] * 5, ("x", "y"))
    with pytest.raises(
        DataError,
        match=r"^cannot hold out a stratified dev split: 0\.1 of 10 examples leaves 1 for dev, 9 for training, "
        r"fewer than the 2 classes$",
    ):
        train_dev_split(ten)
    tr, dv = train_dev_split(ten, dev_fraction=0.2)
    assert sorted(dv.labels.tolist()) == [0, 1] and len(tr) == 8


def test_dataset_validates_and_subsets():
    """Check that labels outside the class range are refused and subset keeps class names."""
    with pytest.raises(ValueError, match=r"labels must lie in 0..1"):
        TextDataset(["a", "b"], [0, 2], ("x", "y"))
    ds = TextDataset(["a", "b", "c"], [0, 1, 1], ("x", "y"))
    sub = ds.subset([2])
    assert sub.texts == ("c",) and sub.class_names == ("x", "y") and sub.class_counts() == {"x": 0, "y": 1}
    assert not ds.labels.flags.writeable


def test_readers_record_the_source_and_labels_align_by_name(tmp_path):
    """Check that a read dataset remembers its file (kept by subsets) and that align_labels maps dev classes by name."""
    from embedkit.classify.labels import align_labels

    (tmp_path / "tr.csv").write_text("text,label\ngood,pos\nbad,neg\nfine,pos\n")
    (tmp_path / "dv.csv").write_text("text,label\ngreat,pos\nmeh,mixed\n")
    tr, dv = read_dataset(tmp_path / "tr.csv"), read_dataset(tmp_path / "dv.csv")
    assert tr.source == str(tmp_path / "tr.csv") and tr.subset([0]).source == tr.source
    assert tr.class_names == ("neg", "pos") and dv.class_names == ("mixed", "pos")
    aligned, dropped = align_labels(dv, tr, drop_unseen=True)
    assert (aligned.texts, aligned.labels.tolist(), aligned.class_names, dropped) == (
        ("great",),
        [1],
        ("neg", "pos"),
        1,
    )
