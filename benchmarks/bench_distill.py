"""Static vectors from MiniLM by model2vec's vocabulary method: embedkit's distillation beside model2vec's own.

Run:  python benchmarks/bench_distill.py [--top 30000] [--m2v-python /work/venv-model2vec/bin/python]
                                          [--reference DIR] [--out FILE]

In one run: embedkit's ``distill_vocabulary`` of MiniLM (PCA 256, SIF 1e-4; the time covers the pass
over the vocabulary, the PCA and composing GloVe's ``--top`` most frequent words from their pieces),
then model2vec's ``distill`` of the same model in its own venv (benchmarks/model2vec_reference.py;
model2vec[distill] pins transformers below 5.4; make the venv with benchmarks/setup_model2vec_venv.sh).
``--reference DIR`` reuses a folder model2vec_reference.py wrote earlier instead of running it (its
own record, with the command that made it, is copied into this one).

Scores, on the same items for every set (the words all of them have among GloVe's ``--top``):
WordSim353 and SimLex999 (Spearman) and the Google analogies (3CosAdd, answers among those words), for
GloVe 6B 50d, embedkit's distilled words and model2vec's. Prints a Markdown table and writes the dated
record benchmarks/results/distill_<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import ROOT, SCRATCH, finish_record, new_record, record_path, write_record

sys.path.insert(0, str(ROOT))


def scores(vectors) -> dict:
    """WordSim353 and SimLex999 Spearman, Google 3CosAdd accuracy (answers among the set's own words)."""
    from embedkit import evaluate_analogies, evaluate_similarity

    ws = evaluate_similarity(vectors, "wordsim353", restrict=None, n_boot=1000)
    sl = evaluate_similarity(vectors, "simlex999", restrict=None, n_boot=1000)
    an = evaluate_analogies(vectors, "google", restrict=None, n_boot=1000)
    return {
        "wordsim353": {"spearman": ws.spearman, "ci": list(ws.spearman_ci), "pairs": ws.pairs},
        "simlex999": {"spearman": sl.spearman, "ci": list(sl.spearman_ci), "pairs": sl.pairs},
        "google": {"accuracy": an.total.accuracy, "ci": list(an.total.ci), "questions": an.total.total},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=30000, help="GloVe's most frequent words to compose (default 30000)")
    ap.add_argument("--dim", type=int, default=256, help="PCA dimensions (default 256, model2vec's)")
    ap.add_argument("--m2v-python", default="/work/venv-model2vec/bin/python", help="model2vec's venv's python")
    ap.add_argument("--reference", type=Path, default=None, help="reuse model2vec_reference.py's output folder")
    ap.add_argument("--out", default=None, help="JSON record (default benchmarks/results/distill_<date>.json)")
    args = ap.parse_args()
    out = record_path("distill", args.out)
    record = new_record("bench_distill", top=args.top, dim=args.dim, reference=str(args.reference))
    import numpy as np

    import embedkit
    from embedkit.contextual import distill_vocabulary, load_encoder, vocabulary_pieces

    glove = embedkit.load()
    words = glove.keys[: args.top]
    encoder = load_encoder("minilm")
    start = time.perf_counter()
    ours = distill_vocabulary(encoder, dim=args.dim, words=words, progress=True)
    seconds = time.perf_counter() - start
    record["embedkit"] = {"distill_seconds": round(seconds, 2), "pieces": len(vocabulary_pieces(encoder))}
    SCRATCH.mkdir(parents=True, exist_ok=True)
    embedkit.save(ours, SCRATCH / "distill_vocabulary.ekv")  # kept to score again without the pass
    print(f"embedkit: {seconds:.1f} s, {len(ours):,} of {len(words):,} words", file=sys.stderr)
    write_record(out, record)

    ref = args.reference
    if ref is None:
        ref = Path(tempfile.mkdtemp(prefix="m2v-ref-"))
        words_file = ref / "words.txt"
        words_file.write_text("\n".join(words) + "\n", encoding="utf-8")
        cmd = [args.m2v_python, str(ROOT / "benchmarks" / "model2vec_reference.py"), "--words", str(words_file)]
        subprocess.run([*cmd, "--out", str(ref), "--dim", str(args.dim)], check=True, stdout=subprocess.DEVNULL)
    reference = json.loads((ref / "reference.json").read_text())
    record["model2vec"] = reference
    m2v = embedkit.Vectors(words, np.load(ref / "words.npy"), source="model2vec distillation")

    common = [w for w in words if w in ours]  # the words embedkit composes (model2vec gives the rest zeros)
    sets = {
        "GloVe 6B 50d": glove.subset(common),
        "embedkit vocabulary": ours.subset(common),
        "model2vec": m2v.subset(common),
    }
    record["words"] = len(common)
    a, b = sets["embedkit vocabulary"].normalized, sets["model2vec"].normalized
    cos = (a * b).sum(axis=1)  # the same word's vector by each, as cosines
    record["agreement"] = {
        "mean_cosine": float(cos.mean()),
        "min_cosine": float(cos.min()),
        "min_word": common[int(cos.argmin())],
    }
    record["results"] = {name: scores(v) for name, v in sets.items()}
    finish_record(record)
    write_record(out, record)
    print(
        f"\n{len(common):,} words (GloVe's {args.top:,} most frequent that embedkit composes); same items for every set\n"
    )
    print("| set | WordSim353 (Spearman) | SimLex999 (Spearman) | Google analogies (3CosAdd) |")
    print("|---|---|---|---|")
    for name, r in record["results"].items():
        ws, sl, an = r["wordsim353"], r["simlex999"], r["google"]
        print(
            f"| {name} | {ws['spearman']:.3f} ({ws['pairs']} pairs) | {sl['spearman']:.3f} ({sl['pairs']} pairs) | "
            f"{100 * an['accuracy']:.1f}% ({an['questions']:,} questions) |"
        )
    print(
        f"\ndistillation: embedkit {seconds:.1f} s ({record['embedkit']['pieces']:,} pieces), "
        f"model2vec {reference['distill_seconds']:.1f} s ({reference['pieces']:,} pieces); record {out}"
    )


if __name__ == "__main__":
    main()
