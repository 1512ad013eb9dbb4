"""The one error hierarchy: what embedkit raises on purpose is an EmbedkitError subclass, also a built-in."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import embedkit
from embedkit import errors
from embedkit._fs import atomic_write
from embedkit.classify.api import load_classifier
from embedkit.classify.datasets import dataset_path
from embedkit.cli import main
from embedkit.cli._checks import check_output
from embedkit.evaluation.benchmark_files import benchmark_path
from embedkit.text import Vocabulary
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


def test_missing_files_are_missing_file_errors(tmp_path):
    """Check that missing corpora, benchmarks, datasets and models raise MissingFileError (a FileNotFoundError)."""
    nope = tmp_path / "nope.txt"
    with pytest.raises(errors.MissingFileError, match=rf"^no such corpus file: {re.escape(repr(str(nope)))}$"):
        embedkit.read_corpus([nope])
    with pytest.raises(
        FileNotFoundError, match=rf"^no benchmark file {re.escape(repr(str(nope)))} \(registered names: "
    ):
        benchmark_path(nope)
    with pytest.raises(
        errors.MissingFileError,
        match=r"^downstream dataset 'mr': .* does not exist \(set EMBEDKIT_DATA or pass a path\)$",
    ):
        dataset_path("mr", tmp_path)
    with pytest.raises(errors.MissingFileError, match=rf"^no such model file: {re.escape(repr(str(nope)))}$"):
        load_classifier(nope)


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
