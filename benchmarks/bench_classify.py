"""Text classification: embedkit's models and modes on the Kim (2014) suite and two topic samples.

Run (under the shared lock on a shared machine):
  python benchmarks/bench_classify.py --datasets mr --models cnn --modes non-static --out results.jsonl
  python benchmarks/bench_classify.py --datasets mr --models cnn --modes non-static --only-folds 0,1,2 --out r.jsonl
  python benchmarks/bench_classify.py --datasets subj mpqa --out grid.jsonl --skip-done   # stop and restart at will
  python benchmarks/bench_classify.py --summary results.jsonl          # the Markdown table of what ran
  python benchmarks/bench_classify.py --epoch-speed                    # one CNN epoch vs plain PyTorch

Protocol (with the default GloVe 6B 50d vectors), per dataset:
  * MR, Subj, CR, MPQA: stratified 10-fold cross-validation;
  * DBpedia and AG News samples: stratified 5-fold cross-validation;
  * SST-2, SST-5: train on train.txt, select (early stopping) on dev.txt and report dev.txt, the
    protocol of the data README ("train on train, select on dev");
  * TREC: a stratified 10% of train.txt held out (seed 0) as the dev set, selected on and reported.
In cross-validation, neural models stop early on 10% of the training folds, so a reported fold
never selects anything. Every run (fold, seed) is one JSON line in --out; --summary averages them (mean ± std
over folds). ``--models fasttext`` runs fastText's supervised classifier (PyPI ``fasttext``) as the
peer, on the same splits, with GloVe-50d as its pretrained vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import DATA, ROOT

sys.path.insert(1, str(ROOT))  # this checkout's embedkit, installed or not

DATASETS = {
    # name: (files relative to DATA, protocol, folds)
    "mr": ("sentiment/mr/mr.txt", "cv", 10),
    "sst2": ("sentiment/sst2", "dev", 0),
    "sst5": ("sentiment/sst5", "dev", 0),
    "subj": ("sentiment/subj/subj.txt", "cv", 10),
    "trec": ("questions/trec/train.txt", "holdout", 0),
    "cr": ("sentiment/cr/cr.txt", "cv", 10),
    "mpqa": ("sentiment/mpqa/mpqa.txt", "cv", 10),
    "dbpedia": ("ontology/dbpedia/train.csv", "cv", 5),
    "agnews": ("topic/agnews/train.csv", "cv", 5),
}
NEURAL = ["rnn", "gru", "lstm", "cnn", "transformer"]
BASE = ["tfidf-logreg", "tfidf-svm", "mean-logreg"]
MODES = ["rand", "static", "non-static", "multichannel"]

# Kim (2014), Table 2 (accuracy %, word2vec 300d), for the README's comparison.
KIM = {
    "CNN-rand": {"mr": 76.1, "sst5": 45.0, "sst2": 82.7, "subj": 89.6, "trec": 91.2, "cr": 79.8, "mpqa": 83.4},
    "CNN-static": {"mr": 81.0, "sst5": 45.5, "sst2": 86.8, "subj": 93.0, "trec": 92.8, "cr": 84.7, "mpqa": 89.6},
    "CNN-non-static": {"mr": 81.5, "sst5": 48.0, "sst2": 87.2, "subj": 93.4, "trec": 93.6, "cr": 84.3, "mpqa": 89.5},
    "CNN-multichannel": {"mr": 81.1, "sst5": 47.4, "sst2": 88.1, "subj": 93.2, "trec": 92.2, "cr": 85.0, "mpqa": 89.4},
}


def splits(name: str, seed: int, only_folds: set[int] | None, folds_override: int | None):
    """Yield (fold, train, dev, report) TextDatasets for the dataset's protocol (dev None: held out of train)."""
    from embedkit.classify import kfold, read_dataset, train_dev_split

    rel, protocol, k = DATASETS[name]
    if protocol == "cv":
        data = read_dataset(DATA / rel)
        for i, (tr, te) in enumerate(kfold(data, folds_override or k, seed=seed)):
            if only_folds is None or i in only_folds:
                yield i, tr, None, te
    elif protocol == "dev":
        dv = read_dataset(DATA / rel / "dev.txt")
        yield 0, read_dataset(DATA / rel / "train.txt"), dv, dv
    else:
        tr, dv = train_dev_split(read_dataset(DATA / rel), dev_fraction=0.1, seed=0)
        yield 0, tr, dv, dv


