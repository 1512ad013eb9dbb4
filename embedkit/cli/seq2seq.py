"""``seq2seq train``, ``seq2seq translate`` and ``seq2seq evaluate``: encoder-decoder translators."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .._fs import require_file
from .._launch import is_main_process
from ..config import MAX_BEAM
from ..errors import ConfigError, DataFileError, InvalidArgumentError, MissingFileError
from ..progress import waiting
from ._checks import (
    beam_size,
    check_output,
    finite_float,
    non_negative_int,
    options_for_fields,
    positive_float,
    positive_int,
    probability,
    rate,
    seed,
)
from ._common import (
    add_json_option,
    add_model_device_option,
    add_quiet_option,
    add_workers_option,
    load_vectors,
    print_json,
    report_interrupt,
    shows_progress,
    warn_unknown_words,
)
from ._help import add_deprecated_option, plural, recipe_defaults

# Hyper-parameters settable from the command line: (option, Seq2SeqConfig field, type, help). A field of the
# recipes (RECIPES) gets each model's value appended to its help; the others state their default.
_HYPER = (
    ("--dim", "emb_dim", positive_int, "embedding dimension (the transformer's width)"),
    ("--hidden", "hidden", positive_int, "RNN hidden size"),
    ("--layers", "layers", positive_int, "encoder and decoder layers"),
    ("--heads", "heads", positive_int, "attention heads"),
    ("--ff-dim", "ff_dim", positive_int, "feed-forward size"),
    ("--dropout", "dropout", rate, "dropout"),
    ("--batch-size", "batch_size", positive_int, "pairs per batch"),
    ("--lr", "lr", positive_float, "learning rate"),
    ("--warmup", "warmup", non_negative_int, "linear learning-rate warm-up steps"),
    ("--clip", "clip", positive_float, "gradient-norm limit"),
    ("--teacher-forcing", "teacher_forcing", probability, "teacher-forcing ratio in [0, 1] (default 1)"),
    ("--label-smoothing", "label_smoothing", rate, "label smoothing in [0, 1) (default 0)"),
    ("--max-len", "max_len", positive_int, "longest output, in target units (default: from the training targets)"),
    ("--min-count", "min_count", positive_int, "rarer training words become <unk> (default 1)"),
)


_OPTIONS = {field: option for option, field, _, _ in _HYPER} | {
    "epochs": "--epochs",
    "seed": "--seed",
    "workers": "--workers",
}
_INT_FIELDS = {field for _, field, kind, _ in _HYPER if kind in (positive_int, non_negative_int)}


def _recipe_help(field: str) -> str:
    """`` (default ...)``: the field's value in each model's recipe, among the models it applies to."""
    from ..sequences.config import RECIPES

    recurrent = [m for m in RECIPES if m != "transformer"]
    applies = {
        "hidden": recurrent,
        "bidirectional": [m for m in recurrent if m.endswith("-attn")]
        + [m for m in recurrent if not m.endswith("-attn")],
        "heads": ["transformer"],
        "ff_dim": ["transformer"],
    }.get(field, list(RECIPES))
    where = "transformer; " if applies == ["transformer"] else ""
    none = "; the transformer has none" if "transformer" not in applies and len(applies) > 1 else ""
    return f" ({where}{recipe_defaults({m: RECIPES[m][field] for m in applies})}{none})"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from ..sequences.config import ATTENTIONS, SEQ2SEQ_MODELS
    from ..sequences.tasks import TASKS

    p = sub.add_parser(
        "seq2seq",
        help="train and use encoder-decoder translators (number phrases, TSV pairs)",
        description="Encoder-decoder models (GRU/LSTM with or without attention, transformer) that translate "
        "sources into targets of any length: the built-in number tasks or any TSV of source<TAB>target lines.",
    )
    ssub = p.add_subparsers(dest="seq2seq_command", metavar="ACTION")
    ssub.required = True

    t = ssub.add_parser(
        "train",
        help="train a translator on a task or a TSV file",
        description="Train on a built-in task (split 10,000/5,000/5,000 as the lab does) or a TSV file "
        "(split 80/10/10 by source sentence with --seed), report the validation figures per epoch and save the model.",
    )
    t.add_argument(
        "--task",
        required=True,
        metavar="TASK",
        help=f"{', '.join(TASKS)}, or a TSV file of source<TAB>target lines",
    )
    t.add_argument("--reverse", action="store_true", help="swap sources and targets (digits to phrase)")
    t.add_argument("--model", choices=SEQ2SEQ_MODELS, default="gru-attn", help="architecture (default gru-attn)")
    t.add_argument(
        "--attention", choices=ATTENTIONS, default=None, help="attention of gru-attn/lstm-attn (default additive)"
    )
    t.add_argument("--epochs", type=positive_int, default=None, metavar="N", help="epochs" + _recipe_help("epochs"))
    t.add_argument(
        "--seed", type=seed, default=0, metavar="S", help="random seed, also of a TSV file's split (default 0)"
    )
    for option, field, kind, text in _HYPER:
        default = "" if "(default" in text else _recipe_help(field)
        metavar = "N" if field in _INT_FIELDS else "X"
        t.add_argument(option, dest=field, type=kind, default=None, metavar=metavar, help=text + default)
    add_deprecated_option(t, "--emb-dim", "emb_dim", instead="use --dim", type=positive_int, metavar="N")
    add_workers_option(t)
    t.add_argument(
        "--bidirectional",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a bidirectional RNN encoder" + _recipe_help("bidirectional"),
    )
    t.add_argument(
        "--schedule",
        choices=["constant", "cosine"],
        default=None,
        help="learning-rate schedule" + _recipe_help("schedule"),
    )
    for side in ("source", "target"):
        t.add_argument(
            f"--{side}-unit",
            choices=["char", "word"],
            default=None,
            help=f"{side} tokens: characters or words (default: the task's; words for a TSV file)",
        )
    t.add_argument(
        "--vectors",
        metavar="SPEC",
        default=None,
        help="start the source embeddings from these word vectors (word sources; default: random)",
    )
    t.add_argument("-o", "--output", required=True, metavar="MODEL", help="save the trained model here (.pt)")
    t.add_argument("--checkpoint", metavar="DIR", default=None, help="write a checkpoint per epoch here")
    t.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --checkpoint")
    add_model_device_option(t)
    add_quiet_option(t)
    add_json_option(t)
    t.set_defaults(func=cmd_train)

    q = ssub.add_parser(
        "translate",
        help="translate texts with a trained model",
        description="Translate each TEXT (or each line of --input) with a model saved by 'seq2seq train'. "
        "Text output: one line per source, output<TAB>score<TAB>source, where score is the output's "
        "log-probability divided by its length**A (--length-penalty): 0 is certain, lower is less sure. On a "
        "terminal a header line names the columns; a file or pipe gets the lines alone.",
    )
    q.add_argument("--model", required=True, metavar="MODEL", help="a model file or checkpoint folder")
    q.add_argument("texts", nargs="*", metavar="TEXT", help="sources to translate")
    q.add_argument("--input", metavar="FILE", default=None, help="a file of sources, one per line (- for stdin)")
    _add_decoding_options(q)
    add_quiet_option(q)
    add_json_option(q)
    q.set_defaults(func=cmd_translate)

    e = ssub.add_parser(
        "evaluate",
        help="score a trained model: exact match, token accuracy, BLEU and chrF",
        description="Translate every source of a TSV file or of a task's split and score the outputs against "
        "the targets (BLEU and chrF for phrase targets).",
    )
    e.add_argument("--model", required=True, metavar="MODEL", help="a model file or checkpoint folder")
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--test", metavar="FILE", default=None, help="a TSV file of source<TAB>target lines")
    which.add_argument(
        "--task",
        metavar="TASK",
        default=None,
        help=f"{', '.join(TASKS)}, or the TSV file the model was trained on (its --split part)",
    )
    e.add_argument("--split", choices=["train", "valid", "test"], default="test", help="with --task (default test)")
    e.add_argument("--reverse", action="store_true", help="with --task: the reversed task (digits to phrase)")
    _add_decoding_options(e, length_penalty=False)
    add_quiet_option(e)
    add_json_option(e)
    e.set_defaults(func=cmd_evaluate)


def _add_decoding_options(p: argparse.ArgumentParser, *, length_penalty: bool = True) -> None:
    p.add_argument(
        "--beam-size",
        type=beam_size,
        default=1,
        metavar="K",
        help=f"beam width, 1 to {MAX_BEAM} (default 1: greedy decoding)",
    )
    if length_penalty:
        p.add_argument(
            "--length-penalty",
            type=finite_float,
            default=1.0,
            metavar="A",
            help="scores are log-probabilities divided by length**A (default 1; 0: their sum)",
        )
    add_model_device_option(p)


# --------------------------------------------------------------------------------------------
# inputs


def _task_or_file(spec: str, option: str = "--task") -> str:
    """``spec`` if it names a built-in task or an existing file; else one line saying what is accepted."""
    from ..sequences.tasks import TASKS

    if spec in TASKS or Path(spec).exists():
        return spec
    if Path(spec).suffix.lower() in (".tsv", ".txt"):
        raise MissingFileError(spec, "pairs file", hint=f"{option} takes {', '.join(TASKS)} or a TSV file")
    raise InvalidArgumentError(f"{option}: unknown task {spec!r}: give {', '.join(TASKS)} or a TSV file")


def read_sources(path: str) -> list[str]:
    """The sources of ``path`` (``-``: standard input), one per line; an empty line is an error naming
    ``path:line``, since it would shift every later translation against its line."""
    if path == "-":
        text, name = sys.stdin.read(), "<stdin>"
    else:
        raw = require_file(path, "sources file").read_bytes()
        name = path
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise DataFileError(f"{path}:{line}: not UTF-8 text (byte {raw[exc.start]:#04x})") from None
    lines = text.removeprefix("\ufeff").splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            raise DataFileError(f"{name}:{n}: empty line (give one source per line)")
    if not lines:
        raise DataFileError(f"{name}: no sources in the file")
    return [line.strip() for line in lines]


def _config(args: argparse.Namespace):
    from ..sequences.config import Seq2SeqConfig

    fields = {field: getattr(args, field) for _, field, _, _ in _HYPER if getattr(args, field) is not None}
    fields.update(src_unit=args.source_unit, tgt_unit=args.target_unit, workers=args.workers)
    for name in ("epochs", "attention", "bidirectional", "schedule"):
        if getattr(args, name) is not None:
            fields[name] = getattr(args, name)
    if args.attention is not None and not args.model.endswith("-attn"):
        raise InvalidArgumentError(f"--attention applies to gru-attn and lstm-attn, not to {args.model}")
    try:
        return Seq2SeqConfig(model=args.model, seed=args.seed, **fields)
    except ConfigError as exc:  # a cap, or a width the heads must divide: named as the options
        raise ConfigError(options_for_fields(exc, _OPTIONS)) from None


# --------------------------------------------------------------------------------------------
# handlers


def cmd_train(args: argparse.Namespace) -> int:
    if args.resume and not args.checkpoint:
        raise InvalidArgumentError("--resume needs --checkpoint DIR")
    check_output(args.output, [".pt"], "-o (a seq2seq model)")
    data = _task_or_file(args.task)
    config = _config(args)
    vectors = load_vectors(args.vectors) if args.vectors is not None else None  # "--vectors=" is an error
    from ..sequences import train_seq2seq  # torch: after the cheap checks

    try:
        m = train_seq2seq(
            data,
            config,
            reverse=args.reverse,
            vectors=vectors,
            checkpoint_dir=args.checkpoint,
            resume=args.resume,
            device=args.device,
            progress=shows_progress(args),
        )
    except KeyboardInterrupt as exc:
        return report_interrupt(exc, args, checkpoint_option="--checkpoint")
    if not is_main_process():  # under torchrun only rank 0 saves and reports
        return 0
    saved = m.save(args.output)
    last = m.history[-1] if m.history else {}
    out = {
        "task": args.task,
        "reverse": args.reverse,
        "model": m.config.model,
        "config": m.config.to_dict(),
        "epochs": len(m.history),
        "seconds": sum(float(h.get("seconds", 0.0)) for h in m.history),
        "valid_loss": last.get("valid_loss"),
        "valid_exact_match": last.get("valid_exact_match"),
        "history": m.history,
        "output": str(saved),
    }
    if args.json:
        print_json(out)
    else:
        for h in m.history:
            valid = "".join(
                f"  {name} {h[key]:.4f}"
                for key, name in (("valid_loss", "valid loss"), ("valid_exact_match", "valid exact match"))
                if h.get(key) is not None
            )
            print(f"epoch {h['epoch']}: loss {h['loss']:.4f}{valid}  ({h['seconds']:.1f} s)")
        print(f"{m.config.model} trained {plural(out['epochs'], 'epoch')} in {out['seconds']:.1f} s; saved to {saved}")
    return 0


def cmd_translate(args: argparse.Namespace) -> int:
    if args.texts and args.input:
        raise InvalidArgumentError("give the sources as TEXT arguments or with --input FILE, not both")
    if not args.texts and not args.input:
        raise InvalidArgumentError("nothing to translate: give TEXT arguments or --input FILE")
    sources = read_sources(args.input) if args.input else [" ".join(t.split()) for t in args.texts]
    if any(not s for s in sources):
        raise InvalidArgumentError("an empty TEXT: give each source as a non-empty argument")
    from ..sequences import load_seq2seq  # torch: after the cheap checks

    show = shows_progress(args)
    with waiting("loading torch and the model", enabled=show):
        m = load_seq2seq(args.model, device=args.device)
    _warn_unknown_words(m, sources)
    translations = m.translate(sources, beam_size=args.beam_size, length_penalty=args.length_penalty, progress=show)
    if args.json:
        print_json({"translations": [t.to_dict() for t in translations]})
    else:
        if sys.stdout.isatty():  # for the eye only: a file or pipe gets the bare TSV
            print("output\tscore\tsource")
        for t in translations:
            print(f"{t.output}\t{t.score:.4f}\t{t.source}")
    return 0


def _warn_unknown_words(m, sources: list[str]) -> None:
    """One warning line naming the source words the model never saw (it reads them as <unk>); unknown
    characters of a character model are the library's error."""
    if m.config.src_unit == "word":
        warn_unknown_words((w for s in sources for w in s.split()), m.src_vocab)


