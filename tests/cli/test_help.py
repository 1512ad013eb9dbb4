"""``--help`` of every command: each option has help, states its default, and renders without a stray ``%%``."""

from __future__ import annotations

import argparse
import re

import pytest

from embedkit.cli import build_parser, main
from embedkit.cli._help import format_value, is_deprecated, plural, recipe_defaults


def _parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    """(command words, parser) for build_parser() and every subcommand parser under it, at any depth."""

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]):
        yield " ".join(path), parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, (*path, name))

    return list(walk(build_parser(), ()))


PARSERS = _parsers()
COMMANDS = [(name, p) for name, p in PARSERS if not p._subparsers]  # the commands that run something
ARGUMENTS = [
    (f"{name} {max(a.option_strings, key=len) if a.option_strings else a.metavar or a.dest}", a)
    for name, p in PARSERS
    for a in p._actions
    if not isinstance(a, argparse._HelpAction | argparse._VersionAction | argparse._SubParsersAction)
    and not is_deprecated(a)
]


def _states_default(action: argparse.Action) -> bool:
    """Whether the help names the default's value: argparse's %(default)s, or "default VALUE" / "default: VALUE"."""
    text = action.help or ""
    if "%(default)" in text:
        return True
    shown = {format_value(action.default), str(action.default)}
    return any(re.search(rf"default:? {re.escape(v)}(?![\w.])", text) for v in shown)


def test_the_walk_sees_every_command():
    """Check that the walk reaches nested subcommands (seq2seq train, plot attention, evaluate similarity)."""
    names = {name for name, _ in COMMANDS}
    assert {"seq2seq train", "plot attention", "evaluate similarity", "convert", "train-embeddings"} <= names
    assert len(COMMANDS) == 35


@pytest.mark.parametrize(("name", "action"), ARGUMENTS, ids=[n for n, _ in ARGUMENTS])
def test_every_argument_has_help_that_states_its_default(name, action):
    """Check that every option and positional argument has help, and one with a default other than None or False names its value."""
    assert action.help and action.help.strip(), f"{name} has no help"
    if action.default not in (None, False, argparse.SUPPRESS) and action.option_strings:
        assert _states_default(action), f"{name}: the help does not state the default {action.default!r}"


@pytest.mark.parametrize(("name", "parser"), PARSERS, ids=[n or "embedkit" for n, _ in PARSERS])
def test_help_renders_without_doubled_percent_signs(name, parser):
    """Check that every parser's help renders (a lone % in a help string raises) and shows no '%%'."""
    text = parser.format_help()
    assert "%%" not in text
    assert parser.description, f"'{name or 'embedkit'}' has no description"