_FT_VECTORS: dict[int, Path] = {}


def run_fasttext(tr, te, vectors, seed: int, epochs: int) -> tuple[float, float, float]:
    """fastText supervised (word bigrams, GloVe-50d pretrained input vectors); (accuracy, macro-F1, seconds)."""
    import fasttext

    from embedkit import save
    from embedkit.classify import compute_metrics
    from embedkit.text import tokenize

    tmp = Path(tempfile.mkdtemp(prefix="ek-ft-"))
    vec_path = _FT_VECTORS.get(id(vectors))
    if vec_path is None:  # written once per process, outside the timing
        vec_path = _FT_VECTORS[id(vectors)] = tmp / "vectors.vec"
        save(vectors, vec_path, format="word2vec")
    # fastText's SGD reads the file in order, with a learning rate that decays to zero: fed MR, Subj, CR or MPQA as
    # stored (all of one class, then the other) it ends biased to the last class (MR: 58.7% unshuffled). Shuffle
    # with the run's seed, as fastText's own tutorial does.
    order = np.random.default_rng(seed).permutation(len(tr.texts))
    with open(tmp / "train.txt", "w") as f:
        f.writelines(f"__label__{tr.labels[i]} {' '.join(tokenize(tr.texts[i]))}\n" for i in order)
    t0 = time.perf_counter()
    model = fasttext.train_supervised(
        str(tmp / "train.txt"),
        dim=vectors.dim,
        pretrainedVectors=str(vec_path),
        epoch=epochs,
        wordNgrams=2,
        lr=0.5,
        seed=seed,
        thread=1,
        verbose=0,
    )
    seconds = time.perf_counter() - t0
    labels, _ = model.predict([" ".join(tokenize(t)) for t in te.texts])
    pred = np.array([int(lab[0].replace("__label__", "")) for lab in labels])
    m = compute_metrics(te.labels, pred, te.class_names)
    return m.accuracy, m.macro_f1, seconds


def _run_key(dataset, model, mode, seed, fold, config) -> tuple:
    return dataset, model, mode, seed, fold, json.dumps(config or None, sort_keys=True)  # no config == {}


def _recorded_runs(path: str | None) -> set[tuple]:
    """The runs already in ``path`` (``--skip-done``): a long grid can be stopped and started again."""
    if not path or not os.path.exists(path):
        return set()
    with open(path) as f:
        recs = [json.loads(line) for line in f if line.strip()]
    return {_run_key(r["dataset"], r["model"], r["mode"], r["seed"], r["fold"], r.get("config")) for r in recs}


