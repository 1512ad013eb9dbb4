"""The one error hierarchy: what embedkit raises on purpose is an EmbedkitError subclass, also a built-in."""

from __future__ import annotations

import errno
import json
import pickle
import re

import numpy as np
import pytest

import embedkit
from embedkit import errors
from embedkit._fs import atomic_write
from embedkit.classify.api import load_classifier
from embedkit.classify.datasets import dataset_path, read_dataset
from embedkit.cli import main
from embedkit.cli._checks import check_output
from embedkit.cli.seq2seq import read_sources
from embedkit.evaluation.benchmark_files import benchmark_path
from embedkit.sequences import load_seq2seq, read_pairs
from embedkit.text import Vocabulary, detect_encoding
from embedkit.training.corpus import read_char_corpus
from embedkit.viz.explorer import read_metadata
from embedkit.viz.groups import read_groups, read_words
from embedkit.viz.projection import Projection


def test_every_error_class_is_exported_from_the_package():
    """Check that every public class of embedkit.errors is importable from embedkit and listed in its __all__."""
    for name in errors.__all__:
        assert getattr(embedkit, name) is getattr(errors, name)
        assert name in embedkit.__all__


def test_library_errors_are_embedkit_errors(tmp_path):
    """Check that bad arguments, data and missing files raise EmbedkitError subclasses with their messages."""
    with pytest.raises(errors.InvalidArgumentError, match=r"^matrix must be 2-D, got shape \(3,\)$"):
        embedkit.Vectors(["a", "b", "c"], np.zeros(3))
    with pytest.raises(errors.DataError, match=r"^2 keys but the matrix has 3 rows$"):
        embedkit.Vectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(errors.DataError, match=r"^duplicate keys: \['a'\]$"):
        embedkit.Vectors(["a", "a"], np.zeros((2, 2)))
    with pytest.raises(errors.InvalidArgumentError, match=r"^n must be >= 0, got -1$"):
        embedkit.Vectors(["a"], np.zeros((1, 2))).most_frequent(-1)
    with pytest.raises(errors.DataError, match=r"^the vocabulary must start with its special tokens$"):
        Vocabulary(["a", "b"])
    with pytest.raises(errors.DataError, match=r"^repeated words in the vocabulary$"):
        Vocabulary(["<pad>", "<unk>", "a", "a"])
    with (
        pytest.raises(errors.InvalidArgumentError, match=r"^mode must be 'wb' or 'w', got 'a'$"),
        atomic_write(tmp_path / "x", mode="a"),
    ):
        pass
    with pytest.raises(errors.InvalidArgumentError, match=r"^load a projection from \.npz or \.csv, not 'p\.txt'$"):
        Projection.load(tmp_path / "p.txt")
    bad = tmp_path / "p.csv"
    bad.write_text("word,x,y\n")
    with pytest.raises(
        errors.ModelFileError,
        match=rf"^{re.escape(str(bad))}: not an embedkit projection \(no '# {{\.\.\.}}' header line\)$",
    ):
        Projection.load(bad)
    bad.write_text('# {"format": "other"}\nword,x,y\n')
    with pytest.raises(
        errors.ModelFileError, match=rf"^{re.escape(str(bad))}: not an embedkit projection \(format 'other'\)$"
    ):
        Projection.load(bad)


# Every reader of a file, with the WHAT of its message ``no such WHAT: 'PATH'`` and the hint that follows.
MISSING_FILE_READERS = {
    "load": (embedkit.load, "vector file or registered name", "registered names: glove-6b-50d"),
    "read_corpus": (lambda p: embedkit.read_corpus([p]), "corpus file", None),
    "read_char_corpus": (lambda p: read_char_corpus([p]), "corpus file", None),
    "read_dataset": (read_dataset, "dataset file", None),
    "read_dataset(format=label-text)": (lambda p: read_dataset(p, format="label-text"), "dataset file", None),
    "read_dataset(format=csv)": (lambda p: read_dataset(p, format="csv"), "dataset file", None),
    "read_dataset(format=table)": (lambda p: read_dataset(p, format="table"), "dataset file", None),
    "dataset_path": (lambda p: dataset_path(str(p), "."), "dataset file", None),
    "load_classifier": (load_classifier, "model file", None),
    "read_pairs": (read_pairs, "pairs file", None),
    "benchmark_path": (
        benchmark_path,
        "benchmark file or registered name",
        "registered names: google, simlex999, wordsim353",
    ),
    "evaluate_analogies": (
        lambda p: embedkit.evaluate_analogies(SMALL, p),
        "benchmark file or registered name",
        "registered names: google, simlex999, wordsim353",
    ),
    "load_seq2seq": (load_seq2seq, "checkpoint", None),
    "evaluate_similarity": (
        lambda p: embedkit.evaluate_similarity(SMALL, p),
        "benchmark file or registered name",
        "registered names: google, simlex999, wordsim353",
    ),
    "read_groups": (read_groups, "groups file", None),
    "read_words": (read_words, "words file", None),
    "read_metadata": (lambda p: read_metadata(p, ["a"]), "metadata file", None),
    "Projection.load(.npz)": (lambda p: Projection.load(p.with_suffix(".npz")), "projection file", None),
    "Projection.load(.csv)": (lambda p: Projection.load(p.with_suffix(".csv")), "projection file", None),
    "detect_encoding": (detect_encoding, "file", None),
    "seq2seq read_sources": (lambda p: read_sources(str(p)), "sources file", None),
}
SMALL = embedkit.Vectors(["a", "b"], np.eye(2, dtype=np.float32))


