"""What the report templates read: a :class:`Page` of frozen dataclasses, built from a comparison.

The templates get objects, never dicts or lists of dicts: in Jinja, ``v.clear`` on a dict is the
method ``dict.clear`` (always true), and every winner of the report once read "outside the noise"
that way. :mod:`embedkit.compare.render` also refuses, while rendering, any ``x.name`` that is not a
field of a dataclass, so a name that could resolve to a method fails instead of printing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..evaluation.alignment import Alignment, NeighborOverlap
from .bias_section import BiasSection
from .model import Comparison, MetricRow, Verdict

__all__ = ["Coverage", "Page", "SectionRow", "SectionTable", "Sections", "SetRow", "Setting", "build_page"]


@dataclass(frozen=True)
class Coverage:
    """How many of a benchmark's items a set covers."""

    covered: int
    total: int


@dataclass(frozen=True)
class SetRow:
    """One vector set: its size, and its coverage of each benchmark (``None`` where not measured)."""

    name: str
    source: str
    count: int
    dim: int
    matrix_bytes: int
    coverage: tuple[Coverage | None, ...]


@dataclass(frozen=True)
class SectionRow:
    """One section of an analogy set: its questions and each set's accuracy on them."""

    name: str
    total: int
    accuracy: tuple[float, ...]


@dataclass(frozen=True)
class SectionTable:
    """The sections of an analogy set answered by one method (3CosAdd or 3CosMul)."""

    method: str
    rows: tuple[SectionRow, ...]


@dataclass(frozen=True)
class Sections:
    """The per-section tables of one analogy set."""

    benchmark: str
    tables: tuple[SectionTable, ...]


@dataclass(frozen=True)
class Setting:
    """One setting of the comparison, as the report prints it."""

    name: str
    value: str


@dataclass(frozen=True)
class Page:
    """Everything ``report.html.j2`` and ``report.md.j2`` read; the figures are PNG data URIs (HTML only)."""

    names: tuple[str, ...]
    seed: int
    n_boot: int
    k: int
    restrict: int
    analogy_candidates: int | None
    benchmarks: tuple[str, ...]
    verdict: tuple[Verdict, ...]
    sets: tuple[SetRow, ...]
    metrics: tuple[MetricRow, ...]
    sections: tuple[Sections, ...]
    overlaps: tuple[NeighborOverlap, ...]
    alignments: tuple[Alignment, ...]
    settings: tuple[Setting, ...]
    fig_metrics: str | None = None
    fig_projection: str | None = None
    bias: BiasSection | None = None


def _setting(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def build_page(comparison: Comparison, *, fig_metrics: str | None = None, fig_projection: str | None = None) -> Page:
    """The :class:`Page` of ``comparison`` (figures given as data URIs, for the HTML)."""
    st = comparison.settings
    benchmarks = tuple(st["benchmarks"])
    sets = tuple(
        SetRow(
            s.name,
            s.source,
            s.count,
            s.dim,
            s.matrix_bytes,
            tuple(
                None if (cv := s.coverage.get(b)) is None else Coverage(cv["covered"], cv["total"]) for b in benchmarks
            ),
        )
        for s in comparison.sets
    )
    sections = tuple(
        Sections(
            bench,
            tuple(
                SectionTable(method, tuple(SectionRow(r["name"], r["total"], tuple(r["accuracy"])) for r in rows))
                for method, rows in by_method.items()
            ),
        )
        for bench, by_method in comparison.analogy_sections.items()
    )
    return Page(
        names=tuple(comparison.names),
        seed=st["seed"],
        n_boot=st["n_boot"],
        k=st["k"],
        restrict=st["restrict"],
        analogy_candidates=st["analogy_candidates"],
        benchmarks=benchmarks,
        verdict=tuple(comparison.verdict()),
        sets=sets,
        metrics=tuple(comparison.metrics),
        sections=sections,
        overlaps=tuple(comparison.overlaps),
        alignments=tuple(comparison.alignments),
        settings=tuple(Setting(k, _setting(v)) for k, v in st.items()),
        fig_metrics=fig_metrics,
        fig_projection=fig_projection,
        bias=comparison.bias,
    )
