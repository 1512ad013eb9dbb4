"""Word-similarity correlation (cosine against human scores), with bootstrap intervals.

:func:`evaluate_similarity` gives the Pearson and Spearman correlations of gensim's
``evaluate_word_pairs``, each with a seeded bootstrap interval, and :func:`compare_similarity`
compares two vector sets on the same pairs (the differences with their paired-bootstrap intervals).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import BenchmarkError, DataError, InvalidArgumentError
from ..progress import progress_bar
from ..search.backends import SearchBackend, resolve_backend
from ..search.kernels import restrict_count, unit_view
from ..vectors import Vectors
from .benchmark_files import SimilaritySet, read_similarity
from .bootstrap import bootstrap_correlations, check_bootstrap, confidence_interval, resample_indices

__all__ = [
    "SimilarityComparison",
    "SimilarityResult",
    "compare_similarity",
    "evaluate_similarity",
]

OOV = Literal["skip", "zero"]


@dataclass(frozen=True)
class SimilarityResult:
    """What :func:`evaluate_similarity` measured: correlations of cosine with human scores.

    ``pairs`` counts the pairs used; ``oov_pairs`` those with an unknown word (left out, or scored
    0 with ``oov="zero"``), listed in ``unknown``; ``oov_ratio`` is ``oov_pairs`` over all pairs
    read. ``gold`` and ``model`` hold, per pair of the file, the human score and the cosine
    (``nan`` where unknown). ``invalid_lines``, ``first_invalid_line`` and ``encoding`` describe
    the file as for :class:`AnalogyResult`.
    """

    name: str
    pairs: int
    oov_pairs: int
    oov_ratio: float
    pearson: float
    spearman: float
    pearson_ci: tuple[float, float]
    spearman_ci: tuple[float, float]
    oov: str
    case_insensitive: bool
    restrict: int | None
    confidence: float
    n_boot: int
    seed: int
    invalid_lines: int
    first_invalid_line: int | None
    encoding: str
    unknown: tuple[tuple[str, str], ...] = field(repr=False)
    gold: np.ndarray = field(repr=False, compare=False)
    model: np.ndarray = field(repr=False, compare=False)

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        return {
            "name": self.name,
            "pairs": self.pairs,
            "oov_pairs": self.oov_pairs,
            "oov_ratio": self.oov_ratio,
            "pearson": self.pearson,
            "spearman": self.spearman,
            "pearson_ci": list(self.pearson_ci),
            "spearman_ci": list(self.spearman_ci),
            "oov": self.oov,
            "case_insensitive": self.case_insensitive,
            "restrict": self.restrict,
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "invalid_lines": self.invalid_lines,
            "first_invalid_line": self.first_invalid_line,
            "encoding": self.encoding,
            "unknown": [list(p) for p in self.unknown],
        }


def evaluate_similarity(
    vectors: Vectors,
    pairs: str | Path | SimilaritySet = "wordsim353",
    *,
    oov: OOV = "skip",
    case_insensitive: bool = True,
    restrict: int | None = 300000,
    strip_pos: bool = False,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    device: str | SearchBackend = "cpu",
    progress: bool = False,
) -> SimilarityResult:
    """Pearson and Spearman correlation between cosine similarity and human similarity scores.

    The rules are gensim's ``evaluate_word_pairs``: only the first ``restrict`` words count (with
    ``case_insensitive``, the most frequent casing of a word stands for it); a pair with an
    unknown word is left out (``oov="skip"``) or scored 0 (``oov="zero"``, gensim's
    ``dummy4unknown``).

    Parameters
    ----------
    vectors:
        The vectors to evaluate.
    pairs:
        A registered name (``"wordsim353"``, ``"simlex999"``), a path, or a :class:`SimilaritySet`.
    oov:
        What to do with pairs with an unknown word: ``"skip"`` or ``"zero"``.
    case_insensitive:
        Fold case as gensim does.
    restrict:
        Vocabulary size (``None``: every word). gensim's default is 300,000.
    strip_pos:
        Remove part-of-speech suffixes (``sun-n``) when reading the file.
    n_boot, confidence, seed:
        Bootstrap resamples (of pairs), interval level and random seed.
    device:
        Where the cosines are computed: ``"cpu"`` (numpy), ``"cuda"``, ``"cuda:N"``, ``"auto"`` or a
        backend object, as in :mod:`embedkit.search.backends` (equal within float32 rounding).
    progress:
        Show a bar of the steps (vocabulary, cosines, correlations, bootstrap) on stderr once the
        evaluation has run :data:`~embedkit.progress.PROGRESS_DELAY` seconds (a vocabulary of
        millions of words takes several).

    Examples
    --------
    >>> import embedkit
    >>> r = evaluate_similarity(embedkit.load(), "wordsim353")
    >>> r.pairs, round(r.spearman, 4)
    (353, 0.5033)
    """
    if oov not in ("skip", "zero"):
        raise InvalidArgumentError(f"oov must be 'skip' or 'zero', got {oov!r}")
    check_bootstrap(n_boot, confidence)
    backend = resolve_backend(device)
    pset = pairs if isinstance(pairs, SimilaritySet) else read_similarity(pairs, strip_pos=strip_pos)
    with progress_bar(desc=f"similarity ({pset.name})", total=4, unit="step", enabled=progress) as bar:
        return _evaluate(vectors, pset, oov, case_insensitive, restrict, n_boot, confidence, seed, backend, bar)


def _evaluate(
    vectors: Vectors,
    pset: SimilaritySet,
    oov: str,
    case_insensitive: bool,
    restrict: int | None,
    n_boot: int,
    confidence: float,
    seed: int,
    backend: SearchBackend | None,
    bar,
) -> SimilarityResult:
    """:func:`evaluate_similarity`'s steps, each one counted on ``bar``."""
    from scipy.stats import pearsonr, spearmanr

    n_cand = restrict_count(vectors, restrict)
    # gensim's vocabulary of the first n_cand words is the whole set's (computed once per vector set)
    # restricted to rows below n_cand: a folded word's first row is the same in both
    ok = vectors.folded_index if case_insensitive else vectors.index
    fold = str.upper if case_insensitive else (lambda w: w)
    ra = np.array([ok.get(fold(a), -1) for a, _ in pset.pairs], dtype=np.int64)
    rb = np.array([ok.get(fold(b), -1) for _, b in pset.pairs], dtype=np.int64)
    ra[ra >= n_cand] = -1
    rb[rb >= n_cand] = -1
    known = (ra >= 0) & (rb >= 0)
    bar.update()
    normed = unit_view(vectors)
    model = np.full(len(ra), np.nan)
    left, right = normed[ra[known]], normed[rb[known]]
    if backend is None:
        model[known] = np.einsum("ij,ij->i", left, right)
    else:
        model[known] = backend.pair_cosines(left, right)
    gold = np.asarray(pset.scores, dtype=np.float64)
    use = known if oov == "skip" else np.ones(len(ra), dtype=bool)
    g, m = gold[use], np.where(known, model, 0.0)[use]
    bar.update()
    if len(g) < 2:
        where = "every word" if restrict is None else f"the first {n_cand:,} words"
        raise BenchmarkError(
            f"{int(known.sum())} of the {len(ra):,} pairs of {pset.name} have both words in the "
            f"vocabulary ({where}): at least two are needed to correlate"
        )
    pearson = float(pearsonr(g, m)[0])
    spearman = float(spearmanr(g, m)[0])
    bar.update()
    rng = np.random.default_rng(seed)
    bp, bs = bootstrap_correlations(g, m, resample_indices(rng, len(g), n_boot))
    bar.update()
    return SimilarityResult(
        name=pset.name,
        pairs=int(use.sum()),
        oov_pairs=int((~known).sum()),
        oov_ratio=float((~known).sum() / len(known)),
        pearson=pearson,
        spearman=spearman,
        pearson_ci=confidence_interval(bp, confidence),
        spearman_ci=confidence_interval(bs, confidence),
        oov=oov,
        case_insensitive=case_insensitive,
        restrict=restrict,
        confidence=confidence,
        n_boot=n_boot,
        seed=seed,
        invalid_lines=pset.invalid_lines,
        first_invalid_line=pset.first_invalid_line,
        encoding=pset.encoding,
        unknown=tuple(p for p, k in zip(pset.pairs, known.tolist()) if not k),
        gold=gold,
        model=model,
    )


