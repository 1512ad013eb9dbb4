"""Compare two or more vector sets and write the comparison as HTML, Markdown and JSON.

:func:`compare` computes every number (a :class:`Comparison`, plain data with ``to_dict()``);
:func:`render_html` / :func:`render_markdown` turn it into pages with Jinja2 templates; figures are
drawn by matplotlib (imported inside) and inlined as PNG data, so the HTML file stands alone.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .alignment import Alignment, NeighborOverlap, align, neighbor_overlap, shared_words
from .neighbors import unit_rows
from .vectors import Vectors

__all__ = [
    "Comparison",
    "Estimate",
    "MetricRow",
    "compare",
    "render_html",
    "render_markdown",
    "write_report",
]

DEFAULT_PROBES = [
    "king", "queen", "man", "woman", "prince", "princess",
    "paris", "france", "rome", "italy", "berlin", "germany", "tokyo", "japan",
    "one", "two", "three", "four", "five", "ten",
    "doctor", "nurse", "teacher", "lawyer", "engineer", "farmer",
    "frog", "toad", "dog", "cat", "horse",
    "good", "bad", "happy", "sad",
]
DEFAULT_BENCHMARKS = ("google", "wordsim353", "simlex999")
DEFAULT_DOWNSTREAM = ("mr", "dbpedia")
DOWNSTREAM_FILES = {
    "mr": "sentiment/mr/mr.txt",
    "dbpedia": "ontology/dbpedia/train.csv",
    "subj": "sentiment/subj/subj.txt",
    "cr": "sentiment/cr/cr.txt",
    "mpqa": "sentiment/mpqa/mpqa.txt",
    "agnews": "topic/agnews/train.csv",
    "sst2": "sentiment/sst2/train.txt",
    "trec": "questions/trec/train.txt",
}


@dataclass(frozen=True)
class Estimate:
    """A value with its 95% bootstrap interval."""

    value: float
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class MetricRow:
    """One number per vector set on the items all sets cover, with paired differences.

    ``differences[i]`` is set ``i`` minus the first set, bootstrapped over the same resampled
    items (``None`` for the first set). ``best`` indexes the best set; ``decisive`` says whether
    the best set's difference to every other set has an interval that excludes zero.
    """

    group: str
    benchmark: str
    metric: str
    items: int
    values: list[Estimate]
    differences: list[Estimate | None]
    best: int
    decisive: bool

    def to_dict(self) -> dict:
        return {
            "group": self.group, "benchmark": self.benchmark, "metric": self.metric, "items": self.items,
            "values": [v.to_dict() for v in self.values],
            "differences": [None if d is None else d.to_dict() for d in self.differences],
            "best": self.best, "decisive": self.decisive,
        }


@dataclass(frozen=True)
class SetInfo:
    """Size and coverage of one vector set."""

    name: str
    source: str
    count: int
    dim: int
    matrix_bytes: int
    coverage: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Comparison:
    """Everything :func:`compare` measured; ``to_dict()`` is what the JSON report holds."""

    sets: list[SetInfo]
    metrics: list[MetricRow]
    analogy_sections: dict[str, dict]
    overlaps: list[NeighborOverlap]
    alignments: list[Alignment]
    projection: dict
    settings: dict

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sets]

    def verdict(self) -> list[dict]:
        """One line per metric: who wins, by how much, and whether it is outside the noise."""
        rows = []
        for m in self.metrics:
            others = [i for i in range(len(self.sets)) if i != m.best]
            margins = []
            for j in others:
                d = _difference(m, m.best, j)
                margins.append(d)
            closest = min(margins, key=lambda d: d.value) if margins else None
            rows.append({
                "benchmark": m.benchmark, "metric": m.metric, "items": m.items,
                "winner": self.sets[m.best].name,
                "margin": None if closest is None else closest.to_dict(),
                "clear": m.decisive,
            })
        return rows

    def to_dict(self) -> dict:
        return {
            "sets": [s.to_dict() for s in self.sets],
            "verdict": self.verdict(),
            "metrics": [m.to_dict() for m in self.metrics],
            "analogy_sections": self.analogy_sections,
            "neighbor_overlap": [o.to_dict() for o in self.overlaps],
            "alignment": [a.to_dict() for a in self.alignments],
            "projection": self.projection,
            "settings": self.settings,
        }


def _difference(m: MetricRow, i: int, j: int) -> Estimate:
    """The paired difference set i minus set j, from the stored differences against set 0."""
    di, dj = m.differences[i], m.differences[j]
    if j == 0 and di is not None:
        return di
    if i == 0 and dj is not None:
        return Estimate(-dj.value, -dj.high, -dj.low)
    # Neither is the reference: the stored bootstrap draws are gone, so use the conservative
    # (widest) combination of the two intervals.
    assert di is not None and dj is not None
    return Estimate(di.value - dj.value, di.low - dj.high, di.high - dj.low)


# --------------------------------------------------------------------------------------------
# paired bootstrap


def _interval(draws: np.ndarray) -> tuple[float, float]:
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return float(lo), float(hi)


def paired_bootstrap(
    statistic: Callable[[np.ndarray], np.ndarray],
    n_items: int,
    n_sets: int,
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> tuple[list[Estimate], list[Estimate | None]]:
    """Bootstrap ``statistic(indices) -> (n_sets,)`` over items resampled with replacement,
    the same resample for every set, so differences between sets are paired."""
    rng = np.random.default_rng(seed)
    point = np.asarray(statistic(np.arange(n_items)), dtype=float)
    draws = np.empty((n_boot, n_sets))
    for b in range(n_boot):
        draws[b] = statistic(rng.integers(0, n_items, n_items))
    values = [Estimate(float(point[s]), *_interval(draws[:, s])) for s in range(n_sets)]
    diffs: list[Estimate | None] = [None]
    for s in range(1, n_sets):
        diffs.append(Estimate(float(point[s] - point[0]), *_interval(draws[:, s] - draws[:, 0])))
    return values, diffs


def _row(group, benchmark, metric, items, values, diffs, higher_is_better=True) -> MetricRow:
    vals = np.array([v.value for v in values])
    best = int(np.argmax(vals) if higher_is_better else np.argmin(vals))
    tmp = MetricRow(group, benchmark, metric, items, values, diffs, best, False)
    decisive = len(values) > 1 and all(
        _difference(tmp, best, j).excludes_zero() for j in range(len(values)) if j != best
    )
    return MetricRow(group, benchmark, metric, items, values, diffs, best, decisive)


# --------------------------------------------------------------------------------------------
# the comparison


def _resolve(specs: Sequence[str | os.PathLike | Vectors], names: Sequence[str] | None) -> tuple[list[Vectors], list[str]]:
    from .io import load

    vecs, auto = [], []
    for s in specs:
        if isinstance(s, Vectors):
            vecs.append(s)
            auto.append(s.source or f"set {len(vecs)}")
        else:
            vecs.append(load(s))
            auto.append(Path(str(s)).name if os.path.sep in str(s) or Path(str(s)).exists() else str(s))
    names = list(names) if names is not None else auto
    if len(names) != len(vecs):
        raise ValueError(f"{len(names)} names for {len(vecs)} vector sets")
    if len(set(names)) != len(names):  # make duplicates distinguishable
        names = [f"{n} ({i + 1})" for i, n in enumerate(names)]
    return vecs, names


def compare(
    specs: Sequence[str | os.PathLike | Vectors],
    *,
    names: Sequence[str] | None = None,
    benchmarks: Sequence[str] = DEFAULT_BENCHMARKS,
    probe_words: Sequence[str] = DEFAULT_PROBES,
    downstream: Sequence[str] = DEFAULT_DOWNSTREAM,
    data_dir: str | os.PathLike | None = None,
    restrict: int = 30000,
    analogy_methods: Sequence[str] = ("3cosadd", "3cosmul"),
    k: int = 10,
    overlap_words: int = 1000,
    folds: int = 5,
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = True,
) -> Comparison:
    """Compare two or more vector sets (names or paths of any format, or :class:`Vectors`).

    Parameters
    ----------
    specs:
        The vector sets; the first is the reference for paired differences and alignment.
    names:
        Display names (default: the registered name or the file name).
    benchmarks:
        Analogy question sets and similarity pair files (registered names or paths); a file with
        four words per line is an analogy set, one with two words and a score a similarity set.
    probe_words:
        Words drawn in the aligned projections (those all sets know).
    downstream:
        Classification datasets for the logistic-regression probe on mean vectors: names from
        ``DOWNSTREAM_FILES`` (read from ``data_dir``, default ``$EMBEDKIT_DATA`` or ``../shared/data``)
        or paths. ``()`` skips the probe.
    restrict:
        Analogy answers come from the words that every set has among its ``restrict`` most frequent
        (the same candidates for every set; their number is ``settings["analogy_candidates"]``).
    analogy_methods:
        ``"3cosadd"`` and/or ``"3cosmul"``.
    k, overlap_words:
        Jaccard@k of the neighbourhoods of the ``overlap_words`` most frequent shared words.
    folds:
        Cross-validation folds of the downstream probe.
    n_boot, seed:
        Bootstrap resamples for every interval, and the seed of everything random.
    progress:
        Show a progress bar across the stages.
    """
    from tqdm.auto import tqdm

    vecs, names = _resolve(specs, names)
    if len(vecs) < 2:
        raise ValueError("compare needs at least two vector sets")
    stages = ["sizes", *[f"benchmark {b}" for b in benchmarks], "neighbour overlap", "alignment", "projection",
              *[f"downstream {d}" for d in downstream]]
    bar = tqdm(total=len(stages), desc="compare", disable=not progress, unit="stage")

    def step(label: str) -> None:
        bar.set_postfix_str(label)

    infos = [SetInfo(n, str(v.source), len(v), v.dim, v.nbytes) for n, v in zip(names, vecs)]
    bar.update()

    metrics: list[MetricRow] = []
    sections: dict[str, dict] = {}
    from .intrinsic_compare import benchmark_kind, compare_benchmark, shared_candidates

    candidates = shared_candidates(vecs, restrict) if any(benchmark_kind(b) == "analogy" for b in benchmarks) else None
    for bench in benchmarks:
        step(f"benchmark {bench}")
        rows, secs, coverage = compare_benchmark(vecs, names, bench, restrict=restrict, n_boot=n_boot, seed=seed,
                                                 methods=analogy_methods, candidates=candidates)
        metrics.extend(rows)
        sections.update(secs)
        for info, cov in zip(infos, coverage):
            info.coverage[bench] = cov
        bar.update()

    step("neighbour overlap")
    overlaps = []
    for i in range(len(vecs)):
        for j in range(i + 1, len(vecs)):
            overlaps.append(neighbor_overlap(vecs[i], vecs[j], k=k, n_words=overlap_words, names=(names[i], names[j])))
    bar.update()

    step("alignment")
    alignments = [align(vecs[i], vecs[0], names=(names[i], names[0])) for i in range(1, len(vecs))]
    bar.update()

    step("projection")
    projection = _aligned_projection(vecs, names, alignments, probe_words)
    bar.update()

    if downstream:
        from .probe import downstream_rows

        for ds in downstream:
            step(f"downstream {ds}")
            path = _dataset_path(ds, data_dir)
            metrics.append(downstream_rows(vecs, names, path, label=ds, folds=folds, n_boot=n_boot, seed=seed))
            bar.update()
    bar.close()
    settings = {
        "benchmarks": list(benchmarks), "restrict": restrict,
        "analogy_candidates": None if candidates is None else len(candidates[0]),
        "analogy_methods": list(analogy_methods), "k": k,
        "overlap_words": overlap_words,
        "downstream": list(downstream), "folds": folds, "n_boot": n_boot, "seed": seed,
        "probe_words": list(probe_words),
    }
    return Comparison(infos, metrics, sections, overlaps, alignments, projection, settings)


def default_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The datasets folder: ``data_dir``, else ``$EMBEDKIT_DATA``, else the first ``shared/data``
    found beside the working directory or one level up (a project root or its ``notebooks/``)."""
    if data_dir is not None:
        return Path(data_dir)
    if os.environ.get("EMBEDKIT_DATA"):
        return Path(os.environ["EMBEDKIT_DATA"])
    for up in (Path.cwd().parent, Path.cwd().parent.parent):
        if (up / "shared" / "data").is_dir():
            return up / "shared" / "data"
    return Path.cwd().parent / "shared" / "data"


