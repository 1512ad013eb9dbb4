"""What debiasing costs: WEAT on Caliskan's tests and embedkit's own analogy and word-similarity scores,
before and after each debiasing method, in one table (:func:`debias_report`), as Markdown or HTML.

An **overshoot** is a test whose effect size changes sign after debiasing while its interval excludes
zero on the other side (hard debiasing turns math/arts from +1.5 to -1.1 on GloVe 6B 50d): the table
marks it rather than hides it. A sign change whose interval still holds zero is marked "flipped
(within noise)".
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import InvalidArgumentError
from ..evaluation.analogies import evaluate_analogies
from ..evaluation.benchmark_files import read_analogies
from ..evaluation.similarity import evaluate_similarity
from ..vectors import Vectors
from .debias import hard_debias
from .double_hard import double_hard_debias
from .weat import WeatResult, weat
from .wordsets import WEAT_TESTS

__all__ = ["DEBIAS_METHODS", "DebiasReport", "Score", "debias_report"]

DEBIAS_METHODS: dict[str, Callable[[Vectors], Vectors]] = {"hard": hard_debias, "double-hard": double_hard_debias}
"""The debiasing methods by name, each with its default word lists: ``hard`` (Bolukbasi et al. 2016) and
``double-hard`` (Wang et al. 2020)."""


@dataclass(frozen=True)
class Score:
    """One benchmark score with its 95% bootstrap interval (analogy accuracy or similarity Spearman)."""

    value: float
    low: float
    high: float

    def to_dict(self) -> dict:
        """``{"value", "low", "high"}``."""
        return {"value": self.value, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class DebiasReport:
    """WEAT results (``weat[c][t]``: column c, test t) and benchmark scores (``scores[b][c]``) for the
    original vectors (column 0) and each method's vectors."""

    columns: tuple[str, ...]
    tests: tuple[str, ...]
    weat: tuple[tuple[WeatResult, ...], ...]
    benchmarks: tuple[str, ...]
    scores: tuple[tuple[Score, ...], ...]

    def change(self, column: int, test: int) -> str:
        """``""``, ``"overshoot"`` (the sign flipped and the interval excludes zero) or ``"flipped"``
        (the sign flipped within noise) of a method's effect size against the original's."""
        before, after = self.weat[0][test], self.weat[column][test]
        if column == 0 or before.effect_size * after.effect_size >= 0:
            return ""
        lo, hi = after.effect_size_ci
        return "overshoot" if lo * hi > 0 else "flipped"

    def to_dict(self) -> dict:
        """The table as plain data (JSON-safe)."""
        return {
            "columns": list(self.columns),
            "weat": [
                {
                    "name": t,
                    "missing": {k: list(v) for k, v in self.weat[0][j].missing.items()},
                    "results": [
                        {
                            "vectors": c,
                            "effect_size": self.weat[i][j].effect_size,
                            "effect_size_ci": list(self.weat[i][j].effect_size_ci),
                            "p_value": self.weat[i][j].p_value,
                            "p_method": self.weat[i][j].p_method,
                            "change": self.change(i, j),
                        }
                        for i, c in enumerate(self.columns)
                    ],
                }
                for j, t in enumerate(self.tests)
            ],
            "scores": [
                {"benchmark": b, "values": [s.to_dict() for s in self.scores[k]]} for k, b in enumerate(self.benchmarks)
            ],
        }

    def _weat_cell(self, column: int, test: int) -> tuple[str, str]:
        r = self.weat[column][test]
        lo, hi = r.effect_size_ci
        text = f"{r.effect_size:+.3f} [{lo:+.2f}, {hi:+.2f}]"
        change = self.change(column, test)
        return text, change

    def _label(self, test: int) -> str:
        t = self.weat[0][test]
        return f"{t.name}: {'/'.join(t.targets)} vs {'/'.join(t.attributes)}"

    def to_markdown(self) -> str:
        """The table as Markdown: an overshoot in bold with the word "overshoot"."""
        head = "| test | " + " | ".join(self.columns) + " |"
        lines = ["## WEAT effect sizes (95% interval)", "", head, "|---" * (len(self.columns) + 1) + "|"]
        for j in range(len(self.tests)):
            cells = []
            for i in range(len(self.columns)):
                text, change = self._weat_cell(i, j)
                cells.append(
                    f"**{text}** overshoot"
                    if change == "overshoot"
                    else f"{text} flipped (within noise)"
                    if change
                    else text
                )
            lines.append(f"| {self._label(j)} | " + " | ".join(cells) + " |")
        bhead = "| benchmark | " + " | ".join(self.columns) + " |"
        lines += ["", "## Benchmark scores (95% interval)", "", bhead, "|---" * (len(self.columns) + 1) + "|"]
        for k, b in enumerate(self.benchmarks):
            cells = [f"{s.value:.4f} [{s.low:.4f}, {s.high:.4f}]" for s in self.scores[k]]
            lines.append(f"| {b} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """The table as a standalone HTML page; an overshoot cell has class ``overshoot`` (shaded)."""
        e = html.escape
        head = "<tr><th>test</th>" + "".join(f"<th>{e(c)}</th>" for c in self.columns) + "</tr>"
        rows = []
        for j in range(len(self.tests)):
            cells = []
            for i in range(len(self.columns)):
                text, change = self._weat_cell(i, j)
                note = {"overshoot": " overshoot", "flipped": " flipped (within noise)"}.get(change, "")
                cls = f' class="{change}"' if change else ""
                cells.append(f"<td{cls}>{e(text)}{e(note)}</td>")
            rows.append(f'<tr><th scope="row">{e(self._label(j))}</th>' + "".join(cells) + "</tr>")
        srows = [
            f'<tr><th scope="row">{e(b)}</th>'
            + "".join(f"<td>{s.value:.4f} [{s.low:.4f}, {s.high:.4f}]</td>" for s in self.scores[k])
            + "</tr>"
            for k, b in enumerate(self.benchmarks)
        ]
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Debiasing: before and after</title>'
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}th[scope=row]{text-align:left}"
            "td.overshoot{background:#f8d0c8;font-weight:bold}td.flipped{background:#fbeecb}</style></head><body>\n"
            "<h1>Debiasing: before and after</h1>\n"
            '<h2 id="weat">WEAT effect sizes (95% interval)</h2>\n<table id="weat-table">'
            + head
            + "".join(rows)
            + '</table>\n<h2 id="scores">Benchmark scores (95% interval)</h2>\n<table id="scores-table">'
            + head.replace("<th>test</th>", "<th>benchmark</th>", 1)
            + "".join(srows)
            + "</table>\n</body></html>\n"
        )


def _is_analogy(bench: str) -> bool:
    if bench in ("wordsim353", "simlex999"):
        return False
    if bench == "google":
        return True
    try:
        read_analogies(bench)
    except ValueError:
        return False
    return True


def _score(v: Vectors, bench: str, restrict: int, n_boot: int, seed: int) -> Score:
    if _is_analogy(bench):
        a = evaluate_analogies(v, bench, restrict=restrict, n_boot=n_boot, seed=seed).total
        return Score(a.accuracy, *a.ci)
    s = evaluate_similarity(v, bench, n_boot=n_boot, seed=seed)
    return Score(s.spearman, *s.spearman_ci)


def debias_report(
    vectors: Vectors,
    methods: Sequence[str] = ("hard", "double-hard"),
    *,
    tests: Sequence[str] | None = None,
    benchmarks: Sequence[str] = ("google", "wordsim353", "simlex999"),
    restrict: int = 30000,
    n_boot: int = 1000,
    seed: int = 0,
) -> DebiasReport:
    """WEAT (sample sd, exact or 100,000-permutation p-values, ``n_boot`` bootstrap resamples) on ``tests``
    (default all ten) and the ``benchmarks`` scores (Google analogies restricted to the ``restrict`` most
    frequent words; WordSim-353 and SimLex-999 Spearman) of ``vectors`` and of each debiasing method's
    result (:data:`DEBIAS_METHODS`), in one :class:`DebiasReport`."""
    unknown = [m for m in methods if m not in DEBIAS_METHODS]
    if unknown:
        raise InvalidArgumentError(f"unknown debiasing method {unknown[0]!r} (known: {', '.join(DEBIAS_METHODS)})")
    twice = [m for i, m in enumerate(methods) if m in methods[:i]]
    if twice:
        raise InvalidArgumentError(f"debiasing method {twice[0]!r} given twice")
    names = tuple(tests) if tests is not None else tuple(WEAT_TESTS)
    sets = [vectors, *(DEBIAS_METHODS[m](vectors) for m in methods)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the same words are missing in every column; to_dict() lists them
        table = tuple(tuple(weat(v, t, n_boot=n_boot, seed=seed) for t in names) for v in sets)
    scores = tuple(tuple(_score(v, b, restrict, n_boot, seed) for v in sets) for b in benchmarks)
    return DebiasReport(("original", *methods), names, table, tuple(benchmarks), scores)
