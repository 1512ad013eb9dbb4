"""Generation speed of the character transformer: with the key-value cache against without it, in one run.

Run:  flock /tmp/ek/bench.lock python benchmarks/bench_generate.py [--chars 2000] [--model PATH] [--strides 64]
      [--rope PATH] [--rope-check 600] [--repeat 1]

One torch thread (torch.set_num_threads(1)). The model: ``--model`` (a train-lm file), else the size of
the 5-minute character transformer (``lm_recipe("char", "transformer")``: 4 layers, 4 heads, 128
dimensions, feed-forward 512, block 128) over tiny-Shakespeare's 65 characters with the constructor's
random (GPT-2) initialisation, seeded: the time per character does not depend on the weights' values.
Each repeat runs every mode in turn, so that all see the same load: ``uncached`` (as before the cache),
``cached`` (stride 1: the same distribution, checked here: the same text under the same seed) and
``cached, stride N`` for each ``--strides`` (a different distribution), then the rope model (``--rope``, a
train-lm file trained with ``--positions rope``; else the same size with rope positions and random weights):
``rope, cached`` (its rolling cache) and ``rope, uncached`` (each character recomputes the banded forward over
the ``layers x (window - 1)`` characters it depends on: the reference, run for the first ``--rope-check``
characters only, whose text must equal the cached one's). Each run generates ``--chars``
characters after the prompt "ROMEO:" (seed 1, temperature 1) after a 20-character warm-up; each
character is timed through ``on_token``, in wall-clock and in CPU time (on a machine shared with other
work, the CPU time is what the run would take alone). Prints, per mode, the median total (after
loading) and the milliseconds per character over ranges of the output, the ratio uncached / cached, and writes a dated
JSON record (default benchmarks/results/generate_<date>.json).

Then (unless ``--no-seq2seq``) the seq2seq transformer's decoding, with and without its cache, alternating:
the recipe's size (2 layers, 128 dimensions, 4 heads, feed-forward 512), random weights, vocabularies of 500,
64 random sources of 12 tokens, at most 30 output tokens, greedy and a beam of 5; the outputs must agree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _common import DATA, ROOT, finish_record, new_record, record_path, version, write_record

sys.path.insert(0, str(ROOT))

RANGES = [(0, 100), (100, 500), (500, 1000), (1000, 2000)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=2000)
    ap.add_argument("--model", default=None, help="a train-lm model file (default: random weights, 5-minute size)")
    ap.add_argument("--strides", type=int, nargs="*", default=[64])
    ap.add_argument("--rope", default=None, help="a train-lm --positions rope model file (default: random weights)")
    ap.add_argument("--rope-check", type=int, default=600, help="characters of the uncached rope reference")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-seq2seq", action="store_true", help="skip the seq2seq decoding part")
    ap.add_argument("--out", default=None, help="JSON record (default benchmarks/results/generate_<date>.json)")
    args = ap.parse_args()

    import torch

    from embedkit.nn.lm.generate import generate
    from embedkit.nn.lm.models import build_model
    from embedkit.nn.lm.train import TrainedLM, load_language_model
    from embedkit.training.config import TrainConfig, lm_recipe
    from embedkit.training.corpus import read_char_corpus

    torch.set_num_threads(1)
    out = record_path("generate", args.out)
    record = new_record(
        "bench_generate", chars=args.chars, model=args.model, strides=args.strides, repeat=args.repeat, threads=1
    )
    record["versions"]["torch"] = version("torch")
    if args.model:
        lm = load_language_model(args.model)
    else:
        corpus = read_char_corpus([DATA / "corpus" / "tinyshakespeare.txt"])
        learned = {"positions": "learned", "block": 128, "attention_window": 0}  # the 5-minute model before rope
        config = TrainConfig(**{**lm_recipe("char", "transformer"), **learned})
        torch.manual_seed(0)
        lm = TrainedLM(build_model(config, len(corpus.vocab)).eval(), corpus.vocab, config)
    c = lm.config
    record["model"] = {
        "weights": args.model or "random (GPT-2 initialisation, torch.manual_seed(0))",
        "dim": c.dim,
        "layers": c.layers,
        "heads": c.heads,
        "hidden": c.hidden,
        "block": c.block,
        "vocab": len(lm.vocab),
        "parameters": sum(p.numel() for p in lm.model.parameters()),
    }
    record["exact_bound"] = exact_bound(c.dim, c.hidden, c.layers, c.block)
    if args.rope:
        rope = load_language_model(args.rope)
    else:
        config = TrainConfig(**{**lm_recipe("char", "transformer"), "positions": "rope", "block": 128})
        torch.manual_seed(0)
        rope = TrainedLM(build_model(config, len(lm.vocab)).eval(), lm.vocab, config)
    r = rope.config
    record["rope_model"] = {
        "weights": args.rope or "random (GPT-2 initialisation, torch.manual_seed(0))",
        **{k: getattr(r, k) for k in ("dim", "layers", "heads", "hidden", "block", "attention_window")},
        "parameters": sum(p.numel() for p in rope.model.parameters()),
    }
    # (name, model, generate's keywords, characters)
    modes: list[tuple[str, TrainedLM, dict, int]] = [
        ("uncached", lm, {"cache": False}, args.chars),
        ("cached", lm, {}, args.chars),
    ]
    modes += [(f"cached, stride {s}", lm, {"stride": s}, args.chars) for s in args.strides]
    modes += [("rope, cached", rope, {}, args.chars), ("rope, uncached", rope, {"cache": False}, args.rope_check)]
    runs: dict[str, list[dict]] = {name: [] for name, *_ in modes}
    texts: dict[str, str] = {}
    for _, model, kw, _n in modes:
        generate(model, "ROMEO:", 20, seed=0, **kw)  # warm-up
    for rep in range(args.repeat):
        for name, model, kw, chars in modes:
            stamps: list[tuple[float, float]] = []
            t0 = (time.perf_counter(), time.process_time())
            g = generate(
                model,
                "ROMEO:",
                chars,
                seed=1,
                on_token=lambda _g, s=stamps: s.append((time.perf_counter(), time.process_time())),
                **kw,
            )
            total = (time.perf_counter() - t0[0], time.process_time() - t0[1])
            texts[name] = g.text
            per: dict[str, dict[str, float]] = {"wall": {}, "cpu": {}}
            for lo, hi in RANGES:
                if hi <= chars:
                    start = t0 if lo == 0 else stamps[lo - 1]
                    for i, clock in enumerate(("wall", "cpu")):
                        per[clock][f"{lo}-{hi}"] = (stamps[hi - 1][i] - start[i]) / (hi - lo) * 1000
            runs[name].append(
                {"seconds": total[0], "cpu_seconds": total[1], "ms_per_char": per, "load": os.getloadavg()[0]}
            )
            print(
                f"repeat {rep + 1} {name}: {total[0]:.2f} s ({total[1]:.2f} s CPU), ms/char (wall / CPU) "
                + ", ".join(f"{k}: {per['wall'][k]:.2f} / {per['cpu'][k]:.2f}" for k in per["wall"])
            )
            record["results"] = [
                {
                    "mode": m,
                    "runs": r,
                    "median_s": statistics.median(x["seconds"] for x in r),
                    "median_cpu_s": statistics.median(x["cpu_seconds"] for x in r),
                }
                for m, r in runs.items()
                if r
            ]
            write_record(out, record)
    same = texts["cached"] == texts["uncached"]
    record["cached_text_equals_uncached"] = same
    rope_same = texts["rope, cached"][: len(texts["rope, uncached"])] == texts["rope, uncached"]
    record["rope_cached_text_equals_uncached"] = rope_same
    record["sample_text"] = {m: t[:300] for m, t in texts.items()}
    ratios = {}
    print(f"\n{args.chars} characters after loading, one thread, median of {args.repeat} (wall s / CPU s):")
    cols = [f"{lo}-{hi}" for lo, hi in RANGES if hi <= args.chars]
    print("| mode | total | " + " | ".join(f"ms/char {c}" for c in cols) + " | uncached / this (wall, CPU) |")
    print("|---" * (len(cols) + 3) + "|")
    base = {k: statistics.median(x[k] for x in runs["uncached"]) for k in ("seconds", "cpu_seconds")}
    for m, r in runs.items():
        tot = {k: statistics.median(x[k] for x in r) for k in ("seconds", "cpu_seconds")}
        ratios[m] = {k: base[k] / tot[k] for k in tot}
        per = [
            f"{statistics.median(x['ms_per_char']['wall'][c] for x in r):.2f} / "
            f"{statistics.median(x['ms_per_char']['cpu'][c] for x in r):.2f}"
            if c in r[0]["ms_per_char"]["wall"]
            else "-"
            for c in cols
        ]
        ratio = f"{ratios[m]['seconds']:.2f}x, {ratios[m]['cpu_seconds']:.2f}x" if "-" not in per else "-"
        print(f"| {m} | {tot['seconds']:.2f} / {tot['cpu_seconds']:.2f} | " + " | ".join(per) + f" | {ratio} |")
    record["ratios_uncached_over"] = ratios
    print(f"cached text identical to uncached (seed 1): {same}")
    print(f"rope: cached text identical to uncached over its first {args.rope_check} characters (seed 1): {rope_same}")
    print(f"rope sample: {texts['rope, cached'][:200]!r}")
    if not args.no_seq2seq:
        record["seq2seq"] = seq2seq_part(args.repeat)
    finish_record(record)
    write_record(out, record)
    print(f"record: {out}")


def exact_bound(dim: int, hidden: int, layers: int, block: int) -> dict:
    """The floating-point work of one token past the block when the window slides by one token (the
    exact cache recomputes the window: every layer for ``block`` positions, the last layer's projection,
    feed-forward and attention for the new position only), and this core's one-thread float32 GEMM
    rate at the window's shapes (best of 20 of each product): the least time such a token can take."""
    import torch

    per_position = 2 * dim * (3 * dim + dim + 2 * hidden)  # qkv, projection, feed-forward: FLOP per position and layer
    attention = 2 * 2 * block * block * dim  # q k^T and att v over the whole window, per layer
    last_saved = (block - 1) * (2 * dim * (dim + 2 * hidden)) + (block - 1) / block * attention
    flop = layers * (block * per_position + attention) - last_saved
    rates = []
    for n in (3 * dim, dim, hidden):
        a, b = torch.randn(block, dim), torch.randn(dim, n)
        best = float("inf")
        for _ in range(20):
            t = time.perf_counter()
            for _ in range(10):
                torch.mm(a, b)
            best = min(best, (time.perf_counter() - t) / 10)
        rates.append(2 * block * dim * n / best)
    rate = statistics.median(rates)
    bound_ms = flop / rate * 1000
    print(
        f"exact past the block: {flop / 1e6:.1f} MFLOP a token; one-thread float32 GEMM at the window's shapes "
        f"{rate / 1e9:.1f} GFLOP/s (best of 20): at least {bound_ms:.2f} ms a token"
    )
    return {
        "mflop_per_token": flop / 1e6,
        "gemm_gflops": rate / 1e9,
        "gemm_gflops_by_shape": [r / 1e9 for r in rates],
        "bound_ms_per_token": bound_ms,
    }


