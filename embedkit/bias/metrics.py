"""The other association metrics users compare with WEAT, as WEFE defines them, on a :class:`Query`.

Each takes the query's two target sets X, Y; RND, ECT and RIPA are computed against each attribute set
(A and B) apart, MAC over both. Vectors are used as stored unless ``normalize=True`` (unit length first).

- **RND**, relative norm distance (Garg, Schiebinger, Jurafsky, Zou 2018, *PNAS* 115(16):E3635):
  ``mean_{a in A} (||a - mean(X)|| - ||a - mean(Y)||)``; negative: A is closer to X.
- **MAC**, mean average cosine distance (Manzini, Lim, Tsvetkov, Black 2019, NAACL):
  the mean over every target word t of X and Y and each attribute set S of ``mean_{a in S} (1 - cos(t, a))``.
- **ECT**, embedding coherence test (Dev and Phillips 2019, AISTATS): the Spearman correlation of
  ``[cos(mean(X), a) for a in A]`` and ``[cos(mean(Y), a) for a in A]`` (ties get average ranks);
  1 means A is ranked alike by both target means.
- **RIPA**, relational inner product association (Ethayarajh, Duvenaud, Hirst 2019, ACL): with X and Y
  read as pairs (x_i, y_i) and ``b_i = (x_i - y_i) / ||x_i - y_i||``, the mean over a in A of
  ``mean_i a . b_i``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError
from ..vectors import Vectors
from .query import MAX_MISSING, Query

__all__ = ["MetricResult", "ect", "mac", "ripa", "rnd"]


@dataclass(frozen=True)
class MetricResult:
    """One metric on one query: ``value`` (for RND, ECT and RIPA the first attribute set's, ``per_attribute``
    holding each set's), and the words missing from each set."""

    metric: str
    name: str
    value: float
    per_attribute: dict[str, float] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The result as plain data (JSON-safe)."""
        return {
            "metric": self.metric,
            "name": self.name,
            "value": self.value,
            "per_attribute": dict(self.per_attribute),
            "missing": {k: list(v) for k, v in self.missing.items()},
        }


def _sets(vectors: Vectors, query: Query, normalize: bool, max_missing: float) -> tuple[list[np.ndarray], dict]:
    r = query.resolve(vectors, max_missing=max_missing)
    out = []
    for rows in r.rows:
        m = np.asarray(vectors.matrix[rows], dtype=np.float64)
        if normalize:
            n = np.linalg.norm(m, axis=1, keepdims=True)
            m = np.divide(m, n, out=np.zeros_like(m), where=n > 0)
        out.append(m)
    return out, r.missing


def _cos(u: np.ndarray, m: np.ndarray) -> np.ndarray:
    return (m @ u) / (np.linalg.norm(m, axis=1) * np.linalg.norm(u))


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties given their average rank."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = np.arange(1, len(x) + 1)
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = _ranks(a), _ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = float(np.sqrt((ra @ ra) * (rb @ rb)))
    return float(ra @ rb) / den if den > 0 else float("nan")


def _per_attribute(metric: str, query: Query, values: list[float], missing: dict) -> MetricResult:
    per = dict(zip(query.attribute_names, values))
    return MetricResult(metric, query.name, values[0], per, missing)


def rnd(vectors: Vectors, query: Query, *, normalize: bool = False, max_missing: float = MAX_MISSING) -> MetricResult:
    """Relative norm distance (Garg et al. 2018) of X and Y to each attribute set."""
    (x, y, a, b), missing = _sets(vectors, query, normalize, max_missing)
    mx, my = x.mean(axis=0), y.mean(axis=0)
    vals = [float(np.mean(np.linalg.norm(s - mx, axis=1) - np.linalg.norm(s - my, axis=1))) for s in (a, b)]
    return _per_attribute("rnd", query, vals, missing)


def ect(vectors: Vectors, query: Query, *, normalize: bool = False, max_missing: float = MAX_MISSING) -> MetricResult:
    """Embedding coherence test (Dev and Phillips 2019) of X and Y on each attribute set."""
    (x, y, a, b), missing = _sets(vectors, query, normalize, max_missing)
    mx, my = x.mean(axis=0), y.mean(axis=0)
    vals = [_spearman(_cos(mx, s), _cos(my, s)) for s in (a, b)]
    return _per_attribute("ect", query, vals, missing)


def ripa(vectors: Vectors, query: Query, *, normalize: bool = False, max_missing: float = MAX_MISSING) -> MetricResult:
    """Relational inner product association (Ethayarajh et al. 2019): X and Y as pairs, on each attribute set."""
    (x, y, a, b), missing = _sets(vectors, query, normalize, max_missing)
    if len(x) != len(y):
        raise DataError(f"{query.name}: RIPA pairs X with Y word by word, but they hold {len(x)} and {len(y)} words")
    d = x - y
    n = np.linalg.norm(d, axis=1, keepdims=True)
    if np.any(n == 0):
        raise DataError(f"{query.name}: RIPA needs each pair's two vectors to differ")
    bvec = d / n  # (P, dim)
    vals = [float(np.mean((s @ bvec.T).mean(axis=1))) for s in (a, b)]
    return _per_attribute("ripa", query, vals, missing)


def mac(vectors: Vectors, query: Query, *, normalize: bool = False, max_missing: float = MAX_MISSING) -> MetricResult:
    """Mean average cosine distance (Manzini et al. 2019) of every target word to each attribute set."""
    (x, y, a, b), missing = _sets(vectors, query, normalize, max_missing)
    scores = [float(np.mean(1.0 - _cos(t, s))) for t in np.concatenate([x, y]) for s in (a, b)]
    return MetricResult("mac", query.name, float(np.mean(scores)), {}, missing)
