"""Compare two or more vector sets: load them, score them side by side, and collect a :class:`Comparison`.

:func:`compare` computes every number (a :class:`~embedkit.compare.model.Comparison`, plain data with
``to_dict()``): benchmarks on the items all sets cover (:mod:`embedkit.compare.intrinsic`), neighbour
overlap and Procrustes alignment, an aligned projection of probe words, and a downstream probe
(:mod:`embedkit.compare.downstream`). :mod:`embedkit.compare.render` turns it into pages.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..bias import WEAT_TESTS
from ..classify.datasets import dataset_path
from ..errors import InvalidArgumentError
from ..evaluation.alignment import align, neighbor_overlap, shared_words
from ..io.api import resolve_vectors
from ..io.named import default_data_dir
from ..progress import progress_bar
from ..search.kernels import unit_rows
from ..vectors import Vectors
from .bias_section import bias_section
from .downstream import downstream_rows
from .intrinsic import benchmark_kind, benchmark_steps, compare_benchmark, shared_candidates
from .model import Comparison, MetricRow, SetInfo

__all__ = [
    "DEFAULT_BENCHMARKS",
    "DEFAULT_DOWNSTREAM",
    "DEFAULT_PROBES",
    "compare",
]

DEFAULT_PROBES = [
    "king",
    "queen",
    "man",
    "woman",
    "prince",
    "princess",
    "paris",
    "france",
    "rome",
    "italy",
    "berlin",
    "germany",
    "tokyo",
    "japan",
    "one",
    "two",
    "three",
    "four",
    "five",
    "ten",
    "doctor",
    "nurse",
    "teacher",
    "lawyer",
    "engineer",
    "farmer",
    "frog",
    "toad",
    "dog",
    "cat",
    "horse",
    "good",
    "bad",
    "happy",
    "sad",
]
"""The words whose neighbours :func:`compare` shows side by side when given no ``probe_words``."""
DEFAULT_BENCHMARKS = ("google", "wordsim353", "simlex999")
"""The intrinsic benchmarks :func:`compare` runs by default: Google analogies, WordSim-353, SimLex-999."""
DEFAULT_DOWNSTREAM = ("mr", "dbpedia")
"""The classification datasets of :func:`compare`'s downstream probe (``downstream=()`` skips it)."""


def _resolve(
    specs: Sequence[str | os.PathLike | Vectors], names: Sequence[str] | None
) -> tuple[list[Vectors], list[str]]:
    vecs, auto = [], []
    for s in specs:
        if isinstance(s, Vectors):
            vecs.append(s)
            auto.append(s.source or f"set {len(vecs)}")
        else:
            vecs.append(resolve_vectors(s))
            auto.append(Path(str(s)).name if os.path.sep in str(s) or Path(str(s)).exists() else str(s))
    names = list(names) if names is not None else auto
    if len(names) != len(vecs):
        raise InvalidArgumentError(f"{len(names)} names for {len(vecs)} vector sets")
    if len(set(names)) != len(names):  # make duplicates distinguishable
        names = [f"{n} ({i + 1})" for i, n in enumerate(names)]
    return vecs, names


