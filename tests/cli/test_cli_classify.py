"""``embedkit classify train|cv|predict``: flags, JSON keys, saved models."""

from __future__ import annotations

import json
import sys

import pytest

from embedkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def mr_files(data_dir, tmp_path_factory):
    """Small train/test files in MR's format: 400 + 200 sentences, both classes."""
    lines = (data_dir / "sentiment/mr/mr.txt").read_text(encoding="utf-8", errors="replace").splitlines()
    d = tmp_path_factory.mktemp("mr")
    (d / "train.txt").write_text("\n".join(lines[:200] + lines[-200:]) + "\n")
    (d / "test.txt").write_text("\n".join(lines[200:300] + lines[-300:-200]) + "\n")
    return d / "train.txt", d / "test.txt"


def run_json(capsys, argv):
    rc = main(argv)
    out = capsys.readouterr().out
    return rc, json.loads(out)


def test_train_json_keys_and_predict(capsys, mr_files, tmp_path):
    """Check that train --json prints the listed keys and that predict reads the saved model."""
    train, test = mr_files
    model = tmp_path / "tfidf.npz"
    rc, out = run_json(
        capsys,
        [
            "classify",
            "train",
            "--train",
            str(train),
            "--test",
            str(test),
            "--model",
            "tfidf-logreg",
            "-o",
            str(model),
            "--json",
        ],
    )
    assert rc == 0
    assert {"model", "mode", "dev", "test", "train_seconds"} <= set(out)
    assert out["model"] == "tfidf-logreg" and out["mode"] is None
    assert set(out["dev"]) == {"accuracy", "macro_f1"} and 0.5 < out["test"]["accuracy"] <= 1.0
    rc, pred = run_json(capsys, ["classify", "predict", "--model", str(model), "dull , tedious mess", "--json"])
    assert rc == 0 and len(pred["predictions"]) == 1
    p = pred["predictions"][0]
    assert p["label"] in ("0", "1") and p["text"] == "dull , tedious mess"
    assert sum(p["probabilities"].values()) == pytest.approx(1.0)


