"""Analogy accuracy ("a is to b as c is to d"), section by section, with bootstrap intervals.

:func:`evaluate_analogies` gives, section by section, the same counts as gensim's
``KeyedVectors.evaluate_word_analogies`` (same case folding, same skipped questions, same choice
of the answer among the top five), computed in batched, blocked matrix products instead of one
question at a time. Every accuracy comes with a seeded bootstrap interval, and
:func:`compare_analogies` compares two vector sets on the same questions (the difference with its
paired-bootstrap interval).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import DataError, InvalidArgumentError
from ..progress import progress_bar
from ..search.analogy import analogy_rows
from ..search.backends import SearchBackend, resolve_backend
from ..search.kernels import MIN_QUERIES_PER_CORE, cpu_cores, restrict_count, unit_view
from ..vectors import Vectors, first_rows
from .benchmark_files import AnalogySet, read_analogies
from .bootstrap import check_bootstrap, confidence_interval
from .cosadd import KERNELS, PRODUCT_CANDIDATE_BLOCK, Kernel, cosadd_top, gensim_queries

__all__ = [
    "PROGRESS_DELAY",
    "Accuracy",
    "AnalogyComparison",
    "AnalogyResult",
    "compare_analogies",
    "evaluate_analogies",
    "vocab_rows",
]

Method = Literal["3cosadd", "3cosmul"]
_TOPN = 5  # gensim looks at the five best answers
# The progress bar appears only once an evaluation has run this long (seconds): a short one
# leaves stderr as it was.
PROGRESS_DELAY = 2.0


# -- analogies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accuracy:
    """Correct answers out of the questions answered, with a bootstrap interval of the accuracy."""

    name: str
    correct: int
    total: int
    ci: tuple[float, float]

    @property
    def accuracy(self) -> float:
        """``correct / total`` (0.0 where nothing was answered, as gensim)."""
        return self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "correct": self.correct,
            "total": self.total,
            "accuracy": self.accuracy,
            "ci": list(self.ci),
        }


@dataclass(frozen=True)
class AnalogyResult:
    """What :func:`evaluate_analogies` measured, and how.

    ``sections`` are in file order; ``semantic`` sums the sections whose name does not start with
    ``gram`` and ``syntactic`` those that do (the Google set's two halves). ``skipped`` counts
    questions with a word outside the first ``restrict`` words. ``outcomes`` holds, for every
    question of the file in order, 1 (right), 0 (wrong) or -1 (skipped); ``predicted`` the
    answer chosen (``None`` where skipped or where no answer was found). ``invalid_lines`` counts
    the file's lines that were not questions (``first_invalid_line`` is the first one's number)
    and ``encoding`` is the one the file was read in.
    """

    questions: str
    method: str
    restrict: int | None
    case_insensitive: bool
    sections: tuple[Accuracy, ...]
    semantic: Accuracy
    syntactic: Accuracy
    total: Accuracy
    skipped: int
    invalid_lines: int
    first_invalid_line: int | None
    encoding: str
    confidence: float
    n_boot: int
    seed: int
    seconds: float
    outcomes: np.ndarray = field(repr=False, compare=False)
    predicted: tuple[str | None, ...] = field(repr=False, compare=False)
    section_of: np.ndarray = field(repr=False, compare=False)

    @property
    def accuracy(self) -> float:
        """The overall accuracy."""
        return self.total.accuracy

    def to_dict(self) -> dict:
        """Plain data for JSON: sections, totals, skipped questions and the settings used."""
        return {
            "questions": self.questions,
            "method": self.method,
            "restrict": self.restrict,
            "case_insensitive": self.case_insensitive,
            "sections": [s.to_dict() for s in self.sections],
            "semantic": self.semantic.to_dict(),
            "syntactic": self.syntactic.to_dict(),
            "total": self.total.to_dict(),
            "skipped": self.skipped,
            "invalid_lines": self.invalid_lines,
            "first_invalid_line": self.first_invalid_line,
            "encoding": self.encoding,
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "seconds": self.seconds,
        }


def vocab_rows(keys: Sequence[str], case_insensitive: bool) -> dict[str, int]:
    """gensim's ``ok_vocab``: each key (upper-cased if asked) to the row of its most frequent casing."""
    return first_rows([k.upper() for k in keys] if case_insensitive else keys)


