"""Benchmarks inside a comparison: every set scored on the items all sets cover.

Analogy questions and similarity pairs are evaluated per set with :mod:`embedkit.evaluate`
(gensim's rules); then only the questions (pairs) that every set could answer are kept, and
the scores and their differences are bootstrapped over those same items.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .report import MetricRow, _row, paired_bootstrap
from .vectors import Vectors

__all__ = ["benchmark_kind", "compare_benchmark"]

ANALOGY_METHODS = ("3cosadd", "3cosmul")


def benchmark_kind(bench: str) -> str:
    """``"analogy"`` or ``"similarity"``: registered names by their kind, files by their content."""
    from .benchmarks_io import read_analogies

    if bench == "google":
        return "analogy"
    if bench in ("wordsim353", "simlex999"):
        return "similarity"
    try:
        read_analogies(bench)
    except ValueError:
        return "similarity"
    return "analogy"


def compare_benchmark(
    vecs: Sequence[Vectors], names: Sequence[str], bench: str, *, restrict: int, n_boot: int, seed: int,
    methods: Sequence[str] = ANALOGY_METHODS,
) -> tuple[list[MetricRow], dict[str, dict], list[dict]]:
    """Rows for the metrics table, per-section tables, and each set's coverage of ``bench``."""
    if benchmark_kind(bench) == "analogy":
        return _analogies(vecs, names, bench, restrict=restrict, n_boot=n_boot, seed=seed, methods=methods)
    return _similarity(vecs, names, bench, n_boot=n_boot, seed=seed)


def _analogies(vecs, names, bench, *, restrict, n_boot, seed, methods):
    from .benchmarks_io import read_analogies
    from .evaluate import evaluate_analogies

    qs = read_analogies(bench)
    rows: list[MetricRow] = []
    sections: dict[str, list[dict]] = {}
    coverage: list[dict] = []
    for method in methods:
        results = [evaluate_analogies(v, qs, restrict=restrict, method=method, n_boot=1, seed=seed)
                   for v in vecs]
        outcomes = np.stack([r.outcomes for r in results])  # (sets, questions): 1, 0 or -1
        if not coverage:
            total = outcomes.shape[1]
            coverage = [{"covered": int((o >= 0).sum()), "total": total, "ratio": float((o >= 0).mean())}
                        for o in outcomes]
        common = (outcomes >= 0).all(axis=0)
        n = int(common.sum())
        if n == 0:
            continue
        correct = outcomes[:, common].astype(np.float64)

        def stat(idx: np.ndarray, correct=correct) -> np.ndarray:
            return correct[:, idx].mean(axis=1)

        values, diffs = paired_bootstrap(stat, n, len(vecs), n_boot=n_boot, seed=seed)
        rows.append(_row("analogy", f"{bench} ({method})", f"accuracy, restrict {restrict:,}", n, values, diffs))
        section_of = results[0].section_of[common]
        table = []
        for si, sec in enumerate(qs.sections):
            mask = section_of == si
            if mask.any():
                table.append({"name": sec.name, "total": int(mask.sum()),
                              "accuracy": [float(c) for c in correct[:, mask].mean(axis=1)]})
        sections[method] = table
    return rows, {bench: sections}, coverage


def _similarity(vecs, names, bench, *, n_boot, seed):
    from scipy.stats import rankdata

    from .evaluate import evaluate_similarity

    results = [evaluate_similarity(v, bench, n_boot=1, seed=seed) for v in vecs]
    gold = np.asarray(results[0].gold, dtype=np.float64)
    model = np.stack([np.asarray(r.model, dtype=np.float64) for r in results])  # (sets, pairs), nan = unknown
    known = np.isfinite(model)
    coverage = [{"covered": int(k.sum()), "total": int(len(gold)), "ratio": float(k.mean())} for k in known]
    common = known.all(axis=0)
    n = int(common.sum())
    if n < 3:
        return [], {}, coverage
    g, m = gold[common], model[:, common]

    def corr(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # row-wise Pearson of y's rows with x
        x = x - x.mean()
        y = y - y.mean(axis=1, keepdims=True)
        return (y @ x) / np.sqrt((y * y).sum(axis=1) * (x @ x))

    def spearman(idx: np.ndarray) -> np.ndarray:
        return corr(rankdata(g[idx]), rankdata(m[:, idx], axis=1))

    def pearson(idx: np.ndarray) -> np.ndarray:
        return corr(g[idx], m[:, idx])

    rows = []
    for label, fn in (("Spearman", spearman), ("Pearson", pearson)):
        values, diffs = paired_bootstrap(fn, n, len(vecs), n_boot=n_boot, seed=seed)
        rows.append(_row("similarity", bench, f"{label} correlation", n, values, diffs))
    return rows, {}, coverage
