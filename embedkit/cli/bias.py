"""``bias weat``, ``bias metrics``, ``bias debias``, ``bias report`` and ``bias direction``: the Word
Embedding Association Test, the other metrics, hard or Double-Hard debiasing, the before/after table, and
words on the bias direction; ``--plot`` draws the effect sizes or the direction as a figure."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InvalidArgumentError
from ..io.named import DEFAULT_VECTORS
from ._checks import FIGURE_SUFFIXES, check_output, float_in, int_at_least, non_negative_int, positive_int, seed
from ._common import (
    add_json_option,
    add_quiet_option,
    add_vectors_option,
    load_vectors,
    print_json,
    shows_progress,
    write_figure,
)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    bias = sub.add_parser(
        "bias",
        help="bias tests (WEAT) and debiasing",
        description="Measure bias in word vectors (WEAT, Caliskan et al. 2017) and reduce it (Bolukbasi et al. 2016).",
    )
    bsub = bias.add_subparsers(dest="bias_command", metavar="COMMAND")
    bsub.required = True

    p = bsub.add_parser(
        "weat",
        help="the Word Embedding Association Test",
        description="WEAT (Caliskan et al. 2017): statistic, effect size with a bootstrap interval, and the "
        "permutation p-value (exact up to --exact-limit partitions, else Monte-Carlo).",
    )
    p.add_argument(
        "--test",
        nargs="+",
        metavar="NAME",
        default=None,
        help="built-in tests weat1 .. weat10 (default: all ten, unless --targets is given)",
    )
    p.add_argument(
        "--targets",
        nargs="+",
        metavar="FILE",
        help="the target sets X and Y: two files of one word per line, or one TSV of set name and word with two sets",
    )
    p.add_argument("--attributes", nargs="+", metavar="FILE", help="the attribute sets A and B, as --targets")
    p.add_argument("--two-sided", action="store_true", help="a two-sided p-value (default: one-sided, as Caliskan)")
    p.add_argument(
        "--encoder",
        metavar="MODEL",
        default=None,
        help="SEAT (May et al. 2019): the tests' words put in template sentences and encoded by this sentence "
        "encoder (minilm, or a model folder) instead of looked up in --vectors",
    )
    p.add_argument(
        "--permutations",
        type=positive_int,
        default=100_000,
        metavar="N",
        help="random partitions of the Monte-Carlo test (default 100000)",
    )
    p.add_argument(
        "--exact-limit",
        type=non_negative_int,
        default=1_000_000,
        metavar="N",
        help="enumerate every partition when there are at most N (default 1000000)",
    )
    p.add_argument(
        "--n-boot", type=non_negative_int, default=1000, metavar="N", help="bootstrap resamples (default 1000)"
    )
    p.add_argument(
        "--ddof",
        type=int_at_least(0),
        choices=[0, 1],
        default=1,
        help="standard deviation of the effect size: 1 sample, 0 population as WEFE (default 1)",
    )
    p.add_argument(
        "--max-missing",
        type=float_in(0.0, 1.0),
        default=0.2,
        metavar="F",
        help="refuse a set that loses more than this fraction of its words (default 0.2)",
    )
    p.add_argument(
        "--seed", type=seed, default=0, metavar="S", help="seed of the permutations and bootstrap (default 0)"
    )
    p.add_argument(
        "--plot",
        metavar="FIG",
        default=None,
        help="also draw the effect sizes with their intervals: a .png, .svg or .pdf file",
    )
    add_quiet_option(p)
    add_vectors_option(p)
    add_json_option(p)
    # None tells "not given" from the default, so that --vectors beside --encoder is refused.
    p.set_defaults(func=cmd_weat, vectors=None)

    p = bsub.add_parser(
        "metrics",
        help="RND, RNSB, MAC, ECT and RIPA (as WEFE defines them)",
        description="RND, ECT and RIPA of the two target sets against each attribute set, RNSB (a logistic "
        "regression of the first attribute set against the second) and MAC over both.",
    )
    p.add_argument("--test", nargs="+", metavar="NAME", default=None, help="built-in tests (default: all ten)")
    p.add_argument("--targets", nargs="+", metavar="FILE", help="the target sets, as for 'bias weat'")
    p.add_argument("--attributes", nargs="+", metavar="FILE", help="the attribute sets, as for 'bias weat'")
    p.add_argument("--normalize", action="store_true", help="unit-length vectors first (default: as stored, as WEFE)")
    p.add_argument(
        "--max-missing",
        type=float_in(0.0, 1.0),
        default=0.2,
        metavar="F",
        help="refuse a set that loses more than this fraction of its words (default 0.2)",
    )
    add_quiet_option(p)
    add_vectors_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_metrics)

    p = bsub.add_parser(
        "debias",
        help="hard debiasing (Bolukbasi et al. 2016) or Double-Hard Debias (Wang et al. 2020)",
        description="Hard debiasing, or Double-Hard Debias (a frequency direction removed first), with "
        "Bolukbasi et al.'s word lists: writes new vectors any embedkit command reads.",
    )
    p.add_argument("--method", choices=["hard", "double-hard"], default="hard", help="the method (default hard)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output vector file")
    p.add_argument(
        "--definitional",
        metavar="FILE",
        help="definitional pairs, two words a line (default: Bolukbasi et al.'s 10 pairs)",
    )
    p.add_argument(
        "--equalize", metavar="FILE", help="equality pairs, two words a line (default: Bolukbasi et al.'s 52 pairs)"
    )
    p.add_argument(
        "--specific",
        metavar="FILE",
        help="words kept out of neutralising, one a line (default: Bolukbasi et al.'s 1,441-word full list)",
    )
    p.add_argument(
        "--to",
        choices=["glove", "word2vec", "fasttext", "word2vec-binary", "embedkit"],
        default="embedkit",
        help="the output format (default embedkit)",
    )
    add_quiet_option(p)
    add_vectors_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_debias)

    p = bsub.add_parser(
        "report",
        help="WEAT and benchmark scores before and after debiasing, in one table",
        description="What debiasing costs: WEAT effect sizes with intervals on the ten tests, and analogy and "
        "word-similarity scores, for the vectors and for each method's result (overshoots marked).",
    )
    p.add_argument(
        "--methods",
        nargs="+",
        choices=["hard", "double-hard"],
        default=None,
        help="debiasing methods (default: hard double-hard)",
    )
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="the table: .html or .md")
    p.add_argument("--test", nargs="+", metavar="NAME", default=None, help="built-in tests (default: all ten)")
    p.add_argument(
        "--benchmarks",
        nargs="+",
        metavar="NAME|PATH",
        default=None,
        help="analogy and similarity sets (default: google wordsim353 simlex999)",
    )
    p.add_argument(
        "--restrict",
        type=positive_int,
        default=30000,
        metavar="N",
        help="analogy answers among the N most frequent words (default 30000)",
    )
    p.add_argument(
        "--n-boot", type=non_negative_int, default=1000, metavar="N", help="bootstrap resamples (default 1000)"
    )
    p.add_argument("--seed", type=seed, default=0, metavar="S", help="seed of the bootstraps (default 0)")
    p.add_argument(
        "--plot",
        metavar="FIG",
        default=None,
        help="also draw the effect sizes of the vectors and of each method's result side by side: .png, .svg or .pdf",
    )
    add_quiet_option(p)
    add_vectors_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_report)

    p = bsub.add_parser(
        "direction",
        help="words on the bias direction (Bolukbasi et al. 2016, Figure 1's axis)",
        description="Each word's cosine with the gender direction (the first principal component of Bolukbasi "
        "et al.'s definitional pairs, or of --definitional), signed so that the first --orient word is positive; "
        "sorted, and drawn with --plot.",
    )
    p.add_argument("words", nargs="*", metavar="WORD", help="the words (or --words-file)")
    p.add_argument(
        "--words-file", metavar="FILE", default=None, help="the words, one a line (beside or instead of WORD)"
    )
    p.add_argument(
        "--orient",
        nargs=2,
        metavar=("POS", "NEG"),
        default=None,
        help="the word on the positive side and the one on the negative side (default: she he)",
    )
    p.add_argument(
        "--definitional",
        metavar="FILE",
        help="definitional pairs, two words a line (default: Bolukbasi et al.'s 10 pairs)",
    )
    p.add_argument("--plot", metavar="FIG", default=None, help="also draw the words on the axis: .png, .svg or .pdf")
    p.add_argument("--title", default=None, help="the figure's title (default: names the words and the direction)")
    add_quiet_option(p)
    add_vectors_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_direction)


def _pair_of_sets(files: list[str], option: str) -> tuple[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]]:
    from ..bias import read_word_set, read_word_sets
    from ..errors import InvalidArgumentError

    if len(files) == 1:
        sets = read_word_sets(files[0])
        if len(sets) != 2:
            raise InvalidArgumentError(
                f"{option}: {files[0]} holds {len(sets)} sets ({', '.join(sets)}); a single file needs exactly two"
            )
        (n1, w1), (n2, w2) = sets.items()
        return (n1, n2), (w1, w2)
    if len(files) != 2:
        raise InvalidArgumentError(f"{option} takes two word files, or one TSV file with two sets; got {len(files)}")
    names = (Path(files[0]).stem, Path(files[1]).stem)
    if names[0] == names[1]:
        names = (f"{names[0]}_1", f"{names[1]}_2")
    return names, (read_word_set(files[0]), read_word_set(files[1]))


def _queries(args: argparse.Namespace) -> list:
    from ..bias import WEAT_TESTS, Query
    from ..errors import InvalidArgumentError

    if (args.targets is None) != (args.attributes is None):
        raise InvalidArgumentError("--targets and --attributes go together")
    if args.targets is not None:
        if args.test is not None:
            raise InvalidArgumentError("give either --test or --targets/--attributes, not both")
        tn, (x, y) = _pair_of_sets(args.targets, "--targets")
        an, (a, b) = _pair_of_sets(args.attributes, "--attributes")
        return [Query(x, y, a, b, target_names=tn, attribute_names=an, name=f"{tn[0]}/{tn[1]} vs {an[0]}/{an[1]}")]
    return [Query.from_test(t) for t in (args.test or list(WEAT_TESTS))]


def cmd_weat(args: argparse.Namespace) -> int:
    from ..bias import weat

    queries = _queries(args)  # file and name errors before the vectors load
    if args.plot:
        check_output(args.plot, FIGURE_SUFFIXES, "--plot")
    if args.encoder is not None and args.vectors is not None:
        raise InvalidArgumentError(
            "--vectors and --encoder exclude each other: SEAT encodes sentences, it reads no vectors"
        )
    if args.vectors is None:
        args.vectors = DEFAULT_VECTORS
    # the test's settings, the same for WEAT on word vectors and for SEAT on encoded sentences
    options = {
        "two_sided": args.two_sided,
        "exact_limit": args.exact_limit,
        "permutations": args.permutations,
        "n_boot": args.n_boot,
        "ddof": args.ddof,
        "seed": args.seed,
    }
    if args.encoder is not None:
        from ..bias import seat
        from ..contextual import load_encoder

        enc = load_encoder(args.encoder)
        results = [seat(q, model=enc, **options) for q in queries]
        label = str(args.encoder)
    else:
        v = load_vectors(args.vectors, progress=shows_progress(args))
        results = [weat(v, q, max_missing=args.max_missing, **options) for q in queries]
        label = v.source or str(args.vectors)
    if args.plot:
        from ..bias import plot_effect_sizes

        title = f"{'SEAT' if args.encoder else 'WEAT'} effect sizes, {label}"
        write_figure(plot_effect_sizes({label: results}, title=title), args.plot)
    return _print_weat(args, results)


def _print_weat(args: argparse.Namespace, results: list) -> int:
    if args.json:
        print_json({"tests": [r.to_dict() for r in results], "plot": args.plot})
        return 0
    sided = "two-sided" if args.two_sided else "one-sided"
    width = 11 if all(r.name.startswith("seat-weat") for r in results) else 8  # seat-weat10 in full
    print(f"  {'test':<{width}} {'effect':>7}  {'95% interval':<16} {'statistic':>9}  p ({sided})")
    for r in results:
        if r.p_method == "exact":
            p = f"{r.p_value:.3g} exact over {r.p_count:,}"
        elif r.p_value == 0:
            p = f"< {1 / r.p_count:.3g} (none of {r.p_count:,} permutations)"
        else:
            p = f"{r.p_value:.3g} ± {r.p_stderr:.2g} ({r.p_count:,} permutations)"
        ci = f"[{r.effect_size_ci[0]:.2f}, {r.effect_size_ci[1]:.2f}]"
        name = r.name if len(r.name) <= width else r.name[: width - 1] + "~"
        print(f"  {name:<{width}} {r.effect_size:>7.3f}  {ci:<16} {r.statistic:>9.4f}  {p}")
    if args.plot:
        print(f"wrote {args.plot}")
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    from ..bias import ect, mac, ripa, rnd, rnsb
    from ..errors import DataError

    queries = _queries(args)
    v = load_vectors(args.vectors, progress=shows_progress(args))
    rows = []
    for q in queries:
        row: dict = {"name": q.name, "attributes": list(q.attribute_names)}
        for fn in (rnd, ect, ripa):
            try:
                row[fn.__name__] = fn(v, q, normalize=args.normalize, max_missing=args.max_missing).per_attribute
            except DataError as exc:  # RIPA on target sets of different sizes: said, not fatal
                row[fn.__name__] = {"error": str(exc)}
        row["rnsb"] = rnsb(v, q, normalize=args.normalize, max_missing=args.max_missing).value
        row["mac"] = mac(v, q, normalize=args.normalize, max_missing=args.max_missing).value
        rows.append(row)
    if args.json:
        print_json({"tests": rows})
        return 0
    print(f"  {'test':<8} {'attribute':<16} {'rnd':>8} {'ect':>8} {'ripa':>8} {'rnsb':>8} {'mac':>8}")
    for row in rows:
        for i, a in enumerate(row["attributes"]):
            cells = [row[m].get(a) for m in ("rnd", "ect", "ripa")]
            text = " ".join(f"{c:>8.4f}" if c is not None else f"{'-':>8}" for c in cells)
            both = f"{row['rnsb']:>8.4f} {row['mac']:>8.4f}" if i == 0 else ""
            print(f"  {row['name'] if i == 0 else '':<8} {a:<16} {text} {both}".rstrip())
    return 0


def cmd_debias(args: argparse.Namespace) -> int:
    from ..bias import (
        DEFINITIONAL_PAIRS,
        EQUALIZE_PAIRS,
        GENDER_SPECIFIC_FULL,
        double_hard_debias,
        hard_debias,
        read_word_pairs,
        read_word_set,
    )
    from ..io import save

    definitional = read_word_pairs(args.definitional) if args.definitional else DEFINITIONAL_PAIRS
    equalize = read_word_pairs(args.equalize) if args.equalize else EQUALIZE_PAIRS
    specific = read_word_set(args.specific) if args.specific else GENDER_SPECIFIC_FULL
    v = load_vectors(args.vectors, progress=shows_progress(args))
    method = hard_debias if args.method == "hard" else double_hard_debias
    d = method(v, definitional=definitional, equalize=equalize, specific=specific)
    out = save(d, args.output, format=args.to, progress=shows_progress(args))
    info = {"method": args.method, "source": v.source, "output": str(out), "format": args.to, "count": len(v)}
    if args.json:
        print_json(info)
    else:
        print(f"wrote {len(v):,} {args.method}-debiased vectors to {out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .._fs import atomic_write
    from ..bias import weat_test
    from ..bias.report import debias_report
    from ._checks import check_output

    out = check_output(args.output, (".html", ".htm", ".md", ".markdown"), "the table (-o)")
    if args.plot:
        check_output(args.plot, FIGURE_SUFFIXES, "--plot")
    for t in args.test or ():
        weat_test(t)  # a misspelt name before the vectors load
    v = load_vectors(args.vectors, progress=shows_progress(args))
    r = debias_report(
        v,
        args.methods or ("hard", "double-hard"),
        tests=args.test,
        benchmarks=args.benchmarks or ("google", "wordsim353", "simlex999"),
        restrict=args.restrict,
        n_boot=args.n_boot,
        seed=args.seed,
    )
    text = r.to_html() if out.suffix.lower() in (".html", ".htm") else r.to_markdown()
    with atomic_write(out) as f:
        f.write(text.encode("utf-8"))
    if args.plot:
        from ..bias import plot_effect_sizes

        sets = {c: r.weat[i] for i, c in enumerate(r.columns)}
        write_figure(plot_effect_sizes(sets, title="WEAT effect sizes before and after debiasing"), args.plot)
    if args.json:
        print_json({**r.to_dict(), "output": str(out), "plot": args.plot})
        return 0
    print(f"wrote {out}" + (f" and {args.plot}" if args.plot else ""))
    for j, t in enumerate(r.tests):
        for i, m in enumerate(r.columns):
            change = r.change(i, j)
            if change:
                before, after = r.weat[0][j].effect_size, r.weat[i][j].effect_size
                kind = "overshoot" if change == "overshoot" else "sign flipped within noise"
                print(f"{t}: {m} {kind}, effect size {before:+.3f} -> {after:+.3f}")
    return 0


def cmd_direction(args: argparse.Namespace) -> int:
    from ..bias import DEFINITIONAL_PAIRS, bias_subspace, project_on_direction, read_word_pairs
    from ..viz.groups import read_words

    words = list(args.words) + (read_words(args.words_file) if args.words_file else [])
    if not words:
        raise InvalidArgumentError("give the words to place on the direction (WORD ... or --words-file FILE)")
    words = list(dict.fromkeys(words))
    if args.plot:
        check_output(args.plot, FIGURE_SUFFIXES, "--plot")
    definitional = read_word_pairs(args.definitional) if args.definitional else DEFINITIONAL_PAIRS
    v = load_vectors(args.vectors, progress=shows_progress(args))
    sub = bias_subspace(v, definitional)
    pos, neg = args.orient or ("she", "he")
    proj = project_on_direction(v, words, subspace=sub, orient=(pos, neg))
    if args.plot:
        from ..bias import plot_direction

        write_figure(plot_direction(proj, title=args.title), args.plot)
    if args.json:
        direction = {k: x for k, x in sub.to_dict().items() if k != "components"}
        print_json({**proj.to_dict(), "direction": direction, "plot": args.plot})
        return 0
    order = sorted(range(len(proj.words)), key=lambda i: -proj.values[i])
    width = max(len(w) for w in proj.words)
    print(f"  {'word':<{width}}  cosine ({pos} +, {neg} -)")
    for i in order:
        print(f"  {proj.words[i]:<{width}}  {proj.values[i]:+.4f}")
    if args.plot:
        print(f"wrote {args.plot}")
    return 0