def test_train_neural_and_predict_text(capsys, mr_files, tmp_path, monkeypatch):
    """Check a one-epoch GRU run from the command line, its JSON, and plain-text prediction (a header line only on a terminal)."""
    train, _ = mr_files
    model = tmp_path / "gru.pt"
    rc, out = run_json(
        capsys,
        [
            "classify",
            "train",
            "--train",
            str(train),
            "--dev",
            str(train),
            "--model",
            "gru",
            "--mode",
            "static",
            "--epochs",
            "1",
            "--seed",
            "3",
            "-o",
            str(model),
            "--json",
        ],
    )
    assert rc == 0 and out["model"] == "gru" and out["mode"] == "static" and "test" not in out
    assert out["epochs_run"] == 1 and out["output"] == str(model)
    assert main(["classify", "predict", "--model", str(model), "a fine film", "awful"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].endswith("\ta fine film") and lines[1].split("\t")[0] in ("0", "1")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # capsys's stdout, as a terminal
    assert main(["classify", "predict", "--model", str(model), "a fine film", "awful"]) == 0
    assert capsys.readouterr().out.strip().splitlines() == ["label\tprobability\ttext", *lines]


def test_cv_json(capsys, mr_files):
    """Check that cv --json reports one entry per fold with mean and std."""
    train, _ = mr_files
    rc, out = run_json(
        capsys, ["classify", "cv", "--data", str(train), "--folds", "3", "--model", "mean-logreg", "--json"]
    )
    assert rc == 0 and out["folds"] == 3 and len(out["per_fold"]) == 3
    assert set(out["mean"]) == {"accuracy", "macro_f1"} and set(out["std"]) == {"accuracy", "macro_f1"}
    assert out["mean"]["accuracy"] == pytest.approx(sum(f["accuracy"] for f in out["per_fold"]) / 3)


def test_errors_are_reported(capsys, tmp_path):
    """Check that a missing file and a non-model file give exit status 1 and a JSON error."""
    rc, out = run_json(capsys, ["classify", "train", "--train", str(tmp_path / "nope.txt"), "--json"])
    assert rc == 1 and out == {
        "error": f"no such dataset file: {str(tmp_path / 'nope.txt')!r}",
        "type": "MissingFileError",
    }
    bogus = tmp_path / "bogus.pt"
    bogus.write_bytes(b"not a model")
    rc, out = run_json(capsys, ["classify", "predict", "--model", str(bogus), "x", "--json"])
    assert rc == 1 and out == {
        "error": f"{bogus}: not a readable embedkit checkpoint (not a PyTorch file)",
        "type": "ModelFileError",
    }


@pytest.fixture()
def label_files(tmp_path):
    """A two-class training file, a dev file with labels 5 and 7 that training lacks, and a one-class file."""
    (tmp_path / "train.txt").write_text("0 good fun\n1 bad film\n0 nice one\n1 awful mess\n0 great\n1 dull\n")
    (tmp_path / "dev.txt").write_text("0 good\n5 what\n1 bad\n7 hmm\n5 so\n")
    (tmp_path / "one.txt").write_text("3 good\n3 bad\n3 fine\n")
    return tmp_path


@pytest.mark.parametrize("model", [["--model", "tfidf-logreg"], ["--model", "gru", "--mode", "rand", "--epochs", "1"]])
def test_unseen_dev_labels_one_line_and_no_model_file(capsys, label_files, model):
    """Check that unseen dev labels stop training with one line and no model file, and that --drop-unseen-labels warns and trains."""
    d = label_files
    out = d / ("m.npz" if "tfidf-logreg" in model else "m.pt")
    argv = ["classify", "train", "--train", str(d / "train.txt"), "--dev", str(d / "dev.txt"), *model, "-o", str(out)]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        f"embedkit: error: {d / 'dev.txt'}: 3 dev examples have labels that the training data never had: '5', '7'; "
        "drop those examples with drop_unseen_labels=True (--drop-unseen-labels)\n"
    )
    assert not out.exists()
    assert main([*argv, "--drop-unseen-labels"]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"embedkit: warning: {d / 'dev.txt'}: dropped 3 of 5 dev examples whose labels the training data never had\n"
    )
    assert f"saved to {out}" in captured.out and out.is_file()


def test_one_class_and_bad_config_are_one_line(capsys, label_files):
    """Check the one-line errors for a one-class file, --config that is not JSON, a value of the wrong type, and an unknown field."""
    d = label_files
    cases = [
        (
            ["--train", str(d / "one.txt"), "--model", "tfidf-logreg"],
            f"{d / 'one.txt'}: training data has one class '3'; a classifier needs at least two",
        ),
        (
            ["--train", str(d / "train.txt"), "--config", "not json"],
            "--config is not valid JSON (Expecting value: line 1 column 1 (char 0)): 'not json'",
        ),
        (
            ["--train", str(d / "train.txt"), "--config", '{"dropout": "abc"}'],
            "--config: dropout must be a number, got 'abc'",
        ),
        (
            ["--train", str(d / "train.txt"), "--config", '{"colour": 1}'],
            "--config: unknown ClassifierConfig fields: colour",
        ),
    ]
    for argv, line in cases:
        assert main(["classify", "train", *argv]) == 1
        assert capsys.readouterr().err == f"embedkit: error: {line}\n"


