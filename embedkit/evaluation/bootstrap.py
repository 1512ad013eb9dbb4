"""The bootstrap engine behind every interval: resampling, percentile intervals, correlations of resamples.

Two ways of drawing resamples are kept exactly as they were written, because they give different
random numbers for the same seed (numpy's bounded-integer buffer is reset on every call, so one
``(n_boot, n)`` draw and ``n_boot`` draws of ``n`` differ when ``n`` is odd):

* :func:`resample_indices` draws every resample at once (the similarity scores and comparisons);
* :func:`paired_draws` draws one resample per iteration and evaluates a statistic of all vector sets
  on it (the comparison report).

The percentile points are kept too: :func:`confidence_interval` asks ``nanpercentile`` for
``50 * (1 ∓ confidence)`` (2.500000000000002 at 0.95, not 2.5) and :func:`percentile_interval_95`
for exactly 2.5 and 97.5 (both leave NaN samples out).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import InvalidArgumentError

__all__ = [
    "bootstrap_correlations",
    "check_bootstrap",
    "confidence_interval",
    "paired_draws",
    "percentile_interval_95",
    "resample_indices",
    "rowwise_pearson",
]


def check_bootstrap(n_boot: int, confidence: float) -> None:
    """Raise :class:`InvalidArgumentError` unless ``n_boot >= 1`` and ``0 < confidence < 1``."""
    if n_boot < 1:
        raise InvalidArgumentError(f"n_boot must be >= 1, got {n_boot}")
    if not 0 < confidence < 1:
        raise InvalidArgumentError(f"confidence must be between 0 and 1, got {confidence}")


def confidence_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """The central ``confidence`` interval of bootstrap ``samples`` (NaN samples ignored; NaN, NaN if all are).

    Examples
    --------
    >>> confidence_interval(np.arange(101.0), 0.5)
    (25.0, 75.0)
    """
    if np.isnan(samples).all():  # every resample undefined (or none): no interval, and no numpy warning
        return float("nan"), float("nan")
    lo, hi = np.nanpercentile(samples, [50 * (1 - confidence), 50 * (1 + confidence)])
    return float(lo), float(hi)


def percentile_interval_95(draws: np.ndarray) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of ``draws``, NaN draws left out (a resample on which the
    statistic is undefined, such as a correlation of a constant); NaN, NaN if every draw is NaN.

    Examples
    --------
    >>> percentile_interval_95(np.arange(201.0))
    (5.0, 195.0)
    >>> percentile_interval_95(np.array([np.nan, 1.0, 3.0]))
    (1.05, 2.95)
    """
    finite = draws[~np.isnan(draws)]
    if not finite.size:
        return float("nan"), float("nan")
    lo, hi = np.percentile(finite, [2.5, 97.5])
    return float(lo), float(hi)


def resample_indices(rng: np.random.Generator, n: int, n_boot: int) -> np.ndarray:
    """``n_boot`` resamples of ``n`` item indices with replacement, drawn in one call: ``(n_boot, n)``."""
    return rng.integers(0, n, size=(n_boot, n))


def rowwise_pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of every row of ``x`` with the same row of ``y`` (NaN where a row is constant)."""
    x = x - x.mean(axis=1, keepdims=True)
    y = y - y.mean(axis=1, keepdims=True)
    den = np.sqrt((x * x).sum(axis=1) * (y * y).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x * y).sum(axis=1) / den


def bootstrap_correlations(gold: np.ndarray, model: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson and Spearman of every bootstrap resample (rows of ``idx``)."""
    from scipy.stats import rankdata

    g, m = gold[idx], model[idx]
    return rowwise_pearson(g, m), rowwise_pearson(rankdata(g, axis=1), rankdata(m, axis=1))


def paired_draws(
    statistic: Callable[[np.ndarray], np.ndarray],
    n_items: int,
    n_sets: int,
    *,
    n_boot: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``statistic(indices) -> (n_sets,)`` on all items and on ``n_boot`` resamples of them.

    Every set is evaluated on the same resample, so differences between sets are paired. Returns
    the point values ``(n_sets,)`` and the draws ``(n_boot, n_sets)``.
    """
    rng = np.random.default_rng(seed)
    point = np.asarray(statistic(np.arange(n_items)), dtype=float)
    draws = np.empty((n_boot, n_sets))
    for b in range(n_boot):
        draws[b] = statistic(rng.integers(0, n_items, n_items))
    return point, draws
