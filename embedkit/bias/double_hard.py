"""Double-Hard Debias (Wang, Lin, Rajani, McCann, Ordonez, Xiong 2020, "Double-Hard Debias: Tailoring Word
Embeddings for Gender Bias Mitigation", ACL 2020, arXiv:2005.00965).

Word frequency is encoded in a few principal directions of an embedding, and it twists the gender direction
that hard debiasing removes. Double-Hard Debias first projects out the principal direction that carries
most of that distortion, then hard-debiases:

1. ``mu``, the mean of all vectors, and ``u_1 .. u_D``, the first ``D`` (``n_candidates``, default 4)
   principal directions of the centred vectors.
2. The ``n_words`` (default 1,000) most female and most male words by ``cos(w, he) - cos(w, she)`` over the
   whole vocabulary, gender-specific words excepted.
3. For each candidate ``u_i``: those words purified, ``w' = (w - mu) - (u_i . w) u_i`` (the projection is
   taken on the uncentred ``w``, as the authors' code and WEFE's ``DoubleHardDebias`` do), then their
   projection on the gender direction removed; two-means clustering of the result; the alignment
   ``max(acc, 1 - acc)`` of the clusters with the female/male split. The ``u_i`` with the lowest
   alignment (the one whose removal best hides gender) is chosen.
4. Every word is purified with the chosen ``u_i``, and the result hard-debiased
   (:func:`~embedkit.bias.hard_debias`: subspace, neutralise, equalise) with the given lists.

The two-means clustering is seeded (k-means++ starts, 10 of them, the lowest inertia kept), so the result
is deterministic. The result is a new :class:`~embedkit.vectors.Vectors` of unit vectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import DataError, InvalidArgumentError
from ..vectors import Vectors
from .debias import bias_subspace, hard_debias
from .gender_words import DEFINITIONAL_PAIRS, EQUALIZE_PAIRS, GENDER_SPECIFIC_FULL

__all__ = ["FrequencyDirection", "double_hard_debias", "frequency_direction", "two_means"]

_BLOCK = 1 << 16


@dataclass(frozen=True)
class FrequencyDirection:
    """Step 1-3 of Double-Hard Debias: the vectors' ``mean``, the candidate principal directions
    (``components``, ``(D, dim)``), each candidate's clustering alignment (``scores``), the ``chosen`` one's
    number, the gender ``direction`` used in the search, and the female and male words clustered."""

    mean: np.ndarray
    components: np.ndarray
    scores: tuple[float, ...]
    chosen: int
    direction: np.ndarray
    female: tuple[str, ...]
    male: tuple[str, ...]

    def purify(self, m: np.ndarray, component: int | None = None) -> np.ndarray:
        """Rows of ``m`` centred, less their projection on candidate ``component`` (default: the chosen)."""
        u = self.components[self.chosen if component is None else component].astype(np.float64)
        m = np.asarray(m, dtype=np.float64)
        return m - self.mean - np.outer(m @ u, u)

    def to_dict(self) -> dict:
        """The search as plain data (JSON-safe; the mean and directions left out)."""
        return {
            "scores": list(self.scores),
            "chosen": self.chosen,
            "n_words": len(self.female),
            "female": list(self.female[:10]),
            "male": list(self.male[:10]),
        }


def two_means(m: np.ndarray, *, seed: int = 0, n_init: int = 10, max_iter: int = 300) -> np.ndarray:
    """Labels 0/1 of the rows of ``m`` by k-means with two clusters (Lloyd's iterations from ``n_init``
    seeded k-means++ starts; the run of lowest inertia kept).

    >>> two_means(np.array([[0.0], [0.1], [5.0], [5.1]])).tolist() in ([0, 0, 1, 1], [1, 1, 0, 0])
    True
    """
    x = np.asarray(m, dtype=np.float64)
    rng = np.random.default_rng(seed)
    sq = np.einsum("ij,ij->i", x, x)
    best, best_inertia = np.zeros(len(x), dtype=np.int64), np.inf
    for _ in range(n_init):
        first = x[rng.integers(len(x))]
        d2 = np.maximum(sq - 2 * x @ first + first @ first, 0.0)
        total = d2.sum()
        second = x[rng.choice(len(x), p=d2 / total)] if total > 0 else first
        centres = np.vstack([first, second])  # (2, dim)
        labels = np.full(len(x), -1)
        for _ in range(max_iter):
            dist = sq[:, None] - 2 * x @ centres.T + np.einsum("ij,ij->i", centres, centres)[None, :]
            new = np.argmin(dist, axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            for k in (0, 1):
                if np.any(labels == k):
                    centres[k] = x[labels == k].mean(axis=0)
        inertia = float(np.sum((x - centres[labels]) ** 2))
        if inertia < best_inertia:
            best, best_inertia = labels.copy(), inertia
    return best


def _principal_directions(matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The mean and the first ``k`` principal directions of the rows of ``matrix``, blockwise in float64."""
    n, dim = matrix.shape
    total = np.zeros(dim)
    for s in range(0, n, _BLOCK):
        total += matrix[s : s + _BLOCK].astype(np.float64).sum(axis=0)
    mean = total / n
    cov = np.zeros((dim, dim))
    for s in range(0, n, _BLOCK):
        b = matrix[s : s + _BLOCK].astype(np.float64) - mean
        cov += b.T @ b
    vals, vecs = np.linalg.eigh(cov)
    return mean, vecs[:, np.argsort(vals)[::-1][:k]].T.copy()