def test_ctrl_c_exits_130_with_where_to_resume(capsys, label_files, monkeypatch):
    """Check that Ctrl-C during training prints where it stopped and how to go on, exit status 130, no traceback."""
    import embedkit.classify
    from embedkit.errors import TrainingInterrupted

    d = label_files
    base = ["classify", "train", "--train", str(d / "train.txt"), "--model", "cnn", "--mode", "rand"]
    for raised, extra, line in [
        (
            TrainingInterrupted(2, d / "ck" / "epoch-002.pt"),
            ["--checkpoint", str(d / "ck")],
            "interrupted after epoch 2; rerun with --resume",
        ),
        (
            TrainingInterrupted(0, None),
            ["--checkpoint", str(d / "ck")],
            "interrupted before the first checkpoint was written; nothing was saved",
        ),
        (
            TrainingInterrupted(1, None),
            [],
            "interrupted after epoch 1; nothing was saved (--checkpoint DIR makes a run resumable)",
        ),
    ]:

        def stop(*args, exc=raised, **kwargs):
            raise exc

        monkeypatch.setattr(embedkit.classify, "train", stop)
        assert main([*base, *extra]) == 130
        assert capsys.readouterr().err == f"embedkit: {line}\n"


def test_training_lines_without_text_are_one_warning_line(capsys, tmp_path):
    """Check that label-only training lines are kept and reported in one warning line with their count and line numbers."""
    data = tmp_path / "train.txt"
    data.write_text("".join(f"{i % 2} {'good fun' if i % 2 else 'bad film'} {i}\n" for i in range(40)) + "0\n1 \n")
    argv = ["classify", "train", "--train", str(data), "--dev", str(data), "--model", "tfidf-logreg", "--json"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert err == (
        f"embedkit: warning: {data}: 2 examples have a label and no text (lines 41, 42); they are kept as empty texts\n"
    )
    # scored on all 42 lines: the 40 with words right, the two empty ones (labels 0 and 1) alike, so one of them
    assert json.loads(out)["dev"]["accuracy"] == pytest.approx(41 / 42)


def test_test_file_without_classes_txt_is_read_with_the_training_list(capsys, tmp_path):
    """Check classify train --train db/train.csv --test other/test.csv: the test labels take db/classes.txt's names (scores as if beside it), and other numbers are one line naming that classes.txt."""
    words = {1: "match goal team", 2: "stock price market", 3: "vote party election"}
    (tmp_path / "db").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "db" / "classes.txt").write_text("1 Sports\n2 Business\n3 Politics\n")
    (tmp_path / "db" / "train.csv").write_text("".join(f'"{y}","{words[y]} {i}"\n' for i in range(10) for y in words))
    test_rows = "".join(f'"{y}","{words[y].split()[i % 3]} news {i}"\n' for i in range(4) for y in words)
    (tmp_path / "other" / "test.csv").write_text(test_rows)
    (tmp_path / "db" / "test.csv").write_text(test_rows)  # the archive's layout: one classes.txt for both
    argv = ["classify", "train", "--train", str(tmp_path / "db" / "train.csv"), "--model", "tfidf-logreg", "--json"]
    scores = []
    for test in (tmp_path / "other" / "test.csv", tmp_path / "db" / "test.csv"):
        assert main([*argv, "--test", str(test)]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        scores.append(json.loads(out)["test"])
    assert scores[0] == scores[1] and scores[0]["accuracy"] == 1.0
    (tmp_path / "other" / "test.csv").write_text(test_rows + '"4","what news"\n')
    assert main([*argv, "--test", str(tmp_path / "other" / "test.csv")]) == 1
    assert (
        capsys.readouterr().out
        == json.dumps(
            {
                "error": f"{tmp_path / 'other' / 'test.csv'}: 1 test example has a label that the training data never "
                f"had: '4' (the training class names are from {tmp_path / 'db' / 'classes.txt'}); drop those examples "
                "with drop_unseen_labels=True (--drop-unseen-labels)",
                "type": "LabelError",
            }
        )
        + "\n"
    )


@pytest.fixture()
def toy_files(tmp_path):
    """A small two-class training file and a dev file."""
    lines = [f"{i % 2} {'a fine' if i % 2 else 'a dull'} film number {i}" for i in range(24)]
    (tmp_path / "train.txt").write_text("\n".join(lines[:16]) + "\n")
    (tmp_path / "dev.txt").write_text("\n".join(lines[16:]) + "\n")
    return tmp_path / "train.txt", tmp_path / "dev.txt"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "suffix", "model"),
    [
        ([], ".npz", "sentence-logreg"),
        (["--model", "sentence-mlp"], ".npz", "sentence-mlp"),
        (["--model", "minilm-finetune", "--epochs", "1", "--config", '{"batch_size": 8}'], ".pt", "minilm-finetune"),
    ],
)
def test_train_on_an_encoder_and_predict(capsys, toy_files, tiny_bert, tmp_path, extra, suffix, model):
    """Check classify train --encoder: the JSON keys, the saved model, and classify predict's probabilities from it."""
    from embedkit.classify import load_classifier

    train_file, dev_file = toy_files
    out = tmp_path / f"m{suffix}"
    argv = ["classify", "train", "--train", str(train_file), "--dev", str(dev_file), "--encoder", str(tiny_bert)]
    rc, result = run_json(capsys, [*argv, *extra, "-o", str(out), "--json"])
    assert rc == 0 and result["model"] == model and result["mode"] is None and result["output"] == str(out)
    assert set(result["dev"]) == {"accuracy", "macro_f1"}
    assert ("best_epoch" in result) == (model == "minilm-finetune")
    rc, pred = run_json(capsys, ["classify", "predict", "--model", str(out), "a fine film", "--json"])
    p = load_classifier(out).predict_proba(["a fine film"])[0]
    assert rc == 0 and pred["predictions"][0]["probabilities"] == pytest.approx({"0": p[0], "1": p[1]}, abs=1e-6)


