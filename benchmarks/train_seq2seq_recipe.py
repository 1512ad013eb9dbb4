"""Train one seq2seq recipe on a built-in task and record it (issue #17 section 2).

Tuning reads only the validation split (printed per epoch); with ``--test`` the test split is scored once
at the end (greedy and beam 5) and a dated record is written under ``benchmarks/results/``.

    nice -n 5 python benchmarks/train_seq2seq_recipe.py --task numbers-fr --model gru-attn --test
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

from embedkit.sequences import Seq2SeqConfig
from embedkit.sequences.api import train_seq2seq


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default="numbers-fr")
    ap.add_argument("--reverse", action="store_true")
    ap.add_argument("--model", default="gru-attn")
    ap.add_argument("--set", default="{}", help="JSON of Seq2SeqConfig fields overriding the recipe")
    ap.add_argument("--test", action="store_true", help="score the test split once at the end and write a record")
    ap.add_argument("--tag", default="")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    config = Seq2SeqConfig(model=args.model, **json.loads(args.set))
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    m = train_seq2seq(args.task, config, reverse=args.reverse, progress=not args.quiet, device="cpu")
    train_s = time.perf_counter() - t0
    for h in m.history:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in h.items()}), flush=True)
    print(f"train {train_s:.0f}s", flush=True)
    if not args.test:
        return 0
    assert m.splits is not None
    record = {
        "date": datetime.date.today().isoformat(),
        "command": "nice -n 5 python benchmarks/train_seq2seq_recipe.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, torch threads 1",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "task": args.task + (" reversed" if args.reverse else ""),
        "config": m.config.to_dict(),
        "train_seconds": round(train_s, 1),
        "history": m.history,
    }
    for beam in (1, 5):
        t1 = time.perf_counter()
        scores = m.evaluate(m.splits.test, beam_size=beam)
        record[f"test_beam{beam}"] = {**scores.to_dict(), "seconds": round(time.perf_counter() - t1, 1)}
        print(beam, scores, flush=True)
    name = f"seq2seq_{record['date']}_{args.task}{'-reversed' if args.reverse else ''}_{args.model}{args.tag}.json"
    out = Path(__file__).parent / "results" / name
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
