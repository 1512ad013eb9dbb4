"""Character language models on tiny-Shakespeare: held-out loss against wall-clock training time.

Trains each family (``rnn``, ``gru``, ``lstm``, ``transformer`` with ``train-lm``'s defaults for
characters, and ``nanogpt``: nanoGPT's CPU configuration, 4 layers, 4 heads, 128 dimensions, block
64, batch 12, 2,000 iterations, no dropout, lr 1e-3 with 100 warm-up steps and cosine decay over the
2,000, as a reference line) for ``--minutes`` of training each, one after the other, on nanoGPT's
split (first 90% train, last 10% held out). The held-out loss (nats per character) is measured every
``--eval-every`` steps on the first 32,768 held-out characters and at the end on all 111,540;
evaluation time is not training time. Writes a dated JSON record under ``benchmarks/results/`` (the
machine, its load, the command, every curve) and one figure, loss against time for all families,
under ``docs/figures/``.

    python benchmarks/bench_charlm.py --minutes 5                       # the full run (25+ minutes)
    python benchmarks/bench_charlm.py --minutes 1 --label smoke         # a quick check that it works
    python benchmarks/bench_charlm.py --minutes 30 --families transformer

The figures depend on the machine and on its load (the record keeps both); run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATA, ROOT, finish_record, new_record, record_path, version, write_record

FAMILIES = ("rnn", "gru", "lstm", "transformer", "nanogpt")
NANOGPT_CPU = {
    "algorithm": "transformer",
    "dim": 128,
    "heads": 4,
    "layers": 4,
    "hidden": 512,
    "block": 64,
    "batch_size": 12,
    "steps": 2000,
    "dropout": 0.0,
    "lr": 1e-3,
    "optimizer": "adamw",
    "weight_decay": 0.1,
    "warmup": 100,
    "schedule": "cosine",
}


def family_config(name: str, minutes: float, eval_every: int, bf16: bool):
    from embedkit.training.config import TrainConfig, lm_recipe

    if name == "nanogpt":
        # nanoGPT's 2,000 iterations and their schedule, cut at the time budget if it comes first
        fields = {**lm_recipe("char", "transformer"), **NANOGPT_CPU}
    else:
        fields = {**lm_recipe("char", name), "epochs": 1}
    fields.update(minutes=minutes, eval_every=eval_every, eval_tokens=32_768, bf16=bf16, seed=0)
    return TrainConfig(**fields)


def run_family(name: str, corpus, minutes: float, eval_every: int, bf16: bool) -> dict:
    from embedkit.training.learn import train_lm

    config = family_config(name, minutes, eval_every, bf16)
    cpu0 = time.process_time()
    r = train_lm(corpus, config, device="cpu", progress=False)
    curve = [
        {"elapsed_s": h["elapsed"], "step": h["step"], "valid_loss": h["valid_loss"], "train_loss": h["loss"]}
        for h in r.history
    ]
    return {
        "family": name,
        "config": config.to_dict(),
        "valid_loss": r.valid_loss,
        "valid_bpc": r.valid_bpc,
        "steps": r.steps,
        "seconds": r.seconds,
        "tokens_per_s": r.tokens_per_s,
        "cpu_s": time.process_time() - cpu0,
        "curve": curve,
    }


def plot(record: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    for res in record["results"]:
        xs = [0.0] + [c["elapsed_s"] / 60 for c in res["curve"]]
        ys = [math.log(65)] + [c["valid_loss"] for c in res["curve"]]
        label = f"{res['family']} ({res['valid_loss']:.3f} at {res['seconds'] / 60:.1f} min, {res['steps']} steps)"
        ax.plot(xs, ys, marker="o", markersize=3, label=label, linestyle="--" if res["family"] == "nanogpt" else "-")
    ax.axhline(1.65, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel("training time (minutes, evaluation excluded)")
    ax.set_ylabel("held-out loss (nats per character)")
    ax.set_ylim(1.3, 4.4)
    load = record["machine"]["load_at_start"][0]
    label = f" [{record['params']['label']}]" if record["params"]["label"] else ""
    ax.set_title(
        f"tiny-Shakespeare characters, {record['params']['minutes']} min per family{label}\n"
        f"{record['machine']['cpu'][:40]}, {record['machine']['cpus']} cores, load {load:.1f} at start",
        fontsize=9,
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=5.0, help="training minutes per family (default 5)")
    p.add_argument("--families", default=",".join(FAMILIES), help=f"comma-separated, of {', '.join(FAMILIES)}")
    p.add_argument("--eval-every", type=int, default=100, help="steps between held-out measurements (default 100)")
    p.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None, help="default: where native")
    p.add_argument("--label", default="", help="e.g. 'smoke': put in the file names and the figure's title")
    p.add_argument("--corpus", default=str(DATA / "corpus" / "tinyshakespeare.txt"))
    p.add_argument("--out", default=None, help="the JSON record (default benchmarks/results/charlm_DATE[_LABEL].json)")
    p.add_argument("--figure", default=None, help="default docs/figures/charlm_loss_vs_time[_LABEL].png")
    args = p.parse_args()
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        p.error(f"unknown families: {', '.join(unknown)}")

    import torch

    from embedkit.nn.runtime.device import native_bf16
    from embedkit.training.corpus import read_char_corpus

    bf16 = native_bf16("cpu") if args.bf16 is None else args.bf16
    suffix = f"_{args.label}" if args.label else ""
    out = record_path(f"charlm{suffix}", args.out)
    figure = Path(args.figure) if args.figure else ROOT / "docs" / "figures" / f"charlm_loss_vs_time{suffix}.png"
    record = new_record(
        "charlm", minutes=args.minutes, families=families, eval_every=args.eval_every, bf16=bf16, label=args.label
    )
    record["versions"]["torch"] = version("torch")
    record["machine"]["torch_threads"] = 1
    record["figure"] = str(figure.relative_to(ROOT)) if figure.is_relative_to(ROOT) else str(figure)
    corpus = read_char_corpus([args.corpus])
    torch.set_num_threads(1)
    for name in families:
        print(f"{name}: {args.minutes} min ...", file=sys.stderr, flush=True)
        res = run_family(name, corpus, args.minutes, args.eval_every, bf16)
        res["load_after"] = os.getloadavg()
        record["results"].append(res)
        print(
            f"  {res['valid_loss']:.4f} nats ({res['valid_bpc']:.3f} bpc) after {res['steps']} steps, "
            f"{res['seconds']:.0f} s, {res['tokens_per_s']:,.0f} chars/s",
            file=sys.stderr,
            flush=True,
        )
        write_record(out, record)  # a partial run keeps what it measured
    finish_record(record)
    write_record(out, record)
    plot(record, figure)
    print(f"wrote {out} and {figure}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