@pytest.mark.parametrize(("name", "parser"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_q(name, parser):
    """Check that -q (and --quiet) silence the progress of every command, one spelling everywhere."""
    (quiet,) = [a for a in parser._actions if "-q" in a.option_strings]
    assert quiet.option_strings == ["-q", "--quiet"] and quiet.dest == "quiet"


def test_the_checker_catches_what_the_issue_found():
    """Check that the default check fails a help without the value, and passes the spellings the commands use."""
    bad = argparse.Action(["--x"], "x", default=5, help="five things (default: the model's recipe)")
    good = [
        argparse.Action(["--x"], "x", default=5, help="things (default 5)"),
        argparse.Action(["--x"], "x", default=0.05, help="held out (default 0.05; 0: none)"),
        argparse.Action(["--x"], "x", default=30000, help="words (default 30,000)"),
        argparse.Action(["--x"], "x", default="cpu", help="where (default: cpu)"),
    ]
    assert not _states_default(bad) and all(_states_default(a) for a in good)
    assert not _states_default(argparse.Action(["--x"], "x", default=5, help="default 50"))


def test_train_lm_description_shows_one_percent_sign(capsys):
    """Check that train-lm --help prints '90%' and '10%' (it printed '90%%')."""
    with pytest.raises(SystemExit):
        main(["train-lm", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "the first 90% train, the last 10% are held out" in out and "%%" not in out


def _help(capsys, monkeypatch, argv: list[str]) -> str:
    monkeypatch.setenv("COLUMNS", "1000")  # one line per option: argparse breaks lines after hyphens too
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_seq2seq_train_help_shows_the_recipes(capsys, monkeypatch):
    """Check that seq2seq train --help lists each model's recipe value where it said 'the model's recipe'."""
    out = _help(capsys, monkeypatch, ["seq2seq", "train"])
    assert "recipe)" not in out
    for line in [
        "--epochs N epochs (default 4 for gru/lstm/gru-attn/lstm-attn, 6 for transformer)",
        "--dim N embedding dimension (the transformer's width) (default 64 for gru/lstm/gru-attn/lstm-attn, 128 for "
        + "transformer)",
        "--hidden N RNN hidden size (default 256; the transformer has none)",
        "--heads N attention heads (transformer; default 4)",
        "--warmup N linear learning-rate warm-up steps (default 0 for gru/lstm/gru-attn/lstm-attn, 300 for transformer)",
        "encoder (default on for gru-attn/lstm-attn, off for gru/lstm; the transformer has none)",
        "--schedule {constant,cosine} learning-rate schedule (default cosine)",
    ]:
        assert line in out


def test_train_lm_help_shows_the_recipes(capsys, monkeypatch):
    """Check that train-lm --help gives each option's value in each --unit/--model recipe."""
    out = _help(capsys, monkeypatch, ["train-lm"])
    assert (
        "--layers N layers (default 1 for char rnn, word rnn/gru/lstm; 2 for char gru/lstm, word transformer; " in out
    )
    assert "4 for char transformer)" in out
    assert "--bptt N tokens per back-propagation step (recurrent models; default 64 for char rnn/gru/lstm; " in out
    assert "--epochs N passes over the training text (default 1 when neither --steps nor --minutes is given)" in out


def test_recipe_defaults_and_plural():
    """Check the grouping of recipe values and the plurals the outputs use."""
    assert recipe_defaults({"gru": 4, "lstm": 4, "transformer": 6}) == "default 4 for gru/lstm, 6 for transformer"
    assert recipe_defaults({"a": 1e-3, "b": 1e-3}) == "default 0.001"
    assert recipe_defaults({"char rnn": 1, "word rnn": 1, "char gru": 2, "word gru": 1}) == (
        "default 1 for char rnn, word rnn/gru; 2 for char gru"
    )
    assert recipe_defaults({"gru": True, "transformer": False}) == "default on for gru, off for transformer"
    assert [plural(1, "epoch"), plural(2, "epoch"), plural(1500, "step"), plural(0, "word")] == [
        "1 epoch",
        "2 epochs",
        "1,500 steps",
        "0 words",
    ]


# One spelling per idea. Old spellings people may have in scripts: (command line, the new spelling, dest, value).
RENAMED = [
    ("train-embeddings c.txt -o v.vec", "--init v0.vec", "--vectors v0.vec", "vectors", "v0.vec"),
    ("classify train --train t.txt", "--checkpoint-dir ck", "--checkpoint ck", "checkpoint", "ck"),
    ("seq2seq train --task t.tsv -o m.pt", "--emb-dim 8", "--dim 8", "emb_dim", 8),
]


@pytest.mark.parametrize(("argv", "old", "new", "dest", "value"), RENAMED, ids=[r[1].split()[0] for r in RENAMED])
def test_old_spellings_still_work_with_a_warning(argv, old, new, dest, value, recwarn):
    """Check that an old option spelling sets what the new one sets, with a warning naming the new one; the new one warns of nothing."""
    parser = build_parser()
    new_args = parser.parse_args([*argv.split(), *new.split()])
    assert len(recwarn) == 0 and getattr(new_args, dest) == value
    old_args = parser.parse_args([*argv.split(), *old.split()])
    assert vars(old_args) == vars(new_args)
    (w,) = recwarn.list
    assert str(w.message) == f"{old.split()[0]} is deprecated; use {new.split()[0]}"


def test_an_old_spelling_is_one_warning_line(tmp_path, capsys):
    """Check that main prints the deprecation as one 'embedkit: warning:' line before the command runs."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b\n")
    argv = ["train-embeddings", str(corpus), "-o", str(tmp_path / "v.vec"), "--init", "v0.vec", "--resume"]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        "embedkit: warning: --init is deprecated; use --vectors\nembedkit: error: --resume needs --checkpoint DIR\n"
    )
    argv = ["classify", "cv", "--data", str(tmp_path / "none.txt"), "--progress"]
    assert main(argv) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "embedkit: warning: --progress is deprecated; progress is shown by default (-q hides it)"


def test_old_spellings_are_hidden_from_help(capsys, monkeypatch):
    """Check that --help shows only the new spellings."""
    for argv, old, new in [
        (["train-embeddings"], "--init", "--vectors SPEC"),
        (["classify", "train"], "--checkpoint-dir", "--checkpoint DIR"),
        (["classify", "cv"], "--progress", "-q, --quiet"),
        (["seq2seq", "train"], "--emb-dim", "--dim N"),
    ]:
        out = _help(capsys, monkeypatch, argv)
        assert old not in out and new in out


@pytest.mark.parametrize(
    ("command", "default"),
    [
        ("train-embeddings", "auto"),
        ("train-lm", "auto"),
        ("seq2seq train", "auto"),
        ("seq2seq translate", "auto"),
        ("seq2seq evaluate", "auto"),
        ("classify train", "auto"),
        ("classify cv", "auto"),
        ("neighbors", "cpu"),
        ("analogy", "cpu"),
        ("evaluate analogies", "cpu"),
        ("evaluate similarity", "cpu"),
    ],
)
def test_device_defaults(command, default):
    """Check --device: auto wherever a torch model trains or runs, cpu (numpy, no torch import) for the vector search."""
    parser = dict(PARSERS)[command]
    (device,) = [a for a in parser._actions if a.dest == "device"]
    assert device.default == default and device.help.endswith(f"(default {default})")


def test_workers_reads_the_same_everywhere():
    """Check that --workers is one option: CPU threads, default 0 meaning one torch thread (and all cores for gensim)."""
    texts = {name: a.help for name, p in COMMANDS for a in p._actions if a.dest == "workers"}
    assert texts == {
        "train-embeddings": "CPU threads (default 0: one thread for the neural models, all cores for gensim)",
        "train-lm": "CPU threads (default 0: one thread)",
        "seq2seq train": "CPU threads (default 0: one thread)",
    }
