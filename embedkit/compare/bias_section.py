"""The bias section of a comparison: Caliskan et al.'s ten WEAT tests on every vector set, effect sizes
with their bootstrap intervals, and a verdict per set (:func:`bias_section`).

Each set is tested on its own vocabulary (:func:`embedkit.bias.weat`: sample sd, exact or 100,000-
permutation p-values, here two-sided). A test a set cannot run (a word set losing more than a fifth
of its words) is left blank with the reason, never a NaN. A test counts as **significant** for a set
when its two-sided p is below 0.05 and its 95% interval excludes zero: an association in the direction
opposite to the paper's (a debiasing overshoot) is a bias too, which Caliskan's one-sided p would miss.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..bias import WEAT_TESTS, weat
from ..errors import DataError
from ..vectors import Vectors

__all__ = ["ALPHA", "BiasCell", "BiasRow", "BiasSection", "BiasVerdict", "bias_section"]

ALPHA = 0.05
"""The two-sided p-value below which a test counts as significant in a set's verdict."""


@dataclass(frozen=True)
class BiasCell:
    """One test on one set: the effect size, its 95% interval, the two-sided p-value (``p_text`` as the
    report prints it after "p": ``= 0.026``, or ``< 1e-05`` where no permutation reached the observed statistic), and whether it
    is significant; or, where the test could not run, ``error`` (and the numbers 0)."""

    effect: float
    low: float
    high: float
    p_value: float
    p_text: str
    significant: bool
    error: str = ""


@dataclass(frozen=True)
class BiasRow:
    """One WEAT test across the sets (``cells[i]`` for set i)."""

    test: str
    label: str
    cells: tuple[BiasCell, ...]


@dataclass(frozen=True)
class BiasVerdict:
    """One set's verdict: significant tests out of those it could run, and the mean absolute effect size."""

    name: str
    significant: int
    tested: int
    mean_abs_effect: float
    text: str


@dataclass(frozen=True)
class BiasSection:
    """The ten tests' rows and one verdict per set."""

    rows: tuple[BiasRow, ...]
    verdicts: tuple[BiasVerdict, ...]

    def to_dict(self) -> dict:
        """The section as plain JSON-ready data."""
        return {
            "tests": [
                {
                    "test": r.test,
                    "label": r.label,
                    "cells": [
                        {"error": c.error}
                        if c.error
                        else {
                            "effect_size": c.effect,
                            "effect_size_ci": [c.low, c.high],
                            "p_value": c.p_value,
                            "p_two_sided": True,
                            "significant": c.significant,
                        }
                        for c in r.cells
                    ],
                }
                for r in self.rows
            ],
            "verdicts": [
                {
                    "name": v.name,
                    "significant": v.significant,
                    "tested": v.tested,
                    "mean_abs_effect": v.mean_abs_effect,
                    "text": v.text,
                }
                for v in self.verdicts
            ],
        }


def _cell(v: Vectors, test: str, n_boot: int, seed: int) -> BiasCell:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing words: dropped, or the test refused below
            r = weat(v, test, n_boot=n_boot, seed=seed, two_sided=True)
    except DataError as exc:
        return BiasCell(0.0, 0.0, 0.0, 1.0, "", False, str(exc))
    lo, hi = r.effect_size_ci
    p_text = f"< {1 / r.p_count:.0e}" if r.p_value == 0 and r.p_method == "permutation" else f"= {r.p_value:.2g}"
    return BiasCell(r.effect_size, lo, hi, r.p_value, p_text, r.p_value < ALPHA and lo * hi > 0)


def bias_section(
    vecs: Sequence[Vectors],
    names: Sequence[str],
    *,
    tests: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    done: Callable[[], None] | None = None,
) -> BiasSection:
    """WEAT ``tests`` (default: Caliskan's ten) on every set, with a verdict per set; ``done`` is called
    after each test (all sets), for progress."""
    names = list(names)
    tests = list(tests) if tests is not None else list(WEAT_TESTS)
    rows = []
    for t in tests:
        spec = WEAT_TESTS[t]
        label = f"{'/'.join(spec.target_names)} vs {'/'.join(spec.attribute_names)}"
        rows.append(BiasRow(t, label, tuple(_cell(v, t, n_boot, seed) for v in vecs)))
        if done is not None:
            done()
    verdicts = []
    for i, n in enumerate(names):
        ran = [r.cells[i] for r in rows if not r.cells[i].error]
        sig = sum(c.significant for c in ran)
        mean_abs = sum(abs(c.effect) for c in ran) / len(ran) if ran else 0.0
        text = (
            f"no test could run on {n}"
            if not ran
            else f"{sig} of {len(ran)} tests show a significant association (mean absolute effect size {mean_abs:.2f})"
        )
        verdicts.append(BiasVerdict(n, sig, len(ran), mean_abs, text))
    return BiasSection(tuple(rows), tuple(verdicts))
