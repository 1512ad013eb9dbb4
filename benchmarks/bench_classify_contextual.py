"""MiniLM as a text classifier: logistic regression and an MLP on its sentence vectors, fine-tuning it end to
end, and a linear probe per layer (issue 25, parts 5 and 6).

Run, one part at a time (each is long on a loaded 2-core CPU; run them one after another, not together):

    python benchmarks/bench_classify_contextual.py finetune [--train-size 2000] [--epochs 2] [--max-length 48]
    python benchmarks/bench_classify_contextual.py probe [--bootstrap 1000] [--figure]
    python benchmarks/bench_classify_contextual.py features [--subset 2000]

``finetune``: ``minilm-finetune`` on a seeded random ``--train-size`` of SST-2's training set (all of it with
0), scored on all of SST-2 dev, seed 0. ``features``: every sentence encoded once (batch 64), then
``sentence-logreg`` and ``sentence-mlp`` on the vectors: SST-2 train -> dev (all of both); TREC a stratified
10% of train held out (seed 0, as the CNN grid in docs/classification.md); DBpedia and AG News a seeded random
``--subset`` of the sample, 5-fold stratified CV (mean and sample std over folds). ``probe``: the per-layer
linear probe (:func:`embedkit.contextual.probe_vectors` on :func:`~embedkit.contextual.layer_vectors`) on
SST-2 (train -> dev) and TREC (10% held out), with bootstrap intervals; it keeps the layer means under
/tmp/embedkit-bench, and ``features`` then takes SST-2's and TREC's sentence vectors from them (the last
layer's means made unit length, which is what encode() returns for MiniLM) instead of encoding again. One
torch thread (``--threads``): on this shared machine two were several times slower. Each part writes benchmarks/results/classify_contextual_<part>_<date>.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import DATA, ROOT, finish_record, new_record, record_path, version, write_record

sys.path.insert(0, str(ROOT))

CACHE = Path("/tmp/embedkit-bench/classify_contextual")  # the probe part's layer means, for the features part


def sst2():
    from embedkit.classify import read_dataset

    d = DATA / "sentiment" / "sst2"
    return read_dataset(d / "train.txt"), read_dataset(d / "dev.txt")


def trec():
    from embedkit.classify import read_dataset, train_dev_split

    return train_dev_split(read_dataset(DATA / "questions" / "trec" / "train.txt"), dev_fraction=0.1, seed=0)


def subset(data, n: int, seed: int = 0):
    import numpy as np

    if not n or n >= len(data):
        return data
    return data.subset(np.sort(np.random.default_rng(seed).permutation(len(data))[:n]))


def part_finetune(args, record, out) -> None:
    from embedkit.classify import train
    from embedkit.classify.config import FinetuneConfig

    tr, dev = sst2()
    tr = subset(tr, args.train_size)
    cfg = FinetuneConfig(
        epochs=args.epochs, max_length=args.max_length, batch_size=args.batch_size, lr=args.lr, threads=args.threads
    )
    record["params"].update(train_examples=len(tr), dev_examples=len(dev), config=cfg.to_dict())
    write_record(out, record)
    r = train(tr, dev=dev, model="minilm-finetune", config=cfg, seed=0, progress=True)
    record["results"] = {"sst2": r.to_dict(), "history": r.history}
    print(r.to_dict(), flush=True)


def _fit_score(kind, Xtr, ytr, Xte, yte, seed=0):

    from embedkit.classify.sentence import SentenceClassifier

    t = time.perf_counter()
    clf = SentenceClassifier(kind, [str(i) for i in range(int(max(ytr.max(), yte.max())) + 1)], seed=seed)
    clf.fit_vectors(Xtr, ytr)
    acc = float((clf.decision_vectors(Xte).argmax(1) == yte).mean())
    return acc, time.perf_counter() - t


def part_features(args, record, out) -> None:
    import numpy as np

    from embedkit.classify import kfold, read_dataset
    from embedkit.contextual import encode, load_encoder

    enc = load_encoder("minilm")
    record["results"] = {}
    sets = {
        "sst2": sst2,
        "trec": trec,
        "agnews": lambda: subset(read_dataset(DATA / "topic" / "agnews" / "train.csv"), args.subset),
        "dbpedia": lambda: subset(read_dataset(DATA / "ontology" / "dbpedia" / "train.csv"), args.subset),
    }
    for name, data in sets.items():
        if name not in args.sets:
            continue
        res: dict = {}
        data = data()
        if isinstance(data, tuple):
            tr, te = data
            cached = CACHE / f"{name}_layers.npy"
            t = time.perf_counter()
            if cached.is_file():  # the probe's last-layer means, made unit length: encode()'s vectors
                last = np.load(cached)[-1]
                X = last / np.linalg.norm(last, axis=1, keepdims=True)
                res["vectors"] = f"the probe part's last-layer means ({cached.name}), unit length"
            else:
                X = encode(tr.texts + te.texts, model=enc, progress=True)
            res.update(encode_seconds=time.perf_counter() - t, train=len(tr), dev=len(te))
            Xtr, Xte = X[: len(tr)], X[len(tr) :]
            ytr, yte = np.asarray(tr.labels), np.asarray(te.labels)
            for kind in ("sentence-logreg", "sentence-mlp"):
                acc, sec = _fit_score(kind, Xtr, ytr, Xte, yte)
                res[kind] = {"accuracy": acc, "fit_seconds": sec}
        else:
            t = time.perf_counter()
            X = encode(data.texts, model=enc, progress=True)
            res.update(encode_seconds=time.perf_counter() - t, examples=len(data), folds=5)
            index = {text: i for i, text in enumerate(data.texts)}
            for kind in ("sentence-logreg", "sentence-mlp"):
                accs, secs = [], []
                for tr, te in kfold(data, 5, seed=0):
                    rows_tr = [index[t] for t in tr.texts]
                    rows_te = [index[t] for t in te.texts]
                    acc, sec = _fit_score(kind, X[rows_tr], np.asarray(tr.labels), X[rows_te], np.asarray(te.labels))
                    accs.append(acc)
                    secs.append(sec)
                res[kind] = {
                    "accuracy_mean": statistics.mean(accs),
                    "accuracy_std": statistics.stdev(accs),
                    "per_fold": accs,
                    "fit_seconds_median": statistics.median(secs),
                }
        record["results"][name] = res
        print(name, res, flush=True)
        write_record(out, record)


def part_probe(args, record, out) -> None:
    from embedkit.contextual import layer_vectors, load_encoder, probe_vectors

    enc = load_encoder("minilm")
    record["results"] = {}
    import numpy as np

    CACHE.mkdir(parents=True, exist_ok=True)
    for name, (tr, dev) in (("sst2", sst2()), ("trec", trec())):
        t = time.perf_counter()
        X = layer_vectors(tr.texts + dev.texts, model=enc, progress=True)
        encode_seconds = time.perf_counter() - t
        np.save(CACHE / f"{name}_layers.npy", X)  # reused by the features part
        n = len(tr)
        r = probe_vectors(X[:, :n], tr.labels, X[:, n:], dev.labels, bootstrap=args.bootstrap, seed=0, task=name)
        res = r.to_dict()
        res.update(encode_seconds=encode_seconds, seconds=time.perf_counter() - t)
        record["results"][name] = res
        print(name, [round(a, 4) for a in r.accuracy], flush=True)
        write_record(out, record)
        if args.figure:
            from embedkit.contextual import plot_probe

            label, held = {"sst2": ("SST-2", "dev"), "trec": ("TREC", "10% held out:")}[name]
            title = f"Linear probe per layer, MiniLM, {label} (train {len(tr):,}, {held} {len(dev):,})"
            plot_probe(r, title=title).savefig(
                ROOT / "docs" / "figures" / f"contextual_probe_minilm_{name}.png", dpi=110, bbox_inches="tight"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("part", choices=["finetune", "features", "probe"])
    ap.add_argument("--train-size", type=int, default=2000, help="finetune: SST-2 training examples (0: all)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--max-length", type=int, default=48)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--subset", type=int, default=2000, help="features: DBpedia and AG News examples (0: all)")
    ap.add_argument(
        "--sets", nargs="+", default=["sst2", "trec", "agnews", "dbpedia"], help="features: the datasets (default all)"
    )
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--figure", action="store_true", help="probe: write the figures under docs/figures/")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    out = record_path(f"classify_contextual_{args.part}", args.out)
    record = new_record(f"bench_classify_contextual {args.part}", **{k: v for k, v in vars(args).items() if k != "out"})
    record["versions"].update({d: version(d) for d in ("torch", "transformers", "scikit-learn")})
    import torch

    torch.set_num_threads(args.threads)
    record["machine"]["torch_threads"] = torch.get_num_threads()
    {"finetune": part_finetune, "features": part_features, "probe": part_probe}[args.part](args, record, out)
    finish_record(record)
    write_record(out, record)


if __name__ == "__main__":
    main()
