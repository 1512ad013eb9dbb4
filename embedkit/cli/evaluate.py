"""``evaluate analogies`` and ``evaluate similarity``: intrinsic benchmarks with intervals."""

from __future__ import annotations

import argparse
import sys

from ._checks import positive_int
from ._common import (
    add_device_option,
    add_json_option,
    add_quiet_option,
    add_vectors_option,
    load_vectors,
    print_json,
    shows_progress,
)


def _add_bootstrap_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n-boot", type=positive_int, default=1000, metavar="N", help="bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the bootstrap (default 0)")
    p.add_argument("--case-sensitive", action="store_true", help="do not fold case (gensim folds by default)")
    p.add_argument(
        "--restrict",
        type=positive_int,
        default=300000,
        metavar="N",
        help="vocabulary: the N most frequent words (default 300000, as gensim)",
    )


def add_parsers(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser(
        "evaluate",
        help="analogy and word-similarity benchmarks",
        description="Intrinsic evaluation with bootstrap 95% intervals.",
    )
    evsub = ev.add_subparsers(dest="benchmark", metavar="BENCHMARK")
    evsub.required = True

    p = evsub.add_parser(
        "analogies",
        help="analogy accuracy per section (gensim's rules)",
        description="Analogy accuracy per section, as gensim's evaluate_word_analogies.",
    )
    p.add_argument(
        "--questions",
        default="google",
        metavar="NAME|PATH",
        help="a registered name (google) or an analogy file (default: google)",
    )
    p.add_argument("--method", choices=["3cosadd", "3cosmul"], default="3cosadd")
    add_quiet_option(p)
    _add_bootstrap_options(p)
    add_device_option(p)
    add_vectors_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_analogies)

    p = evsub.add_parser(
        "similarity",
        help="correlation with human similarity scores",
        description="Pearson and Spearman correlation of cosine with human scores.",
    )
    p.add_argument(
        "pairs", nargs="+", metavar="NAME|PATH", help="registered names (wordsim353, simlex999) or pair files"
    )
    p.add_argument(
        "--oov",
        choices=["skip", "zero"],
        default="skip",
        help="pairs with unknown words: leave out (default) or score 0",
    )
    p.add_argument("--strip-pos", action="store_true", help="remove part-of-speech suffixes such as -n")
    add_quiet_option(p)
    _add_bootstrap_options(p)
    add_device_option(p)
    add_vectors_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_similarity)


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def _warn_file(name: str, invalid: int, first: int | None, what: str, encoding: str) -> None:
    """What the --json output holds as numbers, said in words on stderr for the text output."""
    if encoding not in ("utf-8", "utf-8-sig"):
        from ..text import not_utf8_message

        print(f"embedkit: warning: {not_utf8_message(name, encoding)}", file=sys.stderr)
    if invalid:
        lines = "line" if invalid == 1 else "lines"
        print(
            f"embedkit: warning: {name}: skipped {invalid:,} malformed {lines} ({what}), the first at line {first}",
            file=sys.stderr,
        )


def cmd_analogies(args: argparse.Namespace) -> int:
    from ..errors import BenchmarkError
    from ..evaluation.analogies import evaluate_analogies

    v = load_vectors(args.vectors, progress=shows_progress(args))
    r = evaluate_analogies(
        v,
        args.questions,
        restrict=args.restrict,
        method=args.method,
        case_insensitive=not args.case_sensitive,
        n_boot=args.n_boot,
        seed=args.seed,
        progress=shows_progress(args),
        device=args.device,
    )
    if r.total.total == 0:
        raise BenchmarkError(
            f"none of the {r.skipped:,} questions of {r.questions} has all four words among the first "
            f"{min(args.restrict, len(v)):,} words of {v.source}: nothing to evaluate"
        )
    if args.json:
        print_json(r.to_dict())
        return 0
    _warn_file(r.questions, r.invalid_lines, r.first_invalid_line, "not four words", r.encoding)
    print(f"{r.questions}: {r.method}, restrict={r.restrict}, {int(100 * r.confidence)}% bootstrap intervals")
    print(f"  {'section':<30} {'correct/total':>15} {'accuracy':>9}  interval")
    for s in (*r.sections, None, r.semantic, r.syntactic, r.total):
        if s is None:
            print("  " + "-" * 68)
            continue
        frac = f"{s.correct}/{s.total}"
        print(f"  {s.name:<30} {frac:>15} {_pct(s.accuracy):>9}  [{_pct(s.ci[0])}, {_pct(s.ci[1])}]")
    print(f"  skipped (word outside the vocabulary): {r.skipped}; {r.seconds:.1f} s")
    return 0


def cmd_similarity(args: argparse.Namespace) -> int:
    from ..evaluation.similarity import evaluate_similarity

    v = load_vectors(args.vectors, progress=shows_progress(args))
    results = [
        evaluate_similarity(
            v,
            p,
            oov=args.oov,
            case_insensitive=not args.case_sensitive,
            restrict=args.restrict,
            strip_pos=args.strip_pos,
            n_boot=args.n_boot,
            seed=args.seed,
            device=args.device,
            progress=shows_progress(args),
        )
        for p in args.pairs
    ]
    if args.json:
        print_json([r.to_dict() for r in results])
        return 0
    for r in results:
        _warn_file(r.name, r.invalid_lines, r.first_invalid_line, "no score after two words", r.encoding)
    print(f"  {'benchmark':<24} {'pairs':>6} {'oov':>5} {'pearson':>8} {'spearman':>9}  spearman interval")
    for r in results:
        print(
            f"  {r.name:<24} {r.pairs:>6} {r.oov_pairs:>5} {r.pearson:>8.4f} {r.spearman:>9.4f}"
            f"  [{r.spearman_ci[0]:.4f}, {r.spearman_ci[1]:.4f}]"
        )
    return 0