def _folded_rows(keys: Sequence[str], ok: dict[str, int], case_insensitive: bool) -> np.ndarray:
    """For every row, the row its (folded) key stands for in ``ok``."""
    if not case_insensitive:
        return np.arange(len(keys), dtype=np.int64)
    return np.fromiter(map(ok.__getitem__, (k.upper() for k in keys)), dtype=np.int64, count=len(keys))


def _top_answers_block(
    vectors: Vectors, rows: np.ndarray, n_cand: int, method: str, batch_size: int, kernel: Kernel
) -> np.ndarray:
    if method == "3cosmul":
        a, b, c = rows[:, 0], rows[:, 1], rows[:, 2]
        exclude = np.ascontiguousarray(rows[:, :3])
        top, _ = analogy_rows(vectors, a, b, c, _TOPN, method="3cosmul", restrict=n_cand, exclude=exclude)
        return top
    return cosadd_top(vectors, rows, n_cand, _TOPN, batch_size, kernel)


def _top_answers_device(
    vectors: Vectors, rows: np.ndarray, n_cand: int, method: str, batch_size: int, backend: SearchBackend, bar
) -> np.ndarray:
    """:func:`_top_answers` on a device backend: the same queries, blocks and exclusions."""
    a, b, c = rows[:, 0], rows[:, 1], rows[:, 2]
    exclude = np.ascontiguousarray(rows[:, :3])
    if method == "3cosmul":
        top, _ = analogy_rows(
            vectors,
            a,
            b,
            c,
            _TOPN,
            method="3cosmul",
            restrict=n_cand,
            exclude=exclude,
            device=backend,
            progress=bar.update,
        )
        return top
    top, _ = backend.cosine_topk(
        vectors,
        gensim_queries(vectors, a, b, c),
        _TOPN,
        exclude,
        n_candidates=n_cand,
        query_block=batch_size,
        candidate_block=PRODUCT_CANDIDATE_BLOCK,
        progress=bar.update,
    )
    return top


