"""Intrinsic evaluation: embedkit against gensim on the default GloVe 6B 50d vectors.

Run:  flock /tmp/ek/bench.lock python benchmarks/bench_evaluate.py [--restrict 30000 300000] [--repeat 3]
      [--no-gensim] [--record benchmarks/results/evaluate_DATE.json]

In the same process, for each ``--restrict``:
  * the full Google analogy set (19,544 questions): evaluate_analogies (median of ``--repeat``
    runs) against one run of gensim's KeyedVectors.evaluate_word_analogies (it takes ~100 s at
    restrict=300000), checking that every section's counts are identical;
  * embedkit's 3CosMul accuracy on the same set (``--cosmul-reference`` also runs the gensim
    reference, most_similar_cosmul in a loop on the first ``restrict`` words; slow);
and WordSim353 and SimLex999: evaluate_similarity against evaluate_word_pairs (correlations and
medians). Prints Markdown tables: accuracies side by side, then times and speed-up ratios.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import ROOT, timeit

sys.path.insert(0, str(ROOT))  # the repository root: this checkout's embedkit and the tests' reference
from tests.reference import gensim_3cosadd_sections, gensim_3cosmul_sections


def _pct(c: int, t: int) -> str:
    return f"{100 * c / t:.1f}%" if t else "-"


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], check=False, cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def _run(method: str, restrict: int, seconds: float, r) -> dict:
    return {
        "method": method,
        "restrict": restrict,
        "seconds": round(seconds, 3),
        "correct": r.total.correct,
        "answered": r.total.total,
        "sections": [[s.name, s.correct, s.total] for s in r.sections],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--restrict", type=int, nargs="+", default=[30000, 300000])
    ap.add_argument("--repeat", type=int, default=3, help="embedkit runs per measurement (gensim runs once)")
    ap.add_argument("--no-cosmul", action="store_true", help="skip embedkit's 3CosMul runs")
    ap.add_argument("--cosmul-reference", action="store_true", help="also run gensim's 3CosMul reference loop")
    ap.add_argument("--no-gensim", action="store_true", help="time embedkit only (no gensim runs, no similarity)")
    ap.add_argument("--record", type=Path, default=None, metavar="JSON", help="also write the times to this file")
    args = ap.parse_args()
    record: dict = {
        "benchmark": "evaluate_analogies, full Google set, GloVe 6B 50d",
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "commit": _commit(),
        "cpus": len(os.sched_getaffinity(0)),
        "load_before": os.getloadavg(),
        "repeat": args.repeat,
        "runs": [],
    }

    os.environ.setdefault("EMBEDKIT_CACHE", tempfile.mkdtemp(prefix="ek-bench-cache-"))
    logging.disable(logging.INFO)
    warnings.simplefilter("ignore", DeprecationWarning)
    from gensim.test.utils import datapath

    import embedkit
    from embedkit import evaluate_analogies, evaluate_similarity

    glove = embedkit.load("glove-6b-50d")
    kv = glove.to_gensim()
    kv.fill_norms()
    glove.normalized  # noqa: B018 -- computed once, as gensim's norms above
    google = datapath("questions-words.txt")
    accuracy_rows, time_rows = [], []

    for restrict in args.restrict:
        t_ek, r = timeit(lambda r=restrict: evaluate_analogies(glove, "google", restrict=r), args.repeat)
        record["runs"].append(_run("3cosadd", restrict, t_ek, r))
        if args.no_gensim:
            print(f"restrict={restrict}: 3cosadd embedkit {t_ek:.2f} s", flush=True)
            t_mul, m = timeit(
                lambda r=restrict: evaluate_analogies(glove, "google", restrict=r, method="3cosmul"), args.repeat
            )
            record["runs"].append(_run("3cosmul", restrict, t_mul, m))
            print(f"restrict={restrict}: 3cosmul embedkit {t_mul:.2f} s ({t_mul / t_ek:.2f}x 3CosAdd)", flush=True)
            continue
        t = time.perf_counter()
        ref = gensim_3cosadd_sections(kv, google, restrict)
        t_gs = time.perf_counter() - t
        ours = [(s.name, s.correct, s.total) for s in r.sections]
        same = "identical" if ours == ref else "DIFFERENT"
        gc, gt = sum(c for _, c, _ in ref), sum(n for _, _, n in ref)
        sem = [x for x in ref if not x[0].startswith("gram")]
        syn = [x for x in ref if x[0].startswith("gram")]
        gsem = _pct(sum(x[1] for x in sem), sum(x[2] for x in sem))
        gsyn = _pct(sum(x[1] for x in syn), sum(x[2] for x in syn))
        ci = f"[{100 * r.total.ci[0]:.1f}, {100 * r.total.ci[1]:.1f}]"
        accuracy_rows.append(
            f"| Google, 3CosAdd, restrict {restrict:,} | {_pct(r.semantic.correct, r.semantic.total)} "
            f"| {_pct(r.syntactic.correct, r.syntactic.total)} | {_pct(r.total.correct, r.total.total)} {ci} "
            f"| {gsem} / {gsyn} / {_pct(gc, gt)} | {r.total.total:,} answered, {r.skipped:,} skipped; counts {same} |"
        )
        time_rows.append(
            f"| Google analogies, 3CosAdd, restrict {restrict:,} | {t_ek:.2f} s | {t_gs:.1f} s | {t_gs / t_ek:.1f}x |"
        )
        print(f"restrict={restrict}: embedkit {t_ek:.2f} s, gensim {t_gs:.1f} s, counts {same}", flush=True)
        if same != "identical":
            for a, b in zip(ours, ref):
                print("  ", a, b, "" if a == b else "<--")
        if not args.no_cosmul:
            t_mul, m = timeit(lambda r=restrict: evaluate_analogies(glove, "google", restrict=r, method="3cosmul"), 1)
            note = f"{m.total.total:,} answered"
            ref_acc = "-"
            if args.cosmul_reference:
                t = time.perf_counter()
                mref = gensim_3cosmul_sections(kv, google, restrict)
                t_mref = time.perf_counter() - t
                mc, mt = sum(c for _, c, _ in mref), sum(n for _, _, n in mref)
                ref_acc = f"- / - / {_pct(mc, mt)}"
                note += "; counts " + (
                    "identical" if [(s.name, s.correct, s.total) for s in m.sections] == mref else "DIFFERENT"
                )
                time_rows.append(
                    f"| Google analogies, 3CosMul, restrict {restrict:,} | {t_mul:.2f} s "
                    f"| {t_mref:.1f} s (loop) | {t_mref / t_mul:.1f}x |"
                )
            else:
                time_rows.append(f"| Google analogies, 3CosMul, restrict {restrict:,} | {t_mul:.2f} s | - | - |")
            ci = f"[{100 * m.total.ci[0]:.1f}, {100 * m.total.ci[1]:.1f}]"
            accuracy_rows.append(
                f"| Google, 3CosMul, restrict {restrict:,} | {_pct(m.semantic.correct, m.semantic.total)} "
                f"| {_pct(m.syntactic.correct, m.syntactic.total)} | {_pct(m.total.correct, m.total.total)} {ci} "
                f"| {ref_acc} | {note} |"
            )
            print(f"restrict={restrict}: 3cosmul embedkit {t_mul:.2f} s", flush=True)

    record["load_after"] = os.getloadavg()
    if args.record:
        args.record.parent.mkdir(parents=True, exist_ok=True)
        args.record.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    if args.no_gensim:
        return
    for name, fname in [("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")]:
        t_ek, s = timeit(lambda n=name: evaluate_similarity(glove, n), args.repeat)
        t_gs, (p, sp, oov) = timeit(lambda f=fname: kv.evaluate_word_pairs(datapath(f)), args.repeat)
        same = abs(s.spearman - sp[0]) < 1e-6 and abs(s.pearson - p[0]) < 1e-6
        accuracy_rows.append(
            f"| {name}, Spearman (Pearson) | | | {s.spearman:.4f} [{s.spearman_ci[0]:.3f}, {s.spearman_ci[1]:.3f}] "
            f"({s.pearson:.4f}) | {sp[0]:.4f} ({p[0]:.4f}) | {s.pairs} pairs, {s.oov_pairs} unknown "
            f"(gensim {oov:.1f}%); {'equal to 1e-6' if same else 'DIFFERENT'} |"
        )
        time_rows.append(
            f"| {name} (with 1,000 bootstrap resamples) | {t_ek:.3f} s | {t_gs:.3f} s | {t_gs / t_ek:.1f}x |"
        )

    print()
    print("| benchmark | semantic | syntactic | total [95% CI] | gensim (sem / syn / total) | note |")
    print("|---|---|---|---|---|---|")
    print("\n".join(accuracy_rows))
    print()
    print(f"| task | embedkit (median of {args.repeat}) | gensim | speed-up |")
    print("|---|---|---|---|")
    print("\n".join(time_rows))


if __name__ == "__main__":
    main()
