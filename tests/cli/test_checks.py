"""The argparse types of ``embedkit.cli._checks``: every numeric option of every command is checked when
the command line is parsed, and a bad value is one line naming the option."""

from __future__ import annotations

import argparse

import pytest

from embedkit.cli import build_parser, main
from embedkit.cli._checks import float_in, int_at_least, options_for_fields


def _options():
    """(command words, option string, action) for every option of every command, as build_parser() has them."""

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if subs:
            for name, sp in subs[0].choices.items():
                yield from walk(sp, (*path, name))
            return
        for action in parser._actions:
            if action.option_strings:
                yield path, max(action.option_strings, key=len), action

    return list(walk(build_parser(), ()))


def _takes_floats(action) -> bool:
    for text in ("0.5", "2.5"):  # 0.5 is below some lower bounds, 2.5 above others
        try:
            return callable(action.type) and isinstance(action.type(text), float)
        except (argparse.ArgumentTypeError, ValueError):
            continue
    return False


FLOAT_OPTIONS = [(" ".join(path), opt) for path, opt, action in _options() if _takes_floats(action)]
SEED_OPTIONS = [" ".join(path) for path, opt, _ in _options() if opt == "--seed"]


def test_no_numeric_option_is_a_bare_int_or_float():
    """Check that no option of any command takes Python's bare int or float (which pass nan, inf and -5 on)."""
    bare = [f"{' '.join(path)} {opt}" for path, opt, action in _options() if action.type in (int, float)]
    assert bare == []
    assert len(FLOAT_OPTIONS) == 21 and len(SEED_OPTIONS) == 15


@pytest.mark.parametrize(("command", "option"), FLOAT_OPTIONS)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_non_finite_floats_are_refused_naming_the_option(command, option, value, capsys):
    """Check that nan, inf and overflowing numbers given to any float option exit 2 with one line naming the option."""
    assert main([*command.split(), f"{option}={value}"]) == 2  # '-inf' alone would read as an option
    out, err = capsys.readouterr()
    prefix = f"embedkit {command}: error: argument {option}: expected "
    assert out == "" and err.startswith(prefix) and err.count("\n") == 1
    assert err.endswith(f", got {value} (see 'embedkit {command} --help')\n")


@pytest.mark.parametrize("command", SEED_OPTIONS)
def test_seeds_are_what_every_library_takes(command, capsys):
    """Check that --seed -1 is refused by every command in one line (numpy, scikit-learn and UMAP each refused it in its own words)."""
    assert main([*command.split(), "--seed", "-1"]) == 2
    assert capsys.readouterr().err == (
        f"embedkit {command}: error: argument --seed: expected an integer in 0..4294967295, got -1 "
        f"(see 'embedkit {command} --help')\n"
    )


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("generate", "--model m.pt --prompt the --words -5", "argument --words: expected an integer >= 0, got -5"),
        ("classify cv", "--data d.txt --folds 1", "argument --folds: expected an integer >= 2, got 1"),
        (
            "generate",
            "--model m.pt --prompt the --method beam --beam-size 1000000",
            "argument --beam-size: expected an integer in 1..1000, got 1000000",
        ),
        (
            "seq2seq translate",
            "--model m.pt deux --beam-size 1001",
            "argument --beam-size: expected an integer in 1..1000, got 1001",
        ),
        (
            "seq2seq translate",
            "--model m.pt deux --length-penalty nan",
            "argument --length-penalty: expected a finite number, got nan",
        ),
        ("generate", "--model m.pt --prompt the --top-p 1.5", "argument --top-p: expected a number in (0, 1], got 1.5"),
        ("project", "-o p.png --n-neighbors 1", "argument --n-neighbors: expected an integer >= 2, got 1"),
    ],
)
def test_bad_counts_name_the_option(command, args, message, capsys):
    """Check the exact line of values that once reached the library (n must be >= 0, k must be >= 2) or ran unbounded."""
    assert main([*command.split(), *args.split()]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"embedkit {command}: error: {message} (see 'embedkit {command} --help')\n"


def test_float_in_bounds_and_text():
    """Check float_in's open and closed ends, its description of the range, and non-numbers."""
    rate = float_in(0.0, 1.0, high_open=True)
    assert rate("0") == 0.0 and rate("0.999") == 0.999
    with pytest.raises(argparse.ArgumentTypeError, match=r"^expected a number in \[0, 1\), got 1$"):
        rate("1")
    with pytest.raises(argparse.ArgumentTypeError, match=r"^expected a number in \[0, 1\), got 'half'$"):
        rate("half")
    with pytest.raises(argparse.ArgumentTypeError, match=r"^expected a number >= 2, got 1.5$"):
        float_in(2.0)("1.5")
    with pytest.raises(argparse.ArgumentTypeError, match=r"^expected a positive number, got 0$"):
        float_in(0.0, low_open=True)("0")
    assert float_in()("-1e300") == -1e300


def test_int_at_least_text():
    """Check int_at_least's wording for 0, 1 and other minimums."""
    with pytest.raises(argparse.ArgumentTypeError, match=r"^expected an integer >= 2, got 1$"):
        int_at_least(2)("1")
    with pytest.raises(argparse.ArgumentTypeError, match=r"^expected a positive integer, got '1.5'$"):
        int_at_least(1)("1.5")
    assert int_at_least(0)("0") == 0


def test_options_for_fields_replaces_whole_field_names_only():
    """Check that config field names become option names, and a field name inside another word is left alone."""
    exc = ValueError("emb_dim (65) must be a multiple of heads (4); batch_size_x and heads_dim stay")
    options = {"emb_dim": "--emb-dim", "heads": "--heads", "batch_size": "--batch-size"}
    assert options_for_fields(exc, options) == (
        "--emb-dim (65) must be a multiple of --heads (4); batch_size_x and heads_dim stay"
    )


def test_config_caps_name_the_option(tmp_path, capsys):
    """Check that a config's cap reached from train-lm and seq2seq train names the option, not the config field."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n")
    assert main(["train-lm", str(corpus), "-o", str(tmp_path / "m.pt"), "--batch-size", "2000000"]) == 1
    assert capsys.readouterr().err == "embedkit: error: --batch-size must be at most 1,048,576, got 2,000,000\n"
    pairs = tmp_path / "p.tsv"
    pairs.write_text("un\t1\n")
    argv = ["seq2seq", "train", "--task", str(pairs), "--dim", "100000", "-o", str(tmp_path / "s.pt")]
    assert main(argv) == 1
    assert capsys.readouterr().err == "embedkit: error: --dim must be at most 16,384, got 100,000\n"
    assert not (tmp_path / "m.pt").exists() and not (tmp_path / "s.pt").exists()
