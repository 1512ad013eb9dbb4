"""One comparison report of GloVe 6B 50d, MiniLM's two distilled sets and a word2vec trained by embedkit.

Run:  python benchmarks/distill_report.py [--work /tmp/embedkit-bench/distill] [--docs 6380] [--seed 0]

Steps (each skipped when its file is already in --work, so a rerun picks up where one stopped):

1. ``corpus.txt``: the AG News sample of the shared data (``topic/agnews/train.csv``, the first
   ``--docs`` articles), HTML remnants (``#39;``, ``quot;``) undone, lower-cased and split into words and
   punctuation as BERT's pre-tokenizer splits them, one article per line;
2. ``vocabulary.ekv``: ``embedkit distill --method vocabulary --top 30000`` (model2vec's method, PCA 256);
3. ``corpus.ekv``: ``embedkit distill --method corpus --corpus corpus.txt --min-count 2`` (Bommasani et
   al.'s corpus average at the last layer);
4. ``word2vec.ekv``: ``embedkit train-embeddings corpus.txt --algorithm word2vec-skipgram`` (gensim's
   skip-gram through embedkit, 100 dimensions, 10 epochs, min count 2, one worker, ``--seed``);
5. ``embedkit report`` of GloVe 6B 50d and the three sets, HTML, Markdown and JSON, into --work; the
   Markdown and JSON are copied to benchmarks/results/distill_report_<date>.{md,json}.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import DATA, RESULTS, ROOT, SCRATCH

WORD = re.compile(r"\w+|[^\w\s]")


def make_corpus(path: Path, docs: int) -> None:
    with open(DATA / "topic" / "agnews" / "train.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[:docs]
    lines = []
    for _, text in rows:
        text = html.unescape(re.sub(r"\s?#(\d+);", r"&#\1;", text).replace("quot;", '"').replace("amp;", "&"))
        lines.append(" ".join(WORD.findall(text.lower())))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(argv: list[str], log: list[dict]) -> None:
    start = time.perf_counter()
    print("$ embedkit " + " ".join(argv), file=sys.stderr)
    subprocess.run([sys.executable, "-m", "embedkit.cli", *argv], check=True, cwd=ROOT)
    log.append({"command": "embedkit " + " ".join(argv), "seconds": round(time.perf_counter() - start, 1)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=SCRATCH / "distill")
    ap.add_argument("--docs", type=int, default=6380, help="AG News articles in the corpus (default all 6,380)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    log: list[dict] = []
    corpus = work / "corpus.txt"
    if not corpus.exists():
        make_corpus(corpus, args.docs)
    steps = [
        ("vocabulary.ekv", ["distill", "--top", "30000", "-o", str(work / "vocabulary.ekv")]),
        (
            "corpus.ekv",
            ["distill", "--method", "corpus", "--corpus", str(corpus), "--min-count", "2", "-o", str(work / "corpus.ekv")],
        ),
        (
            "word2vec.ekv",
            [
                "train-embeddings", str(corpus), "--algorithm", "word2vec-skipgram", "--dim", "100", "--epochs", "10",
                "--min-count", "2", "--workers", "1", "--seed", str(args.seed), "-o", str(work / "word2vec.ekv"),
            ],
        ),
    ]  # fmt: skip
    for name, argv in steps:
        if not (work / name).exists():
            run(argv, log)
    report = [
        "report", "glove-6b-50d", str(work / "vocabulary.ekv"), str(work / "corpus.ekv"), str(work / "word2vec.ekv"),
        "--names", "GloVe 6B 50d", "MiniLM vocabulary (model2vec method)", "MiniLM corpus average", "word2vec (AG News)",
        "--seed", str(args.seed), "-o", str(work / "report.html"), "--markdown", str(work / "report.md"),
        "--json", str(work / "report.json"),
    ]  # fmt: skip
    run(report, log)
    day = dt.date.today().isoformat()
    for suffix in ("md", "json"):
        shutil.copyfile(work / f"report.{suffix}", RESULTS / f"distill_report_{day}.{suffix}")
    (RESULTS / f"distill_report_{day}.commands.txt").write_text(
        f"python {' '.join(sys.argv)}\n" + "".join(f"{e['command']}  # {e['seconds']} s\n" for e in log),
        encoding="utf-8",
    )
    print(f"report: {work / 'report.html'}; copies in {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
