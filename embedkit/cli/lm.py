"""``train-lm``: train a word or character language model (the one trainer for either unit)."""

from __future__ import annotations

import argparse

from .._launch import is_main_process
from ..errors import ConfigError, InvalidArgumentError
from ..training.config import DEFAULT_CHECKPOINT_EVERY
from ._checks import (
    check_output,
    float_in,
    fraction,
    non_negative_int,
    options_for_fields,
    positive_float,
    positive_int,
    rate,
    seed,
)
from ._common import (
    add_json_option,
    add_model_device_option,
    add_quiet_option,
    add_workers_option,
    print_json,
    report_interrupt,
    shows_progress,
)
from ._help import plural, recipe_defaults

# The recipe options of train-lm: (option, TrainConfig field, type, help, the models it applies to).
_RECIPE_OPTIONS = (
    ("--layers", "layers", positive_int, "layers", None),
    ("--dim", "dim", positive_int, "embedding (transformer: model) dimension", None),
    ("--hidden", "hidden", positive_int, "recurrent state / feed-forward width", None),
    ("--heads", "heads", positive_int, "attention heads", "transformer"),
    ("--block", "block", positive_int, "context in tokens", "transformer"),
    ("--bptt", "bptt", positive_int, "tokens per back-propagation step", "recurrent"),
    ("--batch-size", "batch_size", positive_int, "sequences per batch", None),
    ("--dropout", "dropout", rate, "dropout in [0, 1)", None),
    ("--lr", "lr", positive_float, "learning rate", None),
    ("--warmup", "warmup", non_negative_int, "warm-up steps", None),
    (
        "--eval-every",
        "eval_every",
        non_negative_int,
        "evaluate (and checkpoint) every N steps; 0: after each epoch, or at the end of a --steps or --minutes budget",
        None,
    ),
)


# What a recipe value depends on besides --unit and --model.
_NOTES = {"hidden": "; a transformer given --dim: 4 x --dim"}


def _recipe_values(field: str, applies: str | None) -> str:
    """The ``default ...`` clause of a recipe option: its value in each --unit/--model recipe it applies to."""
    from ..training.config import LM_ALGORITHMS, TrainConfig, lm_recipe

    models = [m for m in LM_ALGORITHMS if m != "nplm"]
    if applies == "transformer":
        models = ["transformer"]
    elif applies == "recurrent":
        models = [m for m in models if m != "transformer"]
    values = {
        f"{unit} {m}": getattr(TrainConfig(**lm_recipe(unit, m)), field) for unit in ("char", "word") for m in models
    }
    return recipe_defaults(values)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from ..training.config import LM_ALGORITHMS

    p = sub.add_parser(
        "train-lm",
        help="train a character or word language model",
        description="Train a language model on text files, by characters (every character, newlines "
        "included, is a token; the first 90% train, the last 10% are held out) or by words. The "
        "defaults of each --unit and --model are the recipes behind docs/training.md's figures; "
        "--unit char --model transformer --minutes 5 is the best five-minute recipe found on two CPU cores.",
    )
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="text files, read in order")
    p.add_argument(
        "--unit",
        choices=["char", "word"],
        default="char",
        help="tokens: every character, or the words of the shared tokenizer (default char)",
    )
    p.add_argument(
        "--model",
        choices=[a for a in LM_ALGORITHMS if a != "nplm"],
        default="transformer",
        help="architecture: a recurrent network (rnn, gru, lstm) or a decoder-only transformer (default transformer)",
    )
    for option, field, kind, text, applies in _RECIPE_OPTIONS:
        where = {"transformer": "transformer; ", "recurrent": "recurrent models; "}.get(applies or "", "")
        metavar = "X" if kind in (rate, positive_float) else "N"
        p.add_argument(
            option,
            dest=field,
            type=kind,
            default=None,
            metavar=metavar,
            help=f"{text} ({where}{_recipe_values(field, applies)}{_NOTES.get(field, '')})",
        )
    p.add_argument(
        "--positions",
        choices=["learned", "sinusoidal", "rope"],
        default=None,
        help="transformer positions: learned or sinusoidal (absolute, added at the input), or rope (rotary, with "
        "sliding-window attention: text of any length, generated on an exact rolling cache at a flat cost per "
        f"token) ({_recipe_values('positions', 'transformer')})",
    )
    p.add_argument(
        "--attention-window",
        type=positive_int,
        default=None,
        metavar="N",
        help="with --positions rope: the tokens each position attends to at every layer, itself included "
        "(default: the block, --block); a block longer than the window trains positions past it",
    )
    p.add_argument(
        "--schedule",
        choices=["constant", "linear", "cosine"],
        default=None,
        help=f"learning-rate decay ({_recipe_values('schedule', None)})",
    )
    budget = p.add_mutually_exclusive_group()
    budget.add_argument(
        "--steps", type=positive_int, default=None, metavar="N", help="optimizer steps (reproducible exactly)"
    )
    budget.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        metavar="N",
        help="passes over the training text (default 1 when neither --steps nor --minutes is given)",
    )
    p.add_argument(
        "--minutes",
        type=positive_float,
        default=None,
        metavar="X",
        help="minutes of training (evaluation excluded); the learning rate decays with elapsed time, so the "
        "result depends on the machine's speed; the JSON reports the steps taken",
    )
    p.add_argument("--seed", type=seed, default=0, metavar="S", help="random seed (default 0)")
    add_workers_option(p)
    p.add_argument(
        "--bf16",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="bfloat16 autocast (default: on where the device computes bfloat16 natively: AMX or AVX512-BF16 "
        "CPUs, recent GPUs)",
    )
    add_model_device_option(p)
    p.add_argument("--checkpoint", metavar="DIR", default=None, help="write a checkpoint at every evaluation here")
    p.add_argument(
        "--checkpoint-every",
        type=float_in(0.0, 1e6),
        default=DEFAULT_CHECKPOINT_EVERY,
        metavar="MINUTES",
        help="with --minutes or --steps, also evaluate (and checkpoint) every MINUTES of training time, so a "
        "long run shows its held-out loss and an interrupted one resumes from there; 0: never "
        f"(default {DEFAULT_CHECKPOINT_EVERY:g})",
    )
    p.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --checkpoint")
    p.add_argument(
        "--valid-fraction",
        type=fraction,
        default=0.1,
        metavar="X",
        help="held out at the end, in (0, 1) (default 0.1)",
    )
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="the model file (.pt)")
    add_quiet_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_train_lm)


