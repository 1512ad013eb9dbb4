"""``neighbors``, ``analogy``, ``info`` and ``convert``."""

from __future__ import annotations

import argparse

from ._checks import positive_int
from ._common import (
    add_device_option,
    add_json_option,
    add_quiet_option,
    add_vectors_option,
    check_source,
    human_bytes,
    load_vectors,
    print_json,
    shows_progress,
)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("neighbors", help="nearest neighbours of words", description="Nearest neighbours by cosine.")
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("-k", type=positive_int, default=10, help="how many neighbours (default 10)")
    p.add_argument(
        "--restrict", type=positive_int, default=None, metavar="N", help="search only the N most frequent words"
    )
    p.add_argument(
        "--index",
        choices=["exact", "hnsw"],
        default="exact",
        help="exact search, or the approximate HNSW graph (built once, saved beside the cache)",
    )
    p.add_argument(
        "--ef",
        type=positive_int,
        default=None,
        metavar="N",
        help="HNSW search breadth (default 50; more: higher recall)",
    )
    add_device_option(p)
    add_vectors_option(p)
    add_json_option(p)
    add_quiet_option(p)
    p.set_defaults(func=cmd_neighbors)

    p = sub.add_parser("analogy", help="A is to B as C is to ?", description="Answer 'A is to B as C is to ?'.")
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    p.add_argument("-k", type=positive_int, default=5, help="how many answers (default 5)")
    p.add_argument("--method", choices=["3cosadd", "3cosmul"], default="3cosadd")
    p.add_argument(
        "--restrict", type=positive_int, default=None, metavar="N", help="answer only from the N most frequent words"
    )
    add_device_option(p)
    add_vectors_option(p)
    add_json_option(p)
    add_quiet_option(p)
    p.set_defaults(func=cmd_analogy)

    p = sub.add_parser(
        "demo",
        help="neighbours and analogies on the default vectors, to see embedkit work",
        description="Neighbours and analogies among the most frequent words of a vector set.",
    )
    p.add_argument(
        "--restrict",
        type=positive_int,
        default=DEMO_RESTRICT,
        metavar="N",
        help=f"answer only from the N most frequent words (default {DEMO_RESTRICT:,}: rare tokens "
        "such as typos make noisy neighbours)",
    )
    add_vectors_option(p)
    add_json_option(p)
    add_quiet_option(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("info", help="count, dimension, format and memory of a vector set")
    add_vectors_option(p)
    add_json_option(p)
    add_quiet_option(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("convert", help="convert a vector file to another format")
    p.add_argument("source", metavar="SOURCE", help="a registered name, a vector file, or - for standard input")
    p.add_argument("dest", metavar="DEST", help="output path (.gz/.bz2/.xz compresses)")
    p.add_argument(
        "--to", dest="to", required=True, choices=["glove", "word2vec", "fasttext", "word2vec-binary", "embedkit"]
    )
    p.add_argument("--limit", type=positive_int, default=None, metavar="N", help="only the first N vectors (N >= 1)")
    p.add_argument("--allow-pickle", action="store_true", help="allow reading gensim's native (pickle) files")
    add_json_option(p)
    add_quiet_option(p)
    p.set_defaults(func=cmd_convert)


def _results(neighbors) -> list[dict]:
    return [{"word": w, "score": s} for w, s in neighbors]


def _print_table(title: str, neighbors) -> None:
    print(title)
    for rank, (w, s) in enumerate(neighbors, 1):
        print(f"  {rank:>3}  {w:<24} {s:.4f}")


def cmd_neighbors(args: argparse.Namespace) -> int:
    from ..search.neighbors import nearest_many

    v = load_vectors(args.vectors, progress=shows_progress(args))
    res = nearest_many(
        v,
        args.words,
        k=args.k,
        restrict=args.restrict,
        index=args.index,
        ef=args.ef,
        device=args.device,
        progress=shows_progress(args),
    )
    if args.json:
        print_json({"results": {w: _results(r) for w, r in zip(args.words, res)}})
    else:
        for w, r in zip(args.words, res):
            _print_table(f"{w}:", r)
    return 0


def cmd_analogy(args: argparse.Namespace) -> int:
    from ..search.analogy import analogy_many

    v = load_vectors(args.vectors, progress=shows_progress(args))
    (res,) = analogy_many(
        v, [(args.a, args.b, args.c)], k=args.k, method=args.method, restrict=args.restrict, device=args.device
    )
    if args.json:
        print_json({"query": [args.a, args.b, args.c], "method": args.method, "results": _results(res)})
    else:
        _print_table(f"{args.a} : {args.b} :: {args.c} : ?   ({args.method})", res)
    return 0


DEMO_RESTRICT = 30000  # as `report` restricts analogies: rare tokens (typos, ids) make noisy neighbours
DEMO_WORDS = ["frog", "king", "paris", "computer"]
DEMO_ANALOGIES = [
    ("man", "king", "woman"),
    ("france", "paris", "italy"),
    ("big", "bigger", "small"),
    ("walk", "walked", "swim"),
]


def cmd_demo(args: argparse.Namespace) -> int:
    from ..search.analogy import analogy_many
    from ..search.neighbors import nearest_many

    v = load_vectors(args.vectors, progress=shows_progress(args))
    words = [w for w in DEMO_WORDS if w in v]
    questions = [q for q in DEMO_ANALOGIES if all(w in v for w in q)]
    neighbors = nearest_many(v, words, k=5, restrict=args.restrict)
    answers = analogy_many(v, questions, k=3, restrict=args.restrict)
    restrict = min(args.restrict, len(v))
    if args.json:
        print_json(
            {
                "vectors": {"source": v.source, "count": len(v), "dim": v.dim},
                "restrict": restrict,
                "neighbors": {w: _results(r) for w, r in zip(words, neighbors)},
                "analogies": [{"query": list(q), "results": _results(r)} for q, r in zip(questions, answers)],
            }
        )
        return 0
    print(f"{v.source}: {len(v):,} words x {v.dim} dimensions; answers from the {restrict:,} most frequent\n")
    print("Nearest neighbours (cosine):")
    for w, r in zip(words, neighbors):
        print(f"  {w:<10} " + ", ".join(f"{n} {s:.2f}" for n, s in r))
    print("\nAnalogies (3CosAdd), a : b :: c : ?")
    for (a, b, c), r in zip(questions, answers):
        print(f"  {a} : {b} :: {c} : " + ", ".join(f"{n} {s:.2f}" for n, s in r))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from ..io import registered_names

    v = load_vectors(args.vectors, progress=shows_progress(args))
    info = {
        "source": v.source,
        "registered": v.source in registered_names(),
        "format": v.format,
        "count": len(v),
        "dim": v.dim,
        "dtype": str(v.matrix.dtype),
        "matrix_bytes": v.nbytes,
        "memory_mapped": v.is_memmap,
    }
    if args.json:
        print_json(info)
    else:
        print(f"source         {info['source']}" + (" (registered name)" if info["registered"] else ""))
        print(f"format         {info['format']}")
        print(f"count          {info['count']:,}")
        print(f"dimension      {info['dim']}")
        where = "on disk, memory-mapped" if info["memory_mapped"] else "in memory"
        print(f"matrix         {human_bytes(info['matrix_bytes'])} {info['dtype']} ({where})")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from ..io import load, save

    progress = shows_progress(args)
    v = load(check_source(args.source, "SOURCE"), limit=args.limit, allow_pickle=args.allow_pickle, progress=progress)
    out = save(v, args.dest, format=args.to, progress=progress)
    info = {
        "source": str(args.source),
        "dest": str(out),
        "format": args.to,
        "count": len(v),
        "dim": v.dim,
        "bytes": out.stat().st_size,
    }
    if args.json:
        print_json(info)
    else:
        print(f"wrote {len(v):,} x {v.dim} vectors to {out} ({args.to}, {human_bytes(info['bytes'])})")
    return 0
