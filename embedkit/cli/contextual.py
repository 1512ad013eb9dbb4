"""``encode``, ``context``, ``layers`` and ``probe``: a pretrained transformer's sentence vectors, word vectors
at one layer, a word's occurrences and their neighbours, how contextual each layer is, and a linear probe per
layer."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ._checks import check_output, int_at_least, non_negative_int, positive_int, seed
from ._common import add_json_option, add_quiet_option, print_json, shows_progress


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "encode",
        help="sentence vectors (or word vectors at one layer) from a pretrained transformer",
        description="Encode the sentences of a text file (one per line; blank lines skipped) with a contextual "
        "model: one vector per sentence with the model's own pooling, or with --layer the vectors of every "
        "word at that layer. Under torchrun each process encodes a shard and rank 0 writes the one file, rows in input "
        "order. Needs the contextual extra: pip install 'embedkit[contextual]'.",
    )
    p.add_argument(
        "--model",
        default="minilm",
        metavar="MODEL",
        help="a named model (minilm), a model folder, or an embedkit transformer's model file (train-lm, seq2seq "
        "train or classify train with --model transformer; its sentence vector: the mean of its last layer) "
        "(default minilm)",
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
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=64,
        metavar="N",
        help="sentences per batch of a Hugging Face model (embedkit's own encode one at a time) (default 64)",
    )
    add_quiet_option(p)
    add_json_option(p)
    p.set_defaults(func=cmd_encode)

    c = sub.add_parser(
        "context",
        help="a word's vector in each sentence where it occurs, and its nearest other occurrences",
        description="Find WORD (without regard to case) in the sentences of FILE, and for each occurrence list "
        "the other occurrences closest by cosine at --layer (which sense is this?), and with --vocabulary the "
        "closest words of a vocabulary encoded by the same model.",
    )
    c.add_argument("word", metavar="WORD", help="the word to follow")
    _model_input_options(c)
    c.add_argument(
        "--layer",
        type=int_at_least(-1),
        default=-1,
        metavar="L",
        help="the layer (0: embeddings; default -1: the last)",
    )
    c.add_argument("-k", type=positive_int, default=3, help="neighbours per occurrence (default 3)")
    c.add_argument(
        "--vocabulary",
        type=Path,
        default=None,
        metavar="FILE",
        help="words (whitespace-separated) to encode alone and search among, by cosine (default: none)",
    )
    add_quiet_option(c)
    add_json_option(c)
    c.set_defaults(func=cmd_context)

    la = sub.add_parser(
        "layers",
        help="how contextual each layer is: anisotropy, self-similarity, intra-sentence similarity, first PC share",
        description="Run the model over the sentences of FILE and measure each layer after Ethayarajh (2019); "
        "optionally draw the four curves. The model may also be one of embedkit's own trained transformers: a "
        "file of 'train-lm --model transformer', 'seq2seq train --model transformer' (its encoder) or "
        "'classify train --model transformer'.",
    )
    _model_input_options(la, own=True)
    la.add_argument(
        "--min-occurrences",
        type=int_at_least(2),
        default=5,
        metavar="N",
        help="words seen at least N times count for self-similarity and the PC share (default 5)",
    )
    la.add_argument("--pairs", type=positive_int, default=1000, metavar="N", help="random pairs (default 1000)")
    la.add_argument("--seed", type=seed, default=0, help="the seed of the random pairs (default 0)")
    la.add_argument("-o", "--output", type=Path, default=None, metavar="OUT", help="the figure (.png, .svg or .pdf)")
    add_quiet_option(la)
    add_json_option(la)
    la.set_defaults(func=cmd_layers)

    pr = sub.add_parser(
        "probe",
        help="a linear probe per layer: how well each layer's mean vector predicts a sentence's class",
        description="For every layer of the model, mean-pool the sentence's word-piece vectors, fit standard "
        "scaling and a logistic regression on the training sentences and score it on the dev sentences, with a "
        "bootstrap interval over the dev sentences. TASK: sst2 or trec (from the datasets folder, "
        "$EMBEDKIT_DATA), or a dataset file (LABEL TEXT lines, or CSV).",
    )
    pr.add_argument("--task", required=True, metavar="TASK", help="sst2, trec, or a dataset file")
    pr.add_argument(
        "--dev",
        type=Path,
        default=None,
        metavar="FILE",
        help="dev sentences (default: SST-2's dev.txt for sst2, else 10%% of the task held out, stratified)",
    )
    pr.add_argument(
        "--model", default="minilm", metavar="MODEL", help="a named model (minilm) or a model folder (default minilm)"
    )
    pr.add_argument(
        "--limit", type=positive_int, default=None, metavar="N", help="a seeded random N of the training sentences"
    )
    pr.add_argument(
        "--bootstrap",
        type=non_negative_int,
        default=1000,
        metavar="N",
        help="bootstrap resamples of the dev sentences for the intervals (default 1000; 0: none)",
    )
    pr.add_argument(
        "--seed", type=seed, default=0, help="the seed of the split, the limit and the resamples (default 0)"
    )
    pr.add_argument("--batch-size", type=positive_int, default=64, metavar="N", help="sentences per batch (default 64)")
    pr.add_argument("-o", "--output", type=Path, default=None, metavar="OUT", help="the figure (.png, .svg or .pdf)")
    add_quiet_option(pr)
    add_json_option(pr)
    pr.set_defaults(func=cmd_probe)


def _model_input_options(p: argparse.ArgumentParser, *, own: bool = False) -> None:
    what = "a named model (minilm), a model folder" + (", or an embedkit transformer model file" if own else "")
    p.add_argument("--model", default="minilm", metavar="MODEL", help=f"{what} (default minilm)")
    p.add_argument("--input", type=Path, required=True, metavar="FILE", help="sentences, one per line (UTF-8)")
    p.add_argument("--batch-size", type=positive_int, default=64, metavar="N", help="sentences per batch (default 64)")


def cmd_encode(args: argparse.Namespace) -> int:
    from ..contextual.files import read_sentences, sentence_keys, token_keys, write_matrix
    from ..contextual.own import OwnTransformer, load_any
    from ..contextual.sharded import encode_corpus

    out = check_output(args.output, (".npy", ".ekv"), "the output")
    sentences = read_sentences(args.input)
    start = time.perf_counter()
    encoder = load_any(args.model)
    name = encoder.name if isinstance(encoder, OwnTransformer) else encoder.folder.name
    result = encode_corpus(
        sentences,
        model=encoder,
        layer=args.layer,
        pieces=args.pieces,
        batch_size=args.batch_size,
        progress=shows_progress(args),
    )
    if result is None:  # under torchrun, a rank other than 0: rank 0 writes and reports
        return 0
    matrix = result.matrix
    if result.words is None:
        keys = sentence_keys(sentences)
        what, keyed = "sentence", ("sentences" if keys == sentences else "row numbers")
    else:
        keys = token_keys(result.words)
        what, keyed = "word", "sentence:position:word"
    write_matrix(matrix, keys, out, source=name)
    seconds = time.perf_counter() - start
    report = {
        "model": name,
        "sentences": len(sentences),
        "rows": int(matrix.shape[0]),
        "dim": int(matrix.shape[1]),
        "layer": args.layer,
        "keys": keyed if out.suffix.lower() == ".ekv" else None,
        "output": str(out),
        "processes": result.processes,
        "seconds": round(seconds, 3),
    }
    if args.json:
        print_json(report)
    elif not args.quiet:
        shared = f", {result.processes} processes" if result.processes > 1 else ""
        print(
            f"encoded {len(sentences)} sentences into {matrix.shape[0]} {what} vectors of {matrix.shape[1]} "
            f"dimensions with {name}: {out} ({seconds:.1f} s{shared})"
        )
    return 0


def cmd_context(args: argparse.Namespace) -> int:
    from ..contextual import load_encoder, occurrence_neighbors, occurrences, static_neighbors, vocabulary_vectors
    from ..contextual.files import read_sentences
    from ..viz.groups import read_words

    sentences = read_sentences(args.input)
    words = read_words(args.vocabulary) if args.vocabulary is not None else None
    encoder = load_encoder(args.model)
    progress = shows_progress(args)
    occ = occurrences(
        args.word, sentences, model=encoder, layer=args.layer, batch_size=args.batch_size, progress=progress
    )
    hits = occurrence_neighbors(occ, k=args.k) if len(occ) > 1 else [[] for _ in range(len(occ))]
    static = None
    if words is not None:
        vocab = vocabulary_vectors(words, model=encoder, layer=args.layer, batch_size=args.batch_size)
        static = static_neighbors(occ, vocab, k=args.k)
    rows = []
    for i in range(len(occ)):
        row: dict[str, Any] = {"row": occ.rows[i], "position": occ.positions[i], "sentence": occ.sentences[i]}
        row["occurrences"] = [h.to_dict() for h in hits[i]]
        if static is not None:
            row["vocabulary"] = static[i].to_dict()["results"]
        rows.append(row)
    if args.json:
        print_json({"word": args.word, "layer": occ.layer, "model": encoder.folder.name, "occurrences": rows})
        return 0
    print(f"{args.word!r}: {len(occ)} occurrences, layer {occ.layer} of {encoder.folder.name}")
    for row in rows:
        print(f"[{row['row']}] {row['sentence']}")
        for h in row["occurrences"]:
            print(f"    {h['cosine']:.3f}  [{h['row']}] {h['sentence']}")
        if "vocabulary" in row:
            print("    vocabulary: " + ", ".join(f"{n['word']} {n['score']:.3f}" for n in row["vocabulary"]))
    return 0


def cmd_layers(args: argparse.Namespace) -> int:
    from ..contextual import layer_analysis, plot_layer_analysis
    from ..contextual.files import read_sentences
    from ..contextual.own import load_any

    out = check_output(args.output, (".png", ".svg", ".pdf"), "the figure") if args.output else None
    sentences = read_sentences(args.input)
    encoder = load_any(args.model)
    result = layer_analysis(
        sentences,
        model=encoder,
        min_occurrences=args.min_occurrences,
        pairs=args.pairs,
        seed=args.seed,
        batch_size=args.batch_size,
        progress=shows_progress(args),
    )
    if out is not None:
        from ..viz.saving import save_figure

        save_figure(plot_layer_analysis(result), out, dpi=120)
    if args.json:
        print_json({**result.to_dict(), "output": str(out) if out else None})
        return 0
    print(
        f"{result.model}: {result.sentences} sentences, {result.tokens} words, {result.words} seen {result.min_occurrences}+ times"
    )
    print("layer  anisotropy  self-sim  intra-sent  first-PC")
    for i, layer in enumerate(result.layers):
        print(
            f"{layer:5d}  {result.anisotropy[i]:10.3f}  {result.self_similarity[i]:8.3f}  "
            f"{result.intra_sentence_similarity[i]:10.3f}  {result.first_pc_share[i]:8.3f}"
        )
    if out is not None:
        print(f"figure: {out}")
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    from ..contextual import load_encoder, plot_probe, probe, probe_task

    out = check_output(args.output, (".png", ".svg", ".pdf"), "the figure") if args.output else None
    train, dev = probe_task(args.task, dev=args.dev, limit=args.limit, seed=args.seed)
    encoder = load_encoder(args.model)
    result = probe(
        train,
        dev,
        model=encoder,
        bootstrap=args.bootstrap,
        seed=args.seed,
        batch_size=args.batch_size,
        progress=shows_progress(args),
    )
    if out is not None:
        from ..viz.saving import save_figure

        save_figure(
            plot_probe(result, title=f"Linear probe per layer: {result.task}, {encoder.folder.name}"), out, dpi=120
        )
    if args.json:
        print_json({**result.to_dict(), "model": encoder.folder.name, "output": str(out) if out else None})
        return 0
    print(
        f"{encoder.folder.name} on {result.task}: {result.train_size} training and {result.dev_size} dev sentences, "
        f"{result.classes} classes"
    )
    share = f"{result.confidence:.0%}"
    print(f"layer  accuracy  {share} interval" if result.bootstrap else "layer  accuracy")
    for i, layer in enumerate(result.layers):
        band = f"  {result.low[i]:.3f}-{result.high[i]:.3f}" if result.bootstrap else ""
        print(f"{layer:5d}  {result.accuracy[i]:8.3f}{band}")
    print(f"best layer: {result.best_layer}")
    if out is not None:
        print(f"figure: {out}")
    return 0
