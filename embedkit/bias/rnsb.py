"""RNSB, relative negative sentiment bias (Sweeney and Najafian 2019, ACL, "A Transparent Framework for
Evaluating Unintended Demographic Bias in Word Embeddings"), as WEFE defines it on a :class:`Query`.

1. A logistic regression learns to tell the first attribute set A (label +1, "positive") from the second
   B (label -1, "negative"): L2-regularised, ``min_w 0.5 |w|^2 + C sum_i log(1 + exp(-y_i w . [x_i, 1]))``,
   the intercept penalised like the other weights, which is what scikit-learn's ``liblinear`` solver
   (WEFE's default estimator) minimises. Here it is solved by Newton's method to a gradient norm of
   1e-10, so the result is the optimum itself, not a stopping point of an iterative solver.
2. Each target word w of X and Y gets ``p(w)``, its probability of the negative class B; normalised to sum
   to 1 over all target words, they form a distribution P.
3. RNSB is ``KL(P || U)``, U uniform over the target words: 0 when every target word is equally negative.

WEFE trains by default on a seeded 80 % of the attribute words (``holdout=True``); ``holdout=0.2`` does
the same here (a seeded stratified split, numpy's generator, so the split is not scikit-learn's), and the
result keeps the held-out accuracy. The default trains on every attribute word, as the authors trained
on their whole lexicon; then nothing is random.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError, InvalidArgumentError
from ..vectors import Vectors
from .query import MAX_MISSING, Query

__all__ = ["RnsbResult", "logistic_regression", "rnsb"]


@dataclass(frozen=True)
class RnsbResult:
    """RNSB of one query: ``value`` (the KL divergence), each target word's probability of the negative
    (second) attribute set (keyed as the vectors spell it), the classifier's accuracy (on the held-out words, or on its training words
    when ``holdout`` is 0), and the words missing from each set."""

    name: str
    value: float
    negative_probability: dict[str, float]
    accuracy: float
    holdout: float
    missing: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The result as plain data (JSON-safe)."""
        return {
            "metric": "rnsb",
            "name": self.name,
            "value": self.value,
            "negative_probability": dict(self.negative_probability),
            "accuracy": self.accuracy,
            "holdout": self.holdout,
            "missing": {k: list(v) for k, v in self.missing.items()},
        }


def logistic_regression(x: np.ndarray, y: np.ndarray, *, c: float = 1.0, tol: float = 1e-10) -> np.ndarray:
    """The weights ``(dim + 1,)`` (intercept last) of L2-regularised logistic regression on rows ``x`` with
    labels ``y`` in {-1, +1}: the minimiser of ``0.5 |w|^2 + c sum log(1 + exp(-y w . [x, 1]))``
    (liblinear's objective, intercept penalised), by Newton's method.

    >>> w = logistic_regression(np.array([[1.0], [-1.0]]), np.array([1.0, -1.0]))
    >>> bool(w[0] > 0), round(float(w[1]), 12)
    (True, 0.0)
    """
    if c <= 0:
        raise InvalidArgumentError(f"c must be positive, got {c}")
    xa = np.hstack([np.asarray(x, dtype=np.float64), np.ones((len(x), 1))])  # (n, dim + 1)
    yy = np.asarray(y, dtype=np.float64)
    w = np.zeros(xa.shape[1])
    for _ in range(100):
        z = yy * (xa @ w)
        sig = 0.5 * (1.0 + np.tanh(-0.5 * z))  # sigmoid(-z), stable
        grad = w - c * (xa.T @ (yy * sig))
        if float(np.linalg.norm(grad)) < tol:
            break
        hess = np.eye(len(w)) + c * (xa.T * (sig * (1.0 - sig))) @ xa
        w = w - np.linalg.solve(hess, grad)  # the objective is strongly convex: full steps converge
    return w


def _split(n_a: int, n_b: int, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stratified split of rows 0..n_a+n_b-1 (A first): train and test row numbers."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for start, n in ((0, n_a), (n_a, n_b)):
        k = round(n * holdout)
        if k < 1 or n - k < 1:
            raise DataError(f"holdout {holdout} leaves no training or no test word of a set of {n} attribute words")
        perm = start + rng.permutation(n)
        test.append(perm[:k])
        train.append(perm[k:])
    return np.concatenate(train), np.concatenate(test)


def rnsb(
    vectors: Vectors,
    query: Query,
    *,
    holdout: float = 0.0,
    seed: int = 0,
    c: float = 1.0,
    normalize: bool = False,
    max_missing: float = MAX_MISSING,
) -> RnsbResult:
    """Relative negative sentiment bias (Sweeney and Najafian 2019) of X and Y, the classifier learning A
    (positive) against B (negative). ``holdout`` (a fraction, seeded by ``seed``) keeps attribute words
    out of training to measure the classifier's accuracy; ``c`` is the inverse regularisation strength.

    >>> import embedkit
    >>> from embedkit.bias import Query, rnsb
    >>> r = rnsb(embedkit.load(), Query.from_test("weat7"))  # math/arts vs male/female terms
    >>> round(r.value, 4), len(r.negative_probability), r.accuracy
    (0.1864, 16, 1.0)
    """
    if not 0.0 <= holdout < 1.0:
        raise InvalidArgumentError(f"holdout must be in [0, 1), got {holdout}")
    r = query.resolve(vectors, max_missing=max_missing)
    mats = []
    for rows in r.rows:
        m = np.asarray(vectors.matrix[rows], dtype=np.float64)
        if normalize:
            n = np.linalg.norm(m, axis=1, keepdims=True)
            m = np.divide(m, n, out=np.zeros_like(m), where=n > 0)
        mats.append(m)
    x, y, a, b = mats
    feats = np.vstack([a, b])
    labels = np.concatenate([np.ones(len(a)), -np.ones(len(b))])
    if holdout > 0:
        train, test = _split(len(a), len(b), holdout, seed)
    else:
        train = test = np.arange(len(labels))
    w = logistic_regression(feats[train], labels[train], c=c)
    accuracy = float(np.mean(np.sign(feats[test] @ w[:-1] + w[-1]) == labels[test]))
    t = np.vstack([x, y])
    p_neg = 0.5 * (1.0 + np.tanh(-0.5 * (t @ w[:-1] + w[-1])))  # P(label -1) = sigmoid(-score)
    p = p_neg / p_neg.sum()
    kl = float(np.sum(p * np.log(p * len(p))))
    keys = vectors.keys_view
    words = [keys[int(i)] for rows in r.rows[:2] for i in rows]  # as found in the vectors (maybe lower-cased)
    return RnsbResult(query.name, kl, dict(zip(words, (float(v) for v in p_neg))), accuracy, float(holdout), r.missing)
