"""Tests of `embedkit probe`: the JSON contract against the API, the text table, the figure, one-line errors."""

from __future__ import annotations

import json

import pytest

from embedkit.cli import main
from embedkit.contextual import probe, probe_task

pytestmark = pytest.mark.slow  # loads a contextual model: seconds

pytest.importorskip("transformers")


@pytest.fixture
def task_file(tmp_path):
    p = tmp_path / "toy.txt"
    lines = [f"{i % 2} {'a good' if i % 2 else 'a bad'} film number {i}" for i in range(30)]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_probe_json_equals_the_api(task_file, tiny_bert, tmp_path, capsys):
    """Check that --json prints probe()'s result on the same split, with the model and the figure written."""
    out = tmp_path / "p.png"
    argv = ["probe", "--task", str(task_file), "--model", str(tiny_bert), "--bootstrap", "20", "--seed", "2"]
    assert main([*argv, "-o", str(out), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    train, dev = probe_task(task_file, seed=2)
    want = probe(train, dev, model=tiny_bert, bootstrap=20, seed=2).to_dict()
    assert got == {**want, "model": tiny_bert.name, "output": str(out)}
    assert got["layers"] == [0, 1, 2] and got["train_size"] == 27 and got["dev_size"] == 3
    assert out.stat().st_size > 1000


def test_probe_text_table(task_file, tiny_bert, capsys):
    """Check the text output: a header line, one line per layer with its interval, and the best layer."""
    assert main(["probe", "--task", str(task_file), "--model", str(tiny_bert), "--bootstrap", "10"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{tiny_bert.name} on toy: 27 training and 3 dev sentences, 2 classes"
    assert lines[1] == "layer  accuracy  95% interval"
    assert [line.split()[0] for line in lines[2:5]] == ["0", "1", "2"]
    assert lines[-1].startswith("best layer: ")


def test_probe_errors_are_one_line(tmp_path, capsys):
    """Check that a missing task file and a one-class task each give one line and exit status 1."""
    assert main(["probe", "--task", str(tmp_path / "nope.txt")]) == 1
    assert capsys.readouterr().err == f"embedkit: error: no such dataset file: {str(tmp_path / 'nope.txt')!r}\n"
    one = tmp_path / "one.txt"
    one.write_text("".join(f"0 word {i}\n" for i in range(6)), encoding="utf-8")
    rc = main(["probe", "--task", str(one), "--dev", str(one), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert (rc, out) == (
        1,
        {"error": "the probe needs training sentences of at least two classes", "type": "DataError"},
    )