def cmd_train_lm(args: argparse.Namespace) -> int:
    from ..training.config import TrainConfig, lm_recipe
    from ..training.learn import train_lm

    check_output(args.output, [".pt"], "-o (the model)")
    if args.resume and not args.checkpoint:
        raise InvalidArgumentError("--resume needs --checkpoint DIR")
    fields = lm_recipe(args.unit, args.model)
    flags = {
        "layers": args.layers,
        "dim": args.dim,
        "hidden": args.hidden,
        "heads": args.heads,
        "block": args.block,
        "bptt": args.bptt,
        "batch_size": args.batch_size,
        "dropout": args.dropout,
        "lr": args.lr,
        "warmup": args.warmup,
        "schedule": args.schedule,
        "eval_every": args.eval_every,
        "positions": args.positions,
        "attention_window": args.attention_window,
    }
    fields.update({k: v for k, v in flags.items() if v is not None})
    if args.dim is not None and args.hidden is None and args.model == "transformer":
        fields["hidden"] = 4 * args.dim  # the feed-forward width follows the model's
    if args.dim is not None and args.heads is None and args.model == "transformer" and args.dim % fields["heads"]:
        raise InvalidArgumentError(f"--dim {args.dim} is not a multiple of the {fields['heads']} heads; give --heads")
    if args.minutes is not None and args.epochs is not None:
        raise InvalidArgumentError("--minutes combines with --steps (stop at the first reached), not with --epochs")
    if args.steps is None and args.epochs is None and args.minutes is None:
        fields["epochs"] = 1
    fields.update(steps=args.steps or 0, epochs=args.epochs or fields.get("epochs", 1), minutes=args.minutes or 0.0)
    if args.bf16 is None:
        from ..nn.runtime.device import native_bf16

        args.bf16 = native_bf16(args.device)
    try:
        config = TrainConfig(**fields, seed=args.seed, workers=args.workers, bf16=args.bf16)
    except ConfigError as exc:  # a cap, or a width the heads must divide: named as the options
        options = {f: "--" + f.replace("_", "-") for f in [*flags, "steps", "epochs", "minutes", "workers"]}
        raise ConfigError(options_for_fields(exc, options)) from None
    if args.unit == "char":
        from ..training.corpus import read_char_corpus

        corpus = read_char_corpus(args.corpus, valid_fraction=args.valid_fraction)
    else:
        from ..training.corpus import read_corpus

        corpus = read_corpus(args.corpus, min_count=1, valid_fraction=args.valid_fraction)
        if len(corpus.vocab) <= len(corpus.vocab.specials):
            raise InvalidArgumentError("the corpus has no words")
    try:
        result = train_lm(
            corpus,
            config,
            device=args.device,
            checkpoint_dir=args.checkpoint,
            resume=args.resume,
            checkpoint_every=args.checkpoint_every,
            progress=shows_progress(args),
        )
    except KeyboardInterrupt as exc:
        return report_interrupt(exc, args, checkpoint_option="--checkpoint")
    if not is_main_process():
        return 0
    path = result.lm.save(args.output)
    report = {
        **result.to_dict(),
        "model": str(path),
        "corpus": {"train_tokens": len(corpus.train), "valid_tokens": len(corpus.valid), "vocab": len(corpus.vocab)},
    }
    if args.json:
        print_json(report)
        return 0
    unit = "character" if args.unit == "char" else "token"
    n_valid = len(corpus.valid)
    print(
        f"{args.model} ({args.unit}): {plural(len(corpus.train), 'training ' + unit)}, {n_valid:,} held out; "
        f"a vocabulary of {len(corpus.vocab):,}"
    )
    # Rounds measure the held-out loss on the first eval_tokens held-out tokens (quicker); the final
    # figure is on all of them, so the last round's and the final figure differ: say which is which.
    subset = 0 < config.eval_tokens < n_valid
    if subset and result.history:
        print(
            f"each step's held-out loss: on the first {config.eval_tokens:,} of the {plural(n_valid, 'held-out ' + unit)}"
        )
    for h in result.history:
        print(
            f"  step {h['step']:>6}: {h['elapsed']:7.1f} s  training loss {h['loss']:.3f}  held-out {h['valid_loss']:.3f} nats"
            f"  {h['tokens_per_s']:,.0f} tokens/s"
        )
    bpc = f" ({result.valid_bpc:.3f} bits per character)" if result.valid_bpc is not None else ""
    print(
        f"held-out loss on all {plural(n_valid, 'held-out ' + unit)}: {result.valid_loss:.4f} nats per {unit}{bpc} "
        f"after {plural(result.steps, 'step')}"
    )
    print(f"wrote the model to {path}")
    return 0