def seq2seq_part(repeat: int) -> dict:
    """Greedy and beam-5 decoding of the seq2seq transformer with and without its key-value cache."""
    import torch

    from embedkit.nn.seq2seq.decode import beam_search, greedy
    from embedkit.nn.seq2seq.models import TransformerSeq2Seq

    torch.manual_seed(0)
    model = TransformerSeq2Seq(500, 500, dim=128, heads=4, ff_dim=512, layers=2, dropout=0.0).eval()
    src = torch.randint(4, 500, (64, 12), generator=torch.Generator().manual_seed(1))
    lengths = torch.full((64,), 12)
    decoders = {
        "greedy": lambda: greedy(model, src, lengths, max_len=30),
        "beam 5": lambda: beam_search(model, src, lengths, beam_size=5, max_len=30),
    }
    out: dict = {"sources": 64, "source_tokens": 12, "max_len": 30, "vocab": 500, "runs": []}
    outputs: dict = {}
    for _ in range(repeat):
        for name, decode in decoders.items():
            for cache in (False, True):
                model.kv_cache = cache
                t = (time.perf_counter(), time.process_time())
                result = decode()
                wall, cpu = time.perf_counter() - t[0], time.process_time() - t[1]
                outputs[name, cache] = [(d.ids, round(d.score, 4)) for d in result]
                out["runs"].append({"decoder": name, "cache": cache, "seconds": wall, "cpu_seconds": cpu})
    print("\nseq2seq transformer, 64 sources, one thread (wall s / CPU s, median):")
    for name in decoders:
        tim = {
            c: [
                statistics.median(r[k] for r in out["runs"] if r["decoder"] == name and r["cache"] == c)
                for k in ("seconds", "cpu_seconds")
            ]
            for c in (False, True)
        }
        same = outputs[name, False] == outputs[name, True]
        out[name] = {"uncached": tim[False], "cached": tim[True], "same_outputs": same}
        print(
            f"| {name} | uncached {tim[False][0]:.2f} / {tim[False][1]:.2f} | cached {tim[True][0]:.2f} / "
            f"{tim[True][1]:.2f} | {tim[False][0] / tim[True][0]:.1f}x, {tim[False][1] / tim[True][1]:.1f}x | same outputs: {same} |"
        )
    return out


if __name__ == "__main__":
    main()
