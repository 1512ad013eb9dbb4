"""``embedkit report``: compare vector sets and write HTML (plus Markdown and JSON)."""

from __future__ import annotations

import argparse
import sys

from ._common import print_json


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="compare two or more vector sets in one self-contained HTML page",
        description="Compare vector sets: benchmarks with intervals, neighbour overlap, alignment, "
        "aligned projections and a downstream probe.",
    )
    p.add_argument("specs", nargs="+", metavar="SPEC", help="registered names or vector files (two or more)")
    p.add_argument("-o", "--output", required=True, metavar="REPORT.html")
    p.add_argument("--markdown", metavar="FILE", help="also write the numbers as Markdown")
    p.add_argument("--json", metavar="FILE", dest="json_path", help="also write the numbers as JSON")
    p.add_argument("--names", nargs="+", metavar="NAME", help="display names, one per SPEC")
    p.add_argument("--benchmarks", nargs="+", metavar="NAME|PATH", default=None,
                   help="analogy and similarity sets (default: google wordsim353 simlex999)")
    p.add_argument("--downstream", nargs="+", metavar="NAME|PATH", default=None,
                   help="classification datasets for the probe (default: mr dbpedia)")
    p.add_argument("--no-downstream", action="store_true", help="skip the downstream probe")
    p.add_argument("--restrict", type=int, default=30000, metavar="N", help="analogy vocabulary (default 30000)")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds of the probe (default 5)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from ..report import DEFAULT_BENCHMARKS, DEFAULT_DOWNSTREAM, compare, write_report

    if len(args.specs) < 2:
        raise ValueError("report needs at least two vector sets")
    downstream = () if args.no_downstream else tuple(args.downstream or DEFAULT_DOWNSTREAM)
    comparison = compare(
        args.specs,
        names=args.names,
        benchmarks=tuple(args.benchmarks or DEFAULT_BENCHMARKS),
        downstream=downstream,
        restrict=args.restrict,
        folds=args.folds,
        seed=args.seed,
        progress=not args.quiet,
    )
    written = write_report(comparison, args.output, markdown=args.markdown, json_path=args.json_path)
    for kind, path in written.items():
        print(f"wrote {kind}: {path}", file=sys.stderr)
    verdict = comparison.verdict()
    for v in verdict:
        clear = "clear" if v["clear"] else "within noise"
        print(f"{v['benchmark']:<14} {v['metric']:<50} winner {v['winner']} ({clear})")
    if not verdict:
        print_json({"written": {k: str(p) for k, p in written.items()}})
    return 0
