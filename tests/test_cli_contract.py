"""The command-line contract: every subcommand, fed bad input, fails in one line.

Each case runs ``embedkit.cli.main`` in-process and checks: the exit status (1 for bad input, 2 for a
bad command line), no traceback, one short line on stderr naming the problem (with ``--json``: an
``{"error", "type"}`` object on stdout and nothing on stderr) and no output file left behind.
Subcommands are enumerated from :func:`embedkit.cli.build_parser`, so a new command without cases
fails :func:`test_every_subcommand_has_cases`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from embedkit.cli import build_parser, main

IO = "fixed on branch rel-io"
NN = "fixed on branch rel-nn"


def subcommands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every runnable command as a tuple of words, e.g. ``("evaluate", "analogies")``."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for name, sp in subs[0].choices.items():
        yield from subcommands(sp, (*path, name))


@dataclass(frozen=True)
class Case:
    """``argv`` (``{name}`` placeholders filled from the files fixture), the exit status (or the
    statuses allowed where a count is checked by the library (1) or by the parser (2)), a piece
    of text the error line must contain, an output that must not exist afterwards, and the
    branch that fixes it if it fails here (in ``xfail_modes``: ``"text"`` and/or ``"json"``)."""

    argv: str
    status: int | tuple[int, ...]
    needle: str
    leaves_no: str | None = None
    xfail: str | None = None
    xfail_modes: tuple[str, ...] = ("text", "json")


def vector_cases(cmd: str) -> list[Case]:
    """The same bad vector files for every command that takes ``--vectors``."""
    return [
        Case(f"{cmd} --vectors {{missing}}", 1, "missing.vec"),
        Case(f"{cmd} --vectors {{empty}}", 1, "empty.vec"),
        Case(f"{cmd} --vectors {{folder}}", 1, "folder"),
        Case(f"{cmd} --vectors {{unreadable}}", 1, "unreadable.vec"),
        Case(f"{cmd} --vectors {{junk}}", 1, "junk.vec"),
        Case(f"{cmd} --vectors=", 1, "vectors"),
    ]


CASES: dict[str, list[Case]] = {
    "neighbors": [
        *vector_cases("neighbors frog"),
        Case("neighbors frog -k -3", 2, "argument -k: expected a positive integer, got -3"),
        Case("neighbors frog -k 0", 2, "argument -k"),
        Case("neighbors frog -k many", 2, "argument -k: expected a positive integer, got 'many'"),
        Case("neighbors frog --restrict 0", 2, "argument --restrict"),
        Case("neighbors frog --ef 0", 2, "argument --ef"),
        Case("neighbors frog --index bogus", 2, "argument --index: invalid choice"),
        Case("neighbors zzqqxx", 1, "unknown word: 'zzqqxx'"),
        Case("neighbors {many_unknown}", 1, "unknown words: 'zzunk0', 'zzunk1', 'zzunk2', ... and 2,997 more"),
        Case("neighbors frog --bogus-flag", 2, "unrecognized arguments: --bogus-flag"),
    ],
    "analogy": [
        *vector_cases("analogy man king woman"),
        Case("analogy man king woman -k -3", 2, "argument -k"),
        Case("analogy man king zzqqxx", 1, "unknown word: 'zzqqxx'"),
        Case("analogy man king woman --method bogus", 2, "argument --method: invalid choice"),
        Case("analogy man king", 2, "the following arguments are required: C"),
    ],
    "demo": [
        *vector_cases("demo"),
        Case("demo --restrict 0", 2, "argument --restrict"),
    ],
    "info": vector_cases("info"),
    "convert": [
        Case("convert {missing} {tmp}/out.vec --to glove", 1, "missing.vec", leaves_no="out.vec"),
        Case("convert {empty} {tmp}/out.vec --to glove", 1, "empty.vec", leaves_no="out.vec"),
        Case("convert {junk} {tmp}/out.vec --to glove", 1, "junk.vec", leaves_no="out.vec"),
        Case("convert {folder} {tmp}/out.vec --to glove", 1, "folder", leaves_no="out.vec"),
        Case("convert {small} {tmp}/out.vec --to bogus", 2, "argument --to: invalid choice", leaves_no="out.vec"),
        Case("convert {small} {tmp}/out.vec --to glove --limit -5", (1, 2), "limit", leaves_no="out.vec"),
        Case(
            "convert {small} {tmp}/out.vec --to glove --limit 0",
            2,
            "argument --limit: expected a positive integer, got 0",
            leaves_no="out.vec",
        ),
        Case("convert {small} {folder} --to glove", 1, "folder"),
    ],
    "classify train": [
        Case("classify train --train {missing}", 1, "missing.vec"),
        Case("classify train --train {junk} --model tfidf-logreg", 1, "junk.vec"),
        Case("classify train --train {labels} --model tfidf-logreg --config {bad_json}", 1, "bad.json"),
        Case(
            "classify train --train {labels} --model tfidf-logreg --epochs -1",
            2,
            "argument --epochs: expected a positive integer, got -1",
        ),
        Case("classify train --train {labels} --seed -1", 2, "argument --seed: expected an integer in 0..4294967295"),
        Case(
            'classify train --train {labels} --config {{"lr":NaN}}',
            1,
            "--config: NaN is not a number JSON allows; give a finite number",
        ),
        Case("classify train --train {labels} --model bogus", 2, "argument --model: invalid choice"),
        Case(
            "classify train --train {labels} --model tfidf-logreg -o {tmp}/m.bogus", 1, "m.bogus", leaves_no="m.bogus"
        ),
        Case(
            "classify train --train {labels} --model cnn --encoder minilm",
            1,
            "--encoder applies to sentence-logreg, sentence-mlp, minilm-finetune; cnn takes none (got 'minilm')",
        ),
        Case("classify train --train {labels} --encoder minilm -o {tmp}/m.pt", 1, "m.pt", leaves_no="m.pt"),
        Case(
            "classify train --train {labels} --model minilm-finetune --checkpoint {tmp} --resume",
            1,
            "--resume: minilm-finetune keeps only its best epoch (--checkpoint DIR/best.pt)",
        ),
        Case(
            "classify train --train {labels} --model sentence-mlp --epochs 2",
            1,
            "--epochs applies to the neural models; sentence-mlp takes none (got 2)",
        ),
    ],
    "classify cv": [
        Case("classify cv --data {missing}", 1, "missing.vec"),
        Case(
            "classify cv --data {labels} --model tfidf-logreg --folds 1",
            2,
            "argument --folds: expected an integer >= 2, got 1",
        ),
        Case(
            "classify cv --data {labels} --model tfidf-logreg --folds 30",
            1,
            "labels.txt: 30 folds, but no class has 30 examples (the largest has 20)",
        ),
        Case("classify cv --data {labels} --model tfidf-logreg --config {bad_json}", 1, "bad.json"),
    ],
    "classify predict": [
        Case("classify predict --model {missing} some text", 1, "missing.vec"),
        Case("classify predict --model {junk} some text", 1, "junk.vec"),
        Case("classify predict --model {empty} some text", 1, "empty.vec"),
    ],
    "report": [
        Case("report glove-6b-50d -o {tmp}/r.html", 1, "report needs at least two vector sets", leaves_no="r.html"),
        Case("report glove-6b-50d {missing} -o {tmp}/r.html --quiet", 1, "missing.vec", leaves_no="r.html"),
        Case(
            "report glove-6b-50d {small} -o {tmp}/r.png",
            1,
            "the report (-o) must be .html or .htm, not 'r.png'",
            leaves_no="r.png",
        ),
        Case(
            "report glove-6b-50d {small} -o {tmp}/r.html --markdown {tmp}/r.txt",
            1,
            "--markdown must be",
            leaves_no="r.html",
        ),
        Case(
            "report glove-6b-50d {small} -o {tmp}/r.html --json {tmp}/r.txt",
            1,
            "--json must be .json",
            leaves_no="r.html",
        ),
        Case("report glove-6b-50d {small} -o {folder}", 1, "must be .html"),
        Case("report glove-6b-50d {small} -o {tmp}/r.html --restrict 0", 2, "argument --restrict"),
        Case("report glove-6b-50d {small} -o {tmp}/r.html --folds 1", 2, "argument --folds: expected an integer >= 2"),
        Case("report glove-6b-50d {small} -o {tmp}/r.html --seed -1", 2, "argument --seed: expected an integer in"),
        Case(
            "report glove-6b-50d {small} -o {tmp}/r.html --names one",
            1,
            "1 --names for 2 vector sets",
            leaves_no="r.html",
        ),
    ],
    "evaluate analogies": [
        *vector_cases("evaluate analogies --n-boot 10"),
        Case("evaluate analogies --questions {missing}", 1, "no such benchmark file or registered name: "),
        Case("evaluate analogies --questions {folder}", 1, "is a directory, not a benchmark file"),
        Case("evaluate analogies --questions {empty}", 1, "no analogy questions"),
        Case("evaluate analogies --questions {junk}", 1, "not a text file"),
        Case("evaluate analogies --questions {unreadable}", 1, "unreadable.vec: Permission denied"),
        Case(
            "evaluate analogies --questions {unknown_questions}",
            1,
            "none of the 2 questions of {unknown_questions} has all four words among the first 300,000 words",
        ),
        Case("evaluate analogies --n-boot 0", 2, "argument --n-boot"),
        Case("evaluate analogies --restrict -1", 2, "argument --restrict"),
    ],
    "evaluate similarity": [
        *vector_cases("evaluate similarity wordsim353 --n-boot 10"),
        Case("evaluate similarity {missing}", 1, "no such benchmark file or registered name: "),
        Case("evaluate similarity {empty}", 1, "no word pairs with a score"),
        Case("evaluate similarity {junk}", 1, "not a text file"),
        Case("evaluate similarity {unknown_pairs}", 1, "0 of the 2 pairs of"),
        Case("evaluate similarity wordsim353 --oov bogus", 2, "argument --oov: invalid choice"),
        Case("evaluate similarity wordsim353 --seed -1", 2, "argument --seed: expected an integer in 0..4294967295"),
    ],
    "bias weat": [
        *vector_cases("bias weat --test weat7 --n-boot 10"),
        Case("bias weat --test weat11", 1, "unknown WEAT test 'weat11'"),
        Case("bias weat --targets {missing} {empty} --attributes {empty} {empty}", 1, "no such word file: "),
        Case("bias weat --targets {empty} {empty} --attributes {empty} {empty}", 1, "empty.vec: no words"),
        Case("bias weat --targets {junk} {empty} --attributes {empty} {empty}", 1, "junk.vec, line"),
        Case("bias weat --targets {empty}", 1, "--targets and --attributes go together"),
        Case("bias weat --permutations 0", 2, "argument --permutations"),
        Case("bias weat --max-missing 2", 2, "argument --max-missing"),
        Case("bias weat --seed -1", 2, "argument --seed: expected an integer in 0..4294967295"),
        Case("bias weat --test weat7 --plot {tmp}/w.jpg", 1, "--plot must be .png, .svg or .pdf", leaves_no="w.jpg"),
        Case(
            "bias weat --encoder minilm --vectors glove-6b-50d",
            1,
            "--vectors and --encoder exclude each other: SEAT encodes sentences, it reads no vectors",
        ),
    ],
    "bias metrics": [
        *vector_cases("bias metrics --test weat7"),
        Case("bias metrics --test weat0", 1, "unknown WEAT test 'weat0'"),
        Case("bias metrics --targets {empty} {empty} --attributes {empty} {empty}", 1, "empty.vec: no words"),
    ],
    "bias debias": [
        Case("bias debias -o {tmp}/d.ekv --definitional {empty}", 1, "empty.vec: no word pairs", leaves_no="d.ekv"),
        *vector_cases("bias debias -o {tmp}/d.ekv"),
        Case("bias debias --method soft -o {tmp}/d.ekv", 2, "argument --method: invalid choice", leaves_no="d.ekv"),
    ],
    "bias report": [
        *vector_cases("bias report --test weat7 -o {tmp}/r.md"),
        Case("bias report --test weat0 -o {tmp}/r.md", 1, "unknown WEAT test 'weat0'", leaves_no="r.md"),
        Case("bias report --methods soft -o {tmp}/r.md", 2, "argument --methods: invalid choice", leaves_no="r.md"),
        Case(
            "bias report -o {tmp}/r.txt", 1, "the table (-o) must be .html, .htm, .md or .markdown", leaves_no="r.txt"
        ),
        Case("bias report -o {tmp}/r.md --plot {tmp}/r.gif", 1, "--plot must be .png, .svg or .pdf", leaves_no="r.md"),
        Case(
            "bias report --methods hard hard -o {tmp}/r.md", 1, "debiasing method 'hard' given twice", leaves_no="r.md"
        ),
    ],
    "bias direction": [
        *vector_cases("bias direction nurse engineer"),
        Case("bias direction", 1, "give the words to place on the direction (WORD ... or --words-file FILE)"),
        Case("bias direction --words-file {missing}", 1, "missing.vec"),
        Case("bias direction nurse --definitional {junk}", 1, "junk.vec, line"),
        Case("bias direction xyzzyq qqzzyx", 1, "none of the 2 words is in the vectors"),
        Case("bias direction nurse --orient she", 2, "argument --orient: expected 2 arguments"),
        Case("bias direction nurse --orient xyzzyq he", 1, "orient: 'xyzzyq' is not in the vectors"),
        Case("bias direction nurse --plot {tmp}/d.txt", 1, "--plot must be .png, .svg or .pdf", leaves_no="d.txt"),
    ],
    "train-embeddings": [
        Case("train-embeddings {missing} -o {tmp}/e.ekv", 1, "missing.vec", leaves_no="e.ekv"),
        Case(
            "train-embeddings {empty} -o {tmp}/e.ekv --algorithm word2vec-skipgram", 1, "empty.vec", leaves_no="e.ekv"
        ),
        Case("train-embeddings {labels} -o {tmp}/e.ekv --dim 0", (1, 2), "dim", leaves_no="e.ekv"),
        Case(
            "train-embeddings {labels} -o {tmp}/e.bogus --algorithm word2vec-skipgram",
            1,
            "e.bogus",
            leaves_no="e.bogus",
        ),
    ],
    "generate": [
        Case("generate --model {missing} --prompt the", 1, "missing.vec"),
        Case("generate --model {junk} --prompt the", 1, "junk.vec"),
        Case("generate --model {missing} --prompt the --method bogus", 2, "argument --method: invalid choice"),
        Case("generate --model {char_lm} --prompt Zé", 1, "the prompt has 2 characters the model never saw: 'Z', 'é'"),
        Case(
            "generate --model {char_lm} --prompt ab --words 5", 1, "is a character model: give --chars N, not --words"
        ),
        Case("generate --model {char_lm} --prompt ab --chars 0", 2, "argument --chars"),
        Case("generate --model {char_lm} --prompt ab --top-p 1.5", 2, "argument --top-p: expected a number in (0, 1]"),
        Case("generate --model {lm} --prompt a --words -5", 2, "argument --words: expected an integer >= 0, got -5"),
        Case("generate --model {lm} --prompt a --top-k 0", 2, "argument --top-k: expected a positive integer, got 0"),
        Case("generate --model {lm} --prompt a --temperature nan", 2, "argument --temperature: expected a positive"),
        Case(
            "generate --model {lm} --prompt a --method beam --beam-size 1000000",
            2,
            "argument --beam-size: expected an integer in 1..1000, got 1000000",
        ),
        Case("generate --model {classifier_pt} --prompt ab", 1, "is a classifier model, not a language model"),
        Case("generate --model {seq2seq_pt} --prompt ab", 1, "is a sequence-to-sequence model, not a language model"),
    ],
    "train-lm": [
        Case("train-lm {missing} -o {tmp}/m.pt", 1, "no such corpus file", leaves_no="m.pt"),
        Case("train-lm {empty} -o {tmp}/m.pt", 1, "empty.vec: no characters (the file is empty)", leaves_no="m.pt"),
        Case("train-lm {empty} --unit word -o {tmp}/m.pt", 1, "empty.vec: no words", leaves_no="m.pt"),
        Case("train-lm {labels} -o {tmp}/m.bin", 1, "-o (the model) must be .pt, not 'm.bin'", leaves_no="m.bin"),
        Case("train-lm {labels} -o {tmp}/m.pt --steps 0", 2, "argument --steps", leaves_no="m.pt"),
        Case("train-lm {labels} -o {tmp}/m.pt --steps 5 --epochs 2", 2, "not allowed with argument", leaves_no="m.pt"),
        Case("train-lm {labels} -o {tmp}/m.pt --model nplm", 2, "argument --model: invalid choice", leaves_no="m.pt"),
        Case("train-lm {labels} -o {tmp}/m.pt --minutes -1", 2, "argument --minutes", leaves_no="m.pt"),
        Case("train-lm {labels} -o {tmp}/m.pt --minutes 1 --epochs 1", 1, "not with --epochs", leaves_no="m.pt"),
        Case(
            "train-lm {labels} -o {tmp}/m.pt --dim 30",
            1,
            "--dim 30 is not a multiple of the 4 heads",
            leaves_no="m.pt",
        ),
        Case("train-lm {labels} -o {tmp}/m.pt --resume", 1, "--resume needs --checkpoint DIR", leaves_no="m.pt"),
        Case(
            "train-lm {labels} -o {tmp}/m.pt --positions learned --attention-window 8",
            1,
            "--attention-window applies to rope --positions; these are learned",
            leaves_no="m.pt",
        ),
        Case(
            "train-lm {labels} -o {tmp}/m.pt --valid-fraction 1",
            2,
            "argument --valid-fraction: expected a number in (0, 1), got 1",
            leaves_no="m.pt",
        ),
        Case("train-lm {labels} -o {tmp}/m.pt --dropout nan", 2, "argument --dropout: expected a number in [0, 1)"),
        Case(
            "train-lm {labels} -o {tmp}/m.pt --batch-size 2000000",
            1,
            "--batch-size must be at most 1,048,576, got 2,000,000",
            leaves_no="m.pt",
        ),
    ],
    "project": [
        *vector_cases("project --top 50 -q -o {tmp}/p.png"),
        Case(
            "project --top 50 -o {tmp}/p.jpg",
            1,
            "the figure must be .png, .svg or .pdf, not 'p.jpg'",
            leaves_no="p.jpg",
        ),
        Case(
            "project --top 50 -q -o {tmp}/p.png --save-projection {tmp}/p.bad",
            1,
            "--save-projection must be .npz or .csv, not 'p.bad'",
            leaves_no="p.png",
        ),
        Case("project --words {missing} -o {tmp}/p.png", 1, "no such words file: ", leaves_no="p.png"),
        Case("project --words {empty} -o {tmp}/p.png", 1, "empty.vec: no words in the file", leaves_no="p.png"),
        Case("project --words {latin1} -o {tmp}/p.png", 1, "latin1.txt, line 2: not UTF-8 text", leaves_no="p.png"),
        Case(
            "project --words {unknown_words} -q -o {tmp}/p.png",
            1,
            "unknown words: 'zzqqxx', 'qqzzyy'",
            leaves_no="p.png",
        ),
        Case("project --groups {bad_json} -q -o {tmp}/p.png", 1, "bad.json, line 1: not valid JSON", leaves_no="p.png"),
        Case("project --groups {empty} -q -o {tmp}/p.png", 1, "empty.vec: no groups in the file", leaves_no="p.png"),
        Case("project --from-projection {junk} -o {tmp}/p.png", 1, "junk.vec", leaves_no="p.png"),
        Case("project --top 50 --method bogus -o {tmp}/p.png", 2, "argument --method: invalid choice"),
        Case("project --top 0 -o {tmp}/p.png", 2, "argument --top", leaves_no="p.png"),
        Case("project --top 50 --label -1 -o {tmp}/p.png", 2, "argument --label", leaves_no="p.png"),
        Case("project --top 50 --perplexity inf -o {tmp}/p.png", 2, "argument --perplexity", leaves_no="p.png"),
        Case("project --top 50 --n-neighbors 1 -o {tmp}/p.png", 2, "argument --n-neighbors: expected an integer >= 2"),
        Case("project --top 50 --seed -1 -o {tmp}/p.png", 2, "argument --seed", leaves_no="p.png"),
        Case("project --top 50 -o {tmp}/p.png --top 5 --words {missing}", 2, "not allowed with argument"),
    ],
    "plot neighbors": [
        *vector_cases("plot neighbors frog -o {tmp}/n.png"),
        Case("plot neighbors zzqqxx -o {tmp}/n.png", 1, "unknown word: 'zzqqxx'", leaves_no="n.png"),
        Case("plot neighbors frog -k 0 -o {tmp}/n.png", 2, "argument -k", leaves_no="n.png"),
        Case("plot neighbors frog -o {tmp}/n.txt", 1, "the figure must be", leaves_no="n.txt"),
    ],
    "plot analogies": [
        *vector_cases("plot analogies man:woman king:queen -o {tmp}/a.png"),
        Case("plot analogies man-woman -o {tmp}/a.png", 1, "write each pair as A:B", leaves_no="a.png"),
        Case("plot analogies man:zzqqxx king:queen -o {tmp}/a.png", 1, "unknown word: 'zzqqxx'", leaves_no="a.png"),
    ],
    "plot heatmap": [
        *vector_cases("plot heatmap king queen -o {tmp}/h.png"),
        Case("plot heatmap king zzqqxx -o {tmp}/h.png", 1, "unknown word: 'zzqqxx'", leaves_no="h.png"),
        Case("plot heatmap king queen -o {tmp}/h.gif", 1, "the figure must be", leaves_no="h.gif"),
    ],
    "plot similarity": [
        *vector_cases("plot similarity king queen -o {tmp}/s.png"),
        Case("plot similarity king zzqqxx -o {tmp}/s.png", 1, "unknown word: 'zzqqxx'", leaves_no="s.png"),
    ],
    "explore": [
        *vector_cases("explore --top 50 -q -o {tmp}/e.html"),
        Case(
            "explore --top 50 -o {tmp}/e.png", 1, "the page (-o) must be .html or .htm, not 'e.png'", leaves_no="e.png"
        ),
        Case("explore --top 0 -o {tmp}/e.html", 2, "argument --top", leaves_no="e.html"),
        Case("explore --top 50 -k 0 -o {tmp}/e.html", 2, "argument -k", leaves_no="e.html"),
        Case("explore --top 50 --clusters -1 -o {tmp}/e.html", 2, "argument --clusters", leaves_no="e.html"),
        Case("explore --top 50 --method bogus -o {tmp}/e.html", 2, "argument --method: invalid choice"),
        Case("explore --top 50 --index ivf -o {tmp}/e.html", 2, "argument --index: invalid choice", leaves_no="e.html"),
        Case(
            "explore --words {unknown_words} -q -o {tmp}/e.html",
            1,
            "unknown words: 'zzqqxx', 'qqzzyy'",
            leaves_no="e.html",
        ),
        Case("explore --words {latin1} -o {tmp}/e.html", 1, "latin1.txt, line 2: not UTF-8 text", leaves_no="e.html"),
        Case("explore --top 50 --groups {bad_json} -o {tmp}/e.html", 1, "bad.json, line 1", leaves_no="e.html"),
        Case(
            "explore --top 50 -q --metadata {meta_unknown} -o {tmp}/e.html",
            1,
            "meta_unknown.tsv, line 3: 'zzqqxx' is not on the page (1 rows name words the page does not hold)",
            leaves_no="e.html",
        ),
        Case(
            "explore --top 50 -q --metadata {meta_fields} -o {tmp}/e.html",
            1,
            "meta_fields.tsv, line 2: 3 fields, the header has 2",
            leaves_no="e.html",
        ),
        Case(
            "explore --top 50 -q --metadata {meta_dup} -o {tmp}/e.html",
            1,
            "meta_dup.tsv, line 4: a second row for 'the' (the first is line 2); one row per word",
            leaves_no="e.html",
        ),
        Case(
            "explore --top 50 -q --metadata {labels} -o {tmp}/e.html",
            1,
            "labels.txt, line 1: expected a header 'word<TAB>column...'",
            leaves_no="e.html",
        ),
        Case(
            "explore --from-projection {foreign_projection} -q -o {tmp}/e.html",
            1,
            "the projection was made from 'other-vectors', not from 'glove-6b-50d'",
            leaves_no="e.html",
        ),
        Case("explore --from-projection {junk} -o {tmp}/e.html", 1, "junk.vec", leaves_no="e.html"),
        Case("explore --top 5 --words {unknown_words} -o {tmp}/e.html", 2, "not allowed with argument"),
    ],
    "seq2seq train": [
        *vector_cases("seq2seq train --task {pairs} -o {tmp}/m.pt"),
        Case("seq2seq train --task {notab} -o {tmp}/m.pt", 1, "notab.tsv:2: no tab between", leaves_no="m.pt"),
        Case("seq2seq train --task {emptysrc} -o {tmp}/m.pt", 1, "emptysrc.tsv:1: empty source", leaves_no="m.pt"),
        Case("seq2seq train --task {empty} -o {tmp}/m.pt", 1, "empty.vec:1: the file holds no", leaves_no="m.pt"),
        Case("seq2seq train --task {latin1} -o {tmp}/m.pt", 1, "latin1.txt:1: no tab between", leaves_no="m.pt"),
        Case(
            "seq2seq train --task {tmp}/missing.tsv -o {tmp}/m.pt",
            1,
            "missing.tsv' (--task takes numbers-fr, numbers-en or a TSV file)",
            leaves_no="m.pt",
        ),
        Case(
            "seq2seq train --task numbers-de -o {tmp}/m.pt",
            1,
            "--task: unknown task 'numbers-de': give numbers-fr, numbers-en or a TSV file",
            leaves_no="m.pt",
        ),
        Case("seq2seq train --task {pairs} -o {tmp}/m.bin", 1, "-o (a seq2seq model) must be .pt, not 'm.bin'"),
        Case("seq2seq train --task {pairs} -o {folder}", 1, "must be .pt"),
        Case("seq2seq train --task {pairs} --model bogus -o {tmp}/m.pt", 2, "argument --model: invalid choice"),
        Case("seq2seq train --task {pairs} --attention luong -o {tmp}/m.pt", 2, "argument --attention: invalid choice"),
        Case(
            "seq2seq train --task {pairs} --model gru --attention dot -o {tmp}/m.pt",
            1,
            "--attention applies to gru-attn and lstm-attn, not to gru",
            leaves_no="m.pt",
        ),
        Case("seq2seq train --task {pairs} --epochs 0 -o {tmp}/m.pt", 2, "argument --epochs: expected a positive"),
        Case(
            "seq2seq train --task {pairs} --dropout 1.5 -o {tmp}/m.pt",
            2,
            "argument --dropout: expected a number in [0, 1), got 1.5",
            leaves_no="m.pt",
        ),
        Case("seq2seq train --task {pairs} --lr inf -o {tmp}/m.pt", 2, "argument --lr: expected a positive number"),
        Case(
            "seq2seq train --task {pairs} --dim 100000 -o {tmp}/m.pt",
            1,
            "--dim must be at most 16,384, got 100,000",
            leaves_no="m.pt",
        ),
        Case("seq2seq train --task {pairs} --resume -o {tmp}/m.pt", 1, "--resume needs --checkpoint DIR"),
        Case("seq2seq train --task {pairs}", 2, "the following arguments are required: -o/--output"),
    ],
    "encode": [
        Case("encode --input {missing} -o {tmp}/enc.npy", 1, "missing.vec", leaves_no="enc.npy"),
        Case("encode --input {latin1} -o {tmp}/enc.npy", 1, "latin1.txt: not UTF-8 text (line 2", leaves_no="enc.npy"),
        Case("encode --input {small} -o {tmp}/enc.txt", 1, "the output must be .npy or .ekv, not 'enc.txt'"),
        Case("encode --model {folder} --input {small} -o {tmp}/enc.npy", 1, "not a model folder: no config.json"),
        Case("encode --model zzz --input {small} -o {tmp}/enc.npy", 1, "unknown model 'zzz'", leaves_no="enc.npy"),
        Case("encode --input {small} -o {tmp}/enc.npy --layer -1", 2, "argument --layer", leaves_no="enc.npy"),
        Case("encode --input {small} -o {tmp}/enc.npy --batch-size 0", 2, "argument --batch-size"),
        Case("encode --input {small} -o {folder}", 1, "folder"),
    ],
    "context": [
        Case("context bank --input {missing}", 1, "missing.vec"),
        Case("context bank --input {latin1}", 1, "latin1.txt: not UTF-8 text (line 2"),
        Case("context bank --model {folder} --input {small}", 1, "not a model folder: no config.json"),
        Case("context bank --input {small} -k 0", 2, "argument -k"),
        Case("context bank --input {small} --vocabulary {missing}", 1, "missing.vec"),
    ],
    "distill": [
        Case("distill --method corpus --corpus {missing} -o {tmp}/d.ekv", 1, "missing.vec", leaves_no="d.ekv"),
        Case("distill --method corpus --corpus {latin1} -o {tmp}/d.ekv", 1, "latin1.txt: not UTF-8 text (line 2"),
        Case("distill -o {tmp}/d.txt", 1, "the output must be .ekv, not 'd.txt'"),
        Case("distill --model {folder} -o {tmp}/d.ekv", 1, "not a model folder: no config.json", leaves_no="d.ekv"),
        Case("distill --method corpus -o {tmp}/d.ekv", 1, "--method corpus needs --corpus FILE"),
        Case("distill --words {missing} -o {tmp}/d.ekv", 1, "missing.vec", leaves_no="d.ekv"),
        Case("distill --dim 0 -o {tmp}/d.ekv", 2, "argument --dim"),
    ],
    "probe": [
        Case("probe --task {missing}", 1, "missing.vec"),
        Case("probe --task {labels} -o {tmp}/pr.txt", 1, "the figure must be .png, .svg or .pdf, not 'pr.txt'"),
        Case("probe --task {labels} --model zzz", 1, "unknown model 'zzz'"),
        Case("probe --task {labels} --bootstrap -1", 2, "argument --bootstrap"),
    ],
    "layers": [
        Case("layers --input {missing}", 1, "missing.vec"),
        Case("layers --input {small} -o {tmp}/lay.txt", 1, "the figure must be .png, .svg or .pdf, not 'lay.txt'"),
        Case("layers --model zzz --input {small}", 1, "unknown model 'zzz'"),
        Case("layers --model {lm} --input {small}", 1, "lm.pt is a gru language model, not a transformer"),
        Case("layers --model {junk} --input {small}", 1, "junk.vec"),
        Case("layers --input {small} --min-occurrences 1", 2, "argument --min-occurrences"),
        Case("layers --input {small} --pairs 0", 2, "argument --pairs"),
    ],
    "seq2seq translate": [
        Case("seq2seq translate --model {missing} deux", 1, "missing.vec"),
        Case("seq2seq translate --model {junk} deux", 1, "junk.vec"),
        Case("seq2seq translate --model {empty} deux", 1, "empty.vec"),
        Case("seq2seq translate --model {folder} deux", 1, "folder"),
        Case("seq2seq translate --model {lm} deux", 1, "lm.pt is a language model, not a seq2seq model"),
        Case("seq2seq translate --model {clf} deux", 1, "clf.pt is a text classifier, not a seq2seq model"),
        Case(
            "seq2seq translate --model {s2s_gru} --input {sources_blank}",
            1,
            "sources_blank.txt:2: empty line (give one source per line)",
        ),
        Case("seq2seq translate --model {s2s_gru} --input {latin1}", 1, "latin1.txt:2: not UTF-8 text"),
        Case("seq2seq translate --model {s2s_gru} --input {empty}", 1, "empty.vec: no sources in the file"),
        Case("seq2seq translate --model {s2s_gru} --input {tmp}/none.txt", 1, "no such sources file: "),
        Case("seq2seq translate --model {s2s_gru} deux --input {pairs}", 1, "not both"),
        Case("seq2seq translate --model {s2s_gru}", 1, "nothing to translate: give TEXT arguments or --input FILE"),
        Case(
            "seq2seq translate --model {s2s_gru} deux --beam-size 0",
            2,
            "argument --beam-size: expected an integer in 1..1000, got 0",
        ),
        Case(
            "seq2seq translate --model {s2s_gru} deux --beam-size wide",
            2,
            "argument --beam-size: expected an integer in 1..1000, got 'wide'",
        ),
        Case(
            "seq2seq translate --model {s2s_gru} deux --length-penalty nan",
            2,
            "argument --length-penalty: expected a finite number, got nan",
        ),
        Case("seq2seq translate deux", 2, "the following arguments are required: --model"),
    ],
    "seq2seq evaluate": [
        Case("seq2seq evaluate --model {s2s_gru} --test {notab}", 1, "notab.tsv:2: no tab between"),
        Case("seq2seq evaluate --model {s2s_gru} --test {emptysrc}", 1, "emptysrc.tsv:1: empty source"),
        Case("seq2seq evaluate --model {s2s_gru} --test {tmp}/gone.tsv", 1, "gone.tsv"),
        Case("seq2seq evaluate --model {s2s_gru} --task numbers-de", 1, "--task: unknown task 'numbers-de'"),
        Case("seq2seq evaluate --model {lm} --test {pairs}", 1, "lm.pt is a language model, not a seq2seq"),
        Case("seq2seq evaluate --model {clf} --test {pairs}", 1, "clf.pt is a text classifier, not a seq2seq model"),
        Case("seq2seq evaluate --model {junk} --test {pairs}", 1, "junk.vec"),
        Case("seq2seq evaluate --model {missing} --test {pairs}", 1, "missing.vec"),
        Case("seq2seq evaluate --model {s2s_gru}", 2, "one of the arguments --test --task is required"),
        Case("seq2seq evaluate --model {s2s_gru} --test {pairs} --task numbers-fr", 2, "not allowed with argument"),
        Case("seq2seq evaluate --model {s2s_gru} --test {pairs} --reverse", 1, "--reverse applies to --task"),
        Case("seq2seq evaluate --model {s2s_gru} --test {pairs} --beam-size 0", 2, "argument --beam-size"),
        Case("seq2seq evaluate --model {s2s_gru} --task {pairs} --split dev", 2, "argument --split: invalid choice"),
    ],
    "plot attention": [
        Case("plot attention --model {missing} deux -o {tmp}/att.png", 1, "missing.vec", leaves_no="att.png"),
        Case("plot attention --model {junk} deux -o {tmp}/att.png", 1, "junk.vec", leaves_no="att.png"),
        Case(
            "plot attention --model {lm} deux -o {tmp}/att.png",
            1,
            "lm.pt is a gru language model, not a transformer",
            leaves_no="att.png",
        ),
        Case(
            "plot attention --model {lm} deux --part encoder -o {tmp}/att.png",
            1,
            "lm.pt is a gru language model, not a transformer",
            leaves_no="att.png",
        ),
        Case(
            "plot attention --model {s2s_gru} deux --part self -o {tmp}/att.png",
            1,
            "a seq2seq model has encoder, decoder and cross attention: choose one of them",
            leaves_no="att.png",
        ),
        Case("plot attention --model {s2s_gru} deux --part all -o {tmp}/att.png", 2, "argument --part: invalid choice"),
        Case(
            "plot attention --model {s2s_gru} deux -o {tmp}/att.png",
            1,
            "the model 'gru' has no attention (train --model gru-attn, lstm-attn or transformer)",
            leaves_no="att.png",
        ),
        Case("plot attention --model {s2s_gru} deux -o {tmp}/att.jpg", 1, "the figure must be", leaves_no="att.jpg"),
        Case("plot attention --model {s2s_gru} deux --layer 0 -o {tmp}/att.png", 2, "argument --layer"),
        Case("plot attention --model {s2s_gru} -o {tmp}/att.png", 2, "the following arguments are required: TEXT"),
    ],
    "projector": [
        *vector_cases("projector {tmp}/proj --top 10"),
        Case("projector {small} --top 10", 1, "small.vec"),
        Case("projector {tmp}/proj --words {missing}", 1, "missing.vec", leaves_no="proj"),
        Case("projector {tmp}/proj --words {unknown_words}", 1, "unknown words: 'zzqqxx'", leaves_no="proj"),
        Case("projector {tmp}/proj --top 0", 2, "argument --top", leaves_no="proj"),
    ],
}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    """Bad (and a few good) inputs, by name."""
    d = tmp_path_factory.mktemp("contract")
    (d / "folder").mkdir()
    (d / "empty.vec").write_bytes(b"")
    (d / "junk.vec").write_bytes(bytes(range(256)) * 8)
    unreadable = d / "unreadable.vec"
    unreadable.write_text("frog 1 2\n")
    unreadable.chmod(0)
    (d / "small.vec").write_text(
        "".join(
            f"{w} {i % 7 + 1} {i % 5 - 2} {i % 3 + 0.5}\n"
            for i, w in enumerate(["the", "king", "queen", "man", "woman", "frog"])
        )
    )
    (d / "bad.json").write_text("{not json\n")
    (d / "labels.txt").write_text("".join(f"{i % 2} a text of words {i}\n" for i in range(40)))
    (d / "latin1.txt").write_bytes(b"king\ncaf\xe9\n")
    (d / "unknown_words.txt").write_text("zzqqxx qqzzyy\n")
    (d / "unknown_questions.txt").write_text(": s\nzzqq1 zzqq2 zzqq3 zzqq4\nqqzz1 qqzz2 qqzz3 qqzz4\n")
    (d / "unknown_pairs.txt").write_text("zzqq1\tzzqq2\t3.0\nqqzz1\tqqzz2\t2.5\n")
    (d / "meta_unknown.tsv").write_text("word\tpos\nthe\tDET\nzzqqxx\tX\n")
    (d / "meta_fields.tsv").write_text("word\tpos\nthe\tDET\textra\n")
    (d / "meta_dup.tsv").write_text("word\tpos\nthe\tDET\nof\tADP\nthe\tPRON\n")
    from embedkit.viz.projection import Projection

    Projection(("the", "zzqqxx"), [[0.0, 1.0], [1.0, 0.0]], "pca", source="other-vectors").save(
        d / "foreign_projection.npz"
    )
    (d / "pairs.tsv").write_text("".join(f"{w}\t{n}\n" for n, w in enumerate(["un", "deux", "trois"] * 4, 1)))
    (d / "notab.tsv").write_text("un\t1\ndeux 2\n")
    (d / "emptysrc.tsv").write_text(" \t1\n")
    (d / "sources_blank.txt").write_text("un\n\ndeux\n")
    _wrong_kind_models(d)
    _lm_files(d)
    names = {p.stem: str(p) for p in d.iterdir()}
    names["bad_json"] = names.pop("bad")
    return {
        **names,
        "missing": str(d / "missing.vec"),
        "tmp": str(d),
        "many_unknown": " ".join(f"zzunk{i}" for i in range(3000)),
    }


def _wrong_kind_models(d: Path) -> None:
    """A language model, a neural classifier and a seq2seq model without attention, each trained
    for one epoch on a few lines (seconds): model files of every kind the seq2seq commands may be given."""
    from embedkit.classify import ClassifierConfig, read_dataset, train
    from embedkit.nn.lm.train import train_language_model
    from embedkit.sequences import Seq2SeqConfig, train_seq2seq
    from embedkit.training.config import TrainConfig
    from embedkit.training.corpus import corpus_from_texts

    lm_config = TrainConfig(
        algorithm="gru", dim=4, hidden=8, objective="full", epochs=1, batch_size=4, bptt=4, lr=0.05, workers=1
    )
    train_language_model(corpus_from_texts(["a b c d"] * 20, valid_fraction=0.2), lm_config, progress=False).save(
        d / "lm.pt"
    )
    clf_config = ClassifierConfig(epochs=1, embed_dim=8, num_filters=4)
    train(read_dataset(d / "labels.txt"), model="cnn", mode="rand", config=clf_config, output=d / "clf.pt")
    s2s_config = Seq2SeqConfig(model="gru", emb_dim=4, hidden=8, epochs=1, batch_size=4)
    train_seq2seq(str(d / "pairs.tsv"), s2s_config, progress=False).save(d / "s2s_gru.pt")


def _lm_files(d: Path) -> None:
    """A tiny character model, and model files of the wrong kinds (a classifier's, a seq2seq model's)."""
    from embedkit.nn.lm.train import train_language_model
    from embedkit.nn.runtime.checkpoint import save_checkpoint
    from embedkit.training.config import TrainConfig
    from embedkit.training.corpus import char_corpus_from_text

    cfg = TrainConfig(algorithm="gru", unit="char", dim=4, hidden=4, objective="full", steps=1, batch_size=2, bptt=4)
    train_language_model(char_corpus_from_text("abc ab\n" * 5), cfg, progress=False).save(d / "char_lm.pt")
    save_checkpoint(
        d / "classifier_pt.pt", model_state={}, config={"model": "cnn"}, vocab={}, extra={"class_names": []}
    )
    save_checkpoint(d / "seq2seq_pt.pt", model_state={}, config={"src_unit": "char"}, vocab={"source": {}}, extra={})


def _all_cases():
    for cases in CASES.values():
        for case in cases:
            for json_mode in (False, True) if "--json" not in case.argv else (False,):
                mode = "json" if json_mode else "text"
                marks = (
                    [pytest.mark.xfail(strict=True, reason=case.xfail)]
                    if case.xfail and mode in case.xfail_modes
                    else []
                )
                yield pytest.param(case, json_mode, id=f"{case.argv}|{mode}", marks=marks)


def test_every_subcommand_has_cases():
    """Check that every subcommand of build_parser() has bad-input cases registered here."""
    commands = {" ".join(path) for path, _ in subcommands(build_parser())}
    assert len(commands) >= 19
    missing = sorted(commands - set(CASES))
    assert not missing, f"no bad-input cases for: {missing}"


@pytest.mark.parametrize(("case", "json_mode"), list(_all_cases()))
@pytest.mark.slow  # a battery of CLI runs, or a full figure pipeline: run by the full suite
def test_bad_input_fails_in_one_line(case: Case, json_mode: bool, files, capsys):
    """Check the exit status, the single error line (or JSON object) and that no output is left behind."""
    if "{unreadable}" in case.argv and os.geteuid() == 0:
        pytest.skip("root reads files whatever their permissions")
    argv = [a.format(**files) for a in case.argv.split(" ")]
    argv = [w for a in argv for w in (a.split(" ") if a.startswith("zzunk0 ") else [a])]
    if json_mode:
        argv.append("--json")
    needle = case.needle.format(**files)
    status = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    assert status in (case.status if isinstance(case.status, tuple) else (case.status,)), (out, err)
    if json_mode:
        lines = out.strip().splitlines()
        assert len(lines) == 1, out
        obj = json.loads(lines[0])
        assert set(obj) == {"error", "type"} and needle in obj["error"], obj
        assert not err.lstrip().startswith("{") and "error" not in err, err
    else:
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("embedkit") and "error: " in lines[0], lines[0]
        assert needle in lines[0], lines[0]
        assert len(lines[0]) <= 300, lines[0]
        assert out == ""
    if case.leaves_no:
        assert not (Path(files["tmp"]) / case.leaves_no).exists()


def test_save_projection_checked_before_the_projection(files, capsys, monkeypatch):
    """Check that a bad --save-projection extension fails before any projection is computed."""
    import embedkit.viz.reduce

    def never(*a, **k):
        raise AssertionError("the projection was computed")

    monkeypatch.setattr(embedkit.viz.reduce, "project", never)
    assert (
        main(["project", "--top", "50", "-o", f"{files['tmp']}/q.png", "--save-projection", f"{files['tmp']}/q.txt"])
        == 1
    )
    assert "--save-projection must be .npz or .csv, not 'q.txt'" in capsys.readouterr().err


def test_report_outputs_checked_before_the_comparison(files, capsys, monkeypatch):
    """Check that a bad report -o fails before any vector set is loaded or compared."""
    import embedkit.compare.run

    def never(*a, **k):
        raise AssertionError("the comparison ran")

    monkeypatch.setattr(embedkit.compare.run, "compare", never)
    assert main(["report", "glove-6b-50d", files["small"], "-o", f"{files['tmp']}/r.pdf"]) == 1
    assert capsys.readouterr().err.strip() == "embedkit: error: the report (-o) must be .html or .htm, not 'r.pdf'"


def test_keyboard_interrupt_exits_130_in_one_line(capsys, monkeypatch):
    """Check that Ctrl-C during a command exits 130 with one line and no traceback."""
    import embedkit.cli.core

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(embedkit.cli.core, "load_vectors", interrupted)
    assert main(["info"]) == 130
    assert capsys.readouterr().err == "embedkit: error: interrupted\n"
    assert main(["info", "--json"]) == 130
    assert json.loads(capsys.readouterr().out) == {"error": "interrupted", "type": "KeyboardInterrupt"}


def test_unforeseen_exception_is_one_line_unless_traceback_asked(capsys, monkeypatch):
    """Check that a bug (an exception embedkit did not foresee) is one 'internal error' line, and re-raised with EMBEDKIT_TRACEBACK."""
    import embedkit.cli.core

    def broken(*a, **k):
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr(embedkit.cli.core, "load_vectors", broken)
    monkeypatch.delenv("EMBEDKIT_TRACEBACK", raising=False)
    assert main(["info"]) == 1
    assert capsys.readouterr().err == (
        "embedkit: error: internal error: RuntimeError: something broke "
        "(please report it; EMBEDKIT_TRACEBACK=1 shows the traceback)\n"
    )
    assert main(["info", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["type"] == "RuntimeError"
    monkeypatch.setenv("EMBEDKIT_TRACEBACK", "1")
    with pytest.raises(RuntimeError, match="something"):
        main(["info"])


def test_permission_error_is_one_line(files, capsys, monkeypatch):
    """Check that any OSError (here a PermissionError while writing) becomes one line naming the file."""
    import embedkit.cli.core

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied", "/root/out.vec")

    monkeypatch.setattr(embedkit.cli.core, "load_vectors", denied)
    assert main(["info"]) == 1
    assert capsys.readouterr().err == "embedkit: error: /root/out.vec: Permission denied\n"


def test_warnings_are_one_line_without_source(files, capsys, tmp_path):
    """Check that a warning raised during a command prints one 'embedkit: warning:' line, no source line."""
    bench = tmp_path / "q.txt"
    bench.write_text(": s\nman king woman queen\nfrance paris italy\nbig bigger small smaller\n")
    assert main(["evaluate", "analogies", "--questions", str(bench), "--n-boot", "10"]) == 0
    err = capsys.readouterr().err
    assert (
        err == "embedkit: warning: " + str(bench) + ": skipped 1 malformed line (not four words), the first at line 3\n"
    )


def test_each_warning_is_shown_once_in_one_line(monkeypatch, capsys):
    """Check that a command's repeated warning prints once, in one line, whatever its category, and classify's too."""
    import warnings

    import embedkit.cli.core

    def noisy(*a, **k):
        for _ in range(3):
            warnings.warn("embedkit: the same\n  thing", RuntimeWarning, stacklevel=2)
        warnings.warn("another thing", UserWarning, stacklevel=2)
        raise PermissionError(13, "Permission denied", "/x")

    monkeypatch.setattr(embedkit.cli.core, "load_vectors", noisy)
    assert main(["info"]) == 1
    assert main(["info"]) == 1  # a second run in the same process shows them again
    once = (
        "embedkit: warning: the same thing\nembedkit: warning: another thing\nembedkit: error: /x: Permission denied\n"
    )
    assert capsys.readouterr().err == once * 2


def test_subprocess_usage_error_has_no_usage_block():
    """Check, in a fresh process, that a usage error is one line on stderr with exit status 2."""
    r = subprocess.run(
        [sys.executable, "-m", "embedkit.cli", "neighbors", "frog", "-k", "-3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == (
        "embedkit neighbors: error: argument -k: expected a positive integer, got -3 "
        "(see 'embedkit neighbors --help')\n"
    )