@pytest.mark.parametrize("reader", MISSING_FILE_READERS)
def test_a_missing_file_is_one_error_everywhere(reader, tmp_path):
    """Check that every reader refuses a missing file with MissingFileError (a FileNotFoundError), ``no such WHAT: 'PATH'``."""
    read, what, hint = MISSING_FILE_READERS[reader]
    path = tmp_path / "nope.txt"
    shown = (
        path.with_suffix(".npz")
        if reader.endswith("(.npz)")
        else path.with_suffix(".csv")
        if ".csv" in reader
        else path
    )
    tail = f" ({hint})" if hint else ""
    with pytest.raises(
        errors.MissingFileError, match=rf"^{re.escape(f'no such {what}: {str(shown)!r}{tail}')}$"
    ) as caught:
        read(path)
    assert isinstance(caught.value, FileNotFoundError) and caught.value.errno == errno.ENOENT
    assert caught.value.filename == str(shown)


def test_missing_named_files_say_where_they_were_looked_for(tmp_path, capsys):
    """Check that a missing registered dataset, a missing classes file and a checkpoint folder without checkpoints name what is missing."""
    with pytest.raises(
        errors.MissingFileError,
        match=rf"^no such dataset file: {re.escape(repr(str(tmp_path / 'sentiment/mr/mr.txt')))} "
        r"\(the downstream dataset 'mr': set EMBEDKIT_DATA or pass a path\)$",
    ):
        dataset_path("mr", tmp_path)
    data = tmp_path / "d.csv"
    data.write_text('"1","a text"\n')
    with pytest.raises(
        errors.MissingFileError, match=rf"^no such classes file: {re.escape(repr(str(tmp_path / 'c.txt')))}$"
    ):
        read_dataset(data, class_names=str(tmp_path / "c.txt"))
    assert main(["seq2seq", "train", "--task", "nope.tsv", "-o", str(tmp_path / "m.pt"), "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "error": "no such pairs file: 'nope.tsv' (--task takes numbers-fr, numbers-en or a TSV file)",
        "type": "MissingFileError",
    }


def test_a_folder_is_not_a_file(tmp_path):
    """Check that a folder given as a dataset or corpus is FileIsADirectoryError naming it and what was expected."""
    with pytest.raises(
        errors.FileIsADirectoryError, match=rf"^{re.escape(str(tmp_path))}: is a directory, not a dataset file$"
    ):
        read_dataset(tmp_path)
    with pytest.raises(
        errors.FileIsADirectoryError, match=rf"^{re.escape(str(tmp_path))}: is a directory, not a corpus file$"
    ):
        embedkit.read_corpus([tmp_path])


def test_missing_file_error_pickles():
    """Check that a MissingFileError survives pickling with its message and parts (as across worker processes)."""
    e = errors.MissingFileError("x.txt", "corpus file", hint="a hint")
    back = pickle.loads(pickle.dumps(e))  # noqa: S301  (our own bytes)
    assert type(back) is errors.MissingFileError and str(back) == "no such corpus file: 'x.txt' (a hint)"
    assert (back.path, back.what, back.hint, back.errno) == ("x.txt", "corpus file", "a hint", errno.ENOENT)


def test_cli_checks_raise_embedkit_errors(tmp_path):
    """Check that the command line's own checks raise EmbedkitError subclasses that keep the built-in's type."""
    with pytest.raises(errors.InvalidArgumentError, match=r"^-o must be \.png or \.svg, not 'x\.gif'$"):
        check_output(tmp_path / "x.gif", [".png", ".svg"], "-o")
    with pytest.raises(
        errors.FileIsADirectoryError, match=rf"^-o {re.escape(repr(str(tmp_path)))} is a directory$"
    ) as caught:
        check_output(tmp_path, [""], "-o")
    assert isinstance(caught.value, IsADirectoryError)
    (tmp_path / "f").write_text("")
    out, parent = repr(str(tmp_path / "f" / "x.png")), repr(str(tmp_path / "f"))
    with pytest.raises(
        errors.FileNotADirectoryError, match=rf"^-o {re.escape(out)}: {re.escape(parent)} is not a directory$"
    ) as caught:
        check_output(tmp_path / "f" / "x.png", [".png"], "-o")
    assert isinstance(caught.value, NotADirectoryError)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "glove-6b-50d", "-o", "r.html"], "report needs at least two vector sets"),
        (["plot", "analogies", "man-woman", "-o", "a.png"], "write each pair as A:B (e.g. man:woman), got 'man-woman'"),
        (
            ["neighbors", "king", "--vectors", " "],
            "--vectors is empty: give a registered name (e.g. glove-6b-50d), a path, or - for standard input",
        ),
    ],
    ids=["report", "plot-analogies", "empty-vectors"],
)
def test_cli_usage_problems_are_invalid_argument_errors(argv, message, capsys):
    """Check that a bad combination of command-line values is reported as InvalidArgumentError in --json mode."""
    assert main([*argv, "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {"error": message, "type": "InvalidArgumentError"}
