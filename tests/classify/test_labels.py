"""Labels across files: a dev or test file read with the training file's classes.txt, and errors that say
where the training class names came from."""

from __future__ import annotations

import pytest

from embedkit.classify.datasets import read_csv_classes, read_dataset
from embedkit.classify.labels import align_labels
from embedkit.errors import DataFileError, LabelError

CLASSES = "1 Sports\n2 Business\n3 Politics\n"
WORDS = {1: "match goal", 2: "stock price", 3: "vote party"}


def _csv(path, labels):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f'"{y}","{WORDS.get(y, "what")} {i}"\n' for i, y in enumerate(labels)))
    return path


@pytest.fixture()
def dbpedia_layout(tmp_path):
    """train.csv beside the official classes.txt, and a test.csv of the same numbers in a folder without one."""
    train = _csv(tmp_path / "db" / "train.csv", [1, 2, 3] * 4)
    (tmp_path / "db" / "classes.txt").write_text(CLASSES)
    return train, _csv(tmp_path / "other" / "test.csv", [3, 1, 1, 2])


def test_a_test_file_without_classes_txt_takes_the_training_list(dbpedia_layout):
    """Check that a test file whose labels are the training classes.txt's numbers is read with its names, as if beside it."""
    train_path, test_path = dbpedia_layout
    train, test = read_dataset(train_path), read_dataset(test_path)
    classes = str(train_path.with_name("classes.txt"))
    assert (train.classes_file, test.classes_file) == (classes, "")
    assert train.class_names == ("Sports", "Business", "Politics") and test.class_names == ("1", "2", "3")
    aligned, dropped = align_labels(test, train, role="test")
    assert dropped == 0 and aligned.label_names() == ["Politics", "Sports", "Sports", "Business"]
    assert aligned.labels.tolist() == [2, 0, 0, 1] and aligned.classes_file == classes
    beside = read_csv_classes(test_path, classes=classes)  # what the archive's layout would give
    assert aligned.label_names() == beside.label_names() and beside.classes_file == classes


def test_other_numbers_name_the_training_classes_txt(dbpedia_layout, tmp_path):
    """Check that labels the training list does not number are refused in one line naming its classes.txt."""
    train_path, _ = dbpedia_layout
    train = read_dataset(train_path)
    classes = train_path.with_name("classes.txt")
    four = read_dataset(_csv(tmp_path / "four" / "test.csv", [1, 4, 2]))
    with pytest.raises(LabelError) as info:
        align_labels(four, train, role="test")
    assert str(info.value) == (
        f"{tmp_path / 'four' / 'test.csv'}: 1 test example has a label that the training data never had: '4' "
        f"(the training class names are from {classes}); drop those examples with drop_unseen_labels=True "
        "(--drop-unseen-labels)"
    )
    zero_based = tmp_path / "zero.txt"
    zero_based.write_text("0 match\n1 stock\n")
    with pytest.raises(LabelError, match=rf"'0', '1' \(the training class names are from {classes}\); drop"):
        align_labels(read_dataset(zero_based), train, role="dev")
    with pytest.raises(DataFileError, match=rf"four/test\.csv: label 4 but only 3 class names in {classes}$"):
        read_csv_classes(tmp_path / "four" / "test.csv", classes=classes)
