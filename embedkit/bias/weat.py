"""The Word Embedding Association Test (WEAT) of Caliskan, Bryson and Narayanan (2017), exactly as defined
there, with an exact permutation test where it is affordable and a seeded Monte-Carlo one where it is not.

For target sets X, Y and attribute sets A, B (cosine similarity ``cos``):

- ``s(w, A, B) = mean_{a in A} cos(w, a) - mean_{b in B} cos(w, b)``
- the test statistic ``s(X, Y, A, B) = sum_{x in X} s(x, A, B) - sum_{y in Y} s(y, A, B)``
- the effect size ``(mean_{x in X} s(x, A, B) - mean_{y in Y} s(y, A, B)) / std_{w in X u Y} s(w, A, B)``,
  with the sample standard deviation (``ddof=1``) by default; ``ddof=0`` gives the population standard
  deviation WEFE uses.
- the one-sided p-value ``Pr_i[s(X_i, Y_i, A, B) > s(X, Y, A, B)]`` over the partitions (X_i, Y_i) of
  X u Y into sets of the sizes of X and Y. Two-sided on request: ``Pr_i[|s_i - m| > |s - m|]``, where
  ``m`` is the mean of ``s_i`` over all partitions (0 when X and Y have the same size).

Every ``s(w, A, B)`` is computed once; a partition's statistic is then ``2 * sum_{w in X_i} s(w) - total``,
so the test only sums precomputed numbers. A statistic counts as larger only when it exceeds the
observed one by more than ``1e-12`` times ``sum |s(w)|`` (float rounding of equal sums is not "larger").
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..errors import InvalidArgumentError
from ..vectors import Vectors
from .query import MAX_MISSING, Query

__all__ = [
    "EXACT_LIMIT",
    "PERMUTATIONS",
    "WeatResult",
    "association",
    "effect_size",
    "permutation_p_value",
    "weat",
    "weat_from_scores",
]

EXACT_LIMIT = 1_000_000
"""The largest number of partitions of X u Y enumerated for an exact p-value; above it the test is
Monte-Carlo."""
PERMUTATIONS = 100_000
"""The default number of random partitions of the Monte-Carlo test."""
_CHUNK = 1 << 16
_REL_TOL = 1e-12


def _unit(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    n = np.linalg.norm(m, axis=1, keepdims=True)
    return np.divide(m, n, out=np.zeros_like(m), where=n > 0)


def association(w: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``s(w, A, B)`` for every row of ``w``: mean cosine with the rows of ``a`` minus that with ``b``
    (computed in float64).

    >>> association(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
    array([1.])
    """
    wu = _unit(w)
    return (wu @ _unit(a).T).mean(axis=1) - (wu @ _unit(b).T).mean(axis=1)


def effect_size(sx: np.ndarray, sy: np.ndarray, *, ddof: int = 1) -> float:
    """Caliskan's effect size from the associations ``sx`` of X and ``sy`` of Y: the difference of their
    means over the standard deviation of both together (``ddof=1``: sample; ``ddof=0``: population)."""
    both = np.concatenate([sx, sy])
    sd = float(np.std(both, ddof=ddof)) if len(both) > ddof else 0.0
    diff = float(np.mean(sx) - np.mean(sy))
    return diff / sd if sd > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))


def _combination_chunks(n: int, k: int) -> Iterator[np.ndarray]:
    it = itertools.combinations(range(n), k)
    while True:
        flat = np.fromiter(itertools.chain.from_iterable(itertools.islice(it, _CHUNK)), dtype=np.int64)
        if not flat.size:
            return
        yield flat.reshape(-1, k)


