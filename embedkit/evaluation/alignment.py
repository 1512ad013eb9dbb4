"""How two vector sets differ on their shared words: neighbour overlap and Procrustes alignment.

Both functions work on the words the two sets share, in the first set's (frequency) order, and
return small frozen results with ``to_dict()``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import DataError
from ..search.kernels import cosine_topk, unit_rows
from ..search.neighbors import nearest_many
from ..text import is_word
from ..vectors import Vectors

__all__ = ["Alignment", "MovedWord", "NeighborOverlap", "align", "neighbor_overlap", "shared_words"]


def shared_words(a: Vectors, b: Vectors, n: int | None = None) -> list[str]:
    """The words in both sets, in ``a``'s order (its most frequent first); at most ``n``."""
    index_b = b.index
    out = [w for w in a.keys if w in index_b] if n is None else []
    if n is not None:
        for w in a.keys:
            if w in index_b:
                out.append(w)
                if len(out) >= n:
                    break
    return out


@dataclass(frozen=True)
class NeighborOverlap:
    """Mean Jaccard@k between the k nearest neighbours of the same words in two sets.

    ``vocabulary`` is the number of shared words searched; ``words`` the number of query words
    (the most frequent shared ones); ``lowest`` the (at most ten) query words whose neighbourhoods
    agree least, among those that are words (:func:`~embedkit.text.is_word`: punctuation and
    clitics, frequent in any corpus, would fill the list and say nothing about the sets).
    """

    a: str
    b: str
    k: int
    vocabulary: int
    words: int
    mean_jaccard: float
    lowest: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["lowest"] = [{"word": w, "jaccard": j} for w, j in self.lowest]
        return d


def neighbor_overlap(
    a: Vectors,
    b: Vectors,
    *,
    k: int = 10,
    n_words: int = 1000,
    vocabulary: int = 50000,
    names: tuple[str, str] = ("a", "b"),
) -> NeighborOverlap:
    """Jaccard@k of the neighbourhoods of the ``n_words`` most frequent shared words.

    Neighbours are searched among the ``vocabulary`` most frequent shared words in both sets, so
    words one set lacks cannot lower the score. A set compared with a rotated copy of itself
    scores 1.0.

    Examples
    --------
    >>> import embedkit, numpy as np
    >>> v = embedkit.load().most_frequent(5000)
    >>> q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((50, 50)))
    >>> neighbor_overlap(v, v.with_matrix(v.matrix @ q), n_words=200).mean_jaccard
    1.0
    """
    vocab = shared_words(a, b, vocabulary)
    if len(vocab) <= k:
        raise DataError(f"the two sets share only {len(vocab)} words; need more than k={k}")
    sa, sb = a.subset(vocab), b.subset(vocab)
    n = min(n_words, len(vocab))
    rows = np.arange(n)
    ia, _ = cosine_topk(sa, unit_rows(sa, rows), k, rows[:, None])
    ib, _ = cosine_topk(sb, unit_rows(sb, rows), k, rows[:, None])
    jac = np.empty(n)
    for i in range(n):  # n small sets of k ints: cheap
        x, y = set(ia[i].tolist()), set(ib[i].tolist())
        jac[i] = len(x & y) / len(x | y)
    shown = np.array([i for i in range(n) if is_word(vocab[i])], dtype=np.int64)
    order = shown[np.argsort(jac[shown], kind="stable")[:10]]
    return NeighborOverlap(
        a=names[0],
        b=names[1],
        k=k,
        vocabulary=len(vocab),
        words=n,
        mean_jaccard=float(jac.mean()),
        lowest=[(vocab[i], float(jac[i])) for i in order],
    )


@dataclass(frozen=True)
class MovedWord:
    """A word whose aligned vectors disagree most: cosine after alignment, neighbours in each set."""

    word: str
    cosine: float
    neighbors_a: list[str]
    neighbors_b: list[str]


@dataclass(frozen=True)
class Alignment:
    """Orthogonal Procrustes map ``W`` with ``unit(a) @ W ~ unit(b)`` on shared words.

    ``mean_cosine`` is the mean cosine between aligned ``a`` rows and ``b`` rows over the
    ``words`` used to fit; ``moved`` lists the words that moved most.
    """

    a: str
    b: str
    words: int
    mean_cosine: float
    W: np.ndarray = field(repr=False)
    moved: list[MovedWord] = field(default_factory=list)

    def transform(self, matrix: np.ndarray) -> np.ndarray:
        """Map rows of set ``a`` (unit-normalised) into ``b``'s coordinates."""
        m = np.asarray(matrix, dtype=np.float32)
        n = np.linalg.norm(m, axis=1, keepdims=True)
        return np.divide(m, n, out=np.zeros_like(m), where=n > 0) @ self.W

    def to_dict(self) -> dict:
        return {
            "a": self.a,
            "b": self.b,
            "words": self.words,
            "mean_cosine": self.mean_cosine,
            "moved": [asdict(m) for m in self.moved],
        }


def align(
    a: Vectors,
    b: Vectors,
    *,
    n_words: int = 20000,
    n_moved: int = 15,
    k: int = 5,
    among: int = 5000,
    names: tuple[str, str] = ("a", "b"),
) -> Alignment:
    """Fit an orthogonal map from ``a`` to ``b`` on their ``n_words`` most frequent shared words.

    The map is the orthogonal Procrustes solution ``W = U V^T`` from the SVD of ``A^T B`` on
    unit-normalised rows (``A`` and ``B`` may differ in dimension; then ``W`` is a partial
    isometry). The ``n_moved`` words, among the ``among`` most frequent shared words, whose
    aligned vectors agree least are listed with their ``k`` neighbours in each set.

    Examples
    --------
    >>> import embedkit, numpy as np
    >>> v = embedkit.load().most_frequent(5000)
    >>> q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((50, 50)))
    >>> al = align(v, v.with_matrix(v.matrix @ q))
    >>> bool(np.allclose(al.W, q, atol=1e-4)), round(al.mean_cosine, 6)
    (True, 1.0)
    """
    words = shared_words(a, b, n_words)
    if len(words) < 2:
        raise DataError("the two sets share fewer than two words")
    A = unit_rows(a, a.indices(words)).astype(np.float64)
    B = unit_rows(b, b.indices(words)).astype(np.float64)
    U, _, Vt = np.linalg.svd(A.T @ B, full_matrices=False)
    W = (U @ Vt).astype(np.float32)
    cos_all = np.einsum("ij,ij->i", (A @ W) / np.maximum(np.linalg.norm(A @ W, axis=1, keepdims=True), 1e-12), B)
    m = min(among, len(words))
    worst = np.argsort(cos_all[:m], kind="stable")[:n_moved]
    moved_words = [words[i] for i in worst]
    na = nearest_many(a, moved_words, k=k, restrict=max(among, k + 1)) if moved_words else []
    nb = nearest_many(b, moved_words, k=k, restrict=max(among, k + 1)) if moved_words else []
    moved = [MovedWord(w, float(cos_all[i]), ra.words, rb.words) for w, i, ra, rb in zip(moved_words, worst, na, nb)]
    return Alignment(a=names[0], b=names[1], words=len(words), mean_cosine=float(cos_all.mean()), W=W, moved=moved)
