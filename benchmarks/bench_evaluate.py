"""Intrinsic evaluation: embedkit against gensim on the default GloVe 6B 50d vectors.

Run:  flock /tmp/ek/bench.lock python benchmarks/bench_evaluate.py [--restrict 30000 300000] [--repeat 3]

In the same process, for each ``--restrict``:
  * the full Google analogy set (19,544 questions): evaluate_analogies (median of ``--repeat``
    runs) against one run of gensim's KeyedVectors.evaluate_word_analogies (it takes ~100 s at
    restrict=300000), checking that every section's counts are identical;
  * embedkit's 3CosMul accuracy on the same set (``--cosmul-reference`` also runs the gensim
    reference, most_similar_cosmul in a loop on the first ``restrict`` words; slow);
and WordSim353 and SimLex999: evaluate_similarity against evaluate_word_pairs (correlations and
medians). Prints Markdown tables: accuracies side by side, then times and speed-up ratios, and writes
a dated JSON record (default benchmarks/results/evaluate_<date>.json: command, machine and load
average, commit, versions, every repeat, medians and accuracies). ``--no-gensim-analogies`` skips
gensim's 3CosAdd loop (minutes at restrict=300000) for a rerun that only times embedkit.

The 3CosAdd kernels side by side (``--no-kernels`` skips them, ``--only-kernels`` runs nothing else):
for each ``--restrict``, on the Google set and on a BATS-style shape (the same questions as ``a b c
d`` lines in a seeded random order under one header, so that each block of questions has many
distinct words), ``kernel="product"`` (one product per question, the path before the rows kernel)
and ``kernel="rows"`` (each distinct word's similarity row once per block), ``--repeat`` runs each,
alternating, with wall and CPU times, their ratio, the kernel ``"auto"`` picks, whether the two
kernels answered every question alike, and gensim's counts on the same file (unless
``--no-gensim-analogies``; ``--no-gensim-bats`` skips gensim on the BATS-style file only).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(__file__))
from _common import ROOT, finish_record, measured, new_record, record_path, timings, write_record

sys.path.insert(0, str(ROOT))  # the repository root: this checkout's embedkit and the tests' reference
from tests.reference import gensim_3cosadd_sections, gensim_3cosmul_sections


def _pct(c: int, t: int) -> str:
    return f"{100 * c / t:.1f}%" if t else "-"


def _bats_style(google: str) -> str:
    """The Google questions as ``a b c d`` lines in a seeded random order, under one section header."""
    import numpy as np

    from embedkit.evaluation import read_analogies

    questions = [q for s in read_analogies(google).sections for q in s.questions]
    order = np.random.default_rng(0).permutation(len(questions))
    path = os.path.join(tempfile.mkdtemp(prefix="ek-bench-bats-"), "bats_style.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(": bats-style\n" + "".join(" ".join(questions[i]) + "\n" for i in order))
    return path


def compare_kernels(glove, kv, google: str, args, record: dict, out, gensim_counts: dict) -> list[str]:
    """Time the product and the rows kernel of 3CosAdd side by side; one Markdown row per file and restrict."""
    import numpy as np

    from embedkit import evaluate_analogies
    from embedkit.evaluation.analogies import vocab_rows
    from embedkit.evaluation.benchmark_files import read_analogies
    from embedkit.evaluation.cosadd import choose_kernel

    rows_out = []
    files = {"google": google, "bats-style": _bats_style(google)}
    for shape, path in [(shape, files[shape]) for shape in args.shapes]:
        flat = [w.upper() for s in read_analogies(path).sections for q in s.questions for w in q]
        for restrict in args.restrict:
            ok = vocab_rows(glove.keys_view[:restrict], True)
            qrows = np.array([ok.get(w, -1) for w in flat]).reshape(-1, 4)
            qrows = qrows[(qrows >= 0).all(axis=1)]
            distinct = sum(len(np.unique(qrows[q : q + 1024, :3])) for q in range(0, len(qrows), 1024))
            wall: dict[str, list[float]] = {"product": [], "rows": []}
            cpu: dict[str, list[float]] = {"product": [], "rows": []}
            results = {}
            for _ in range(args.repeat):
                for kernel in ("product", "rows"):
                    t, c = time.perf_counter(), time.process_time()
                    results[kernel] = evaluate_analogies(glove, path, restrict=restrict, kernel=kernel)
                    wall[kernel].append(time.perf_counter() - t)
                    cpu[kernel].append(time.process_time() - c)
            p, r = results["product"], results["rows"]
            alike = p.predicted == r.predicted and np.array_equal(p.outcomes, r.outcomes)
            ours = [(s.name, s.correct, s.total) for s in r.sections]
            ref = gensim_counts.get((shape, restrict))
            skip_gensim = args.no_gensim_analogies or (shape == "bats-style" and args.no_gensim_bats)
            t_gs = None
            if ref is None and not skip_gensim:
                t = time.perf_counter()
                ref = gensim_3cosadd_sections(kv, path, restrict)
                t_gs = time.perf_counter() - t
            same = "not checked" if ref is None else ("identical" if ours == ref else "DIFFERENT")
            wp, wr = statistics.median(wall["product"]), statistics.median(wall["rows"])
            cp, cr = statistics.median(cpu["product"]), statistics.median(cpu["rows"])
            auto = choose_kernel(qrows, glove.dim, 1024)
            record["results"].append(
                measured(
                    f"3CosAdd kernels, {shape}, restrict {restrict:,}",
                    wall["rows"],
                    None,
                    product_s=wall["product"],
                    product_median_s=wp,
                    product_cpu_s=cpu["product"],
                    rows_cpu_s=cpu["rows"],
                    product_over_rows=wp / wr,
                    product_over_rows_cpu=cp / cr,
                    distinct_per_question=distinct / len(qrows),
                    auto=auto,
                    answers_alike=alike,
                    correct=r.total.correct,
                    answered=r.total.total,
                    gensim_counts=same,
                    gensim_s=t_gs,
                )
            )
            write_record(out, record)
            row = (
                f"| {shape} | {restrict:,} | {distinct / len(qrows):.2f} | {wp:.2f} s | {wr:.2f} s "
                f"| {wp / wr:.2f}x; {cp / cr:.2f}x | {auto} | {'identical' if alike else 'DIFFERENT'} "
                f"({r.total.correct:,} / {r.total.total:,}) | {same} |"
            )
            print(row, flush=True)
            rows_out.append(row)
    return rows_out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--restrict", type=int, nargs="+", default=[30000, 300000])
    ap.add_argument("--repeat", type=int, default=3, help="embedkit runs per measurement (gensim runs once)")
    ap.add_argument("--no-cosmul", action="store_true", help="skip embedkit's 3CosMul runs")
    ap.add_argument("--cosmul-reference", action="store_true", help="also run gensim's 3CosMul reference loop")
    ap.add_argument(
        "--no-gensim-analogies", action="store_true", help="skip gensim's 3CosAdd run (embedkit's times only)"
    )
    ap.add_argument("--no-kernels", action="store_true", help="skip the 3CosAdd kernel comparison")
    ap.add_argument("--only-kernels", action="store_true", help="run only the 3CosAdd kernel comparison")
    ap.add_argument("--no-gensim-bats", action="store_true", help="skip gensim on the BATS-style file")
    ap.add_argument(
        "--shapes", nargs="+", default=["google", "bats-style"], help="question files of the kernel comparison"
    )
    ap.add_argument("--out", default=None, help="JSON record (default benchmarks/results/evaluate_<date>.json)")
    args = ap.parse_args()
    out = record_path("evaluate", args.out)
    record = new_record(
        "bench_evaluate",
        restrict=args.restrict,
        repeat=args.repeat,
        cosmul=not args.no_cosmul,
        cosmul_reference=args.cosmul_reference,
        gensim_analogies=not args.no_gensim_analogies,
        kernels=not args.no_kernels,
        only_kernels=args.only_kernels,
        gensim_bats=not args.no_gensim_bats,
        shapes=args.shapes,
    )

    os.environ.setdefault("EMBEDKIT_CACHE", tempfile.mkdtemp(prefix="ek-bench-cache-"))
    logging.disable(logging.INFO)
    warnings.simplefilter("ignore", DeprecationWarning)
    from gensim.test.utils import datapath

    import embedkit
    from embedkit import evaluate_analogies, evaluate_similarity

    record["embedkit_imported_from"] = os.path.dirname(embedkit.__file__)

    glove = embedkit.load("glove-6b-50d")
    kv = glove.to_gensim()
    kv.fill_norms()
    glove.normalized  # noqa: B018 -- computed once, as gensim's norms above
    google = datapath("questions-words.txt")
    accuracy_rows: list[str] = []
    time_rows: list[str] = []
    gensim_counts: dict[tuple[str, int], list] = {}

    for restrict in [] if args.only_kernels else args.restrict:
        ts_ek, r = timings(lambda r=restrict: evaluate_analogies(glove, "google", restrict=r), args.repeat)
        t_ek = statistics.median(ts_ek)
        ours = [(s.name, s.correct, s.total) for s in r.sections]
        if args.no_gensim_analogies:
            ref, t_gs, same = ours, float("nan"), "not checked (gensim skipped)"
        else:
            t = time.perf_counter()
            ref = gensim_3cosadd_sections(kv, google, restrict)
            t_gs = time.perf_counter() - t
            gensim_counts["google", restrict] = ref
            same = "identical" if ours == ref else "DIFFERENT"
        record["results"].append(
            measured(
                f"Google analogies, 3CosAdd, restrict {restrict:,}",
                ts_ek,
                None if args.no_gensim_analogies else [t_gs],
                restrict=restrict,
                accuracy=r.total.correct / r.total.total,
                correct=r.total.correct,
                answered=r.total.total,
                skipped=r.skipped,
                counts=same,
            )
        )
        write_record(out, record)
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
        gs_cells = "- | -" if args.no_gensim_analogies else f"{t_gs:.1f} s | {t_gs / t_ek:.1f}x"
        time_rows.append(f"| Google analogies, 3CosAdd, restrict {restrict:,} | {t_ek:.2f} s | {gs_cells} |")
        print(f"restrict={restrict}: embedkit {t_ek:.2f} s, gensim {t_gs:.1f} s, counts {same}", flush=True)
        if same == "DIFFERENT":
            for a, b in zip(ours, ref):
                print("  ", a, b, "" if a == b else "<--")
        if not args.no_cosmul:
            ts_mul, m = timings(lambda r=restrict: evaluate_analogies(glove, "google", restrict=r, method="3cosmul"), 1)
            t_mul = ts_mul[0]
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
            record["results"].append(
                measured(
                    f"Google analogies, 3CosMul, restrict {restrict:,}",
                    ts_mul,
                    [t_mref] if args.cosmul_reference else None,
                    restrict=restrict,
                    accuracy=m.total.correct / m.total.total,
                    correct=m.total.correct,
                    answered=m.total.total,
                )
            )
            write_record(out, record)
            print(f"restrict={restrict}: 3cosmul embedkit {t_mul:.2f} s", flush=True)

    kernel_rows = [] if args.no_kernels else compare_kernels(glove, kv, google, args, record, out, gensim_counts)

    for name, fname in [] if args.only_kernels else [("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")]:
        ts_ek, s = timings(lambda n=name: evaluate_similarity(glove, n), args.repeat)
        ts_gs, (p, sp, oov) = timings(lambda f=fname: kv.evaluate_word_pairs(datapath(f)), args.repeat)
        t_ek, t_gs = statistics.median(ts_ek), statistics.median(ts_gs)
        same = abs(s.spearman - sp[0]) < 1e-6 and abs(s.pearson - p[0]) < 1e-6
        accuracy_rows.append(
            f"| {name}, Spearman (Pearson) | | | {s.spearman:.4f} [{s.spearman_ci[0]:.3f}, {s.spearman_ci[1]:.3f}] "
            f"({s.pearson:.4f}) | {sp[0]:.4f} ({p[0]:.4f}) | {s.pairs} pairs, {s.oov_pairs} unknown "
            f"(gensim {oov:.1f}%); {'equal to 1e-6' if same else 'DIFFERENT'} |"
        )
        record["results"].append(
            measured(
                f"{name} (with 1,000 bootstrap resamples)",
                ts_ek,
                ts_gs,
                spearman=s.spearman,
                pearson=s.pearson,
                gensim_spearman=float(sp[0]),
                gensim_pearson=float(p[0]),
                pairs=s.pairs,
                oov_pairs=s.oov_pairs,
            )
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
    if kernel_rows:
        print()
        print(
            f"| questions | restrict | distinct words / question | product (median of {args.repeat}) "
            "| rows | product / rows (wall; CPU) | auto picks | answers | gensim's counts |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        print("\n".join(kernel_rows))
    finish_record(record)
    write_record(out, record)
    print(f"# record: {out}")


if __name__ == "__main__":
    main()
