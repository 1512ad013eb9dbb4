"""``explore``: the interactive explorer page of a projection (one offline HTML file)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..viz.groups import read_groups, read_words
from ._checks import check_output, non_negative_int, positive_int
from ._common import (
    add_json_option,
    add_projection_options,
    add_quiet_option,
    add_vectors_option,
    load_vectors,
    print_json,
    shows_progress,
)
from ._help import plural


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explore",
        help="an interactive explorer page (offline HTML): search, neighbours, analogies, colours",
        description="Write one self-contained HTML page to explore a projection: hover, search, neighbours "
        "and analogies, colouring by group, k-means cluster or metadata column, selections and downloads. "
        "Words: the N most frequent (--top, default 100000), those in a file (--words), or a saved projection.",
    )
    add_vectors_option(p)
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--top", type=positive_int, default=None, metavar="N", help="the N most frequent words (default 100000)"
    )
    which.add_argument("--words", type=Path, default=None, metavar="FILE", help="a file of words")
    which.add_argument(
        "--from-projection",
        type=Path,
        default=None,
        metavar="FILE",
        help="a projection saved by 'embedkit project --save-projection' (made from --vectors)",
    )
    add_projection_options(p, several=True)
    p.add_argument("--groups", type=Path, default=None, metavar="FILE", help="colour groups (as for 'project')")
    p.add_argument(
        "--metadata", type=Path, default=None, metavar="FILE", help="a TSV 'word<TAB>column...' with a header"
    )
    p.add_argument("-k", type=positive_int, default=10, help="neighbours listed per word (default 10)")
    p.add_argument(
        "--clusters",
        type=non_negative_int,
        default=20,
        metavar="N",
        help="k-means clusters to colour by (default 20; 0: none)",
    )
    p.add_argument(
        "--index",
        choices=["exact", "hnsw"],
        default=None,
        help="neighbour lists of a page too big to hold the vectors: exact, or the approximate HNSW index "
        "(default: exact up to 100000 words)",
    )
    p.add_argument(
        "--3d",
        dest="three_d",
        action="store_true",
        help="also fit each t-SNE and UMAP in 3-D, for the page's 3-D view (PCA's needs no fit)",
    )
    p.add_argument("--title", default=None, help="the page's title (default: the method and the number of words)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT", help="the page (.html)")
    add_quiet_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_explore)


def cmd_explore(args: argparse.Namespace) -> int:
    from .._deps import require
    from ..viz.explorer import explore
    from ..viz.projection import Projection

    check_output(args.output, (".html", ".htm"), "the page (-o)")
    require("plotly", "explore", "embedkit explore")
    t0 = time.perf_counter()
    groups = read_groups(args.groups) if args.groups else None
    v = load_vectors(args.vectors, progress=shows_progress(args))
    if args.from_projection:
        source = Projection.load(args.from_projection)
        words = None
    else:
        source = v
        words = read_words(args.words) if args.words else (args.top if args.top is not None else 100_000)
    if "umap" in ([args.method] if isinstance(args.method, str) else args.method) and shows_progress(args):
        from ..viz.reduce import umap_compiled

        if not umap_compiled():
            print("embedkit: compiling UMAP's numba code once (cached afterwards)", file=sys.stderr)
    ex = explore(
        source,
        words,
        vectors=v,
        method=args.method,
        groups=groups,
        metadata=args.metadata,
        clusters=args.clusters,
        k=args.k,
        index=args.index,
        seed=args.seed,
        perplexity=args.perplexity,
        n_neighbors=args.n_neighbors,
        title=args.title,
        three_d=args.three_d,
        progress=shows_progress(args),
    )
    ex.save(args.output)
    out = {"output": str(args.output), "bytes": args.output.stat().st_size, **ex.to_dict()}
    out["timings"] = {**out["timings"], "total": time.perf_counter() - t0}
    if args.json:
        print_json(out)
    else:
        tw = "" if ex.projection.trustworthiness is None else f", trustworthiness {ex.projection.trustworthiness:.3f}"
        held = "vectors in the page" if ex.embedded else f"{ex.k} precomputed neighbours per word ({ex.index})"
        print(
            f"{ex.projection.method} of {plural(len(ex), 'word')}{tw}, {held}; wrote {args.output} ({out['bytes']:,} bytes)"
        )
    return 0
