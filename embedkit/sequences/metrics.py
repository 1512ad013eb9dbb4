"""Scores of translations against references: exact match, token accuracy, and for phrase targets BLEU
and chrF computed by ``sacrebleu`` (torch-free)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._deps import require
from ..errors import DataError
from .data import Unit, split_units

__all__ = ["Seq2SeqScores", "score_outputs"]


@dataclass(frozen=True)
class Seq2SeqScores:
    """``exact_match`` and ``token_accuracy`` are fractions in [0, 1]; ``bleu`` and ``chrf`` are
    sacrebleu's corpus scores on its 0-100 scale, ``None`` for character targets (digits)."""

    n: int
    exact_match: float
    token_accuracy: float
    bleu: float | None = None
    chrf: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The scores as plain JSON-ready data."""
        return dataclasses.asdict(self)


def score_outputs(outputs: Sequence[str], references: Sequence[str], *, unit: Unit) -> Seq2SeqScores:
    """Score ``outputs`` against ``references`` (same order), both written in units of ``unit``.

    ``exact_match``: the fraction of outputs equal to their reference. ``token_accuracy``: tokens equal
    to the reference's token at the same position, over the longer of the two lengths summed over
    the pairs (a missing or extra token counts as an error). For ``unit="word"`` also corpus BLEU and
    chrF from ``sacrebleu`` (default tokenisation; ``pip install embedkit[seq2seq]``).

    >>> s = score_outputs(["96237", "12"], ["96237", "13"], unit="char")
    >>> s.exact_match, s.token_accuracy, s.bleu
    (0.5, 0.8571428571428571, None)
    """
    if len(outputs) != len(references):
        raise DataError(f"{len(outputs)} outputs but {len(references)} references")
    if not references:
        raise DataError("no outputs to score")
    exact = sum(o == r for o, r in zip(outputs, references, strict=True))
    right = total = 0
    for o, r in zip(outputs, references, strict=True):
        ot, rt = split_units(o, unit), split_units(r, unit)
        right += sum(a == b for a, b in zip(ot, rt, strict=False))
        total += max(len(ot), len(rt))
    bleu = chrf = None
    if unit == "word":
        sacrebleu = require("sacrebleu", "seq2seq", "scoring BLEU and chrF")
        bleu = float(sacrebleu.corpus_bleu(list(outputs), [list(references)]).score)
        chrf = float(sacrebleu.corpus_chrf(list(outputs), [list(references)]).score)
    n = len(references)
    return Seq2SeqScores(n, exact / n, right / total if total else 1.0, bleu, chrf)
