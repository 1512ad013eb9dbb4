"""`embedkit seq2seq train|translate|evaluate` and `embedkit plot attention` on a tiny task (seconds)."""

from __future__ import annotations

import json
import re
import sys

import pytest

from embedkit.cli import main

WORDS = ["zero", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]
TINY = ["--dim", "8", "--hidden", "16", "--batch-size", "8", "--workers", "1", "-q"]


@pytest.fixture(scope="module")
def digits_tsv(tmp_path_factory):
    """Two digit words to two digits: 100 pairs ("deux sept" -> "27"), each source once."""
    d = tmp_path_factory.mktemp("s2s")
    path = d / "digits.tsv"
    path.write_text("".join(f"{WORDS[a]} {WORDS[b]}\t{a}{b}\n" for a in range(10) for b in range(10)))
    return path


@pytest.fixture(scope="module")
def trained(digits_tsv, tmp_path_factory):
    """A gru-attn model trained for 2 epochs through the command line, and its --json report."""
    out = tmp_path_factory.mktemp("model") / "m.pt"
    argv = ["seq2seq", "train", "--task", str(digits_tsv), "--model", "gru-attn", "--epochs", "2", *TINY]
    argv += ["--target-unit", "char"]
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main([*argv, "-o", str(out), "--json"]) == 0
    return out, json.loads(buf.getvalue())


def _run(argv, capsys) -> dict:
    assert main(argv) == 0, capsys.readouterr()
    return json.loads(capsys.readouterr().out)


def test_train_reports_history_config_and_saves(trained):
    """Check the train report: two epochs of history, the recipe filled in, the units and the saved file."""
    path, rep = trained
    assert (rep["config"]["src_unit"], rep["config"]["tgt_unit"]) == ("word", "char")
    assert path.is_file() and rep["output"] == str(path)
    assert rep["epochs"] == 2 and [h["epoch"] for h in rep["history"]] == [1, 2]
    assert rep["model"] == "gru-attn" and rep["config"]["attention"] == "additive"
    assert (rep["config"]["emb_dim"], rep["config"]["hidden"]) == (8, 16)
    assert set(rep["history"][0]) >= {"epoch", "loss", "valid_loss", "valid_exact_match", "seconds"}
    assert rep["seconds"] == pytest.approx(sum(h["seconds"] for h in rep["history"]))


def test_translate_json_keeps_input_order_and_input_file_agrees(trained, tmp_path, capsys, monkeypatch):
    """Check that translate --json lists one translation per source in order, --input gives the same, and the text is output<TAB>score<TAB>source (a header only on a terminal)."""
    path, _ = trained
    sources = ["deux sept", "un un", "neuf zero"]
    rep = _run(["seq2seq", "translate", "--model", str(path), *sources, "--json"], capsys)
    assert [t["source"] for t in rep["translations"]] == sources
    assert all(set(t) >= {"source", "output", "score"} and t["score"] <= 0 for t in rep["translations"])
    f = tmp_path / "in.txt"
    f.write_text("\n".join(sources) + "\n")
    rep2 = _run(["seq2seq", "translate", "--model", str(path), "--input", str(f), "--json"], capsys)
    assert rep2 == rep
    assert main(["seq2seq", "translate", "--model", str(path), *sources]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t") for line in lines] == [
        [t["output"], f"{t['score']:.4f}", t["source"]] for t in rep["translations"]
    ]
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # capsys's stdout, as a terminal
    assert main(["seq2seq", "translate", "--model", str(path), *sources]) == 0
    assert capsys.readouterr().out.splitlines() == ["output\tscore\tsource", *lines]


def test_beam_of_one_is_greedy(trained, capsys):
    """Check that --beam-size 1 gives greedy's outputs and a wider beam scores at least as well."""
    path, _ = trained
    sources = ["deux sept", "un un", "neuf zero", "huit trois"]
    greedy = _run(["seq2seq", "translate", "--model", str(path), *sources, "--json"], capsys)
    one = _run(["seq2seq", "translate", "--model", str(path), *sources, "--beam-size", "1", "--json"], capsys)
    assert one == greedy
    beam = _run(
        ["seq2seq", "translate", "--model", str(path), *sources, "--beam-size", "4", "--length-penalty", "0", "--json"],
        capsys,
    )
    for g, b in zip(greedy["translations"], beam["translations"]):
        assert b["score"] >= g["score"] - 1e-4  # total log-probability: the beam keeps greedy's path or a better one