def compare(
    specs: Sequence[str | os.PathLike | Vectors],
    *,
    names: Sequence[str] | None = None,
    benchmarks: Sequence[str] = DEFAULT_BENCHMARKS,
    probe_words: Sequence[str] = DEFAULT_PROBES,
    downstream: Sequence[str] = DEFAULT_DOWNSTREAM,
    data_dir: str | os.PathLike | None = None,
    restrict: int = 30000,
    analogy_methods: Sequence[str] = ("3cosadd", "3cosmul"),
    k: int = 10,
    overlap_words: int = 1000,
    folds: int = 5,
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = True,
    bias: bool = True,
) -> Comparison:
    """Compare two or more vector sets (names or paths of any format, or :class:`Vectors`).

    Parameters
    ----------
    specs:
        The vector sets; the first is the reference for paired differences and alignment.
    names:
        Display names (default: the registered name or the file name).
    benchmarks:
        Analogy question sets and similarity pair files (registered names or paths); a file with
        four words per line is an analogy set, one with two words and a score a similarity set.
    probe_words:
        Words drawn in the aligned projections (those all sets know).
    downstream:
        Classification datasets for the logistic-regression probe on mean vectors: names from
        ``DOWNSTREAM_FILES`` (read from ``data_dir``, default ``$EMBEDKIT_DATA`` or ``../shared/data``)
        or paths. ``()`` skips the probe.
    restrict:
        Analogy answers come from the words that every set has among its ``restrict`` most frequent
        (the same candidates for every set; their number is ``settings["analogy_candidates"]``).
    analogy_methods:
        ``"3cosadd"`` and/or ``"3cosmul"``.
    k, overlap_words:
        Jaccard@k of the neighbourhoods of the ``overlap_words`` most frequent shared words.
    folds:
        Cross-validation folds of the downstream probe.
    n_boot, seed:
        Bootstrap resamples for every interval, and the seed of everything random.
    progress:
        Show progress on stderr (:func:`~embedkit.progress.progress_bar`): the stage, and the steps
        done inside it (a set evaluated on a benchmark, a cross-validation fold, ...) of how many.
    bias:
        Run Caliskan et al.'s ten WEAT tests on every set (:mod:`embedkit.compare.bias_section`).
    """
    vecs, names = _resolve(specs, names)
    if len(vecs) < 2:
        raise InvalidArgumentError("compare needs at least two vector sets")
    paths = [dataset_path(ds, default_data_dir(data_dir)) for ds in downstream]  # a missing file: before the work
    # Progress in steps of comparable work: a set evaluated on a benchmark (per analogy method), a
    # pair of sets' neighbourhoods, an alignment, a set's cross-validation fold.
    pairs = len(vecs) * (len(vecs) - 1) // 2
    total = 1 + sum(benchmark_steps(len(vecs), b, analogy_methods) for b in benchmarks)
    total += pairs + len(vecs) + len(downstream) * len(vecs) * folds
    total += len(WEAT_TESTS) if bias else 0
    bar = progress_bar(desc="compare: sizes", total=total, unit="step", delay=0.0, enabled=progress)

    def step(label: str) -> None:
        bar.set_description_str(f"compare: {label}")

    def done() -> None:
        bar.update()

    infos = [SetInfo(n, str(v.source), len(v), v.dim, v.nbytes) for n, v in zip(names, vecs)]
    bar.update()

    metrics: list[MetricRow] = []
    sections: dict[str, dict] = {}
    candidates = shared_candidates(vecs, restrict) if any(benchmark_kind(b) == "analogy" for b in benchmarks) else None
    for bench in benchmarks:
        step(f"benchmark {bench}")
        rows, secs, coverage = compare_benchmark(
            vecs,
            names,
            bench,
            restrict=restrict,
            n_boot=n_boot,
            seed=seed,
            methods=analogy_methods,
            candidates=candidates,
            done=done,
        )
        metrics.extend(rows)
        sections.update(secs)
        for info, cov in zip(infos, coverage):
            info.coverage[bench] = cov

    step("neighbour overlap")
    overlaps = []
    for i in range(len(vecs)):
        for j in range(i + 1, len(vecs)):
            overlaps.append(neighbor_overlap(vecs[i], vecs[j], k=k, n_words=overlap_words, names=(names[i], names[j])))
            done()

    step("alignment")
    alignments = []
    for i in range(1, len(vecs)):
        alignments.append(align(vecs[i], vecs[0], names=(names[i], names[0])))
        done()

    step("projection")
    projection = _aligned_projection(vecs, names, alignments, probe_words)
    done()

    for ds, path in zip(downstream, paths):
        step(f"downstream {ds}")
        metrics.append(downstream_rows(vecs, names, path, label=ds, folds=folds, n_boot=n_boot, seed=seed, done=done))
    section = None
    if bias:
        step("bias")
        section = bias_section(vecs, names, n_boot=n_boot, seed=seed, done=done)
    bar.close()
    settings = {
        "benchmarks": list(benchmarks),
        "restrict": restrict,
        "analogy_candidates": None if candidates is None else len(candidates[0]),
        "analogy_methods": list(analogy_methods),
        "k": k,
        "overlap_words": overlap_words,
        "downstream": list(downstream),
        "folds": folds,
        "n_boot": n_boot,
        "seed": seed,
        "probe_words": list(probe_words),
    }
    return Comparison(infos, metrics, sections, overlaps, alignments, projection, settings, section)


def _aligned_projection(vecs, names, alignments, probe_words) -> dict:
    """2-D PCA of the probe words: fitted on the first set, every other set mapped into the
    first set's coordinates by its Procrustes alignment first."""
    common = [w for w in probe_words if all(w in v for v in vecs)]
    if len(common) < 3:
        common = shared_words(vecs[0], vecs[1], 30)
        for v in vecs[2:]:
            common = [w for w in common if w in v]
    ref = unit_rows(vecs[0], vecs[0].indices(common)).astype(np.float64)
    mean = ref.mean(axis=0)
    _, _, vt = np.linalg.svd(ref - mean, full_matrices=False)
    axes = vt[:2].T
    coords = {names[0]: ((ref - mean) @ axes).tolist()}
    for al, v, n in zip(alignments, vecs[1:], names[1:]):
        mapped = al.transform(v.matrix[v.indices(common)]).astype(np.float64)
        coords[n] = ((mapped - mean) @ axes).tolist()
    return {"words": common, "coordinates": coords}
