"""Hard debiasing (Bolukbasi et al. 2016): a bias subspace from definitional pairs by PCA, every word that
should be neutral moved out of it, and each equality pair made symmetric about it.

The steps, on unit-normalised vectors (as the authors' code and WEFE's ``HardDebias`` run them):

1. **Subspace.** For each definitional pair (she, he), subtract the pair's mean from both vectors; the
   first ``k`` principal directions of those centred vectors span the bias subspace B (``k=1``: the
   gender direction).
2. **Neutralise.** Each word not in ``specific`` (the gender-specific words, by default the authors'
   expanded list of 1,441, as their ``debias.py`` uses; words match as spelt) loses its projection on B and is normalised again. With ``neutral`` given, only those words are.
3. **Equalise.** For each equality pair (a, b), tried lower-case, title-case and upper-case as the
   authors do, with mean ``mu`` and ``nu = mu - mu_B``: ``w = nu + sqrt(1 - |nu|^2) (w_B - mu_B) / |w_B - mu_B|``,
   so a and b differ only inside B and are equidistant from every neutral word.

The result is a new :class:`~embedkit.vectors.Vectors` of unit vectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import DataError, InvalidArgumentError
from ..vectors import Vectors
from .gender_words import DEFINITIONAL_PAIRS, EQUALIZE_PAIRS, GENDER_SPECIFIC_FULL

__all__ = ["BiasSubspace", "bias_subspace", "hard_debias"]


def _row(index: dict[str, int], word: str) -> int | None:
    r = index.get(word)
    return index.get(word.lower()) if r is None else r


def _unit_rows(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=-1, keepdims=True)
    return np.divide(m, n, out=np.zeros_like(m), where=n > 0)


@dataclass(frozen=True)
class BiasSubspace:
    """The bias subspace: ``components`` (``(k, dim)``, orthonormal rows), the share of the centred pairs'
    variance each explains, and the definitional pairs used and those left out (a word missing)."""

    components: np.ndarray
    explained_variance_ratio: tuple[float, ...]
    pairs: tuple[tuple[str, str], ...]
    missing_pairs: tuple[tuple[str, str], ...]

    @property
    def direction(self) -> np.ndarray:
        """The first component (the bias direction)."""
        return self.components[0]

    def project(self, m: np.ndarray) -> np.ndarray:
        """The part of each row of ``m`` inside the subspace."""
        return (m @ self.components.T) @ self.components

    def to_dict(self) -> dict:
        """The subspace as plain data (JSON-safe)."""
        return {
            "components": self.components.tolist(),
            "explained_variance_ratio": list(self.explained_variance_ratio),
            "pairs": [list(p) for p in self.pairs],
            "missing_pairs": [list(p) for p in self.missing_pairs],
        }


def bias_subspace(
    vectors: Vectors, pairs: Sequence[tuple[str, str]] = DEFINITIONAL_PAIRS, *, k: int = 1, normalize: bool = True
) -> BiasSubspace:
    """The ``k``-dimensional bias subspace of ``vectors`` from definitional ``pairs`` (PCA of the
    pair-centred unit vectors, or of the vectors as stored with ``normalize=False``). Words are looked up
    as spelt, then lower-cased; a pair with a missing word is left out, and fewer than two usable pairs is
    an error."""
    if k < 1:
        raise InvalidArgumentError(f"k must be at least 1, got {k}")
    index = vectors.index
    used, missing, rows = [], [], []
    for a, b in pairs:
        ra, rb = _row(index, a), _row(index, b)
        if ra is None or rb is None:
            missing.append((a, b))
        else:
            used.append((a, b))
            rows.append((ra, rb))
    if len(used) < 2 or len(used) * 2 < k:
        raise DataError(
            f"need at least 2 definitional pairs in the vectors (and 2k words), found {len(used)}; missing: "
            + ", ".join(f"{a}/{b}" for a, b in missing)
        )
    m = np.asarray(vectors.matrix[np.asarray(rows).ravel()], dtype=np.float64)
    if normalize:
        m = _unit_rows(m)
    m = m.reshape(len(used), 2, -1)
    centred = (m - m.mean(axis=1, keepdims=True)).reshape(2 * len(used), -1)  # (2P, dim), mean 0
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    var = s**2
    return BiasSubspace(
        components=vt[:k].copy(),
        explained_variance_ratio=tuple(float(x) for x in (var / var.sum())[:k]),
        pairs=tuple(used),
        missing_pairs=tuple(missing),
    )


def _case_variants(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for a, b in pairs:
        for f in (str.lower, str.title, str.upper):
            p = (f(a), f(b))
            if p not in out:
                out.append(p)
    return out


def hard_debias(
    vectors: Vectors,
    *,
    definitional: Sequence[tuple[str, str]] = DEFINITIONAL_PAIRS,
    equalize: Sequence[tuple[str, str]] = EQUALIZE_PAIRS,
    specific: Iterable[str] = GENDER_SPECIFIC_FULL,
    neutral: Iterable[str] | None = None,
    k: int = 1,
) -> Vectors:
    """Bolukbasi et al.'s hard debiasing of ``vectors``: a new ``Vectors`` of unit vectors.

    ``definitional`` pairs give the bias subspace (:func:`bias_subspace`, ``k`` dimensions); every word
    not in ``specific`` (or, with ``neutral`` given, every word of ``neutral`` that the vectors hold) is
    neutralised; each ``equalize`` pair found (lower, title or upper case) is equalised. The default
    lists are the authors' (:mod:`embedkit.bias.gender_words`).

    >>> import embedkit
    >>> from embedkit.bias import bias_subspace, hard_debias
    >>> v = embedkit.load()
    >>> d = hard_debias(v)
    >>> round(abs(float(d["nurse"] @ bias_subspace(v).direction)), 6)
    0.0
    """
    sub = bias_subspace(vectors, definitional, k=k)
    b = sub.components.astype(np.float64)  # (k, dim)
    m = np.array(vectors.normalized, dtype=np.float32)  # (V, dim), a writable copy
    if neutral is None:
        spec = set(specific)
        rows = np.asarray([i for i, w in enumerate(vectors.keys_view) if w not in spec], dtype=np.int64)
    else:
        index = vectors.index
        rows = np.asarray(sorted({index[w] for w in neutral if w in index}), dtype=np.int64)
    step = 1 << 16
    for start in range(0, len(rows), step):
        r = rows[start : start + step]
        block = m[r].astype(np.float64)
        block -= (block @ b.T) @ b
        m[r] = _unit_rows(block)
    index = vectors.index
    for a, c in _case_variants(equalize):
        ra, rc = index.get(a), index.get(c)
        if ra is None or rc is None:
            continue
        pair = m[[ra, rc]].astype(np.float64)  # (2, dim)
        mu = pair.mean(axis=0)
        mu_b = (mu @ b.T) @ b
        nu = mu - mu_b
        scale = np.sqrt(max(0.0, 1.0 - float(nu @ nu)))
        for row, w in zip((ra, rc), pair):
            diff = (w @ b.T) @ b - mu_b
            norm = np.linalg.norm(diff)
            m[row] = nu + (scale * diff / norm if norm > 0 else 0.0)
    m = _unit_rows(m)
    return Vectors(vectors.keys_view, m, source=f"{vectors.source or 'vectors'} (hard-debiased)", format=vectors.format)
