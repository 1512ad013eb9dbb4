"""An interactive explorer of a projection: one self-contained HTML page, also shown inline in Jupyter.

:func:`explore` returns an :class:`Explorer`; ``explorer.save("explore.html")`` writes the page and
a notebook cell that ends with the explorer shows the same page inline. The page inlines
plotly.js (its WebGL ``scattergl``) and every datum, so it opens from ``file://`` with no network
and no server. It offers hover, word and prefix search, k nearest neighbours by cosine in the
original space, analogies, colouring by group, k-means cluster or metadata column (with a legend
that toggles), box and lasso selection with a download, the coordinates as CSV, the method with
every parameter and the trustworthiness. Search (by word, regular expression or metadata column), a
click and an analogy fit the view to every word asked about; several projections
(``method=["pca", "umap", "tsne"]``), the PCA components on the axes, a 3-D view (PCA, and t-SNE and
UMAP fitted again in 3-D with ``three_d=True``), axes made of words, isolating and re-projecting a
selection, labels on demand and the view state in the URL fragment are switched in the page. Any keys
work, so sentences (with their vectors) can be the points. ``window.embedkitExplorer`` exposes
``search``, ``neighbors``, ``analogy``, ``view``, ``position``, ``state``, ``setProjection``,
``setPcaAxes``, ``set3d``, ``setAxes``, ``isolate``, ``reproject``, ``showAll`` and ``setLabels``; the
page's controls use it (``docs/explorer.md``).

Vectors in the page: when ``words x dim`` is at most :data:`EMBED_BUDGET` the rows go into the
page as float16 and the page computes neighbours and analogies itself, giving the answers of
:func:`~embedkit.nearest` and :func:`~embedkit.analogy` on those rounded rows
(:attr:`Explorer.vectors`). Above the budget the page holds each word's ``k`` nearest neighbours,
computed here on the float32 vectors, and no analogies; the page says which. Those lists are exact
up to :data:`EXACT_NEIGHBORS_MAX` words and come from the approximate HNSW index above it
(``index="hnsw"``, :mod:`embedkit.search.ann` searched with ``ef`` = :data:`HNSW_EF`: recall@10
0.987 on 2,000 random words of GloVe's 400,000, every score an exact cosine), because the exact
lists of 400,000 words take about half an hour on two cores. Why plotly,
the budget, and the page sizes and times measured: ``docs/explorer.md`` (``benchmarks/bench_explorer.py``).
"""

from __future__ import annotations

import base64
import html
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, cast

import numpy as np

from .._deps import require
from .._fs import atomic_write
from ..errors import DataError, InvalidArgumentError, InvalidTypeError
from ..progress import progress_bar
from ..search.ann import ann_topk
from ..search.kernels import Index, cosine_topk, normalize_rows, unit_rows
from ..vectors import Vectors
from .colorings import OTHER, Coloring, categorical_coloring, cluster_coloring, read_metadata
from .groups import merge_groups
from .plotlyjs import deferred
from .projection import Method, Projection
from .reduce import pca, prepare_matrix, project, select_words

__all__ = ["EMBED_BUDGET", "EXACT_NEIGHBORS_MAX", "HNSW_EF", "Coloring", "Explorer", "explore", "read_metadata"]

# float16 values the page may hold: 100,000 words of 50 dimensions, 10 MB before base64.
EMBED_BUDGET = 5_000_000
# Above this many words (and above the budget) the neighbour lists default to the HNSW index.
EXACT_NEIGHBORS_MAX = 100_000
# The HNSW search breadth for the lists: rare words need more than nearest_many's default of 50
# (recall@10 on 2,000 random words of 400,000: 0.948 at 50, 0.971 at 100, 0.987 at 200, 0.995 at 400).
HNSW_EF = 200
# Words of the vectors that are not on the page, listed in it (in frequency order) so that it can tell
# "not on this page" from "not in the vectors": 300,000 of GloVe's words add 2.9 MB.
OTHER_WORDS_MAX = 1_000_000
# t-SNE and UMAP beside the first method cover at most this many of the page's words (its first ones):
# on 100,000 words they take too long to build on a small machine.
SLOW_METHOD_MAX = 20_000
PCA_AXES = 10  # principal components offered for the axes of a PCA map
_METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()).decode("ascii")


def _column(name: str, values: Sequence[str]) -> dict[str, Any]:
    """A metadata column for the page: its distinct values and each word's index among them (uint32)."""
    distinct = list(dict.fromkeys(values))
    code_of = {v: i for i, v in enumerate(distinct)}
    return {"name": name, "values": distinct, "codes": _b64(np.array([code_of[v] for v in values], dtype=np.uint32))}


