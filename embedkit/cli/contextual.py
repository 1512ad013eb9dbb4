"""``encode``: sentence vectors, or word vectors at one layer, from a pretrained transformer."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ._checks import check_output, non_negative_int, positive_int
from ._common import add_json_option, add_quiet_option, print_json, shows_progress


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "encode",
        help="sentence vectors (or word vectors at one layer) from a pretrained transformer",
        description="Encode the sentences of a text file (one per line; blank lines skipped) with a contextual "
        "model: one vector per sentence with the model's own pooling, or with --layer the vectors of every "
        "word at that layer. Needs the contextual extra: pip install 'embedkit[contextual]'.",
    )
    p.add_argument(
        "--model", default="minilm", metavar="MODEL", help="a named model (minilm) or a model folder (default minilm)"
    )
    p.add_argument("--input", type=Path, required=True, metavar="FILE", help="sentences, one per line (UTF-8)")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUT",
        help=".npy (the matrix) or .ekv (keyed: the sentences where unique, else row numbers; "
        "with --layer, sentence:position:word)",
    )
    p.add_argument(
        "--layer",
        type=non_negative_int,
        default=None,
        metavar="L",
        help="word vectors at layer L (0: embeddings .. the last layer) instead of sentence vectors",
    )
    p.add_argument(
        "--pieces",
        choices=["mean", "first"],
        default="mean",
        help="with --layer: a word split into pieces gets the mean of its pieces or its first piece (default mean)",
    )
    p.add_argument("--batch-size", type=positive_int, default=64, metavar="N", help="sentences per batch (default 64)")
    add_quiet_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_encode)


def cmd_encode(args: argparse.Namespace) -> int:
    import numpy as np

    from ..contextual import encode, encode_tokens, load_encoder
    from ..contextual.files import read_sentences, sentence_keys, token_keys, write_matrix

    out = check_output(args.output, (".npy", ".ekv"), "the output")
    sentences = read_sentences(args.input)
    start = time.perf_counter()
    encoder = load_encoder(args.model)
    progress = shows_progress(args)
    if args.layer is None:
        matrix = encode(sentences, model=encoder, batch_size=args.batch_size, progress=progress)
        keys = sentence_keys(sentences)
        what, keyed = "sentence", ("sentences" if keys == sentences else "row numbers")
    else:
        tokens = encode_tokens(
            sentences,
            model=encoder,
            layer=args.layer,
            pieces=args.pieces,
            batch_size=args.batch_size,
            progress=progress,
        )
        matrix = np.concatenate([t.vectors for t in tokens]) if tokens else np.zeros((0, encoder.dim), dtype=np.float32)
        keys = token_keys([t.words for t in tokens])
        what, keyed = "word", "sentence:position:word"
    write_matrix(matrix, keys, out, source=encoder.folder.name)
    seconds = time.perf_counter() - start
    result = {
        "model": encoder.folder.name,
        "sentences": len(sentences),
        "rows": int(matrix.shape[0]),
        "dim": int(matrix.shape[1]),
        "layer": args.layer,
        "keys": keyed if out.suffix.lower() == ".ekv" else None,
        "output": str(out),
        "seconds": round(seconds, 3),
    }
    if args.json:
        print_json(result)
    elif not args.quiet:
        print(
            f"encoded {len(sentences)} sentences into {matrix.shape[0]} {what} vectors of {matrix.shape[1]} "
            f"dimensions with {encoder.folder.name}: {out} ({seconds:.1f} s)"
        )
    return 0
