"""The colourings of the explorer page: groups, k-means clusters of the vectors, metadata columns."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .._fs import require_file
from ..errors import DataFileError
from ..search.kernels import unit_rows
from ..vectors import Vectors

__all__ = ["MAX_CATEGORIES", "OTHER", "Coloring", "categorical_coloring", "cluster_coloring", "read_metadata"]

OTHER = "other"
MAX_CATEGORIES = 20  # colours in a legend; the rarest values of a wider column become "other"


@dataclass(frozen=True)
class Coloring:
    """One way to colour the map: a name, its categories and each page word's category index."""

    name: str
    categories: tuple[str, ...]
    codes: np.ndarray = field(repr=False)  # (n,) uint16


def read_metadata(path: str | os.PathLike, words: Sequence[str]) -> dict[str, dict[str, str]]:
    """Columns of a TSV with a header ``word<TAB>column...``: column name to ``{word: value}``.

    Every row must have as many fields as the header and name a word of ``words`` (the page's),
    and no word may take two rows (which one was meant cannot be known); page words the file omits
    get no value. A :class:`~embedkit.errors.DataFileError` names the file and the first bad line.
    """
    path = require_file(path, "metadata file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not UTF-8 text") from None
    if not lines or "\t" not in lines[0]:
        raise DataFileError(f"{path}, line 1: expected a header 'word<TAB>column...' (tab-separated)")
    header = lines[0].split("\t")
    columns: dict[str, dict[str, str]] = {name: {} for name in header[1:]}
    page = set(words)
    unknown: list[tuple[int, str]] = []
    row_of: dict[str, int] = {}  # each word's line
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise DataFileError(f"{path}, line {n}: {len(fields)} fields, the header has {len(header)}")
        first = row_of.setdefault(fields[0], n)
        if first != n:
            raise DataFileError(
                f"{path}, line {n}: a second row for {fields[0]!r} (the first is line {first}); one row per word"
            )
        if fields[0] not in page:
            unknown.append((n, fields[0]))
            continue
        for name, value in zip(header[1:], fields[1:]):
            columns[name][fields[0]] = value
    if unknown:
        n, w = unknown[0]
        raise DataFileError(
            f"{path}, line {n}: {w!r} is not on the page ({len(unknown):,} rows name words the page does not hold)"
        )
    return columns


def categorical_coloring(
    name: str, words: Sequence[str], value_of: Mapping[str, str], order: Sequence[str] | None = None
) -> Coloring:
    """The most common values (or those of ``order`` present, in its order) as categories, at most
    MAX_CATEGORIES with "other" for the rest."""
    values = [value_of.get(w, "") for w in words]
    counts: dict[str, int] = {}
    for v in values:
        if v:
            counts[v] = counts.get(v, 0) + 1
    ranked = [v for v in order if v in counts] if order is not None else sorted(counts, key=lambda v: -counts[v])
    keep = ranked if len(ranked) <= MAX_CATEGORIES - 1 else ranked[: MAX_CATEGORIES - 1]
    code_of = {v: i for i, v in enumerate(keep)}
    categories = (*keep, OTHER)
    codes = np.array([code_of.get(v, len(keep)) for v in values], dtype=np.uint16)
    return Coloring(name, categories, codes)


def cluster_coloring(vectors: Vectors, n_clusters: int, seed: int) -> Coloring:
    """k-means of the unit rows (the original space), each cluster named by its three first words."""
    from sklearn.cluster import KMeans

    X = unit_rows(vectors, np.arange(len(vectors)))
    n_clusters = min(n_clusters, len(vectors))
    labels = KMeans(n_clusters=n_clusters, n_init=1, random_state=seed).fit_predict(X)
    # Number the clusters by their most frequent word, so cluster 1 holds the first word.
    order = list(dict.fromkeys(labels.tolist()))
    remap = np.empty(n_clusters, dtype=np.uint16)
    remap[order] = np.arange(len(order))
    codes = remap[labels]
    names = []
    for c in range(len(order)):
        first = [vectors.keys[i] for i in np.flatnonzero(codes == c)[:3]]
        names.append(f"{c + 1}: {', '.join(first)}")
    return Coloring(f"k-means ({n_clusters} clusters)", tuple(names), codes)
