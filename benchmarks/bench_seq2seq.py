"""Encoder-decoder translation: the configurations of docs/sequences.md's results table.

Run (each configuration trains for its recipe's epochs, or for about --minutes of training):
  python benchmarks/bench_seq2seq.py                                   # every configuration below
  python benchmarks/bench_seq2seq.py --only fr-gru-attn fr-rev-gru-attn --minutes 10
  python benchmarks/bench_seq2seq.py --only eng-fra-gru-attn --figure docs/figures/attention-numbers-fr.png

Protocol: the built-in tasks use the lab's numbers (1..5,000 plus 5,000 drawn from each of [10^3, 10^4),
[10^4, 10^5), [10^5, 10^6), all distinct, split 10,000 / 5,000 / 5,000 with seed 0); eng-fra-4500.tsv is
split 80/10/10 by English sentence with the model's seed. Each model is trained on train (validation
figures per epoch on valid) and scored once on the test split, greedy and with a beam of 5. With
--minutes, one epoch is timed first and the run gets as many of the recipe's epochs as fit in the
budget (at most the recipe's). Every configuration is written to the dated record as soon as it is
done, with the command, the machine, its load before and after, and the per-epoch history.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import DATA, ROOT, finish_record, new_record, record_path, version, write_record

sys.path.insert(1, str(ROOT))  # this checkout's embedkit, installed or not

ENG_FRA = DATA / "translation" / "eng-fra-4500.tsv"
FIGURE_SOURCE = "quatre vingt seize mille deux cent trente sept"  # -> 96237

# name: (data, reverse, model, extra config fields)
CONFIGS: dict[str, tuple[str, bool, str, dict]] = {
    "fr-gru": ("numbers-fr", False, "gru", {}),
    "fr-gru-attn": ("numbers-fr", False, "gru-attn", {}),
    "fr-transformer": ("numbers-fr", False, "transformer", {}),
    "fr-rev-gru-attn": ("numbers-fr", True, "gru-attn", {}),
    "eng-fra-gru-attn": ("eng-fra", False, "gru-attn", {}),
}

# The anchors the table is read against (issue #17): the lab's GRU without attention, partially trained.
ANCHORS = {
    "lab GRU, no attention (emb 32, GRU 256), first 300 test phrases, partially trained": {
        "greedy_exact_match": 0.373,
        "beam10_exact_match": 0.380,
    }
}


def _data(name: str, reverse: bool, seed: int):
    """The splits and the (source, target) units: a task's (phrases as words, digits as characters), words for the TSV."""
    from embedkit.sequences import load_task, read_pairs, split_pairs, task_units

    if name == "eng-fra":
        pairs = read_pairs(ENG_FRA)
        if reverse:
            pairs = [dataclasses.replace(p, source=p.target, target=p.source) for p in pairs]
        return split_pairs(pairs, seed=seed), ("word", "word")
    return load_task(name, reverse=reverse), task_units(name, reverse)


def _epochs_for(minutes: float | None, data, config, reverse: bool) -> tuple[int, float | None]:
    """The recipe's epochs, or as many as about ``minutes`` of training allow (one epoch timed first)."""
    from embedkit.sequences import train_seq2seq

    if minutes is None:
        return config.epochs, None
    probe = train_seq2seq(data, dataclasses.replace(config, epochs=1), reverse=reverse, progress=False)
    epoch_s = float(probe.history[0]["seconds"])
    return max(1, min(config.epochs, math.floor(minutes * 60 / epoch_s))), epoch_s


def run_one(name: str, args: argparse.Namespace) -> dict:
    from embedkit.sequences import Seq2SeqConfig, train_seq2seq

    data_name, reverse, model, extra = CONFIGS[name]
    fields = dict(extra)
    if args.threads:
        fields["workers"] = args.threads
    splits, (src_unit, tgt_unit) = _data(data_name, reverse, args.seed)
    config = Seq2SeqConfig(model=model, seed=args.seed, src_unit=src_unit, tgt_unit=tgt_unit, **fields)
    epochs, epoch_s = _epochs_for(args.minutes, splits, config, reverse)
    if args.epochs:
        epochs = args.epochs
    config = dataclasses.replace(config, epochs=epochs)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    m = train_seq2seq(splits, config, reverse=reverse, progress=not args.quiet)
    train_s = time.perf_counter() - t0
    result: dict = {
        "name": name,
        "data": data_name,
        "reverse": reverse,
        "counts": splits.counts(),
        "config": m.config.to_dict(),
        "train_seconds": train_s,
        "probe_epoch_seconds": epoch_s,
        "load_before": load_before,
        "history": m.history,
    }
    for beam in (1, 5):
        t1 = time.perf_counter()
        scores = m.evaluate(splits.test, beam_size=beam)
        result[f"test_beam{beam}"] = {**scores.to_dict(), "seconds": time.perf_counter() - t1}
    result["load_after"] = os.getloadavg()
    if args.save_models:
        Path(args.save_models).mkdir(parents=True, exist_ok=True)
        result["model_file"] = str(m.save(Path(args.save_models) / f"{name}.pt"))
    if args.figure and data_name == "numbers-fr" and not reverse and m.config.has_attention:
        from embedkit.viz.attention import plot_attention

        fig = plot_attention(m, FIGURE_SOURCE)
        Path(args.figure).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.figure, dpi=120)
        result["figure"] = str(args.figure)
        result["figure_translation"] = m.translate([FIGURE_SOURCE])[0].to_dict()
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", choices=list(CONFIGS), default=list(CONFIGS), metavar="NAME")
    ap.add_argument("--minutes", type=float, default=None, help="about this much training per configuration")
    ap.add_argument("--epochs", type=int, default=None, help="override every configuration's epochs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default 0: one)")
    ap.add_argument("--figure", default=None, help="draw the attention of the first numbers-fr attention model here")
    ap.add_argument("--save-models", default=None, metavar="DIR", help="keep the trained models here")
    ap.add_argument("--out", default=None, help="the record (default benchmarks/results/seq2seq_<date>.json)")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    out = record_path("seq2seq", args.out)
    record = new_record(
        "seq2seq", only=args.only, minutes=args.minutes, epochs=args.epochs, seed=args.seed, threads=args.threads
    )
    record["versions"].update({name: version(name) for name in ("torch", "num2words", "sacrebleu")})
    record["anchors"] = ANCHORS
    for name in args.only:
        res = run_one(name, args)
        record["results"].append(res)
        write_record(out, record)
        b1, b5 = res["test_beam1"], res["test_beam5"]
        extra = f"  BLEU {b1['bleu']:.1f} chrF {b1['chrf']:.1f}" if b1.get("bleu") is not None else ""
        print(
            f"{name}: {len(res['history'])} epochs in {res['train_seconds']:.0f} s; test exact match "
            f"greedy {b1['exact_match']:.4f} beam5 {b5['exact_match']:.4f}{extra}",
            flush=True,
        )
        if args.figure and "figure" in res:
            args.figure = None  # one figure
    finish_record(record)
    write_record(out, record)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
