"""The statistics model of a comparison: estimates with intervals, metric rows, sets, the whole comparison.

Every score of a comparison is an :class:`Estimate` (a value with its 95% bootstrap interval); a
:class:`MetricRow` holds one score per vector set on the items all sets cover, with the paired
differences to the first set (:func:`paired_bootstrap`); a :class:`Comparison` holds everything and
turns into the JSON report with ``to_dict()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from ..evaluation.alignment import Alignment, NeighborOverlap
from ..evaluation.bootstrap import paired_draws, percentile_interval_95
from .bias_section import BiasSection

__all__ = [
    "Comparison",
    "Estimate",
    "MetricRow",
    "SetInfo",
    "Verdict",
    "difference",
    "make_row",
    "paired_bootstrap",
]


@dataclass(frozen=True)
class Estimate:
    """A value with its 95% bootstrap interval."""

    value: float
    low: float
    high: float

    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly on one side of zero: a difference outside the noise."""
        return self.low > 0 or self.high < 0

    def to_dict(self) -> dict:
        """``{"value", "low", "high"}``."""
        return asdict(self)


@dataclass(frozen=True)
class MetricRow:
    """One number per vector set on the items all sets cover, with paired differences.

    ``differences[i]`` is set ``i`` minus the first set, bootstrapped over the same resampled
    items (``None`` for the first set). ``best`` indexes the best set; ``decisive`` says whether
    the best set's difference to every other set has an interval that excludes zero.
    """

    group: str
    benchmark: str
    metric: str
    items: int
    values: list[Estimate]
    differences: list[Estimate | None]
    best: int
    decisive: bool

    def to_dict(self) -> dict:
        """The row as plain JSON-ready data."""
        return {
            "group": self.group,
            "benchmark": self.benchmark,
            "metric": self.metric,
            "items": self.items,
            "values": [v.to_dict() for v in self.values],
            "differences": [None if d is None else d.to_dict() for d in self.differences],
            "best": self.best,
            "decisive": self.decisive,
        }


@dataclass(frozen=True)
class SetInfo:
    """Size and coverage of one vector set."""

    name: str
    source: str
    count: int
    dim: int
    matrix_bytes: int
    coverage: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    """One metric's verdict: the winner, its margin over the runner-up (the paired difference with
    the smallest value), and whether the winner's lead over every other set is outside the noise
    (``clear``: each paired 95% interval excludes 0)."""

    benchmark: str
    metric: str
    items: int
    winner: str
    margin: Estimate | None
    clear: bool

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Comparison:
    """Everything :func:`~embedkit.compare.run.compare` measured; ``to_dict()`` is what the JSON report holds."""

    sets: list[SetInfo]
    metrics: list[MetricRow]
    analogy_sections: dict[str, dict]
    overlaps: list[NeighborOverlap]
    alignments: list[Alignment]
    projection: dict
    settings: dict
    bias: BiasSection | None = None

    @property
    def names(self) -> list[str]:
        """The vector sets' names, in order."""
        return [s.name for s in self.sets]

    def verdict(self) -> list[Verdict]:
        """One :class:`Verdict` per metric: who wins, by how much, and whether it is outside the noise."""
        rows = []
        for m in self.metrics:
            margins = [difference(m, m.best, j) for j in range(len(self.sets)) if j != m.best]
            closest = min(margins, key=lambda d: d.value) if margins else None
            rows.append(Verdict(m.benchmark, m.metric, m.items, self.sets[m.best].name, closest, m.decisive))
        return rows

    def to_dict(self) -> dict:
        """The comparison as plain JSON-ready data: the report's JSON."""
        return {
            "sets": [s.to_dict() for s in self.sets],
            "verdict": [v.to_dict() for v in self.verdict()],
            "metrics": [m.to_dict() for m in self.metrics],
            "analogy_sections": self.analogy_sections,
            "neighbor_overlap": [o.to_dict() for o in self.overlaps],
            "alignment": [a.to_dict() for a in self.alignments],
            "projection": self.projection,
            "settings": self.settings,
            "bias": None if self.bias is None else self.bias.to_dict(),
        }


def difference(m: MetricRow, i: int, j: int) -> Estimate:
    """The paired difference set i minus set j, from the stored differences against set 0."""
    di, dj = m.differences[i], m.differences[j]
    if j == 0 and di is not None:
        return di
    if i == 0 and dj is not None:  # 0.0 - x, not -x: a tie is +0.0, never -0.0 ("-0.0000" in a report)
        return Estimate(0.0 - dj.value, 0.0 - dj.high, 0.0 - dj.low)
    # Neither is the reference: the stored bootstrap draws are gone, so use the conservative
    # (widest) combination of the two intervals.
    assert di is not None and dj is not None
    return Estimate(di.value - dj.value, di.low - dj.high, di.high - dj.low)


def paired_bootstrap(
    statistic: Callable[[np.ndarray], np.ndarray],
    n_items: int,
    n_sets: int,
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> tuple[list[Estimate], list[Estimate | None]]:
    """Bootstrap ``statistic(indices) -> (n_sets,)`` over items resampled with replacement,
    the same resample for every set, so differences between sets are paired."""
    point, draws = paired_draws(statistic, n_items, n_sets, n_boot=n_boot, seed=seed)
    values = [Estimate(float(point[s]), *percentile_interval_95(draws[:, s])) for s in range(n_sets)]
    diffs: list[Estimate | None] = [None]
    for s in range(1, n_sets):
        diffs.append(Estimate(float(point[s] - point[0]), *percentile_interval_95(draws[:, s] - draws[:, 0])))
    return values, diffs


def make_row(group, benchmark, metric, items, values, diffs, higher_is_better=True) -> MetricRow:
    """A :class:`MetricRow` with its best set and whether the best set's lead is outside the noise."""
    vals = np.array([v.value for v in values])
    best = int(np.argmax(vals) if higher_is_better else np.argmin(vals))
    tmp = MetricRow(group, benchmark, metric, items, values, diffs, best, False)
    decisive = len(values) > 1 and all(
        difference(tmp, best, j).excludes_zero() for j in range(len(values)) if j != best
    )
    return MetricRow(group, benchmark, metric, items, values, diffs, best, decisive)