def frequency_direction(
    vectors: Vectors,
    *,
    definitional: Sequence[tuple[str, str]] = DEFINITIONAL_PAIRS,
    specific: Iterable[str] = GENDER_SPECIFIC_FULL,
    pair: tuple[str, str] = ("he", "she"),
    n_words: int = 1000,
    n_candidates: int = 4,
    direction: np.ndarray | None = None,
    components: np.ndarray | None = None,
    seed: int = 0,
) -> FrequencyDirection:
    """Steps 1-3 of Double-Hard Debias: the principal direction whose removal best hides gender from
    two-means clustering of the ``n_words`` most male and most female words (by ``cos(w, pair[0]) -
    cos(w, pair[1])``, ``specific`` words excepted). ``direction`` is the gender direction removed before
    clustering (default: :func:`bias_subspace` of ``definitional`` on the vectors as stored, since the
    clustering runs on them, as in WEFE); ``components`` are the candidates (default: the first
    ``n_candidates`` principal directions, exact, from the covariance matrix)."""
    if n_candidates < 1 or n_candidates > vectors.dim:
        raise InvalidArgumentError(f"n_candidates must be in 1..{vectors.dim}, got {n_candidates}")
    if n_words < 1:
        raise InvalidArgumentError(f"n_words must be at least 1, got {n_words}")
    index = vectors.index
    for w in pair:
        if w not in index:
            raise DataError(f"the gender pair word {w!r} is not in the vectors")
    if direction is None:
        g = bias_subspace(vectors, definitional, normalize=False).direction
    else:
        g = np.asarray(direction, dtype=np.float64)
    unit = vectors.normalized
    diff = unit @ (unit[index[pair[0]]] - unit[index[pair[1]]]).astype(np.float32)  # (V,)
    spec = set(specific)
    keys = vectors.keys_view
    eligible = np.asarray([i for i, w in enumerate(keys) if w not in spec], dtype=np.int64)
    if len(eligible) < 2 * n_words:
        raise DataError(
            f"n_words={n_words} needs {2 * n_words} words outside the gender-specific list, found {len(eligible)}"
        )
    order = eligible[np.argsort(diff[eligible].astype(np.float64), kind="stable")]
    female, male = order[:n_words], order[-n_words:]
    mean, comps = _principal_directions(vectors.matrix, n_candidates)
    if components is not None:
        comps = np.asarray(components, dtype=np.float64)[:n_candidates]
    rows = np.concatenate([female, male])
    m = np.asarray(vectors.matrix[rows], dtype=np.float64)
    truth = np.repeat([0, 1], n_words)
    scores = []
    found = FrequencyDirection(mean, comps, (), 0, g, (), ())
    for i in range(n_candidates):
        p = found.purify(m, i)
        p -= np.outer(p @ g, g) / float(g @ g)
        acc = float(np.mean(two_means(p, seed=seed) == truth))
        scores.append(max(acc, 1.0 - acc))
    return FrequencyDirection(
        mean=mean,
        components=comps,
        scores=tuple(scores),
        chosen=int(np.argmin(scores)),
        direction=g,
        female=tuple(keys[i] for i in female),
        male=tuple(keys[i] for i in male),
    )


def double_hard_debias(
    vectors: Vectors,
    *,
    definitional: Sequence[tuple[str, str]] = DEFINITIONAL_PAIRS,
    equalize: Sequence[tuple[str, str]] = EQUALIZE_PAIRS,
    specific: Iterable[str] = GENDER_SPECIFIC_FULL,
    pair: tuple[str, str] = ("he", "she"),
    n_words: int = 1000,
    n_candidates: int = 4,
    seed: int = 0,
) -> Vectors:
    """Wang et al.'s Double-Hard Debias of ``vectors``: a new ``Vectors`` of unit vectors.

    The frequency direction is chosen by :func:`frequency_direction`; every vector is purified of it and
    the result hard-debiased (:func:`~embedkit.bias.hard_debias`) with ``definitional``, ``equalize`` and
    ``specific``.

    >>> import embedkit
    >>> from embedkit.bias import double_hard_debias
    >>> d = double_hard_debias(embedkit.load().most_frequent(50_000), n_words=500)
    >>> d.source.endswith("(double-hard-debiased)"), round(float(d["nurse"] @ d["nurse"]), 5)
    (True, 1.0)
    """
    specific = tuple(specific)
    found = frequency_direction(
        vectors,
        definitional=definitional,
        specific=specific,
        pair=pair,
        n_words=n_words,
        n_candidates=n_candidates,
        seed=seed,
    )
    m = np.empty(vectors.matrix.shape, dtype=np.float32)
    for s in range(0, len(m), _BLOCK):
        m[s : s + _BLOCK] = found.purify(vectors.matrix[s : s + _BLOCK])
    purified = Vectors(vectors.keys_view, m, source=vectors.source, format=vectors.format)
    d = hard_debias(purified, definitional=definitional, equalize=equalize, specific=specific)
    source = f"{vectors.source or 'vectors'} (double-hard-debiased)"
    return Vectors(d.keys_view, d.matrix, source=source, format=vectors.format)
