"""``project``, ``plot neighbors|analogies|heatmap|similarity|attention`` and ``projector``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from ..errors import InvalidArgumentError
from ..progress import waiting
from ..viz.groups import merge_groups, read_groups, read_words
from ._checks import FIGURE_SUFFIXES, check_output, non_negative_int, positive_int
from ._common import (
    add_json_option,
    add_projection_options,
    add_quiet_option,
    add_vectors_option,
    load_vectors,
    print_json,
    shows_progress,
    write_figure,
)
from ._help import plural


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "project",
        help="PCA, t-SNE or UMAP of a word set, drawn to PNG/SVG",
        description="Project words to 2-D with PCA, t-SNE (openTSNE) or UMAP and draw the picture. "
        "Words: the N most frequent (--top, default 2000), those in a file (--words), or those in --groups.",
    )
    add_vectors_option(p)
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--top", type=positive_int, default=None, metavar="N", help="the N most frequent words (default 2000)"
    )
    which.add_argument(
        "--words", type=Path, default=None, metavar="FILE", help="a file of words (whitespace-separated)"
    )
    which.add_argument(
        "--from-projection",
        type=Path,
        default=None,
        metavar="FILE",
        help="redraw a projection saved with --save-projection instead of computing one",
    )
    p.add_argument(
        "--groups",
        type=Path,
        default=None,
        metavar="FILE",
        help="colour groups: JSON {group: [words]} or 'group<TAB>word' lines; their words are added",
    )
    p.add_argument(
        "--label", type=non_negative_int, default=30, metavar="N", help="label N words (default 30; 0 for none)"
    )
    add_projection_options(p)
    p.add_argument(
        "--title", default=None, help="the figure's title (default: the method, the number of words, trustworthiness)"
    )
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT", help="the figure (.png, .svg or .pdf)")
    p.add_argument(
        "--save-projection",
        type=Path,
        default=None,
        metavar="FILE",
        help="also save the projection (.npz or .csv) to redraw it later without recomputing",
    )
    p.add_argument(
        "--trust-sample",
        type=positive_int,
        default=2000,
        metavar="N",
        help="trustworthiness on at most N words (default 2000; its cost grows as N squared)",
    )
    p.add_argument("--no-trust", action="store_true", help="skip the trustworthiness check")
    add_quiet_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_project)

    plot = sub.add_parser(
        "plot",
        help="figures: neighbours, analogy arrows, vector heatmap, similarities, attention heads",
        description="Draw a figure from the vectors.",
    )
    psub = plot.add_subparsers(dest="plot_command", metavar="FIGURE")
    psub.required = True

    q = psub.add_parser(
        "neighbors",
        help="a word and its nearest neighbours in a 2-D projection",
        description="Draw WORD and its nearest neighbours (by cosine) in a 2-D projection of their vectors.",
    )
    q.add_argument("word", metavar="WORD", help="the word at the centre")
    q.add_argument("-k", type=positive_int, default=15, help="how many neighbours (default 15)")
    add_projection_options(q, method_only=True)
    q.add_argument(
        "--restrict", type=positive_int, default=None, metavar="N", help="search only the N most frequent words"
    )
    _common_plot(q)
    q.set_defaults(func=cmd_plot_neighbors)

    q = psub.add_parser(
        "analogies",
        help="word pairs as arrows in a PCA of their words",
        description="Draw pairs such as man:woman king:queen as arrows in a 2-D PCA of their words.",
    )
    q.add_argument("pairs", nargs="+", metavar="A:B", help="pairs written A:B, e.g. man:woman king:queen")
    _common_plot(q)
    q.set_defaults(func=cmd_plot_analogies)

    q = psub.add_parser(
        "heatmap",
        help="the raw vectors of words as a heatmap",
        description="Draw the vectors of the WORDs as a heatmap: one row per word, one column per dimension.",
    )
    q.add_argument("words", nargs="+", metavar="WORD", help="the words, one row each")
    _common_plot(q)
    q.set_defaults(func=cmd_plot_heatmap)

    q = psub.add_parser(
        "similarity",
        help="cosine similarities among words as a matrix",
        description="Draw the cosine similarity of every pair of WORDs as a matrix.",
    )
    q.add_argument("words", nargs="+", metavar="WORD", help="the words, one row and one column each")
    _common_plot(q)
    q.set_defaults(func=cmd_plot_similarity)

    q = psub.add_parser(
        "attention",
        help="a transformer's attention heads on TEXT, or a seq2seq model's attention while it translates",
        description="Draw the attention weights of a model on TEXT, one panel per layer and head (or the one "
        "--layer/--head picks): MiniLM or a Hugging Face folder (self-attention over its word pieces), an "
        "embedkit transformer language model (causal self-attention) or transformer classifier, or a model saved "
        "by 'seq2seq train' "
        "(--part cross: where each output token looked in the source while TEXT is translated greedily; for "
        "the transformer also --part encoder or decoder self-attention).",
    )
    q.add_argument(
        "--model",
        required=True,
        metavar="MODEL",
        help="minilm, a model folder, or an embedkit language-model, classifier or seq2seq file (or checkpoint folder)",
    )
    q.add_argument("text", metavar="TEXT", help="the sentence to read (for a seq2seq model: the source to translate)")
    q.add_argument(
        "--part",
        choices=["self", "encoder", "decoder", "cross"],
        default=None,
        help="which attention: self (an encoder or language model, the default), or of a seq2seq model "
        "cross (the default), encoder or decoder",
    )
    q.add_argument("--layer", type=positive_int, default=None, help="only this layer (from 1)")
    q.add_argument("--head", type=positive_int, default=None, help="only this head (from 1)")
    q.add_argument("--title", default=None, help="a title above the figure (default: the model and the text)")
    q.add_argument("-o", "--output", type=Path, required=True, metavar="OUT", help="the figure (.png, .svg or .pdf)")
    add_quiet_option(q)
    add_json_option(q)
    q.set_defaults(func=cmd_plot_attention)

    q = sub.add_parser(
        "projector",
        help="export vectors.tsv + metadata.tsv for the TensorFlow Embedding Projector",
        description="Write DIR/vectors.tsv and DIR/metadata.tsv for projector.tensorflow.org.",
    )
    q.add_argument("out_dir", type=Path, metavar="DIR", help="the folder to write the two files in")
    add_vectors_option(q)
    which = q.add_mutually_exclusive_group()
    which.add_argument(
        "--top", type=positive_int, default=None, metavar="N", help="the N most frequent words (default 10000)"
    )
    which.add_argument("--words", type=Path, default=None, metavar="FILE", help="a file of words")
    q.add_argument("--groups", type=Path, default=None, metavar="FILE", help="adds a 'group' metadata column")
    add_json_option(q)
    add_quiet_option(q)
    q.set_defaults(func=cmd_projector)


def _common_plot(q: argparse.ArgumentParser) -> None:
    add_vectors_option(q)
    q.add_argument("--title", default=None, help="the figure's title (default: what it shows)")
    q.add_argument("-o", "--output", type=Path, required=True, metavar="OUT", help="the figure (.png, .svg or .pdf)")
    add_json_option(q)
    add_quiet_option(q)


# --------------------------------------------------------------------------------------------
# input files


def _check_output(path: Path) -> None:
    check_output(path, FIGURE_SUFFIXES, "the figure")


def _status(args: argparse.Namespace, msg: str) -> None:
    if not getattr(args, "quiet", False) and not args.json:
        print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# handlers


def cmd_project(args: argparse.Namespace) -> int:
    from ..viz.plots import plot_projection
    from ..viz.projection import SAVE_SUFFIXES, Projection
    from ..viz.reduce import check_umap, project, umap_compiled

    _check_output(args.output)
    if args.method == "umap" and not args.from_projection:
        check_umap()  # before the vectors are loaded
    if args.save_projection:  # before the projection is computed, not after
        check_output(args.save_projection, SAVE_SUFFIXES, "--save-projection")
    start = time.perf_counter()
    timings: dict[str, float] = {}
    groups = read_groups(args.groups) if args.groups else None
    if args.from_projection:
        proj = Projection.load(args.from_projection)
    else:
        t0 = time.perf_counter()
        v = load_vectors(args.vectors, progress=shows_progress(args))
        timings["load"] = time.perf_counter() - t0
        if args.words:
            words: list[str] | int = read_words(args.words)
        elif args.top is not None or not groups:
            words = args.top if args.top is not None else 2000
        else:
            words = []
        if groups:
            words = merge_groups(v.keys[:words] if isinstance(words, int) else list(words), groups)
        if args.method == "umap" and not umap_compiled():
            _status(args, "embedkit: compiling UMAP's numba code once (cached afterwards)")
        proj = project(
            v,
            words,
            method=args.method,
            seed=args.seed,
            perplexity=args.perplexity,
            n_neighbors=args.n_neighbors,
            trust_k=0 if args.no_trust else 10,
            trust_sample=args.trust_sample,
            progress=shows_progress(args),
        )
        timings.update(proj.timings)
    if args.save_projection:
        proj.save(args.save_projection)
    t1 = time.perf_counter()
    fig = plot_projection(proj, labels=args.label, groups=groups, title=args.title)
    size = write_figure(fig, args.output)
    timings["plot"] = time.perf_counter() - t1
    timings["total"] = time.perf_counter() - start
    out = {
        "output": str(args.output),
        "bytes": size,
        "projection_file": str(args.save_projection) if args.save_projection else None,
        **proj.to_dict(),
        "timings": timings,
    }
    if args.json:
        print_json(out)
    else:
        tw = ""
        if proj.trustworthiness is not None:
            sample = proj.params.get("trustworthiness", {}).get("sample")
            on = f" on {plural(sample, 'word')}" if sample else ""
            tw = f", trustworthiness {proj.trustworthiness:.3f}{on}"
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if k != "total")
        print(f"{proj.method} of {plural(len(proj), 'word')}{tw}; wrote {args.output}")
        print(f"{timings['total']:.1f} s: {stages}")
        if args.save_projection:
            print(f"saved the projection to {args.save_projection}")
    return 0


def _report(args: argparse.Namespace, kind: str, size: int, extra: dict) -> int:
    out = {"figure": kind, "output": str(args.output), "bytes": size, **extra}
    if args.json:
        print_json(out)
    else:
        print(f"wrote {args.output}")
    return 0


def cmd_plot_neighbors(args: argparse.Namespace) -> int:
    from ..search.neighbors import nearest
    from ..viz.plots import plot_neighbors
    from ..viz.reduce import project

    _check_output(args.output)
    v = load_vectors(args.vectors, progress=shows_progress(args))
    nb = nearest(v, args.word, k=args.k, restrict=args.restrict)
    proj = project(v, [args.word, *nb.words], method=args.method, progress=False)
    size = write_figure(plot_neighbors(nb, proj, title=args.title), args.output)
    return _report(
        args, "neighbors", size, {**nb.to_dict(), "method": proj.method, "trustworthiness": proj.trustworthiness}
    )


def _parse_pairs(specs: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for s in specs:
        a, sep, b = s.partition(":")
        if not sep or not a or not b or ":" in b:
            raise InvalidArgumentError(f"write each pair as A:B (e.g. man:woman), got {s!r}")
        pairs.append((a, b))
    return pairs


def cmd_plot_analogies(args: argparse.Namespace) -> int:
    from ..viz.plots import plot_analogies
    from ..viz.reduce import project

    _check_output(args.output)
    pairs = _parse_pairs(args.pairs)
    v = load_vectors(args.vectors, progress=shows_progress(args))
    words = list(dict.fromkeys(w for ab in pairs for w in ab))
    proj = project(v, words, method="pca", trust_k=0)
    size = write_figure(plot_analogies(proj, pairs, title=args.title), args.output)
    return _report(
        args,
        "analogies",
        size,
        {"pairs": [list(p) for p in pairs], "explained_variance_ratio": proj.info["explained_variance_ratio"]},
    )


def cmd_plot_heatmap(args: argparse.Namespace) -> int:
    from ..viz.plots import plot_vectors_heatmap

    _check_output(args.output)
    v = load_vectors(args.vectors, progress=shows_progress(args))
    size = write_figure(plot_vectors_heatmap(v, list(dict.fromkeys(args.words)), title=args.title), args.output)
    return _report(args, "heatmap", size, {"words": args.words, "dim": v.dim})


def cmd_plot_similarity(args: argparse.Namespace) -> int:
    from ..viz.plots import plot_similarity_matrix

    _check_output(args.output)
    v = load_vectors(args.vectors, progress=shows_progress(args))
    words = list(dict.fromkeys(args.words))
    size = write_figure(plot_similarity_matrix(v, words, title=args.title), args.output)
    return _report(args, "similarity", size, {"words": words})


def cmd_plot_attention(args: argparse.Namespace) -> int:
    from ..viz.attention import plot_attention

    _check_output(args.output)
    if not args.text.strip():
        raise InvalidArgumentError("TEXT is empty: give the sentence to read")
    from ..contextual.attention import attention_map  # torch: after the cheap checks

    with waiting("loading torch and the model", enabled=shows_progress(args)):
        amap = attention_map(args.model, args.text, part=args.part)
    if not amap.heading:  # a seq2seq model's cross-attention: the file, then the kind
        amap = dataclasses.replace(amap, model=f"{Path(args.model).name} ({amap.model})")
    fig = plot_attention(amap, layer=args.layer, head=args.head, title=args.title)
    size = write_figure(fig, args.output)
    extra = {
        "source": args.text,
        "source_tokens": list(amap.source_tokens),
        "output_tokens": list(amap.output_tokens),
        "output_text": amap.output,
        "maps": list(amap.labels),
    }
    return _report(args, "attention", size, extra)


def cmd_projector(args: argparse.Namespace) -> int:
    from ..viz.projector import export_projector

    v = load_vectors(args.vectors, progress=shows_progress(args))
    groups = read_groups(args.groups) if args.groups else None
    words: list[str] | int = read_words(args.words) if args.words else (args.top if args.top is not None else 10000)
    vec_path, meta_path = export_projector(v, args.out_dir, words, groups=groups, progress=shows_progress(args))
    count = len(words) if isinstance(words, list) else min(words, len(v))
    out = {"vectors": str(vec_path), "metadata": str(meta_path), "count": count, "dim": v.dim}
    if args.json:
        print_json(out)
    else:
        print(
            f"wrote {plural(count, 'vector')} to {vec_path} and {meta_path}; load them at https://projector.tensorflow.org"
        )
    return 0
