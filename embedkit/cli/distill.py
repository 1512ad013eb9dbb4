"""``distill``: static vectors from a pretrained transformer (model2vec's vocabulary method or the corpus
average of contextual vectors), written as an ``.ekv`` file every other command reads."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ._checks import check_output, int_at_least, positive_int
from ._common import add_json_option, add_quiet_option, print_json, shows_progress


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "distill",
        help="static word vectors from a pretrained transformer (vocabulary pass or corpus average)",
        description="Distil static vectors from a contextual model. --method vocabulary (model2vec's): every "
        "piece of the tokenizer's vocabulary through the model alone, PCA to --dim, Zipf/SIF weighting; with "
        "--words or --top, words composed as the mean of their pieces. --method corpus (Bommasani et al. 2020): "
        "each word of --corpus gets the mean of its vectors at --layer over its occurrences. Needs the "
        "contextual extra: pip install 'embedkit[contextual]'.",
    )
    p.add_argument(
        "--model", default="minilm", metavar="MODEL", help="a named model (minilm) or a model folder (default minilm)"
    )
    p.add_argument(
        "--method",
        choices=["vocabulary", "corpus"],
        default="vocabulary",
        help="vocabulary: model2vec's pass over the tokenizer's vocabulary, no corpus; corpus: the average over "
        "--corpus (default vocabulary)",
    )
    p.add_argument(
        "--corpus", type=Path, default=None, metavar="FILE", help="--method corpus: sentences, one per line (UTF-8)"
    )
    p.add_argument(
        "--dim",
        type=positive_int,
        default=None,
        metavar="N",
        help="PCA to N dimensions (default: 256 for vocabulary, none for corpus)",
    )
    words = p.add_mutually_exclusive_group()
    words.add_argument(
        "--words",
        type=Path,
        default=None,
        metavar="FILE",
        help="--method vocabulary: compose these words (whitespace-separated) from their pieces",
    )
    words.add_argument(
        "--top",
        type=positive_int,
        default=None,
        metavar="N",
        help="--method vocabulary: compose the N most frequent words of GloVe 6B (default: keep the pieces)",
    )
    p.add_argument(
        "--layer",
        type=int_at_least(-1),
        default=-1,
        metavar="L",
        help="--method corpus: the layer (0: embeddings; default -1: the last)",
    )
    p.add_argument(
        "--min-count",
        type=positive_int,
        default=1,
        metavar="N",
        help="--method corpus: keep words seen at least N times (default 1)",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        metavar="N",
        help="per batch (default 256 pieces, 64 sentences)",
    )
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT", help="the vectors (.ekv)")
    add_quiet_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_distill)


def _refuse(args: argparse.Namespace) -> None:
    from ..errors import InvalidArgumentError

    if args.method == "vocabulary":
        given = [o for o, v in (("--corpus", args.corpus), ("--min-count", args.min_count != 1)) if v]
        given += ["--layer"] if args.layer != -1 else []
        if given:
            raise InvalidArgumentError(f"{given[0]} applies to --method corpus, not vocabulary")
        return
    if args.corpus is None:
        raise InvalidArgumentError("--method corpus needs --corpus FILE (sentences, one per line)")
    if args.words is not None or args.top is not None:
        raise InvalidArgumentError(f"{'--words' if args.words else '--top'} applies to --method vocabulary, not corpus")


def cmd_distill(args: argparse.Namespace) -> int:
    from ..contextual import corpus_vectors, distill_vocabulary, load_encoder, vocabulary_pieces
    from ..io.api import save

    _refuse(args)
    out = check_output(args.output, (".ekv",), "the output")
    progress = shows_progress(args)
    words = None
    sentences: list[str] = []
    if args.method == "corpus":
        from ..contextual.files import read_sentences

        sentences = read_sentences(args.corpus)
    elif args.words is not None:
        from ..viz.groups import read_words

        words = read_words(args.words)
    elif args.top is not None:
        from ..io.api import load

        words = load().keys[: args.top]
    start = time.perf_counter()
    encoder = load_encoder(args.model)
    if args.method == "vocabulary":
        vectors = distill_vocabulary(
            encoder,
            dim=256 if args.dim is None else args.dim,
            words=words,
            batch_size=args.batch_size or 256,
            progress=progress,
        )
        pieces = len(vocabulary_pieces(encoder))
    else:
        vectors = corpus_vectors(
            sentences,
            model=encoder,
            layer=args.layer,
            min_count=args.min_count,
            dim=args.dim,
            batch_size=args.batch_size or 64,
            progress=progress,
        )
        pieces = None
    save(vectors, out)
    seconds = time.perf_counter() - start
    result = {
        "model": encoder.folder.name,
        "method": args.method,
        "rows": len(vectors),
        "dim": vectors.dim,
        "pieces": pieces,
        "words": None if words is None else len(words),
        "sentences": len(sentences) if args.method == "corpus" else None,
        "source": vectors.source,
        "output": str(out),
        "seconds": round(seconds, 3),
    }
    if args.json:
        print_json(result)
    elif not args.quiet:
        print(
            f"distilled {len(vectors):,} vectors of {vectors.dim} dimensions ({vectors.source}): {out} ({seconds:.1f} s)"
        )
    return 0