@dataclass(frozen=True)
class SimilarityComparison:
    """Correlations of two results on the pairs both know, and the differences ``a - b``."""

    name: str
    n: int
    spearman_a: float
    spearman_b: float
    spearman_difference: float
    spearman_ci: tuple[float, float]
    pearson_a: float
    pearson_b: float
    pearson_difference: float
    pearson_ci: tuple[float, float]
    confidence: float

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["spearman_ci"], d["pearson_ci"] = list(self.spearman_ci), list(self.pearson_ci)
        return d


def compare_similarity(
    a: SimilarityResult,
    b: SimilarityResult,
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> SimilarityComparison:
    """Paired comparison of two similarity results on the same pair file.

    Both correlations are recomputed on the pairs both vector sets know, and the interval of each
    difference comes from resampling those pairs (the same resample for both sets).
    """
    check_bootstrap(n_boot, confidence)
    if len(a.gold) != len(b.gold) or not np.array_equal(a.gold, b.gold):
        raise DataError("the two results are not on the same pairs")
    both = ~np.isnan(a.model) & ~np.isnan(b.model)
    n = int(both.sum())
    if n < 2:
        raise DataError("fewer than two pairs known to both: cannot correlate")
    g, ma, mb = a.gold[both], a.model[both], b.model[both]
    idx = np.arange(n)[None, :]
    (pa,), (sa,) = bootstrap_correlations(g, ma, idx)
    (pb,), (sb,) = bootstrap_correlations(g, mb, idx)
    rng = np.random.default_rng(seed)
    idx = resample_indices(rng, n, n_boot)
    bpa, bsa = bootstrap_correlations(g, ma, idx)
    bpb, bsb = bootstrap_correlations(g, mb, idx)
    return SimilarityComparison(
        name=a.name,
        n=n,
        spearman_a=float(sa),
        spearman_b=float(sb),
        spearman_difference=float(sa - sb),
        spearman_ci=confidence_interval(bsa - bsb, confidence),
        pearson_a=float(pa),
        pearson_b=float(pb),
        pearson_difference=float(pa - pb),
        pearson_ci=confidence_interval(bpa - bpb, confidence),
        confidence=confidence,
    )