def _dataset_path(ds: str, data_dir) -> Path:
    if ds in DOWNSTREAM_FILES:
        p = default_data_dir(data_dir) / DOWNSTREAM_FILES[ds]
    else:
        p = Path(ds)
    if not p.exists():
        raise FileNotFoundError(f"downstream dataset {ds!r}: {p} does not exist (set EMBEDKIT_DATA or pass a path)")
    return p


def _aligned_projection(vecs, names, alignments, probe_words) -> dict:
    """2-D PCA of the probe words: fitted on the first set, every other set mapped into the
    first set's coordinates by its Procrustes alignment first."""
    common = [w for w in probe_words if all(w in v for v in vecs)]
    if len(common) < 3:
        common = shared_words(vecs[0], vecs[1], 30)
        for v in vecs[2:]:
            common = [w for w in common if w in v]
    ref = unit_rows(vecs[0], vecs[0].indices(common)).astype(np.float64)
    mean = ref.mean(axis=0)
    _, _, vt = np.linalg.svd(ref - mean, full_matrices=False)
    axes = vt[:2].T
    coords = {names[0]: ((ref - mean) @ axes).tolist()}
    for al, v, n in zip(alignments, vecs[1:], names[1:]):
        mapped = al.transform(v.matrix[v.indices(common)]).astype(np.float64)
        coords[n] = ((mapped - mean) @ axes).tolist()
    return {"words": common, "coordinates": coords}


