"""``train-embeddings`` and ``generate``."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from .._launch import is_main_process, under_torchrun
from ..config import MAX_BEAM
from ..errors import ConfigError, InvalidArgumentError
from ..io.formats import SUFFIX_FORMATS, write_format_for
from ..progress import is_terminal, waiting
from ._checks import (
    beam_size,
    check_output,
    float_in,
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
    warn_unknown_words,
)
from ._help import add_deprecated_option, plural, recipe_defaults


def _lm_defaults(field: str) -> str:
    """The ``default ...`` clause of a TrainConfig field that each neural algorithm fills in its own way."""
    from ..training.config import LM_ALGORITHMS, TrainConfig

    return recipe_defaults({a: getattr(TrainConfig.from_dict({"algorithm": a}), field) for a in LM_ALGORITHMS})


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from ..training.config import ALGORITHMS, TrainConfig

    p = sub.add_parser(
        "train-embeddings",
        help="learn word vectors from text (neural language models or gensim)",
        description="Learn word vectors from text files by next-word prediction (nplm, rnn, gru, lstm) "
        "or a transformer, or with gensim (word2vec-skipgram, word2vec-cbow, fasttext); write them in a format "
        "embedkit.load reads.",
    )
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="text files, read in order")
    p.add_argument(
        "--algorithm",
        choices=ALGORITHMS,
        default="lstm",
        help="a neural language model whose input embedding becomes the vectors (nplm, rnn, gru, lstm, "
        "transformer) or gensim (word2vec-skipgram, word2vec-cbow, fasttext) (default lstm)",
    )
    p.add_argument("--dim", type=positive_int, default=100, metavar="N", help="embedding dimension (default 100)")
    p.add_argument(
        "--window", type=positive_int, default=5, metavar="N", help="nplm context words / gensim window (default 5)"
    )
    p.add_argument("--epochs", type=positive_int, default=5, metavar="N", help="passes over the corpus (default 5)")
    p.add_argument("--seed", type=seed, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="vector file; .txt/.vec write word2vec text, .bin word2vec binary, anything else embedkit's format",
    )
    p.add_argument(
        "--checkpoint", metavar="DIR", default=None, help="write a checkpoint per epoch here (language models)"
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue from the latest checkpoint in --checkpoint (with a warning if there is none)",
    )
    p.add_argument(
        "--hidden",
        type=positive_int,
        default=None,
        metavar="N",
        help="hidden size (default: --dim for nplm, 4 x --dim for transformer, 256 for rnn/gru/lstm)",
    )
    p.add_argument(
        "--layers", type=positive_int, default=1, metavar="N", help="recurrent or transformer layers (default 1)"
    )
    p.add_argument("--dropout", type=rate, default=0.0, metavar="X", help="dropout in [0, 1) (default 0)")
    p.add_argument("--tie", action="store_true", help="tie input and output embeddings")
    p.add_argument(
        "--heads", type=positive_int, default=4, metavar="N", help="attention heads (transformer; default 4)"
    )
    p.add_argument(
        "--block", type=positive_int, default=128, metavar="N", help="context in tokens (transformer; default 128)"
    )
    p.add_argument(
        "--positions",
        choices=["learned", "sinusoidal", "rope"],
        default="learned",
        help="positions (transformer): learned or sinusoidal embeddings, or rope (rotary, attending to the latest "
        "--block tokens at every layer) (default learned)",
    )
    p.add_argument(
        "--warmup", type=non_negative_int, default=0, metavar="N", help="learning-rate warm-up steps (default 0)"
    )
    p.add_argument(
        "--objective",
        choices=["full", "sampled", "negative", "adaptive"],
        default=None,
        help="the neural models' output: full, sampled or adaptive softmax, or negative sampling "
        f"({_lm_defaults('objective')})",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"sequences per batch, neural models ({_lm_defaults('batch_size')})",
    )
    p.add_argument(
        "--bptt",
        type=positive_int,
        default=35,
        metavar="N",
        help="tokens per sequence and back-propagation step (nplm and recurrent models; default 35)",
    )
    lr = recipe_defaults({a: TrainConfig.from_dict({"algorithm": a}).lr for a in ALGORITHMS})
    p.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        metavar="X",
        help=f"learning rate ({lr}; 1 with --optimizer sgd)",
    )
    p.add_argument(
        "--optimizer",
        choices=["adam", "sgd", "adagrad"],
        default="adam",
        help="the neural models' optimizer (default adam)",
    )
    p.add_argument(
        "--schedule",
        choices=["constant", "linear", "cosine"],
        default="linear",
        help="learning-rate decay over the run (default linear)",
    )
    p.add_argument(
        "--clip", type=float_in(0.0), default=1.0, metavar="X", help="gradient-norm limit, 0: none (default 1)"
    )
    add_workers_option(p, gensim=True)
    p.add_argument(
        "--bf16",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="bfloat16 autocast (faster on CPUs with native bfloat16 such as AMX; see docs/training.md) (default off)",
    )
    p.add_argument("--min-count", type=positive_int, default=5, metavar="N", help="drop rarer words (default 5)")
    p.add_argument(
        "--max-size",
        type=positive_int,
        default=None,
        metavar="N",
        help="keep at most N words, the special tokens included (default: no limit)",
    )
    p.add_argument(
        "--valid-fraction",
        type=rate,
        default=0.05,
        metavar="X",
        help="the corpus's last part, held out for the neural models' perplexity (default 0.05; 0: none)",
    )
    p.add_argument(
        "--vectors",
        metavar="SPEC",
        default=None,
        help="start the input embedding from these vectors: a registered name or a vector file "
        "(language models; default: none, a random start)",
    )
    add_deprecated_option(p, "--init", "vectors", instead="use --vectors", metavar="VECTORS")
    add_model_device_option(p)
    add_quiet_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "generate",
        help="generate text from a trained language model",
        description="Continue a prompt with a language model trained by train-embeddings or train-lm "
        "(words or characters).",
    )
    p.add_argument(
        "--model",
        required=True,
        metavar="CHECKPOINT",
        help="a model written by train-embeddings or train-lm, or its --checkpoint folder (the latest)",
    )
    p.add_argument("--prompt", required=True, metavar="TEXT", help="the text to continue")
    p.add_argument(
        "--words",
        type=non_negative_int,
        default=None,
        metavar="N",
        help="how many words, for a word model (default 30)",
    )
    p.add_argument(
        "--chars",
        type=positive_int,
        default=None,
        metavar="N",
        help="how many characters, for a character model (default 500)",
    )
    p.add_argument(
        "--method",
        choices=["sample", "greedy", "beam"],
        default="sample",
        help="draw each token at random, take the likeliest, or search with a beam (default sample)",
    )
    p.add_argument(
        "--temperature",
        type=positive_float,
        default=1.0,
        metavar="T",
        help="divides the log-probabilities before sampling (default 1)",
    )
    p.add_argument(
        "--top-k",
        type=positive_int,
        default=None,
        metavar="K",
        help="sample from the K likeliest tokens (default: from all)",
    )
    p.add_argument(
        "--top-p",
        type=float_in(0.0, 1.0, low_open=True),
        default=None,
        metavar="P",
        help="sample from the smallest set of likeliest tokens whose probability reaches P (nucleus sampling)",
    )
    p.add_argument(
        "--beam-size", type=beam_size, default=5, metavar="K", help=f"beam width, 1 to {MAX_BEAM} (default 5)"
    )
    p.add_argument("--seed", type=seed, default=0, metavar="S", help="random seed of the sampling (default 0)")
    p.add_argument(
        "--stride",
        type=positive_int,
        default=1,
        metavar="N",
        help="transformer models with learned or sinusoidal positions (rope: 1 only, its cache is exact and flat): "
        "past the block, slide the window N tokens at a time and reuse the key-value "
        "cache in between, one window's computation per N tokens instead of per token; each token then sees "
        "block - N to block - 1 earlier tokens, not block - 1, so N > 1 changes the text (default 1: "
        "the same text as sliding token by token)",
    )
    p.add_argument(
        "--stream",
        action="store_true",
        help="write the text as it is generated, token by token (the default when the output is a terminal; "
        "beam search writes its result at the end)",
    )
    add_quiet_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_generate)


def cmd_train(args: argparse.Namespace) -> int:
    from ..io import save
    from ..training.config import LM_ALGORITHMS, TrainConfig
    from ..training.corpus import read_corpus
    from ..training.learn import train_vectors

    fields = {
        "algorithm": args.algorithm,
        "dim": args.dim,
        "window": args.window,
        "hidden": args.hidden,
        "layers": args.layers,
        "dropout": args.dropout,
        "tie": args.tie,
        "heads": args.heads,
        "block": args.block,
        "positions": args.positions,
        "warmup": args.warmup,
        "objective": args.objective,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "bptt": args.bptt,
        "lr": args.lr,
        "optimizer": args.optimizer,
        "schedule": args.schedule,
        "clip": args.clip,
        "seed": args.seed,
        "workers": args.workers,
        "bf16": bool(args.bf16),
    }
    try:
        config = TrainConfig(**fields)
    except ConfigError as exc:  # a cap, or a width the heads must divide: named as the options
        options = {f: "--" + f.replace("_", "-") for f in fields if f != "algorithm"}
        raise ConfigError(options_for_fields(exc, options)) from None
    neural = args.algorithm in LM_ALGORITHMS
    check_output(args.output, [*SUFFIX_FORMATS, ".ekv"], "-o (the vectors)")  # before training, not after
    if args.resume and not args.checkpoint:
        raise InvalidArgumentError("--resume needs --checkpoint DIR")
    if under_torchrun() and not neural:
        raise InvalidArgumentError(
            f"{args.algorithm} (gensim) does not run under torchrun; use its --workers threads instead"
        )
    corpus = read_corpus(
        args.corpus,
        min_count=args.min_count,
        max_size=args.max_size,
        valid_fraction=args.valid_fraction if neural else 0.0,
    )
    init = None
    if args.vectors is not None:  # "--vectors=" is an error, not a random start
        from ._common import load_vectors

        init = load_vectors(args.vectors)
    try:
        result = train_vectors(
            corpus,
            config,
            init=init,
            device=args.device,
            checkpoint_dir=args.checkpoint,
            resume=args.resume,
            progress=shows_progress(args),
        )
    except KeyboardInterrupt as exc:
        return report_interrupt(exc, args, checkpoint_option="--checkpoint" if neural else None)
    if not is_main_process():  # under torchrun only rank 0 writes and reports
        return 0
    left_out = [w for w in corpus.vocab.words if w not in result.vectors]  # the special tokens
    out = Path(args.output)
    fmt = write_format_for(out)
    save(result.vectors, out, format=fmt)
    model_path = None
    if neural:
        model_path = out.with_suffix(".pt") if out.suffix.lower() != ".pt" else out.with_suffix(".model.pt")
        result.lm.save(model_path)
    report = {
        **result.to_dict(),
        "vectors": str(out),
        "format": fmt,
        "model": str(model_path) if model_path else None,
        "corpus": {"train_tokens": len(corpus.train), "valid_tokens": len(corpus.valid), "vocab": len(corpus.vocab)},
        "left_out": left_out,
    }
    if args.json:
        print_json(report)
        return 0
    specials = [w for w in corpus.vocab.specials if w in left_out]
    vocab = f"a vocabulary of {len(corpus.vocab):,}"
    if specials:
        words = plural(len(corpus.vocab) - len(specials), "word")
        vocab += f" ({words} and the special tokens {', '.join(specials)})"
    print(f"{args.algorithm}: {plural(len(corpus.train), 'training token')}, {vocab}")
    for h in result.history:
        ppl = h.get("valid_ppl")
        ppl_s = f"  held-out perplexity {ppl:.1f}" if ppl is not None and not math.isnan(ppl) else ""
        loss_s = f"  loss {h['loss']:.3f}" if "loss" in h else ""
        print(f"  epoch {h['epoch']}: {h['tokens_per_s']:,.0f} tokens/s{loss_s}{ppl_s}")
    n = len(result.vectors)
    print(
        f"wrote {n:,} x {result.vectors.dim} {'vector' if n == 1 else 'vectors'} to {out} ({fmt}): {_left_out(left_out)}"
    )
    if model_path:
        print(f"wrote the model to {model_path}")
    return 0


# What each special token of a word corpus stands for (embedkit.training.corpus): why it has no vector.
_SPECIAL_MEANING = {"<pad>": "padding", "<unk>": "words rarer than --min-count", "</s>": "line ends"}


def _left_out(left_out: list[str]) -> str:
    """Which vocabulary entries the vector file leaves out, and why (the special tokens are not words)."""
    if not left_out:
        return "one per vocabulary entry"
    specials = [w for w in left_out if w in _SPECIAL_MEANING]
    others = len(left_out) - len(specials)
    text = "one per word; not the special tokens " + ", ".join(f"{w} ({_SPECIAL_MEANING[w]})" for w in specials)
    if others:
        text += f", nor {plural(others, 'word')} the algorithm never trained"
    return text


def cmd_generate(args: argparse.Namespace) -> int:
    from ..nn.lm.generate import generate
    from ..nn.lm.train import load_language_model

    with waiting("loading torch and the model", enabled=shows_progress(args)):
        lm = load_language_model(args.model)
    if lm.config.unit == "char":
        if args.words is not None:
            raise InvalidArgumentError(f"{args.model} is a character model: give --chars N, not --words")
        n = args.chars if args.chars is not None else 500
    else:
        if args.chars is not None:
            raise InvalidArgumentError(f"{args.model} is a word model: give --words N, not --chars")
        n = args.words if args.words is not None else 30
        from ..text import tokenize

        warn_unknown_words(tokenize(args.prompt, lower=True), lm.vocab)  # as the model reads the prompt
    if args.stream and args.json:
        raise InvalidArgumentError("--stream writes text: give --stream or --json, not both")
    stream = TextStream(sys.stdout) if args.stream or (not args.json and is_terminal(sys.stdout)) else None
    g = generate(
        lm,
        args.prompt,
        n,
        method=args.method,
        temperature=args.temperature,
        top_k=args.top_k,
        top_p=args.top_p,
        beam_size=args.beam_size,
        seed=args.seed,
        stride=args.stride,
        on_token=None if stream is None else lambda so_far: stream.show(so_far.text),
        # the streamed text is the progress; beam search streams nothing, so it shows a bar
        progress=shows_progress(args) and (stream is None or args.method == "beam"),
    )
    if args.json:
        print_json(g.to_dict())
    elif stream is not None:
        stream.end(g.text)
    else:
        sys.stdout.write(g.text.rstrip("\n") + "\n")
    return 0


class TextStream:
    """Writes a growing text to ``out`` as it grows, flushed each time, and ends it exactly as the text
    is written unstreamed (trailing line breaks as one): line breaks are held back until text follows."""

    def __init__(self, out) -> None:
        self.out = out
        self.shown = 0  # characters written

    def show(self, text: str) -> None:
        """Write what ``text`` (the whole text so far, extending the previous one) adds, less its trailing line breaks."""
        body = text.rstrip("\n")
        if len(body) > self.shown:
            self.out.write(body[self.shown :])
            self.out.flush()
            self.shown = len(body)

    def end(self, text: str) -> None:
        """Write the rest of the final ``text`` and one line break."""
        self.out.write((text.rstrip("\n") + "\n")[self.shown :])
        self.out.flush()