def _script_safe(text: str) -> str:
    """JSON text that cannot end its ``<script>`` element early."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True, eq=False)
class Explorer:
    """The interactive page of a projection: ``save(path)`` writes it, Jupyter shows it inline.

    Attributes
    ----------
    projection:
        The 2-D projection drawn.
    vectors:
        The page's vectors, one row per word of the projection, in its order: float16 rows as the
        page holds them when ``embedded``, else the float32 rows its neighbour lists came from.
    embedded:
        Whether the page holds the vectors (and so answers any neighbours and analogies itself).
    colorings:
        The colourings offered (groups, k-means clusters, metadata columns).
    k:
        Neighbours listed per word.
    """

    projection: Projection
    vectors: Vectors
    embedded: bool
    colorings: tuple[Coloring, ...]
    k: int
    title: str
    neighbor_rows: np.ndarray | None = field(default=None, repr=False)  # (n, k) int32, -1 padded
    neighbor_scores: np.ndarray | None = field(default=None, repr=False)  # (n, k) float32
    index: Index = "exact"  # how the neighbour lists were found (when not embedded)
    other_words: tuple[str, ...] = field(default=(), repr=False)  # vector words not on the page
    other_words_total: int = 0  # how many there are (the page lists at most OTHER_WORDS_MAX)
    more: tuple[Projection, ...] = ()  # further projections of the page's first words, switched in the page
    pca_rest: np.ndarray | None = field(default=None, repr=False)  # (n, m) float32: components 3.. of the PCA
    pca_ratios: tuple[float, ...] = ()  # every offered component's share of the variance
    columns: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), repr=False)  # metadata: (name, values)
    fits3d: tuple[Projection | None, ...] = ()  # per projection drawn (first, then more): its 3-D fit, if any

    def __len__(self) -> int:
        return len(self.projection)

    def budget_note(self) -> str:
        """The page's sentence on what it holds: the vectors themselves (and so it computes neighbours and
        analogies), or neighbours computed in advance."""
        n, d = len(self.vectors), self.vectors.dim
        if self.embedded:
            return (
                f"The page holds the {n:,} x {d} vectors as float16 and computes neighbours and analogies "
                f"over its {n:,} words."
            )
        how = (
            "precomputed, exact"
            if self.index == "exact"
            else "precomputed with an approximate HNSW index: about 99% of them exact, with exact cosines"
        )
        return (
            f"{n:,} x {d} values exceed the page's budget of {EMBED_BUDGET:,}: the page holds each word's "
            f"{self.k} nearest neighbours ({how}) and cannot answer analogies."
        )

    @staticmethod
    def _described(p: Projection) -> dict[str, Any]:
        ratio = p.info.get("explained_variance_ratio") if p.method == "pca" else None
        name = _METHOD_NAMES.get(p.method, p.method)
        titles = [f"PC{i + 1} ({100 * ratio[i]:.1f}% of variance)" if ratio else f"{name} {i + 1}" for i in range(2)]
        return {
            "method": p.method,
            "method_name": name,
            "params": p.params,
            "trustworthiness": p.trustworthiness,
            "axis_titles": titles,
            "csv_header": p.csv_header(),
            "count": len(p),
        }

    def _described3(self, j: int) -> dict[str, Any]:
        fit = self.fits3d[j] if j < len(self.fits3d) else None
        return {"has3d": fit is not None, "trustworthiness_3d": None if fit is None else fit.trustworthiness}

    def _meta(self) -> dict[str, Any]:
        p = self.projection
        ratio = p.info.get("explained_variance_ratio") if p.method == "pca" else None
        name = _METHOD_NAMES.get(p.method, p.method)
        titles = [f"PC{i + 1} ({100 * ratio[i]:.1f}% of variance)" if ratio else f"{name} {i + 1}" for i in range(2)]
        initial = next((i for i, c in enumerate(self.colorings) if c.name == "groups"), -1)
        return {
            "title": self.title,
            "method": p.method,
            "method_name": name,
            "params": p.params,
            "trustworthiness": p.trustworthiness,
            "source": p.source,
            "dim": self.vectors.dim,
            "k": self.k,
            "embedded": self.embedded,
            "neighbor_k": 0 if self.neighbor_rows is None else int(self.neighbor_rows.shape[1]),
            "budget_note": self.budget_note(),
            "axis_titles": titles,
            "csv_header": p.csv_header(),
            "csv_name": "projection.csv",
            "other": OTHER,
            "initial_coloring": initial,
            "other_words_total": self.other_words_total,
            "other_words_listed": len(self.other_words),
            "projections": [{**self._described(q), **self._described3(j)} for j, q in enumerate((p, *self.more))],
            "pca_ratios": list(self.pca_ratios),
            "colorings": [
                {"name": c.name, "categories": list(c.categories), "codes": _b64(c.codes)} for c in self.colorings
            ],
            "columns": [_column(name, values) for name, values in self.columns],
        }

    def html(self) -> str:
        """The whole page as a string (plotly.js and every datum inlined)."""
        plotly_offline = require("plotly.offline", "explore", "the explorer")
        template = resources.files("embedkit.viz").joinpath("templates/explorer.html").read_text(encoding="utf-8")
        script = resources.files("embedkit.viz").joinpath("templates/explorer.js").read_text(encoding="utf-8")
        empty = ""
        parts = {
            "{{TITLE}}": html.escape(self.title),
            "{{META_JSON}}": _script_safe(json.dumps(self._meta(), ensure_ascii=False, allow_nan=False)),
            "{{WORDS_JSON}}": _script_safe(json.dumps(list(self.projection.words), ensure_ascii=False)),
            "{{COORDS_B64}}": _b64(self.projection.coords.astype(np.float32).T),  # planar: x's, then y's
            "{{VECTORS_B64}}": _b64(np.asarray(self.vectors.matrix, dtype=np.float16)) if self.embedded else empty,
            "{{NBR_ROWS_B64}}": empty if self.neighbor_rows is None else _b64(self.neighbor_rows.astype(np.int32)),
            "{{NBR_SCORES_B64}}": empty if self.neighbor_scores is None else _b64(self.neighbor_scores),
            "{{PCA_REST_B64}}": empty if self.pca_rest is None else _b64(self.pca_rest.T),  # planar
            "{{MORE_COORDS_B64}}": _b64(self._more_coords()) if self.more else empty,
            "{{COORDS3_B64}}": _b64(self._coords3()) if any(f is not None for f in self.fits3d) else empty,
            "{{OTHER_WORDS_JSON}}": _script_safe(json.dumps("\n".join(self.other_words), ensure_ascii=False)),
            "{{EXPLORER_JS}}": script,
        }
        # The library goes in last, so that nothing inside it is taken for a placeholder.
        for key, value in parts.items():
            template = template.replace(key, value)
        return template.replace("{{PLOTLY_JS}}", deferred(plotly_offline.get_plotlyjs()))

    def _more_coords(self) -> np.ndarray:
        """The further projections' coordinates over the page's words, planar, NaN where one lacks a word."""
        n = len(self.projection)
        out = np.full((len(self.more), 2, n), np.nan, dtype=np.float32)
        for j, q in enumerate(self.more):
            out[j, :, : len(q)] = q.coords.astype(np.float32).T  # its words are the page's first ones
        return out

    def _coords3(self) -> np.ndarray:
        """The 3-D fits' coordinates over the page's words, each planar (3, n), NaN where one lacks a word."""
        fits = [f for f in self.fits3d if f is not None]
        out = np.full((len(fits), 3, len(self.projection)), np.nan, dtype=np.float32)
        for j, f in enumerate(fits):
            out[j, :, : len(f)] = f.coords.astype(np.float32).T  # its words are the page's first ones
        return out

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to ``path`` (atomically) and return the path."""
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise InvalidArgumentError(f"save the explorer as .html, not {path.name!r}")
        page = self.html()
        with atomic_write(path, "w", encoding="utf-8") as fh:
            fh.write(page)
        return path

    def _repr_html_(self) -> str:
        page = html.escape(self.html(), quote=True)
        return f'<iframe srcdoc="{page}" style="width:100%;height:680px;border:1px solid #ddd"></iframe>'

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready): the projection's description and what the page holds."""
        return {
            **self.projection.to_dict(),
            "k": self.k,
            "embedded": self.embedded,
            "neighbor_index": None if self.embedded else self.index,
            "embed_budget": EMBED_BUDGET,
            "colorings": [c.name for c in self.colorings],
            "methods": [q.method for q in (self.projection, *self.more)],
            "more_counts": [len(q) for q in self.more],
            "fits3d": [f.method for f in self.fits3d if f is not None],
        }