# --------------------------------------------------------------------------------------------
# figures


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def figure_projection(comparison: Comparison):
    """Side-by-side scatter of the probe words in aligned coordinates; returns a Figure."""
    from matplotlib.figure import Figure

    proj = comparison.projection
    names = list(proj["coordinates"])
    fig = Figure(figsize=(5.2 * len(names), 5))
    axes = fig.subplots(1, len(names), sharex=True, sharey=True, squeeze=False)[0]
    for ax, n in zip(axes, names):
        xy = np.asarray(proj["coordinates"][n])
        ax.scatter(xy[:, 0], xy[:, 1], s=14, color="#3b6ea8")
        for (x, y), w in zip(xy, proj["words"]):
            ax.annotate(w, (x, y), xytext=(3, 2), textcoords="offset points", fontsize=8)
        ax.set_title(n)
        ax.set_xlabel("PC 1 (of the first set)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("PC 2")
    fig.suptitle("Probe words, aligned to the first set (Procrustes) and projected by its PCA")
    return fig


def figure_metrics(comparison: Comparison):
    """Each metric per set with its 95% interval; returns a Figure."""
    from matplotlib.figure import Figure

    rows = comparison.metrics
    n_sets = len(comparison.sets)
    fig = Figure(figsize=(8, 0.55 * len(rows) * n_sets + 1.2))
    ax = fig.subplots()
    colors = ["#3b6ea8", "#d9822b", "#3a9a5b", "#b04a5a", "#7a5ba8"]
    labels, ypos = [], []
    y = 0
    for r in rows:
        for s in range(n_sets):
            e = r.values[s]
            ax.errorbar(e.value, y, xerr=[[e.value - e.low], [e.high - e.value]], fmt="o",
                        color=colors[s % len(colors)], capsize=3, label=comparison.sets[s].name if r is rows[0] else None)
            y -= 1
        labels.append(f"{r.benchmark}\n{r.metric}")
        ypos.append(y + n_sets / 2 + 0.5)
        y -= 0.6
    ax.set_yticks(ypos, labels, fontsize=8)
    ax.set_xlabel("score (95% bootstrap interval)")
    ax.legend(loc="best", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Benchmarks on the items every set covers")
    return fig


# --------------------------------------------------------------------------------------------
# rendering


def _env():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("embedkit", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_num
    env.filters["est"] = fmt_est
    env.filters["diff"] = fmt_diff
    return env


def fmt_num(x: float | None) -> str:
    """How every number is printed in the HTML and Markdown reports (4 decimals)."""
    return "–" if x is None else f"{x:.4f}"


def fmt_est(e: Estimate | dict | None) -> str:
    if e is None:
        return "–"
    d = e if isinstance(e, dict) else e.to_dict()
    return f"{d['value']:.4f} [{d['low']:.4f}, {d['high']:.4f}]"


def fmt_diff(e: Estimate | dict | None) -> str:
    if e is None:
        return "–"
    d = e if isinstance(e, dict) else e.to_dict()
    return f"{d['value']:+.4f} [{d['low']:+.4f}, {d['high']:+.4f}]"


def _context(comparison: Comparison, *, figures: bool) -> dict:
    ctx = {"c": comparison, "d": comparison.to_dict(), "verdict": comparison.verdict()}
    if figures:
        ctx["fig_metrics"] = _png(figure_metrics(comparison)) if comparison.metrics else None
        ctx["fig_projection"] = _png(figure_projection(comparison))
    return ctx


def render_html(comparison: Comparison) -> str:
    """The self-contained HTML report (figures inlined as PNG data, no network)."""
    return _env().get_template("report.html.j2").render(**_context(comparison, figures=True))


def render_markdown(comparison: Comparison) -> str:
    """The same numbers as Markdown (figures are in the HTML report)."""
    return _env().get_template("report.md.j2").render(**_context(comparison, figures=False))


def write_report(
    comparison: Comparison,
    html: str | os.PathLike,
    *,
    markdown: str | os.PathLike | None = None,
    json_path: str | os.PathLike | None = None,
) -> dict[str, Path]:
    """Write the HTML report (and optionally Markdown and JSON); returns the paths written."""
    from .io import _atomic_write
    from .jsonsafe import dumps

    out = {}
    for kind, path, text in [
        ("html", html, lambda: render_html(comparison)),
        ("markdown", markdown, lambda: render_markdown(comparison)),
        ("json", json_path, lambda: dumps(comparison.to_dict(), indent=1)),
    ]:
        if path is None:
            continue
        with _atomic_write(Path(path)) as f:
            f.write(text().encode("utf-8"))
        out[kind] = Path(path)
    return out