def run_grid(args) -> None:
    import embedkit
    from embedkit.classify import train

    config_base = None
    vectors = embedkit.load(args.vectors)
    only = {int(x) for x in args.only_folds.split(",")} if args.only_folds else None
    done = _recorded_runs(args.out) if args.skip_done else set()
    config = json.loads(args.config) if args.config != "{}" else None  # --config: neural models only
    out = open(args.out, "a") if args.out else None  # noqa: SIM115  (closed after the loops; optional)
    for name in args.datasets:
        for model in args.models:
            modes = args.modes if model in NEURAL else [None]
            for mode in modes:
                for seed in args.seeds:
                    for fold, tr, dv, te in splits(name, seed, only, args.folds):
                        given = config if model in NEURAL else None
                        if _run_key(name, model, mode, seed, fold, given) in done:
                            continue
                        dev_acc = None
                        if model == "fasttext":
                            acc, f1, sec = run_fasttext(tr, te, vectors, seed, args.fasttext_epochs)
                        else:
                            if model in NEURAL:
                                from embedkit.classify import ClassifierConfig

                                limits = {
                                    k: v
                                    for k, v in (("epochs", args.epochs), ("patience", args.patience))
                                    if v is not None
                                }
                                config_base = ClassifierConfig(**{**limits, **(given or {})})
                            r = train(
                                tr,
                                dev=dv,
                                test=te,
                                model=model,
                                mode=mode or "non-static",
                                vectors=vectors,
                                config=config_base,
                                seed=seed,
                                device=args.device,
                            )
                            acc, f1, sec = r.test.accuracy, r.test.macro_f1, r.train_seconds  # type: ignore[union-attr]
                            dev_acc = r.dev.accuracy if r.dev is not None else None
                        rec = {
                            "dataset": name,
                            "model": model,
                            "mode": mode,
                            "seed": seed,
                            "fold": fold,
                            "accuracy": acc,
                            "macro_f1": f1,
                            "train_seconds": sec,
                            "n_train": len(tr),
                            "n_test": len(te),
                            "threads": args.threads,
                        }
                        if dev_acc is not None and dv is None:  # the inner dev split: what selection may look at
                            rec["inner_dev_accuracy"] = dev_acc
                        if given is not None:
                            rec["config"] = given
                        print(json.dumps(rec), flush=True)
                        if out:
                            out.write(json.dumps(rec) + "\n")
                            out.flush()
    if out:
        out.close()


def summary(paths: list[str]) -> None:
    runs: dict[tuple, dict] = {}  # one record per (cell, seed, fold): a rerun replaces the earlier one
    for p in paths:
        for line in open(p):  # noqa: SIM115  (a one-shot script: read once, closed at exit)
            if line.strip():
                r = json.loads(line)
                model = r["model"] + (" " + json.dumps(r["config"], sort_keys=True) if r.get("config") else "")
                r["model"] = model
                runs[(r["dataset"], model, r["mode"], r["seed"], r["fold"])] = r
    cells: dict[tuple, list[dict]] = defaultdict(list)
    for r in runs.values():
        cells[(r["dataset"], r["model"], r["mode"])].append(r)
    print("| dataset | model | mode | runs | accuracy % (mean ± std) | macro-F1 % | train s / run |")
    print("|---|---|---|---|---|---|---|")
    for (ds, model, mode), rs in sorted(
        cells.items(), key=lambda kv: (list(DATASETS).index(kv[0][0]), kv[0][1], str(kv[0][2]))
    ):
        acc = [100 * r["accuracy"] for r in rs]
        f1 = [100 * r["macro_f1"] for r in rs]
        sd = statistics.stdev(acc) if len(acc) > 1 else 0.0
        folds = sorted({(r["seed"], r["fold"]) for r in rs})
        print(
            f"| {ds} | {model} | {mode or '-'} | {len(folds)} | {np.mean(acc):.1f} ± {sd:.1f} | {np.mean(f1):.1f} | "
            f"{np.mean([r['train_seconds'] for r in rs]):.1f} |"
        )