def permutation_p_value(
    scores: np.ndarray,
    nx: int,
    *,
    two_sided: bool = False,
    exact_limit: int = EXACT_LIMIT,
    permutations: int = PERMUTATIONS,
    seed: int = 0,
) -> tuple[float, Literal["exact", "permutation"], int, float]:
    """The permutation p-value of WEAT from ``scores`` (``s(w, A, B)`` of X's words, then Y's; X has
    ``nx`` words).

    Returns ``(p, method, count, standard_error)``: ``method`` is ``"exact"`` when all
    ``C(len(scores), nx)`` partitions (at most ``exact_limit``) were enumerated (``count`` of them,
    standard error 0), else ``"permutation"``: ``permutations`` partitions drawn uniformly without
    replacement of words (a seeded shuffle each), with the binomial standard error ``sqrt(p (1 - p) / count)``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    n = len(scores)
    if not 0 < nx < n:
        raise InvalidArgumentError(f"both target sets need words: {nx} and {n - nx}")
    total = float(scores.sum())
    observed = 2.0 * float(scores[:nx].sum()) - total
    mean = (2.0 * nx / n - 1.0) * total
    tol = _REL_TOL * max(1.0, float(np.abs(scores).sum()))

    def exceed(stats: np.ndarray) -> int:
        if two_sided:
            return int(np.count_nonzero(np.abs(stats - mean) > abs(observed - mean) + tol))
        return int(np.count_nonzero(stats > observed + tol))

    n_partitions = math.comb(n, nx)
    if n_partitions <= exact_limit:
        hits = 0
        for combos in _combination_chunks(n, nx):  # (chunk, nx)
            hits += exceed(2.0 * scores[combos].sum(axis=1) - total)
        return hits / n_partitions, "exact", n_partitions, 0.0
    if permutations < 1:
        raise InvalidArgumentError(f"permutations must be at least 1, got {permutations}")
    rng = np.random.default_rng(seed)
    hits, done = 0, 0
    while done < permutations:
        m = min(_CHUNK, permutations - done)
        order = np.argsort(rng.random((m, n)), axis=1)[:, :nx]  # (m, nx): a uniform random subset per row
        hits += exceed(2.0 * scores[order].sum(axis=1) - total)
        done += m
    p = hits / permutations
    return p, "permutation", permutations, math.sqrt(p * (1.0 - p) / permutations)


@dataclass(frozen=True)
class WeatResult:
    """One WEAT: the statistic, the effect size with its bootstrap interval, and the p-value with how it
    was computed (``p_method`` ``"exact"`` or ``"permutation"``, over ``p_count`` partitions, with
    standard error ``p_stderr``, 0 when exact)."""

    name: str
    targets: tuple[str, str]
    attributes: tuple[str, str]
    statistic: float
    effect_size: float
    ddof: int
    p_value: float
    p_method: str
    p_count: int
    p_stderr: float
    two_sided: bool
    effect_size_ci: tuple[float, float]
    confidence: float
    n_boot: int
    seed: int
    sizes: dict[str, int] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The result as plain data (JSON-safe), as ``embedkit bias weat --json`` prints it."""
        return {
            "name": self.name,
            "targets": list(self.targets),
            "attributes": list(self.attributes),
            "statistic": self.statistic,
            "effect_size": self.effect_size,
            "ddof": self.ddof,
            "p_value": self.p_value,
            "p_method": self.p_method,
            "p_count": self.p_count,
            "p_stderr": self.p_stderr,
            "two_sided": self.two_sided,
            "effect_size_ci": list(self.effect_size_ci),
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "sizes": dict(self.sizes),
            "missing": {k: list(v) for k, v in self.missing.items()},
        }


def _bootstrap_ci(
    sx: np.ndarray, sy: np.ndarray, *, ddof: int, n_boot: int, confidence: float, seed: int
) -> tuple[float, float]:
    """Percentile interval of the effect size, resampling X's and Y's words with replacement (each set
    apart; the attribute sets are kept)."""
    if n_boot == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    bx = sx[rng.integers(0, len(sx), (n_boot, len(sx)))]  # (n_boot, |X|)
    by = sy[rng.integers(0, len(sy), (n_boot, len(sy)))]  # (n_boot, |Y|)
    both = np.concatenate([bx, by], axis=1)
    sd = both.std(axis=1, ddof=ddof) if both.shape[1] > ddof else np.zeros(n_boot)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (bx.mean(axis=1) - by.mean(axis=1)) / sd
    d = d[np.isfinite(d)]
    if not d.size:
        return (math.nan, math.nan)
    lo, hi = np.quantile(d, [(1 - confidence) / 2, (1 + confidence) / 2])
    return (float(lo), float(hi))