def _check_task_units(m, task: str, reverse: bool) -> None:
    """Refuse a task whose direction the model was not trained for (a reversed model given the forward
    task would otherwise be scored on inputs it reads as unknown words or characters)."""
    from ..sequences import task_units

    units = task_units(task, reverse)
    have = (m.config.src_unit, m.config.tgt_unit)
    if have != units:
        hint = "without --reverse" if reverse else "with --reverse"
        raise InvalidArgumentError(
            f"the model reads {have[0]}s and writes {have[1]}s, but --task {task}{' --reverse' if reverse else ''} "
            f"has {units[0]} sources and {units[1]} targets (try {hint})"
        )


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ..sequences import TASKS, load_task, read_pairs, split_pairs

    if args.test is not None and args.reverse:
        raise InvalidArgumentError("--reverse applies to --task; a --test file gives its own direction")
    spec = _task_or_file(args.task) if args.task is not None else None
    test_pairs = read_pairs(args.test) if args.test is not None else None
    from ..sequences import load_seq2seq  # torch: after the cheap checks

    show = shows_progress(args)
    with waiting("loading torch and the model", enabled=show):
        m = load_seq2seq(args.model, device=args.device)
    if test_pairs is not None:
        pairs, data = test_pairs, args.test
    else:
        assert spec is not None
        if spec in TASKS:
            _check_task_units(m, spec, args.reverse)
            splits = load_task(spec, reverse=args.reverse)
        else:  # the model's own split of the file it was trained on (swapped as train --reverse swaps it)
            splits = split_pairs(read_pairs(spec), seed=m.config.seed)
            if args.reverse:
                splits = splits.swapped()
        pairs, data = getattr(splits, args.split), f"{spec}:{args.split}"
    scores = m.evaluate(pairs, beam_size=args.beam_size, progress=show)
    out = {"model": str(args.model), "data": data, "reverse": args.reverse, "beam_size": args.beam_size}
    out.update(scores.to_dict())
    if args.json:
        print_json(out)
    else:
        line = f"{data}: {plural(scores.n, 'pair')}, exact match {scores.exact_match:.4f}, token accuracy {scores.token_accuracy:.4f}"
        if scores.bleu is not None:
            line += f", BLEU {scores.bleu:.2f}, chrF {scores.chrf:.2f}"
        print(line + f" (beam {args.beam_size})")
    return 0