def test_evaluate_matches_the_translations(trained, digits_tsv, capsys):
    """Check that evaluate's exact match and token accuracy equal those counted from translate's outputs."""
    path, _ = trained
    pairs = [line.split("\t") for line in digits_tsv.read_text().splitlines()[:30]]
    test = digits_tsv.parent / "test30.tsv"
    test.write_text("".join(f"{s}\t{t}\n" for s, t in pairs))
    rep = _run(["seq2seq", "evaluate", "--model", str(path), "--test", str(test), "--json"], capsys)
    outs = _run(["seq2seq", "translate", "--model", str(path), *[s for s, _ in pairs], "--json"], capsys)
    got = [t["output"] for t in outs["translations"]]
    refs = [t for _, t in pairs]
    assert rep["n"] == 30 and rep["beam_size"] == 1 and rep["bleu"] is None and rep["chrf"] is None
    assert rep["exact_match"] == pytest.approx(sum(g == r for g, r in zip(got, refs)) / 30)
    right = sum(a == b for g, r in zip(got, refs) for a, b in zip(g, r))
    assert rep["token_accuracy"] == pytest.approx(right / sum(max(len(g), len(r)) for g, r in zip(got, refs)))


def test_evaluate_task_file_uses_the_models_split(trained, digits_tsv, capsys):
    """Check that --task FILE --split test scores the 10% test part split_pairs gives with the model's seed."""
    from embedkit.sequences import read_pairs, split_pairs

    path, _ = trained
    rep = _run(["seq2seq", "evaluate", "--model", str(path), "--task", str(digits_tsv), "--json"], capsys)
    assert rep["n"] == len(split_pairs(read_pairs(digits_tsv), seed=0).test) == 10
    assert rep["data"] == f"{digits_tsv}:test"


def test_phrase_targets_get_bleu_and_chrf(tmp_path, capsys):
    """Check that a word-target model (digits to words, --reverse of a TSV) is scored with BLEU and chrF."""
    tsv = tmp_path / "rev.tsv"
    tsv.write_text("".join(f"{a} {b}\t{WORDS[a]} {WORDS[b]}\n" for a in range(10) for b in range(10)))
    out = tmp_path / "r.pt"
    argv = ["seq2seq", "train", "--task", str(tsv), "--model", "gru", "--epochs", "1", *TINY, "-o", str(out)]
    assert main([*argv, "--source-unit", "word", "--target-unit", "word"]) == 0
    capsys.readouterr()
    rep = _run(["seq2seq", "evaluate", "--model", str(out), "--test", str(tsv), "--beam-size", "2", "--json"], capsys)
    assert rep["n"] == 100 and rep["beam_size"] == 2
    assert 0.0 <= rep["bleu"] <= 100.0 and 0.0 <= rep["chrf"] <= 100.0


def test_resume_continues_to_more_epochs(digits_tsv, tmp_path, capsys):
    """Check that --checkpoint writes per-epoch state and --resume --epochs 2 trains only the second epoch."""
    ck, out = tmp_path / "ck", tmp_path / "m.pt"
    base = ["seq2seq", "train", "--task", str(digits_tsv), "--model", "gru", *TINY, "--checkpoint", str(ck)]
    rep1 = _run([*base, "--epochs", "1", "-o", str(out), "--json"], capsys)
    assert rep1["epochs"] == 1
    rep2 = _run([*base, "--epochs", "2", "--resume", "-o", str(out), "--json"], capsys)
    assert [h["epoch"] for h in rep2["history"]] == [1, 2]
    assert rep2["history"][0] == rep1["history"][0]