def weat_from_scores(
    sx: np.ndarray,
    sy: np.ndarray,
    *,
    name: str = "query",
    targets: tuple[str, str] = ("X", "Y"),
    attributes: tuple[str, str] = ("A", "B"),
    two_sided: bool = False,
    exact_limit: int = EXACT_LIMIT,
    permutations: int = PERMUTATIONS,
    n_boot: int = 1000,
    confidence: float = 0.95,
    ddof: int = 1,
    seed: int = 0,
    missing: dict[str, list[str]] | None = None,
    sizes: dict[str, int] | None = None,
) -> WeatResult:
    """WEAT from the associations ``s(w, A, B)`` of X's words (``sx``) and Y's (``sy``); ``missing`` and
    ``sizes`` (words dropped and kept per set) are carried into the result."""
    if ddof not in (0, 1):
        raise InvalidArgumentError(f"ddof must be 0 (population) or 1 (sample), got {ddof}")
    if not 0 < confidence < 1:
        raise InvalidArgumentError(f"confidence must be between 0 and 1, got {confidence}")
    if n_boot < 0:
        raise InvalidArgumentError(f"n_boot must be 0 or more, got {n_boot}")
    if exact_limit < 0:
        raise InvalidArgumentError(f"exact_limit must be 0 or more, got {exact_limit}")
    sx, sy = np.asarray(sx, dtype=np.float64), np.asarray(sy, dtype=np.float64)
    scores = np.concatenate([sx, sy])
    p, method, count, se = permutation_p_value(
        scores, len(sx), two_sided=two_sided, exact_limit=exact_limit, permutations=permutations, seed=seed
    )
    return WeatResult(
        name=name,
        targets=tuple(targets),  # type: ignore[arg-type]
        attributes=tuple(attributes),  # type: ignore[arg-type]
        statistic=float(sx.sum() - sy.sum()),
        effect_size=effect_size(sx, sy, ddof=ddof),
        ddof=ddof,
        p_value=p,
        p_method=method,
        p_count=count,
        p_stderr=se,
        two_sided=two_sided,
        effect_size_ci=_bootstrap_ci(sx, sy, ddof=ddof, n_boot=n_boot, confidence=confidence, seed=seed),
        confidence=confidence,
        n_boot=n_boot,
        seed=seed,
        sizes=dict(sizes or {}),
        missing=dict(missing or {}),
    )


def weat(
    vectors: Vectors,
    query: Query | str,
    *,
    two_sided: bool = False,
    exact_limit: int = EXACT_LIMIT,
    permutations: int = PERMUTATIONS,
    n_boot: int = 1000,
    confidence: float = 0.95,
    ddof: int = 1,
    seed: int = 0,
    max_missing: float = MAX_MISSING,
) -> WeatResult:
    """Caliskan et al.'s WEAT of ``query`` (a :class:`Query` or a built-in test name, ``weat1`` ..
    ``weat10``) on ``vectors``.

    The p-value is one-sided (``two_sided=True`` for two-sided); exact when the partitions of X u Y
    number at most ``exact_limit``, else from ``permutations`` seeded random partitions. The effect
    size's interval is a percentile bootstrap (``n_boot`` resamples of the target words, ``seed``).
    Missing words are dropped with a warning, or refused beyond ``max_missing`` (see :meth:`Query.resolve`).

    >>> import embedkit
    >>> from embedkit.bias import weat
    >>> r = weat(embedkit.load(), "weat7", n_boot=0)
    >>> r.p_method, r.p_count
    ('exact', 12870)
    """
    q = Query.from_test(query) if isinstance(query, str) else query
    resolved = q.resolve(vectors, max_missing=max_missing)
    rx, ry, ra, rb = resolved.rows
    m = vectors.matrix
    s = association(m[np.concatenate([rx, ry])], m[ra], m[rb])
    return weat_from_scores(
        s[: len(rx)],
        s[len(rx) :],
        name=q.name,
        targets=q.target_names,
        attributes=q.attribute_names,
        two_sided=two_sided,
        exact_limit=exact_limit,
        permutations=permutations,
        n_boot=n_boot,
        confidence=confidence,
        ddof=ddof,
        seed=seed,
        missing=resolved.missing,
        sizes={name: len(words) for name, words in zip(q.names, resolved.words)},
    )
