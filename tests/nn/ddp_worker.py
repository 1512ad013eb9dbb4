"""Trained by tests/nn/test_distributed.py once in one process and once under ``torchrun`` with two.

Usage: python tests/nn/ddp_worker.py DATA_DIR OUT_DIR   (or through torchrun). Trains, on the real
datasets and without dropout (whose masks are drawn per process): a GRU language model with the
sampled softmax and sparse gradients, an NPLM with negative sampling, a Kim CNN (non-static) and a
bidirectional GRU classifier on length-bucketed batches; rank 0 writes every final state dict and
history to OUT_DIR/results.pt.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import torch


def main(data_dir: Path, out: Path) -> None:
    from embedkit.classify import train
    from embedkit.classify.config import ClassifierConfig
    from embedkit.classify.datasets import TextDataset, read_dataset
    from embedkit.nn.lm.train import train_language_model
    from embedkit.training.config import TrainConfig
    from embedkit.training.corpus import char_corpus_from_text, corpus_from_texts

    results: dict[str, dict] = {}
    text = (data_dir / "corpus" / "tinyshakespeare.txt").read_text()[:60_000]
    corpus = corpus_from_texts([text], min_count=2, valid_fraction=0.1)
    for name, cfg in {
        "gru-sampled": TrainConfig(
            algorithm="gru",
            dim=16,
            hidden=32,
            objective="sampled",
            num_sampled=64,
            sparse=False,
            epochs=2,
            batch_size=8,
            bptt=16,
            lr=0.01,
            seed=3,
            workers=1,
        ),
        "nplm-negative": TrainConfig(
            algorithm="nplm", dim=16, objective="negative", epochs=2, batch_size=8, bptt=16, lr=0.01, seed=4, workers=1
        ),
    }.items():
        lm = train_language_model(corpus, cfg, device="cpu", progress=False)
        results[name] = {"state": lm.model.state_dict(), "history": lm.history}
    # the char transformer: random blocks, every process draws the whole batch's offsets and keeps its rows
    chars = char_corpus_from_text(text[:20_000])
    cfg = TrainConfig(
        algorithm="transformer", unit="char", dim=16, heads=2, layers=1, block=16, objective="full",
        steps=20, eval_every=10, batch_size=8, lr=0.01, optimizer="adamw", seed=5, workers=1,
    )  # fmt: skip
    lm = train_language_model(chars, cfg, device="cpu", progress=False)
    results["transformer-char"] = {"state": lm.model.state_dict(), "history": lm.history}

    mr = read_dataset(data_dir / "sentiment" / "mr" / "mr.txt")
    rng = np.random.default_rng(0)
    pick = rng.choice(len(mr), 700, replace=False)
    sub = TextDataset([mr.texts[i] for i in pick], np.asarray(mr.labels)[pick], mr.class_names)
    common = {"epochs": 2, "patience": None, "dropout": 0.0, "input_dropout": 0.0, "vector_words": 2000}
    for name, cfg in {
        "cnn": ClassifierConfig(**common),
        "gru": ClassifierConfig(**common, bidirectional=True, hidden_size=32, pooling="max"),
    }.items():
        ck = out / f"ck-{name}" if name == "cnn" else None
        r = train(
            sub,
            model=cfg.model if name == "cnn" else "gru",
            mode="non-static",
            config=cfg,
            seed=5,
            device="cpu",
            checkpoint_dir=ck,
        )
        results[f"classifier-{name}"] = {
            "state": r.classifier.model.state_dict(),
            "history": [{k: v for k, v in e.items() if k != "seconds"} for e in r.history["epochs"]],
            "dev_accuracy": r.dev.accuracy,
        }
    if int(os.environ.get("RANK", "0")) == 0:
        out.mkdir(parents=True, exist_ok=True)
        results["world_size"] = int(os.environ.get("WORLD_SIZE", "1"))  # type: ignore[assignment]
        torch.save(results, out / "results.pt")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
    from embedkit.nn.runtime.distributed import shutdown

    shutdown()