def test_plot_attention_writes_the_figure(trained, tmp_path, capsys):
    """Check that plot attention writes a readable PNG (at least 588 x 420 pixels) and reports the source and output it drew."""
    import matplotlib.image

    path, _ = trained
    png = tmp_path / "att.png"
    rep = _run(["plot", "attention", "--model", str(path), "deux sept", "-o", str(png), "--json"], capsys)
    assert png.stat().st_size == rep["bytes"] > 1000
    assert rep["figure"] == "attention" and rep["maps"] == ["attention"]
    assert rep["source_tokens"][:2] == ["deux", "sept"]
    assert len(rep["output_tokens"]) >= 1
    assert rep["output_text"] == "".join(t for t in rep["output_tokens"] if t != "<eos>")  # digits: characters
    height, width = matplotlib.image.imread(png).shape[:2]
    assert width >= 588 and height >= 420  # the smallest figure, 4.9 x 3.5 inches at 120 dpi


def test_text_output_of_train_and_evaluate(digits_tsv, trained, tmp_path, capsys):
    """Check the text (non-JSON) lines of train and evaluate."""
    out = tmp_path / "t.pt"
    argv = ["seq2seq", "train", "--task", str(digits_tsv), "--model", "transformer", "--epochs", "1"]
    assert main([*argv, "--dim", "8", "--heads", "2", "--ff-dim", "16", "--layers", "1", "-q", "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("epoch 1: loss ") and "valid exact match" in lines[0]
    assert lines[-1].startswith("transformer trained 1 epoch in ") and lines[-1].endswith(f"saved to {out}")
    path, _ = trained
    assert main(["seq2seq", "evaluate", "--model", str(path), "--test", str(digits_tsv)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"{digits_tsv}: 100 pairs, exact match ") and text.rstrip().endswith("(beam 1)")
    png = tmp_path / "t.png"
    assert main(["plot", "attention", "--model", str(out), "deux sept", "--layer", "1", "-o", str(png)]) == 0
    assert png.is_file()


def test_unknown_words_are_one_warning_line(trained, capsys):
    """Check that source words the model never saw give one warning line on stderr and still translate."""
    path, _ = trained
    assert main(["seq2seq", "translate", "--model", str(path), "deux bonjour", "zut sept", "--json"]) == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)["translations"]) == 2
    assert err == "embedkit: warning: the model never saw 'bonjour', 'zut' in training: read as <unk>\n"


def test_vectors_start_the_source_embedding(digits_tsv, tmp_path, capsys):
    """Check that --vectors sets the source embedding's size to the vectors' dimension."""
    vec = tmp_path / "v.vec"
    vec.write_text("".join(f"{w} {i % 3} {i % 5 - 2} {i / 10} 1\n" for i, w in enumerate(WORDS[:6])))
    out = tmp_path / "v.pt"
    argv = ["seq2seq", "train", "--task", str(digits_tsv), "--model", "gru", "--epochs", "1", *TINY]
    rep = _run([*argv, "--vectors", str(vec), "-o", str(out), "--json"], capsys)
    assert rep["config"]["emb_dim"] == 4


def test_evaluate_refuses_a_task_in_the_other_direction(trained, capsys):
    """Check that a word-to-char model given the reversed numbers task is refused in one line before any scoring."""
    path, _ = trained
    assert main(["seq2seq", "evaluate", "--model", str(path), "--task", "numbers-fr", "--reverse"]) == 1
    assert capsys.readouterr().err == (
        "embedkit: error: the model reads words and writes chars, but --task numbers-fr --reverse has char sources "
        "and word targets (try without --reverse)\n"
    )


def test_evaluate_shows_the_pairs_done_out_of_how_many(trained, digits_tsv, tmp_path, capsys, monkeypatch):
    """Check that seq2seq evaluate's progress on a log (stderr not a terminal) counts the pairs translated with a percentage, and -q shows none."""
    from embedkit import progress

    monkeypatch.setattr(progress, "PROGRESS_DELAY", 0.0)
    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.0)
    path, _ = trained
    test = tmp_path / "300.tsv"
    test.write_text(digits_tsv.read_text() * 3)  # 300 pairs: two batches of up to 256
    assert main(["seq2seq", "evaluate", "--model", str(path), "--test", str(test)]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("evaluating")]
    assert [re.sub(r", \d\d:\d\d$", "", line) for line in err] == [
        "evaluating: 256/300 (85%)",
        "evaluating: 300/300 (100%)",
    ]
    assert main(["seq2seq", "evaluate", "--model", str(path), "--test", str(test), "-q"]) == 0
    assert capsys.readouterr().err == ""
