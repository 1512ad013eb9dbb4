"""Train embeddings: speed and quality of embedkit's language models against gensim's word2vec.

    flock /tmp/ek/bench.lock python benchmarks/bench_train.py speed [--repeat 3] [--lstm-only | --nplm-only]
    flock /tmp/ek/bench.lock python benchmarks/bench_train.py quality [--corpus shakespeare|classification]

``speed``: training tokens per second on tiny-Shakespeare, one epoch, median of ``--repeat`` runs,
gensim skip-gram (dim 50, window 5, 2 workers) and embedkit's nplm (dim 50, context 5, negative
sampling) in the same run, and the lstm (hidden 256, a 10,000-word vocabulary, sampled and adaptive
softmax, float32 and bfloat16 autocast) on a slice of the corpus.

``quality``: every algorithm on one corpus (same vocabulary, min_count 3, the last 5% held out):
tokens/s (rnn, gru, lstm with bfloat16 autocast), held-out perplexity (language models), wall time, WordSim-353 and SimLex-999 Spearman on
the covered pairs, nearest neighbours of probe words; and gensim skip-gram given the lstm's wall time.

Data: ``$EMBEDKIT_DATA`` (default ../shared/data relative to the repository root).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("EMBEDKIT_DATA", ROOT.parent / "shared" / "data"))

import embedkit
from embedkit import Corpus, TrainConfig, corpus_from_texts, read_corpus, train_vectors

PROBES = ["king", "love", "father", "sword", "night", "good", "speak", "death"]


def classification_texts() -> list[str]:
    """The texts (labels dropped) of every classification dataset in the data folder."""
    texts: list[str] = []
    for p in sorted(DATA.glob("sentiment/*/*.txt")) + sorted(DATA.glob("questions/*/*.txt")):
        with open(p, encoding="utf-8", errors="replace") as f:
            texts += [line.split(" ", 1)[1] for line in f if " " in line]
    for p in sorted(DATA.glob("*/*/train.csv")):
        with open(p, encoding="utf-8", errors="replace", newline="") as f:
            texts += [" ".join(row[1:]) for row in csv.reader(f)]
    return texts


def run(corpus: Corpus, cfg: TrainConfig):
    t0 = time.perf_counter()
    r = train_vectors(corpus, cfg, progress=False)
    return r, time.perf_counter() - t0


def gensim_direct(sentences: list[list[str]], sg: int) -> float:
    """Words/s of gensim itself on an in-memory list of sentences (dim 50, window 5, 2 workers, 1 epoch)."""
    from gensim.models import Word2Vec

    m = Word2Vec(vector_size=50, window=5, min_count=1, workers=2, sg=sg, seed=0)
    m.build_vocab(sentences)
    t0 = time.perf_counter()
    m.train(sentences, total_examples=m.corpus_count, epochs=1)
    return m.corpus_total_words / (time.perf_counter() - t0)


def speed(args) -> dict:
    shake = DATA / "corpus" / "tinyshakespeare.txt"
    c = read_corpus([shake])
    c10k = read_corpus([shake], max_size=10_000)
    lstm_slice = Corpus(c10k.train[: args.lstm_tokens], c10k.valid, c10k.vocab)
    print(
        f"tiny-Shakespeare: {len(c.train):,} tokens, {len(c.vocab):,} words; lstm vocabulary {len(c10k.vocab):,}, "
        f"lstm slice {len(lstm_slice.train):,} tokens; {args.repeat} repeats, one epoch each"
    )
    runs = {
        "gensim word2vec-skipgram, 2 workers": (
            c,
            TrainConfig(algorithm="word2vec-skipgram", dim=50, window=5, epochs=1, workers=2),
        ),
        "gensim word2vec-cbow, 2 workers": (
            c,
            TrainConfig(algorithm="word2vec-cbow", dim=50, window=5, epochs=1, workers=2),
        ),
        "nplm negative, 1 thread": (c, TrainConfig(algorithm="nplm", dim=50, window=5, epochs=1, workers=1)),
        "nplm negative, sparse grads, 1 thread": (
            c,
            TrainConfig(algorithm="nplm", dim=50, window=5, epochs=1, workers=1, sparse=True),
        ),
        "nplm negative, bf16, 1 thread": (
            c,
            TrainConfig(algorithm="nplm", dim=50, window=5, epochs=1, workers=1, bf16=True),
        ),
        "lstm-256 sampled (256), 1 thread": (
            lstm_slice,
            TrainConfig(algorithm="lstm", dim=64, hidden=256, epochs=1, workers=1),
        ),
        "lstm-256 adaptive, 1 thread": (
            lstm_slice,
            TrainConfig(algorithm="lstm", dim=64, hidden=256, epochs=1, workers=1, objective="adaptive"),
        ),
        "lstm-256 sampled (256), bf16, 1 thread": (
            lstm_slice,
            TrainConfig(algorithm="lstm", dim=64, hidden=256, epochs=1, workers=1, bf16=True),
        ),
        "lstm-256 adaptive, bf16, 1 thread": (
            lstm_slice,
            TrainConfig(algorithm="lstm", dim=64, hidden=256, epochs=1, workers=1, objective="adaptive", bf16=True),
        ),
    }
    runs["lstm-256 sampled (256), bf16, batch 128, 1 thread"] = (
        lstm_slice,
        TrainConfig(algorithm="lstm", dim=64, hidden=256, epochs=1, workers=1, bf16=True, batch_size=128),
    )
    runs["lstm-256 sampled (128), bf16, batch 128, 1 thread"] = (
        lstm_slice,
        TrainConfig(
            algorithm="lstm", dim=64, hidden=256, epochs=1, workers=1, bf16=True, batch_size=128, num_sampled=128
        ),
    )
    if args.lstm_only:
        runs = {k: v for k, v in runs.items() if k.startswith("lstm") or "skipgram" in k}
    if args.nplm_only:
        runs = {k: v for k, v in runs.items() if k.startswith("nplm") or "skipgram" in k}
    results: dict[str, list[float]] = {k: [] for k in runs}
    sentences = list(c.sentences())
    results["gensim Word2Vec skip-gram directly, in-memory list"] = []
    for _ in range(args.repeat):
        results["gensim Word2Vec skip-gram directly, in-memory list"].append(gensim_direct(sentences, 1))
        for name, (corpus, cfg) in runs.items():
            r, _ = run(corpus, cfg)
            results[name].append(r.tokens_per_s)
    if args.lstm_only or args.nplm_only:
        return _speed_table(results)
    # a large vocabulary: the classification texts (64,011 words), sampled against full softmax, once
    big = corpus_from_texts(classification_texts())
    big_slice = Corpus(big.train[: args.lstm_tokens], big.valid, big.vocab)
    for name, cfg, corpus in [
        (
            f"lstm-256 sampled (256), {len(big.vocab):,} words, 1 thread",
            TrainConfig(algorithm="lstm", dim=64, hidden=256, epochs=1, workers=1),
            big_slice,
        ),
        (
            f"lstm-256 full softmax, {len(big.vocab):,} words, 1 thread",
            TrainConfig(algorithm="lstm", dim=64, hidden=256, epochs=1, workers=1, objective="full"),
            Corpus(big.train[: args.lstm_tokens // 4], big.valid, big.vocab),
        ),
    ]:
        r, _ = run(corpus, cfg)
        results[name] = [r.tokens_per_s]
    # two threads, once: shows why one thread is the default on this machine
    for name, (corpus, cfg) in [
        ("nplm negative, 2 threads", runs["nplm negative, 1 thread"]),
        ("lstm-256 sampled (256), bf16, 2 threads", runs["lstm-256 sampled (256), bf16, 1 thread"]),
    ]:
        r, _ = run(corpus, TrainConfig.from_dict({**cfg.to_dict(), "workers": 2}))
        results[name] = [r.tokens_per_s]
    return _speed_table(results)


def _speed_table(results: dict[str, list[float]]) -> dict:
    sg = statistics.median(results["gensim Word2Vec skip-gram directly, in-memory list"])
    print("\n| run | tokens/s (median) | runs | vs gensim skip-gram (direct) |\n|---|---:|---:|---:|")
    out = {}
    for name, vals in results.items():
        med = statistics.median(vals)
        out[name] = {"median": med, "runs": vals}
        print(f"| {name} | {med:,.0f} | {len(vals)} | {med / sg:.2f} |")
    return out


def similarity(v) -> dict:
    from embedkit import evaluate_similarity

    res = {}
    for name in ("wordsim353", "simlex999"):
        r = evaluate_similarity(v, name, restrict=None, n_boot=200)
        res[name] = {"spearman": r.spearman, "pairs": r.pairs}
    return res


def quality(args) -> dict:
    if args.corpus == "shakespeare":
        c = read_corpus([DATA / "corpus" / "tinyshakespeare.txt"], min_count=3, valid_fraction=0.05)
    else:
        c = corpus_from_texts(classification_texts(), min_count=3, valid_fraction=0.05)
    print(f"{args.corpus}: {len(c.train):,} training + {len(c.valid):,} held-out tokens, {len(c.vocab):,} words")
    e = args.epochs
    configs = {
        "word2vec-skipgram": TrainConfig(algorithm="word2vec-skipgram", dim=50, epochs=e["gensim"], workers=2),
        "word2vec-cbow": TrainConfig(algorithm="word2vec-cbow", dim=50, epochs=e["gensim"], workers=2),
        "fasttext": TrainConfig(algorithm="fasttext", dim=50, epochs=e["gensim"], workers=2),
        "nplm": TrainConfig(algorithm="nplm", dim=50, window=5, epochs=e["nplm"], workers=1),
        "nplm (sampled softmax)": TrainConfig(
            algorithm="nplm", dim=50, window=5, epochs=e["nplm"], workers=1, objective="sampled"
        ),
        "rnn": TrainConfig(algorithm="rnn", dim=50, hidden=256, epochs=e["rnn"], workers=1, bf16=True),
        "gru": TrainConfig(algorithm="gru", dim=50, hidden=256, epochs=e["rnn"], workers=1, bf16=True),
        "lstm": TrainConfig(algorithm="lstm", dim=50, hidden=256, epochs=e["rnn"], workers=1, bf16=True),
    }
    rows = {}
    for name, cfg in configs.items():
        r, wall = run(c, cfg)
        ppl = r.history[-1].get("valid_ppl") if r.history else None
        rows[name] = {
            "tokens_per_s": r.tokens_per_s,
            "valid_ppl": ppl,
            "wall_s": wall,
            "epochs": cfg.epochs,
            **similarity(r.vectors),
            "neighbours": {p: [w for w, _ in embedkit.nearest(r.vectors, p, k=5)] for p in PROBES if p in r.vectors},
        }
        print(f"  {name}: {wall:.1f} s", flush=True)
    # gensim skip-gram given the lstm's wall-clock budget
    one = rows["word2vec-skipgram"]["wall_s"] / configs["word2vec-skipgram"].epochs
    budget_epochs = max(1, min(200, int(rows["lstm"]["wall_s"] / one)))
    cfg = TrainConfig(algorithm="word2vec-skipgram", dim=50, epochs=budget_epochs, workers=2)
    r, wall = run(c, cfg)
    rows[f"word2vec-skipgram, lstm's wall time ({budget_epochs} epochs)"] = {
        "tokens_per_s": r.tokens_per_s,
        "valid_ppl": None,
        "wall_s": wall,
        "epochs": budget_epochs,
        **similarity(r.vectors),
        "neighbours": {p: [w for w, _ in embedkit.nearest(r.vectors, p, k=5)] for p in PROBES if p in r.vectors},
    }
    print("\n| algorithm | epochs | tokens/s | held-out ppl | wall s | WS-353 ρ (pairs) | SimLex ρ (pairs) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, d in rows.items():
        ppl = f"{d['valid_ppl']:.1f}" if d["valid_ppl"] is not None else "–"
        ws, sl = d["wordsim353"], d["simlex999"]
        print(
            f"| {name} | {d['epochs']} | {d['tokens_per_s']:,.0f} | {ppl} | {d['wall_s']:.1f} | "
            f"{ws['spearman']:.3f} ({ws['pairs']}) | {sl['spearman']:.3f} ({sl['pairs']}) |"
        )
    print("\nNearest neighbours (top 5):\n")
    print("| algorithm | " + " | ".join(PROBES) + " |\n|---|" + "---|" * len(PROBES))
    for name, d in rows.items():
        print(f"| {name} | " + " | ".join(", ".join(d["neighbours"].get(p, [])) for p in PROBES) + " |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("part", choices=["speed", "quality"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lstm-tokens", type=int, default=40_000, help="lstm speed slice (tokens)")
    ap.add_argument("--lstm-only", action="store_true", help="speed: only the lstm runs and gensim skip-gram")
    ap.add_argument("--nplm-only", action="store_true", help="speed: only the nplm runs and gensim skip-gram")
    ap.add_argument("--corpus", choices=["shakespeare", "classification"], default="shakespeare")
    ap.add_argument("--gensim-epochs", type=int, default=5)
    ap.add_argument("--nplm-epochs", type=int, default=5)
    ap.add_argument("--rnn-epochs", type=int, default=2)
    ap.add_argument("--json", metavar="PATH", default=None)
    args = ap.parse_args()
    args.epochs = {"gensim": args.gensim_epochs, "nplm": args.nplm_epochs, "rnn": args.rnn_epochs}
    out = speed(args) if args.part == "speed" else quality(args)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