def _top_answers(
    vectors: Vectors,
    rows: np.ndarray,
    n_cand: int,
    method: str,
    batch_size: int,
    progress: bool = False,
    backend: SearchBackend | None = None,
    kernel: Kernel = "auto",
) -> np.ndarray:
    """The top-5 answer rows of every ``(a, b, c)`` row triple (``-1`` where none).

    The questions are split into chunks shared between one thread per core, each running
    single-threaded BLAS: independent workers need no barrier per product, unlike a
    multi-threaded BLAS on blocks this small, and they also share the row maxima and merges.
    Every query's scores are the same either way (the 50-term dot products are not split), and
    a query's answers do not depend on the other queries of its chunk. ``progress`` shows
    the questions answered on stderr (:func:`~embedkit.progress.progress_bar`) once :data:`PROGRESS_DELAY` seconds have passed.
    """
    # At least one chunk per core where each gets MIN_QUERIES_PER_CORE questions: a lone chunk would
    # run on a multi-threaded BLAS, whose threads wait on each other after every small product.
    n_chunks = max(1, -(-len(rows) // (2 * batch_size)), min(cpu_cores(), len(rows) // MIN_QUERIES_PER_CORE))
    chunks = np.array_split(rows, n_chunks)
    workers = min(cpu_cores(), len(chunks))
    bar = progress_bar(desc=f"analogies ({method})", total=len(rows), unit="q", delay=PROGRESS_DELAY, enabled=progress)

    def run(r: np.ndarray) -> np.ndarray:
        top = _top_answers_block(vectors, r, n_cand, method, batch_size, kernel)
        bar.update(len(r))
        return top

    try:
        if backend is not None:
            return _top_answers_device(vectors, rows, n_cand, method, batch_size, backend, bar)
        if workers <= 1:
            return np.concatenate([run(r) for r in chunks])
        from threadpoolctl import threadpool_limits

        unit_view(vectors)  # the normalised copy (when small enough) is made once, before the threads share it
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
            return np.concatenate(list(pool.map(run, chunks)))
    finally:
        bar.close()


def evaluate_analogies(
    vectors: Vectors,
    questions: str | Path | AnalogySet = "google",
    *,
    restrict: int | None = 300000,
    method: Method = "3cosadd",
    case_insensitive: bool = True,
    batch_size: int = 1024,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    progress: bool = False,
    device: str | SearchBackend = "cpu",
    kernel: Kernel = "auto",
) -> AnalogyResult:
    """Accuracy on an analogy benchmark ("a is to b as c is to d"), section by section.

    The rules are gensim's ``evaluate_word_analogies``: only the first ``restrict`` words count
    as vocabulary (with ``case_insensitive``, words are upper-cased and the most frequent casing
    of each stands for it); a question with a word outside it is skipped; the answer is the first
    of the five best candidates (the three question words excluded) whose folded form is not one
    of the question words; it is right when its folded form equals ``d``'s.

    Parameters
    ----------
    vectors:
        The vectors to evaluate, in frequency order.
    questions:
        A registered name (``"google"``), a path to an analogy file, or an :class:`AnalogySet`.
    restrict:
        Vocabulary size (``None``: every word). gensim's default is 300,000.
    method:
        ``"3cosadd"`` (gensim's ``most_similar``) or ``"3cosmul"`` (``most_similar_cosmul``
        restricted to the same vocabulary).
    case_insensitive:
        Fold case as gensim does.
    batch_size:
        Questions per block of the matrix products.
    n_boot, confidence, seed:
        Bootstrap resamples, interval level and random seed of the intervals.
    progress:
        Show the questions answered on stderr (a bar on a terminal, lines in a log) once the evaluation has
        run :data:`PROGRESS_DELAY` seconds (the full Google set at restrict=300,000 takes several).
    device:
        Where the search runs: ``"cpu"`` (numpy, the default), ``"cuda"``, ``"cuda:N"``, ``"auto"``
        (CUDA where there is one) or a backend object (:mod:`embedkit.search.backends`). The counts
        are the same up to answers tied within float32 rounding.
    kernel:
        How 3CosAdd is computed on the CPU (``embedkit.evaluation.cosadd``): ``"product"`` (one
        product per question), ``"rows"`` (each distinct word's similarity row once per block of
        questions, combined per question; the same answers, tie for tie) or ``"auto"`` (the faster
        for each chunk of questions by a measured cost model). 3CosMul and device backends ignore it.

    Returns
    -------
    AnalogyResult

    Examples
    --------
    >>> import embedkit
    >>> r = evaluate_analogies(embedkit.load(), "google", restrict=5000)
    >>> r.sections[0].name, r.sections[0].correct, r.sections[0].total
    ('capital-common-countries', 148, 182)
    >>> r.total.correct, r.total.total, r.skipped
    (1866, 2872, 16672)
    """
    if method not in ("3cosadd", "3cosmul"):
        raise InvalidArgumentError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
    if batch_size < 1:
        raise InvalidArgumentError(f"batch_size must be >= 1, got {batch_size}")
    if kernel not in KERNELS:
        raise InvalidArgumentError(f"kernel must be one of {KERNELS}, got {kernel!r}")
    check_bootstrap(n_boot, confidence)
    backend = resolve_backend(device)
    start = time.perf_counter()
    qset = questions if isinstance(questions, AnalogySet) else read_analogies(questions)
    n_cand = restrict_count(vectors, restrict)
    keys = vectors.keys_view[:n_cand]
    ok = vocab_rows(keys, case_insensitive)
    canon = _folded_rows(keys, ok, case_insensitive)

    flat = [w for s in qset.sections for q in s.questions for w in q]
    if case_insensitive:
        flat = [w.upper() for w in flat]
    rows = np.fromiter((ok.get(w, -1) for w in flat), dtype=np.int64, count=len(flat)).reshape(-1, 4)
    section_of = np.repeat(np.arange(len(qset.sections)), [len(s.questions) for s in qset.sections])
    known = (rows >= 0).all(axis=1)
    outcomes = np.full(len(rows), -1, dtype=np.int8)
    predicted: list[str | None] = [None] * len(rows)

    if known.any():
        qrows = rows[known]
        top = _top_answers(vectors, qrows, n_cand, method, batch_size, progress, backend, kernel)  # (n, 5)
        folded = np.where(top >= 0, canon[np.maximum(top, 0)], -1)
        ignored = (folded[:, :, None] == qrows[:, None, :3]).any(axis=2) | (folded < 0)
        first = np.argmax(~ignored, axis=1)
        # With no qualifying candidate gensim keeps the last one it looked at.
        n_found = (top >= 0).sum(axis=1)
        last = np.maximum(n_found - 1, 0)
        pick = np.where(ignored.all(axis=1), last, first)
        pred = np.where(n_found > 0, folded[np.arange(len(top)), pick], -1)
        outcomes[known] = (pred == qrows[:, 3]).astype(np.int8)
        pred_rows = np.where(n_found > 0, top[np.arange(len(top)), pick], -1)
        for i, r in zip(np.flatnonzero(known).tolist(), pred_rows.tolist()):
            predicted[i] = keys[r] if r >= 0 else None

    rng = np.random.default_rng(seed)

    def acc(name: str, mask: np.ndarray) -> Accuracy:
        o = outcomes[mask]
        o = o[o >= 0]
        n, k = len(o), int(o.sum())
        if n == 0:
            return Accuracy(name, 0, 0, (0.0, 0.0))
        # Resampling n answers of which k are right is a binomial draw: the exact bootstrap.
        boot = rng.binomial(n, k / n, size=n_boot) / n
        return Accuracy(name, k, n, confidence_interval(boot, confidence))

    sections = tuple(acc(s.name, section_of == i) for i, s in enumerate(qset.sections))
    is_gram = np.array([s.name.startswith("gram") for s in qset.sections], dtype=bool)
    in_gram = is_gram[section_of] if len(section_of) else np.zeros(0, dtype=bool)
    return AnalogyResult(
        questions=qset.name,
        method=method,
        restrict=restrict,
        case_insensitive=case_insensitive,
        sections=sections,
        semantic=acc("semantic", ~in_gram),
        syntactic=acc("syntactic", in_gram),
        total=acc("total", np.ones(len(outcomes), dtype=bool)),
        skipped=int((~known).sum()),
        invalid_lines=qset.invalid_lines,
        first_invalid_line=qset.first_invalid_line,
        encoding=qset.encoding,
        confidence=confidence,
        n_boot=n_boot,
        seed=seed,
        seconds=time.perf_counter() - start,
        outcomes=outcomes,
        predicted=tuple(predicted),
        section_of=section_of,
    )


@dataclass(frozen=True)
class AnalogyComparison:
    """Accuracy of two results on the questions both answered, and the difference ``a - b``."""

    name: str
    n: int
    accuracy_a: float
    accuracy_b: float
    difference: float
    ci: tuple[float, float]
    confidence: float

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "n": self.n,
            "accuracy_a": self.accuracy_a,
            "accuracy_b": self.accuracy_b,
            "difference": self.difference,
            "ci": list(self.ci),
            "confidence": self.confidence,
        }


def compare_analogies(
    a: AnalogyResult,
    b: AnalogyResult,
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> AnalogyComparison:
    """Paired comparison of two analogy results on the same question file.

    Only questions answered by both count. The interval is a paired bootstrap of the per-question
    difference (``+1``: only ``a`` right, ``-1``: only ``b`` right): it excludes 0 when the
    difference is unlikely to be resampling noise.
    """
    check_bootstrap(n_boot, confidence)
    if len(a.outcomes) != len(b.outcomes) or not np.array_equal(a.section_of, b.section_of):
        raise DataError("the two results are not on the same questions")
    both = (a.outcomes >= 0) & (b.outcomes >= 0)
    d = a.outcomes[both].astype(np.int64) - b.outcomes[both].astype(np.int64)
    n = int(both.sum())
    if n == 0:
        raise DataError("no question was answered by both")
    counts = np.array([(d == -1).sum(), (d == 0).sum(), (d == 1).sum()])
    rng = np.random.default_rng(seed)
    # Resampling n questions is a multinomial draw over the three kinds of difference.
    draws = rng.multinomial(n, counts / n, size=n_boot)
    boot = (draws[:, 2] - draws[:, 0]) / n
    acc_a = float(a.outcomes[both].mean())
    acc_b = float(b.outcomes[both].mean())
    return AnalogyComparison(
        a.questions, n, acc_a, acc_b, acc_a - acc_b, confidence_interval(boot, confidence), confidence
    )