def _neighbor_lists(
    vectors: Vectors, k: int, index: Index = "exact", block: int = 2048, *, progress: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows by cosine (itself excluded): ``(n, k)`` rows and scores.

    ``index="hnsw"`` takes them from the approximate graph of :mod:`embedkit.search.ann` (ef=:data:`HNSW_EF`).
    With ``progress``, a bar on stderr counts the words done (a whole-vocabulary page takes minutes).
    """
    n = len(vectors)
    k = min(k, n - 1)
    rows = np.full((n, k), -1, dtype=np.int32)
    scores = np.zeros((n, k), dtype=np.float32)
    with progress_bar(desc=f"neighbour lists ({index})", total=n, unit="word", delay=0.0, enabled=progress) as bar:
        for s in range(0, n, block):
            q = np.arange(s, min(s + block, n))
            Q, ex = unit_rows(vectors, q), np.ascontiguousarray(q[:, None])
            if index == "hnsw":
                r, sc = ann_topk(vectors, normalize_rows(Q), k, ex, ef=HNSW_EF)
            else:
                r, sc = cosine_topk(vectors, Q, k, ex)
            rows[q], scores[q] = r, sc
            bar.update(len(q))
    return rows, scores


def _page_vectors(vectors: Vectors, projection: Projection) -> Vectors:
    """The rows of the projection's words, refusing a projection made from other vectors."""
    if projection.source and vectors.source and projection.source != vectors.source:
        raise DataError(
            f"the projection was made from {projection.source!r}, not from {vectors.source!r}: "
            "explore it with the vectors it came from"
        )
    index = vectors.index
    missing = [w for w in projection.words if w not in index]
    if missing:
        raise DataError(
            f"{len(missing):,} of the projection's {len(projection):,} words are not in the vectors "
            f"(e.g. {missing[0]!r}): was it made from other vectors?"
        )
    if projection.dim != 2:
        raise InvalidArgumentError(f"the explorer draws 2-D projections; this one has {projection.dim} dimensions")
    return vectors.subset(projection.words)


def explore(
    source: Vectors | Projection,
    words: Sequence[str] | int | None = 100_000,
    *,
    vectors: Vectors | None = None,
    method: Method | Sequence[Method] = "pca",
    groups: Mapping[str, Sequence[str]] | None = None,
    metadata: str | os.PathLike | None = None,
    clusters: int = 20,
    k: int = 10,
    embed: bool | None = None,
    index: Index | None = None,
    seed: int = 0,
    perplexity: float = 30.0,
    n_neighbors: int = 15,
    title: str | None = None,
    three_d: bool = False,
    progress: bool = False,
) -> Explorer:
    """An interactive page of ``source``: vectors (projected here) or a saved 2-D :class:`Projection`.

    Parameters
    ----------
    source:
        :class:`~embedkit.Vectors` to project, or a projection of them.
    words:
        With vectors: a count of most frequent words (default 100,000), a list, or ``None`` for all.
        Ignored for a projection.
    vectors:
        With a projection: the vectors it was made from (default: its recorded source, loaded).
    method, seed, perplexity, n_neighbors:
        How to project (see :func:`~embedkit.viz.reduce.project`). Several methods (``["pca", "umap"]``)
        make one page holding each, switched in the page; after the first, t-SNE and UMAP cover the
        page's first :data:`SLOW_METHOD_MAX` words.
    groups:
        Group name to words: a colouring (group words not among ``words`` are added with vectors).
    metadata:
        A TSV ``word<TAB>column...`` (see :func:`read_metadata`): one colouring per column.
    clusters:
        k-means clusters of the original vectors offered as a colouring (0: none).
    k:
        Neighbours listed for a word.
    embed:
        Put the vectors in the page; ``None`` (default) does so within :data:`EMBED_BUDGET`.
    three_d:
        Also fit each t-SNE and UMAP in three dimensions (on the same words), for the page's 3-D view;
        PCA's 3-D view needs no fit (its third component is in the page).
    index:
        How to find the neighbour lists of a page without the vectors: ``"exact"`` or ``"hnsw"``
        (approximate, much faster); ``None`` (default) is exact up to :data:`EXACT_NEIGHBORS_MAX` words.

    Examples
    --------
    >>> import embedkit
    >>> ex = explore(embedkit.load(), 500, k=5)
    >>> len(ex), ex.embedded, [c.name for c in ex.colorings]
    (500, True, ['k-means (20 clusters)'])
    """
    if k < 1:
        raise InvalidArgumentError(f"k must be a positive integer, got {k}")
    if clusters < 0:
        raise InvalidArgumentError(f"clusters must be >= 0, got {clusters}")
    if index not in (None, "exact", "hnsw"):
        raise InvalidArgumentError(f"index must be 'exact' or 'hnsw', got {index!r}")
    methods = [method] if isinstance(method, str) else list(method)
    bad = [m for m in methods if m not in _METHOD_NAMES]
    if not methods or bad or len(set(methods)) != len(methods):
        raise InvalidArgumentError(f"method must be one or more of 'pca', 'tsne', 'umap', each once, got {methods}")
    if isinstance(source, Projection):
        projection = source
        if vectors is None:
            if not projection.source:
                raise InvalidArgumentError("the projection records no source: pass vectors=")
            from ..io.api import resolve_vectors

            vectors = resolve_vectors(projection.source)
        page = _page_vectors(vectors, projection)
    elif isinstance(source, Vectors):
        if isinstance(words, (int, np.integer)) and not isinstance(words, bool):
            words = min(int(words), len(source))
        if groups:
            base = select_words(source, words).keys
            words = merge_groups(base, groups)
        projection = project(
            source,
            words,
            method=methods[0],
            seed=seed,
            perplexity=perplexity,
            n_neighbors=n_neighbors,
            progress=progress,
        )
        page = select_words(source, list(projection.words))
    else:
        raise InvalidTypeError(f"explore takes Vectors or a Projection, not {type(source).__name__}")
    colorings: list[Coloring] = []
    if groups:
        group_of: dict[str, str] = {}
        for g, ws in groups.items():
            for w in ws:
                group_of.setdefault(w, str(g))
        if not any(w in group_of for w in projection.words):
            raise DataError("none of the group words is on the page")
        colorings.append(categorical_coloring("groups", projection.words, group_of, [str(g) for g in groups]))
    if clusters and len(page) > 1:
        colorings.append(cluster_coloring(page, clusters, seed))
    columns = []
    if metadata is not None:
        for name, value_of in read_metadata(metadata, projection.words).items():
            colorings.append(categorical_coloring(name, projection.words, value_of))
            columns.append((name, tuple(value_of.get(w, "") for w in projection.words)))
    more = []
    for m in [m for m in methods[1:] if m != projection.method]:  # a saved projection's own method is drawn first
        ws = list(projection.words)
        ws = ws[:SLOW_METHOD_MAX] if m != "pca" else ws
        more.append(
            project(page, ws, method=m, seed=seed, perplexity=perplexity, n_neighbors=n_neighbors, progress=progress)
        )
    fits3d: list[Projection | None] = []
    for q in (projection, *more):
        m3, fit = cast(Method, q.method), None
        if three_d and m3 != "pca":
            ws = list(q.words)
            fit = project(page, ws, method=m3, dim=3, seed=seed, perplexity=perplexity, n_neighbors=n_neighbors)
        fits3d.append(fit)
    pca_rest, ratios = None, ()
    pcas = [q for q in (projection, *more) if q.method == "pca" and len(q) == len(page)]
    if pcas and page.dim > 2:
        # The same exact PCA as the map's, with more components: the first two are the map's axes.
        Y, info = pca(prepare_matrix(page.matrix, str(pcas[0].params.get("metric", "cosine"))), min(PCA_AXES, page.dim))
        pca_rest, ratios = Y[:, 2:].astype(np.float32), tuple(info["explained_variance_ratio"])
    embedded = len(page) * page.dim <= EMBED_BUDGET if embed is None else bool(embed)
    rows = scores = None
    if index is None:
        index = "exact" if len(page) <= EXACT_NEIGHBORS_MAX else "hnsw"
    if embedded:
        page = Vectors(page.keys, np.asarray(page.matrix, dtype=np.float16), source=page.source)
    else:
        # The whole vector file in its own order: search it, so the HNSW graph saved beside its cache is used.
        whole: Vectors | None = source if isinstance(source, Vectors) else vectors
        same = isinstance(whole, Vectors) and whole.keys == page.keys
        rows, scores = _neighbor_lists(whole if same and whole is not None else page, k, index, progress=progress)
    whole_keys = (source if isinstance(source, Vectors) else vectors).keys  # type: ignore[union-attr]
    on_page = page.index
    others = [w for w in whole_keys if w not in on_page and "\n" not in w]
    if title is None:
        names = ", ".join(_METHOD_NAMES.get(q.method, q.method) for q in (projection, *more))
        title = f"{names} of {len(projection):,} words"
        if projection.source:
            title += f" ({projection.source})"
    return Explorer(
        projection,
        page,
        embedded,
        tuple(colorings),
        k,
        title,
        rows,
        scores,
        index,
        tuple(others[:OTHER_WORDS_MAX]),
        len(others),
        tuple(more),
        pca_rest,
        ratios,
        tuple(columns),
        tuple(fits3d),
    )
