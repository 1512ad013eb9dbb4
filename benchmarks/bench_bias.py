"""Bias on the default GloVe 6B 50d vectors: Caliskan et al.'s ten WEAT tests (time, effect sizes, p-values),
and hard debiasing's cost (WEAT on every test, WordSim353, SimLex999 and Google analogies before and after).

Run:  python benchmarks/bench_bias.py [--repeat 3] [--analogy-restrict 30000]
      python benchmarks/bench_bias.py --second --out benchmarks/results/bias_second_<date>.json

``--second`` measures only what the second part of issue 26 added: RNSB on the ten tests, Double-Hard
Debias (time, the frequency search, WEAT after), and the whole before/after table (``debias_report``).

Writes benchmarks/results/bias_<date>.json (command, machine, commit, every repeat) and prints Markdown
tables. The WEAT timing is of all ten tests in one call each, defaults: exact p-value up to 1,000,000
partitions, else 100,000 seeded permutations, 1,000 bootstrap resamples.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(__file__))
from _common import ROOT, finish_record, new_record, record_path, timings, write_record

sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--analogy-restrict", type=int, default=30000)
    ap.add_argument("--out", default=None)
    ap.add_argument("--second", action="store_true", help="RNSB, Double-Hard Debias and the before/after table only")
    args = ap.parse_args()
    if args.second:
        second(args)
        return

    import embedkit
    from embedkit.bias import CALISKAN_EFFECT_SIZES, WEAT_TESTS, hard_debias, weat

    warnings.simplefilter("ignore")  # weat1's 'gladiola' is reported in each result's "missing"
    record = new_record("bias", repeat=args.repeat, analogy_restrict=args.analogy_restrict)
    out = record_path("bias", args.out)
    v = embedkit.load()

    def ten(vectors, ddof=1):
        return [weat(vectors, name, ddof=ddof) for name in WEAT_TESTS]

    times, results = timings(lambda: ten(v), args.repeat)
    record["results"].append(
        {"task": "weat ten tests (defaults)", "seconds": times, "tests": [r.to_dict() for r in results]}
    )
    pop = ten(v, ddof=0)
    print("| test | effect (ddof=1) | 95% interval | effect (ddof=0, as WEFE) | paper (GloVe 840B) | p | p method |")
    print("|---|---|---|---|---|---|---|")
    for r, rp in zip(results, pop):
        p = f"{r.p_value:.3g}" if r.p_method == "exact" or r.p_value > 0 else f"< {1 / r.p_count:.0e}"
        se = "" if r.p_method == "exact" or r.p_value == 0 else f" ± {r.p_stderr:.1g}"
        print(
            f"| {r.name} | {r.effect_size:.3f} | [{r.effect_size_ci[0]:.2f}, {r.effect_size_ci[1]:.2f}] | "
            f"{rp.effect_size:.3f} | {CALISKAN_EFFECT_SIZES[r.name]:.2f} | {p}{se} | {r.p_method} ({r.p_count:,}) |"
        )
    print(f"\nten tests: {min(times):.2f} s (min of {args.repeat}; all: {', '.join(f'{t:.2f}' for t in times)})\n")
    write_record(out, record)

    t = time.perf_counter()
    d = hard_debias(v)
    t_debias = time.perf_counter() - t
    after, after_pop = ten(d), ten(d, ddof=0)
    sims = {}
    for name, vec in (("before", v), ("after", d)):
        sims[name] = {b: embedkit.evaluate_similarity(vec, b, n_boot=1).spearman for b in ("wordsim353", "simlex999")}
        sims[name]["google"] = embedkit.evaluate_analogies(
            vec, "google", restrict=args.analogy_restrict, n_boot=1
        ).total.accuracy
    record["results"].append(
        {
            "task": "hard_debias",
            "seconds": t_debias,
            "weat_after": [r.to_dict() for r in after],
            "weat_after_ddof0": [r.effect_size for r in after_pop],
            "weat_before_ddof0": [r.effect_size for r in pop],
            "scores": sims,
        }
    )
    print(f"hard_debias over {len(v):,} words: {t_debias:.2f} s\n")
    print("| test | before (ddof=1) | after (ddof=1) | before (ddof=0) | after (ddof=0) |")
    print("|---|---|---|---|---|")
    for b, a, bp, ap_ in zip(results, after, pop, after_pop):
        print(
            f"| {b.name} | {b.effect_size:.3f} | {a.effect_size:.3f} | {bp.effect_size:.3f} | {ap_.effect_size:.3f} |"
        )
    print("\n| score | before | after |\n|---|---|---|")
    for k in ("wordsim353", "simlex999", "google"):
        print(f"| {k} | {sims['before'][k]:.4f} | {sims['after'][k]:.4f} |")
    finish_record(record)
    write_record(out, record)
    print(f"\nwrote {out}")


def second(args: argparse.Namespace) -> None:
    import embedkit
    from embedkit.bias import WEAT_TESTS, Query, double_hard_debias, frequency_direction, rnsb, weat
    from embedkit.bias.report import debias_report

    warnings.simplefilter("ignore")
    record = new_record("bias_second", repeat=args.repeat, analogy_restrict=args.analogy_restrict)
    out = record_path("bias_second", args.out)
    v = embedkit.load()
    queries = [Query.from_test(t) for t in WEAT_TESTS]
    times, rs = timings(lambda: [rnsb(v, q) for q in queries], args.repeat)
    record["results"].append({"task": "rnsb ten tests", "seconds": times, "rnsb": {r.name: r.value for r in rs}})
    print(f"rnsb, ten tests: {min(times):.2f} s (min of {args.repeat})")
    times, found = timings(lambda: frequency_direction(v), args.repeat)
    record["results"].append({"task": "frequency_direction", "seconds": times, "search": found.to_dict()})
    print(f"frequency_direction: {min(times):.2f} s; scores {found.scores}, chosen {found.chosen}")
    times, d = timings(lambda: double_hard_debias(v), args.repeat)
    after = {t: weat(d, t, n_boot=0, ddof=0).effect_size for t in WEAT_TESTS}
    record["results"].append({"task": "double_hard_debias", "seconds": times, "weat_after_ddof0": after})
    print(f"double_hard_debias over {len(v):,} words: {min(times):.2f} s (min of {args.repeat})")
    t = time.perf_counter()
    table = debias_report(v, restrict=args.analogy_restrict)
    seconds = time.perf_counter() - t
    record["results"].append({"task": "debias_report", "seconds": seconds, "table": table.to_dict()})
    print(f"debias_report (hard, double-hard): {seconds:.1f} s\n")
    print(table.to_markdown())
    finish_record(record)
    write_record(out, record)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
