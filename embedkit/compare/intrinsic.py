"""Benchmarks inside a comparison: every set scored on the items all sets cover.

Analogy questions and similarity pairs are evaluated per set with :mod:`embedkit.evaluation`
(gensim's rules); then only the questions (pairs) that every set could answer are kept, and
the scores and their differences are bootstrapped over those same items.

Analogy answers are searched among the same candidate words in every set
(:func:`shared_candidates`): a set searching only its own, smaller vocabulary would face fewer
distractors and look better than a larger set that knows every word it knows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..errors import BenchmarkError
from ..evaluation.analogies import evaluate_analogies
from ..evaluation.benchmark_files import read_analogies, read_similarity
from ..evaluation.similarity import evaluate_similarity
from ..vectors import Vectors
from .model import MetricRow, make_row, paired_bootstrap

__all__ = ["benchmark_kind", "benchmark_steps", "compare_benchmark", "shared_candidates"]

ANALOGY_METHODS = ("3cosadd", "3cosmul")


def benchmark_kind(bench: str) -> str:
    """``"analogy"`` or ``"similarity"``: registered names by their kind, files by their content."""
    if bench == "google":
        return "analogy"
    if bench in ("wordsim353", "simlex999"):
        return "similarity"
    try:
        read_analogies(bench)
    except ValueError:
        return "similarity"
    return "analogy"


def shared_candidates(vecs: Sequence[Vectors], restrict: int | None) -> list[Vectors]:
    """Each set cut down to the words that every set has among its first ``restrict`` words
    (the intersection of the restricted vocabularies), each in its own frequency order.

    Examples
    --------
    >>> import embedkit
    >>> glove = embedkit.load()
    >>> [len(v) for v in shared_candidates([glove, glove.most_frequent(5000)], 30000)]
    [5000, 5000]
    """
    heads = [v.keys[:restrict] if restrict is not None else v.keys for v in vecs]
    common = set(heads[0]).intersection(*heads[1:])
    return [v.subset([w for w in h if w in common]) for v, h in zip(vecs, heads)]


def compare_benchmark(
    vecs: Sequence[Vectors],
    names: Sequence[str],
    bench: str,
    *,
    restrict: int,
    n_boot: int,
    seed: int,
    methods: Sequence[str] = ANALOGY_METHODS,
    candidates: Sequence[Vectors] | None = None,
    done: Callable[[], None] | None = None,
) -> tuple[list[MetricRow], dict[str, dict], list[dict]]:
    """Rows for the metrics table, per-section tables, and each set's coverage of ``bench``.

    Analogies are answered from ``candidates`` (default: :func:`shared_candidates` of ``vecs``
    and ``restrict``), the same words for every set. ``done()`` is called after each set is
    evaluated (with each analogy method): :func:`benchmark_steps` times in all, for progress.
    """
    tick = done or (lambda: None)
    if benchmark_kind(bench) == "analogy":
        if candidates is None:
            candidates = shared_candidates(vecs, restrict)
        return _analogies(
            candidates, names, bench, restrict=restrict, n_boot=n_boot, seed=seed, methods=methods, tick=tick
        )
    return _similarity(vecs, names, bench, n_boot=n_boot, seed=seed, tick=tick)


def benchmark_steps(n_sets: int, bench: str, methods: Sequence[str] = ANALOGY_METHODS) -> int:
    """How many times :func:`compare_benchmark` calls ``done()`` for ``n_sets`` sets."""
    return n_sets * (len(methods) if benchmark_kind(bench) == "analogy" else 1)


def _analogies(vecs, names, bench, *, restrict, n_boot, seed, methods, tick):
    qs = read_analogies(bench)
    rows: list[MetricRow] = []
    sections: dict[str, list[dict]] = {}
    coverage: list[dict] = []
    if len(vecs[0]) == 0:  # no word in common: nothing to ask
        for _ in range(len(vecs) * len(methods)):
            tick()
        return rows, {bench: sections}, [{"covered": 0, "total": qs.n_questions, "ratio": 0.0} for _ in vecs]
    for method in methods:
        # The candidates are already each set's share of the restricted vocabularies: no restrict here.
        results = []
        for v in vecs:
            results.append(evaluate_analogies(v, qs, restrict=None, method=method, n_boot=1, seed=seed))
            tick()
        outcomes = np.stack([r.outcomes for r in results])  # (sets, questions): 1, 0 or -1
        if not coverage:
            total = outcomes.shape[1]
            coverage = [
                {"covered": int((o >= 0).sum()), "total": total, "ratio": float((o >= 0).mean())} for o in outcomes
            ]
        common = (outcomes >= 0).all(axis=0)
        n = int(common.sum())
        if n == 0:
            continue
        correct = outcomes[:, common].astype(np.float64)

        def stat(idx: np.ndarray, correct=correct) -> np.ndarray:
            return correct[:, idx].mean(axis=1)

        values, diffs = paired_bootstrap(stat, n, len(vecs), n_boot=n_boot, seed=seed)
        label = f"accuracy, {len(vecs[0]):,} shared candidates (restrict {restrict:,})"
        rows.append(make_row("analogy", f"{bench} ({method})", label, n, values, diffs))
        section_of = results[0].section_of[common]
        table = []
        for si, sec in enumerate(qs.sections):
            mask = section_of == si
            if mask.any():
                table.append(
                    {
                        "name": sec.name,
                        "total": int(mask.sum()),
                        "accuracy": [float(c) for c in correct[:, mask].mean(axis=1)],
                    }
                )
        sections[method] = table
    return rows, {bench: sections}, coverage


def _similarity(vecs, names, bench, *, n_boot, seed, tick):
    from scipy.stats import rankdata

    pset = read_similarity(bench)
    gold = np.asarray(pset.scores, dtype=np.float64)
    model = np.full((len(vecs), len(gold)), np.nan)  # (sets, pairs), nan = unknown
    for i, v in enumerate(vecs):
        try:
            model[i] = evaluate_similarity(v, pset, n_boot=1, seed=seed).model
        except BenchmarkError:  # fewer than two pairs known: this set covers (almost) none
            pass
        tick()
    known = np.isfinite(model)
    coverage = [{"covered": int(k.sum()), "total": len(gold), "ratio": float(k.mean())} for k in known]
    common = known.all(axis=0)
    n = int(common.sum())
    if n < 3:
        return [], {}, coverage
    g, m = gold[common], model[:, common]

    def corr(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # row-wise Pearson of y's rows with x
        x = x - x.mean()
        y = y - y.mean(axis=1, keepdims=True)
        # NaN where a resample holds one value only on a side (few pairs): undefined, left out of the interval
        with np.errstate(invalid="ignore", divide="ignore"):
            return (y @ x) / np.sqrt((y * y).sum(axis=1) * (x @ x))

    def spearman(idx: np.ndarray) -> np.ndarray:
        return corr(rankdata(g[idx]), rankdata(m[:, idx], axis=1))

    def pearson(idx: np.ndarray) -> np.ndarray:
        return corr(g[idx], m[:, idx])

    rows = []
    for label, fn in (("Spearman", spearman), ("Pearson", pearson)):
        values, diffs = paired_bootstrap(fn, n, len(vecs), n_boot=n_boot, seed=seed)
        rows.append(make_row("similarity", bench, f"{label} correlation", n, values, diffs))
    return rows, {}, coverage
