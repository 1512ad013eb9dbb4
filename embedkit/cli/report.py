"""``embedkit report``: compare vector sets and write HTML (plus Markdown and JSON)."""

from __future__ import annotations

import argparse
import sys

from ..errors import InvalidArgumentError
from ._checks import check_output, int_at_least, positive_int, seed
from ._common import add_quiet_option, print_json
from ._help import plural


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="compare two or more vector sets in one self-contained HTML page",
        description="Compare vector sets: benchmarks with intervals, neighbour overlap, alignment, "
        "aligned projections and a downstream probe.",
    )
    p.add_argument("specs", nargs="+", metavar="SPEC", help="registered names or vector files (two or more)")
    p.add_argument("-o", "--output", required=True, metavar="REPORT.html", help="the report (.html)")
    p.add_argument("--markdown", metavar="FILE", help="also write the numbers as Markdown")
    p.add_argument(
        "--json",
        metavar="FILE",
        nargs="?",
        const="-",
        default=None,
        help="the numbers as JSON: on stdout (no FILE, as every command's --json), or also written to FILE",
    )
    p.add_argument("--names", nargs="+", metavar="NAME", help="display names, one per SPEC")
    p.add_argument(
        "--benchmarks",
        nargs="+",
        metavar="NAME|PATH",
        default=None,
        help="analogy and similarity sets (default: google wordsim353 simlex999)",
    )
    p.add_argument(
        "--downstream",
        nargs="+",
        metavar="NAME|PATH",
        default=None,
        help="classification datasets for the probe (default: mr dbpedia)",
    )
    p.add_argument("--no-downstream", action="store_true", help="skip the downstream probe")
    p.add_argument("--no-bias", action="store_true", help="skip the bias section (the ten WEAT tests)")
    p.add_argument(
        "--restrict",
        type=positive_int,
        default=30000,
        metavar="N",
        help="analogy answers come from the words every set has among its N most frequent (default 30000)",
    )
    p.add_argument(
        "--folds", type=int_at_least(2), default=5, metavar="K", help="cross-validation folds of the probe (default 5)"
    )
    p.add_argument(
        "--seed", type=seed, default=0, metavar="S", help="random seed of the bootstraps and the probe (default 0)"
    )
    add_quiet_option(p)
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from ..compare.render import write_report
    from ..compare.run import DEFAULT_BENCHMARKS, DEFAULT_DOWNSTREAM, compare

    if len(args.specs) < 2:
        raise InvalidArgumentError("report needs at least two vector sets")
    if args.names is not None and len(args.names) != len(args.specs):
        raise InvalidArgumentError(f"{len(args.names)} --names for {len(args.specs)} vector sets")
    # Every output is checked before the comparison (minutes of work) starts.
    check_output(args.output, (".html", ".htm"), "the report (-o)")
    if args.markdown:
        check_output(args.markdown, (".md", ".markdown"), "--markdown")
    to_stdout = args.json == "-"
    json_path = None if to_stdout else args.json
    if json_path:
        check_output(json_path, (".json",), "--json")
    downstream = () if args.no_downstream else tuple(args.downstream or DEFAULT_DOWNSTREAM)
    comparison = compare(
        args.specs,
        names=args.names,
        benchmarks=tuple(args.benchmarks or DEFAULT_BENCHMARKS),
        downstream=downstream,
        restrict=args.restrict,
        folds=args.folds,
        seed=args.seed,
        progress=not args.quiet and not to_stdout,
        bias=not args.no_bias,
    )
    written = write_report(comparison, args.output, markdown=args.markdown, json_path=json_path)
    if to_stdout:
        print_json({**comparison.to_dict(), "written": {k: str(p) for k, p in written.items()}})
        return 0
    for kind, path in written.items():
        print(f"wrote {kind}: {path}", file=sys.stderr)
    n_cand = comparison.settings.get("analogy_candidates")
    if n_cand is not None:
        print(
            f"analogy answers searched among the {plural(n_cand, 'word')} every set has among its "
            f"{args.restrict:,} most frequent"
        )
    for v in comparison.verdict():
        clear = "clear" if v.clear else "within noise"
        print(f"{v.benchmark:<14} {v.metric:<50} winner {v.winner} ({clear})")
    return 0