def epoch_speed(args) -> None:
    """One epoch of Kim's CNN (static GloVe-50d) on MR's nine training folds: embedkit's fit vs a
    plain PyTorch loop over the same model shape on fixed-length padded batches."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    import embedkit
    from embedkit.classify import ClassifierConfig, kfold, read_dataset
    from embedkit.nn.classifiers import build_classifier
    from embedkit.nn.classifiers import fit_classifier as fit
    from embedkit.nn.classifiers.data import build_vocab, encode_texts, tokenize_texts

    vectors = embedkit.load(args.vectors)
    tr, _ = next(kfold(read_dataset(DATA / "sentiment/mr/mr.txt"), 10, seed=0))
    toks = tokenize_texts(tr.texts)
    cfg = ClassifierConfig(mode="static", epochs=1, patience=None)
    vocab = build_vocab(toks, vectors, vector_words=cfg.vector_words)
    data = encode_texts(toks, vocab, labels=tr.labels)

    def ours() -> None:
        model = build_classifier(cfg, vocab=vocab, num_classes=2, vectors=vectors)
        fit(model, data, None, cfg, seed=0, device="cpu", progress=False)

    class PlainCNN(nn.Module):
        def __init__(self, weight: torch.Tensor) -> None:
            super().__init__()
            self.emb = nn.Embedding.from_pretrained(weight, freeze=True, padding_idx=0)
            self.convs = nn.ModuleList(nn.Conv1d(weight.shape[1], 100, w, padding=w - 1) for w in (3, 4, 5))
            self.drop = nn.Dropout(0.5)
            self.fc = nn.Linear(300, 2)

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            x = self.emb(ids).transpose(1, 2)
            return self.fc(self.drop(torch.cat([F.relu(c(x)).amax(2) for c in self.convs], 1)))

    fixed = encode_texts(toks, vocab, labels=tr.labels, policy="fixed", max_len=int(data.lengths.max()))
    weight = build_classifier(cfg, vocab=vocab, num_classes=2, vectors=vectors).embedder.static.weight.detach()
    ids_all, y_all = torch.from_numpy(fixed.ids), torch.from_numpy(fixed.labels)

    def plain() -> None:
        torch.manual_seed(0)
        model = PlainCNN(weight)
        opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
        perm = torch.randperm(len(y_all))
        for s in range(0, len(perm), 50):
            idx = perm[s : s + 50]
            loss = F.cross_entropy(model(ids_all[idx]), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                model.fc.weight.copy_(torch.renorm(model.fc.weight, 2, 0, 3.0))

    ours()  # warm up (imports, allocator)
    plain()
    t_ours, t_plain = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        ours()
        t_ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        plain()
        t_plain.append(time.perf_counter() - t)
    mo, mp = statistics.median(t_ours), statistics.median(t_plain)
    print(f"# one epoch, CNN static, MR training folds ({len(tr)} sentences), torch threads {torch.get_num_threads()}")
    print("| task | embedkit (median) | plain PyTorch (median) | ratio |\n|---|---|---|---|")
    print(f"| CNN-static epoch on MR (9 folds) | {mo:.2f} s | {mp:.2f} s | {mp / mo:.2f}x |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    ap.add_argument("--models", nargs="+", default=NEURAL + BASE + ["fasttext"], choices=NEURAL + BASE + ["fasttext"])
    ap.add_argument("--modes", nargs="+", default=MODES, choices=MODES)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--folds", type=int, default=None, help="override the number of CV folds")
    ap.add_argument("--only-folds", default=None, help="comma-separated fold numbers to run (e.g. 0,1,2)")
    ap.add_argument("--epochs", type=int, default=None, help="(default: ClassifierConfig's)")
    ap.add_argument("--patience", type=int, default=None, help="(default: ClassifierConfig's)")
    ap.add_argument(
        "--config", default="{}", help="more ClassifierConfig fields as JSON, e.g. '{\"bidirectional\": true}'"
    )
    ap.add_argument("--fasttext-epochs", type=int, default=25)
    ap.add_argument("--vectors", default="glove-6b-50d")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--out", default=None, help="append one JSON line per run to this file")
    ap.add_argument("--skip-done", action="store_true", help="skip the runs (cell, seed, fold) already in --out")
    ap.add_argument("--summary", nargs="+", default=None, metavar="JSONL", help="print the table of these runs")
    ap.add_argument("--epoch-speed", action="store_true", help="time one CNN-static epoch on MR vs plain PyTorch")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.summary:
        summary(args.summary)
        return
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.epoch_speed:
        epoch_speed(args)
    else:
        run_grid(args)


if __name__ == "__main__":
    main()