@pytest.mark.slow
def test_finetune_checkpoint_dir_holds_the_best_epoch(capsys, toy_files, tiny_bert, tmp_path):
    """Check that --checkpoint DIR with minilm-finetune writes DIR/best.pt, a model classify predict reads."""
    train_file, dev_file = toy_files
    argv = ["classify", "train", "--train", str(train_file), "--dev", str(dev_file), "--model", "minilm-finetune"]
    rc, result = run_json(
        capsys, [*argv, "--encoder", str(tiny_bert), "--epochs", "1", "--checkpoint", str(tmp_path / "ck"), "--json"]
    )
    assert rc == 0 and result["best_epoch"] == 1 and (tmp_path / "ck" / "best.pt").is_file()
    rc, pred = run_json(
        capsys, ["classify", "predict", "--model", str(tmp_path / "ck" / "best.pt"), "a dull film", "--json"]
    )
    assert rc == 0 and pred["predictions"][0]["label"] in ("0", "1")


def test_ctrl_c_during_fine_tuning_names_the_best_epoch(capsys, label_files, monkeypatch):
    """Check that Ctrl-C while fine-tuning prints where the best epoch is (no --resume offered), exit status 130."""
    import embedkit.classify
    from embedkit.errors import TrainingInterrupted

    d = label_files
    base = ["classify", "train", "--train", str(d / "train.txt"), "--model", "minilm-finetune"]
    best = d / "ck" / "best.pt"
    for raised, extra, line in [
        (
            TrainingInterrupted(1, best),
            ["--checkpoint", str(d / "ck")],
            f"interrupted after epoch 1; the best epoch so far is saved in {best}",
        ),
        (
            TrainingInterrupted(0, None),
            [],
            "interrupted after epoch 0; nothing was saved (--checkpoint DIR keeps the best epoch)",
        ),
    ]:

        def stop(*args, exc=raised, **kwargs):
            raise exc

        monkeypatch.setattr(embedkit.classify, "train", stop)
        assert main([*base, *extra]) == 130
        assert capsys.readouterr().err == f"embedkit: {line}\n"
    assert main([*base, "--json"]) == 130
    assert json.loads(capsys.readouterr().out) == {
        "error": "interrupted after epoch 0; nothing was saved (--checkpoint DIR keeps the best epoch)",
        "type": "TrainingInterrupted",
    }
