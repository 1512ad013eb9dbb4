"""The explorer page in headless Chromium: page size, first render, search, neighbours, analogy, zoom, pan.

    python benchmarks/bench_explorer.py                    # 100,000 and 400,000 words, plus the candidates
    python benchmarks/bench_explorer.py --sizes 100000 --no-candidates
    python benchmarks/bench_explorer.py --sizes 100000 --no-candidates --page before old.html   # before/after
    python benchmarks/bench_explorer.py --tools --methods pca umap --3d   # the second round's operations

For each size it builds the page of the N most frequent words of the default vectors (PCA), opens it
from file:// ``--repeat`` times in a fresh page and reads the times the page measures itself
(``performance.now()`` from navigation start; ``window.embedkitExplorer.timings``), then times, inside
the page, a search for 'frog', its 10 neighbours, the analogy man:king::woman:? and a zoom and a pan
(the Plotly promise plus two animation frames). Unless ``--no-whole``, the same page with plotly.js as plotly
ships it (registering every trace type while it loads, as the page did before issue 27) is measured in the
same run, the two pages' loads taken in turn, with the ratio of their ready times; then each page's first
3-D view in a fresh load. ``--candidates`` measures the two plotting libraries
considered, plotly's scattergl and bokeh's WebGL scatter, on the same 100,000 points with hover text
and nothing else. ``--tools`` builds one page of ``--sizes`` words with ``--methods`` (t-SNE and UMAP on
the first 20,000 words), a metadata file of two columns (initial, length) and, with ``--3d``, the 3-D fits,
and times the second round's operations in it: search with the map fitted, a metadata search, the 3-D
toggle (first and again), each projection switch (first and again), isolating 5,000 words, re-projecting
them and showing all again. Writes a dated JSON record (default ``benchmarks/results/explorer_<date>.json``,
``explorer_tools_<date>.json`` with ``--tools``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import ROOT, SCRATCH

CHROMIUM = os.environ.get("EMBEDKIT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--enable-unsafe-swiftshader"]  # WebGL without a GPU (headless)
# After a load and its operations, the browser's processes finish drawing and tear the page down; the
# next load waits for them, as a reader's first load does not share the machine with a page just closed.
SETTLE_S = float(os.environ.get("EMBEDKIT_BENCH_SETTLE_S", "2"))

IN_PAGE = """async () => {
  const api = window.embedkitExplorer, gd = document.getElementById('plot');
  const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const t = (f) => { const s = performance.now(); f(); return performance.now() - s; };
  const out = {};
  out.search_ms = t(() => api.search('frog'));
  out.search_again_ms = t(() => api.search('toad'));
  out.neighbors_ms = t(() => api.neighbors('frog', 10));
  out.analogy_ms = api.embedded ? t(() => api.analogy('man', 'king', 'woman', 10)) : null;
  await frames();
  let s = performance.now();
  const xr = gd.layout.xaxis.range.slice(), yr = gd.layout.yaxis.range.slice();
  await Plotly.relayout(gd, {'xaxis.range': [xr[0] - 20 * (xr[1] - xr[0]), xr[1] + 20 * (xr[1] - xr[0])],
                             'yaxis.range': [yr[0] - 20 * (yr[1] - yr[0]), yr[1] + 20 * (yr[1] - yr[0])]});
  await frames(); out.zoom_ms = performance.now() - s;
  const w = gd.layout.xaxis.range[1] - gd.layout.xaxis.range[0];
  s = performance.now();
  await Plotly.relayout(gd, {'xaxis.range': [gd.layout.xaxis.range[0] + 0.1 * w, gd.layout.xaxis.range[1] + 0.1 * w]});
  await frames(); out.pan_ms = performance.now() - s;
  return out;
}"""


TOOLS_IN_PAGE = """async () => {
  const api = window.embedkitExplorer;
  const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const out = {};
  // A call, until the map has caught up with it and two frames are drawn; null where the page cannot.
  const timed = async (key, f) => {
    try { const s = performance.now(); await f(); await api.settled(); await frames(); out[key] = Math.round(performance.now() - s); }
    catch (e) { out[key] = null; }
  };
  const answer = (key, f) => { try { const s = performance.now(); f(); out[key] = performance.now() - s; } catch (e) { out[key] = null; } };
  answer('search_answer_ms', () => api.search('frog'));
  await api.settled(); await frames();
  await timed('search_fitted_ms', () => api.search('toad'));
  answer('metadata_search_answer_ms', () => api.search('initial:q', 100));
  await api.settled(); await frames();
  await timed('metadata_search_fitted_ms', () => api.search('initial:z', 100));
  await timed('select_frog_ms', () => api.search('frog'));
  await timed('d3_on_first_ms', () => api.set3d(true));
  await timed('d3_off_ms', () => api.set3d(false));
  await timed('d3_on_again_ms', () => api.set3d(true));
  await timed('d3_search_in_3d_ms', () => api.search('toad'));
  await timed('d3_off_again_ms', () => api.set3d(false));
  const names = api.view().projections.filter(n => n !== 'pca');
  for (const n of names) {
    await timed('to_' + n + '_first_ms', () => api.setProjection(n));
    await timed(n + '_d3_on_first_ms', () => api.set3d(true));
    await timed(n + '_d3_off_ms', () => api.set3d(false));
    await timed('back_to_pca_from_' + n + '_first_ms', () => api.setProjection('pca'));
  }
  for (const n of names) {
    await timed('to_' + n + '_again_ms', () => api.setProjection(n));
    await timed('back_to_pca_from_' + n + '_again_ms', () => api.setProjection('pca'));
  }
  await timed('isolate_5000_ms', () => api.isolate(api.words.slice(0, 5000)));
  await timed('reproject_5000_ms', () => api.reproject());
  await timed('show_all_ms', () => api.showAll());
  return out;
}"""


class _Templates:
    """Stands in for ``importlib.resources`` in the explorer module: another commit's page templates."""

    def __init__(self, commit: str) -> None:
        import subprocess

        def show(name: str) -> str:
            cmd = ["git", "-C", str(ROOT), "show", f"{commit}:embedkit/viz/templates/{name}"]
            return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

        self.texts = {f"templates/{n}": show(n) for n in ("explorer.html", "explorer.js")}
        self.name = ""

    def files(self, package: str) -> _Templates:
        return self

    def joinpath(self, name: str) -> _Templates:
        self.name = name
        return self

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.texts[self.name]


def measure_tools_page(browser, path: Path, repeat: int) -> dict:
    """A page's ready time (``repeat`` loads), then its operations (once, in a fresh load)."""
    loads = []
    for _ in range(repeat):
        page = browser.new_page(viewport={"width": 1300, "height": 850})
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=300_000)
        loads.append(page.evaluate("window.embedkitExplorer.timings"))
        page.close()
    page = browser.new_page(viewport={"width": 1300, "height": 850})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=300_000)
    ops = page.evaluate(TOOLS_IN_PAGE)
    page.close()
    return {
        "page_bytes": path.stat().st_size,
        "ready_ms": [round(t["ready_ms"]) for t in loads],
        "first_render_ms": [round(t["first_render_ms"]) for t in loads],
        "script_start_ms": [round(t["script_start_ms"]) for t in loads],
        "operations": ops,
        "errors": errors,
    }


def measure_tools(browser, n: int, methods: list[str], three_d: bool, repeat: int, baseline: str | None) -> dict:
    """The second round's page (and the same page drawn by the ``baseline`` commit's templates, measured
    in turn in the same run): build, size, ready time and operations."""
    import embedkit
    from embedkit.viz import explorer as module

    v = embedkit.load()
    meta = SCRATCH / "tools_metadata.tsv"
    rows = "".join(f"{w}\t{w[0]}\t{len(w)}\n" for w in v.keys[:n])
    meta.write_text("word\tinitial\tlength\n" + rows, encoding="utf-8")
    t = time.perf_counter()
    ex = module.explore(v, n, method=methods, metadata=meta, three_d=three_d)  # type: ignore[arg-type]
    build_s = time.perf_counter() - t
    pages = {"this": ex.save(SCRATCH / f"explore_tools_{n}.html")}
    if baseline:
        real = module.resources
        module.resources = _Templates(baseline)  # type: ignore[assignment]
        try:
            pages[baseline] = ex.save(SCRATCH / f"explore_tools_{n}_{baseline}.html")
        finally:
            module.resources = real
    out = {
        "words": len(ex),
        "methods": ex.to_dict()["methods"],
        "fits3d": ex.to_dict()["fits3d"],
        "build_s": round(build_s, 1),
    }
    for label, path in pages.items():
        out[label] = measure_tools_page(browser, path, repeat)
        print(label, out[label], flush=True)
    return out


def _median(rows: list[dict], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return round(statistics.median(vals), 1) if vals else None


def measure_explorer(browser, n: int, repeat: int, whole: bool) -> dict:
    """The page of the ``n`` most frequent words; with ``whole``, the same page with plotly.js registering
    every trace type while it loads (the bundle as plotly ships it, as before issue 27), loads alternating."""
    import embedkit
    from embedkit.viz import explorer as module

    t = time.perf_counter()
    ex = module.explore(embedkit.load(), n)
    build_s = time.perf_counter() - t
    pages = {"this": ex.save(SCRATCH / f"explore_{n}.html")}
    if whole:
        real = module.deferred
        module.deferred = lambda bundle: bundle  # type: ignore[assignment]
        try:
            pages["whole plotly.js"] = ex.save(SCRATCH / f"explore_{n}_whole.html")
        finally:
            module.deferred = real
    measured = measure_pages(browser, pages, repeat)
    out = {
        "words": len(ex),
        "embedded": ex.embedded,
        "neighbor_index": None if ex.embedded else ex.index,
        "build_s": round(build_s, 2),
        **measured.pop("this"),
    }
    if whole:
        out["whole_plotly"] = measured.pop("whole plotly.js")
        ratio = out["whole_plotly"]["median_ready_ms"] / out["median_ready_ms"]
        out["ready_ratio_whole_over_this"] = round(ratio, 2)
        print(
            f"{n} words: ready {out['median_ready_ms']:.0f} ms, with the whole plotly.js "
            f"{out['whole_plotly']['median_ready_ms']:.0f} ms ({ratio:.2f}x)",
            flush=True,
        )
    return out


def measure_pages(browser, pages: dict[str, Path], repeat: int) -> dict[str, dict]:
    """:func:`measure_page` of each page, their loads taken in turn (so a change of load hits each alike),
    then each page's first 3-D view in a fresh load."""
    runs: dict[str, list] = {label: [] for label in pages}
    for _ in range(repeat):
        for label, path in pages.items():
            runs[label].append(measure_page(browser, path, 1)["runs"][0])
    out = {}
    for label, path in pages.items():
        out[label] = summary(path, runs[label])
        out[label]["d3_first_ms"] = first_3d(browser, path)
    return out


def first_3d(browser, path: Path) -> float:
    """The first 3-D view of a fresh load: ``set3d(true)`` until its scene is drawn (two frames)."""
    page = browser.new_page(viewport={"width": 1300, "height": 850})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=300_000)
    ms = page.evaluate(
        """async () => { const api = window.embedkitExplorer, s = performance.now();
        await api.set3d(true); await api.settled();
        await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        return performance.now() - s; }"""
    )
    page.close()
    time.sleep(SETTLE_S)
    if errors:
        raise RuntimeError(f"{path.name}: the 3-D view raised {errors[0]}")
    return round(ms)


def measure_page(browser, path: Path, repeat: int) -> dict:
    """Open the page ``repeat`` times in a fresh tab: its own timings, then the in-page operations."""
    runs = []
    for _ in range(repeat):
        page = browser.new_page(viewport={"width": 1300, "height": 850})
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        t = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=300_000)
        wall = time.perf_counter() - t
        run = {**page.evaluate("window.embedkitExplorer.timings"), "wall_s": wall}
        run.update(page.evaluate(IN_PAGE))
        run["errors"] = errors
        runs.append(run)
        page.close()
        time.sleep(SETTLE_S)
    return summary(path, runs)


KEYS = [
    "first_render_ms",
    "ready_ms",
    "script_start_ms",
    "decode_ms",
    "search_ms",
    "search_again_ms",
    "neighbors_ms",
    "analogy_ms",
]


def summary(path: Path, runs: list[dict]) -> dict:
    """A page's size, the medians of its loads' timings and operations, and the loads themselves."""
    return {
        "page_bytes": path.stat().st_size,
        **{f"median_{k}": _median(runs, k) for k in [*KEYS, "zoom_ms", "pan_ms"]},
        "runs": runs,
    }


def candidate_pages(n: int) -> dict[str, Path]:
    """Minimal pages of n points with hover text: plotly scattergl and bokeh WebGL."""
    import numpy as np

    import embedkit

    words = embedkit.load().keys[:n]
    xy = np.random.default_rng(0).normal(size=(n, 2)).astype(np.float32)
    pages = {}
    import plotly.graph_objects as go

    fig = go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers", hovertext=list(words), hoverinfo="text"))
    p = SCRATCH / "candidate_plotly.html"
    fig.write_html(p, include_plotlyjs=True, full_html=True, post_script="window.READY = performance.now();")
    pages["plotly scattergl"] = p
    try:
        from bokeh.embed import file_html
        from bokeh.models import ColumnDataSource, HoverTool
        from bokeh.plotting import figure
        from bokeh.resources import INLINE
    except ImportError:
        return pages
    src = ColumnDataSource({"x": xy[:, 0], "y": xy[:, 1], "word": list(words)})
    f = figure(output_backend="webgl", width=1000, height=800, tools="pan,wheel_zoom,box_select,lasso_select,reset")
    f.scatter("x", "y", source=src, size=3)
    f.add_tools(HoverTool(tooltips=[("word", "@word")]))
    text = file_html(f, INLINE, "bokeh")
    # Bokeh renders asynchronously after the document is built: mark the first idle frame after it.
    text = text.replace(
        "</body>",
        "<script>(function w(){const v=document.querySelector('.bk-Figure, div.bk-root, [data-root-id]');"
        "if(v&&window.Bokeh&&Bokeh.documents.length){requestAnimationFrame(()=>requestAnimationFrame(()=>"
        "window.READY=performance.now()))}else setTimeout(w,5)})()</script></body>",
    )
    p = SCRATCH / "candidate_bokeh.html"
    p.write_text(text, encoding="utf-8")
    pages["bokeh webgl"] = p
    return pages


def measure_candidates(browser, n: int, repeat: int) -> dict:
    out = {}
    for name, path in candidate_pages(n).items():
        times = []
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1300, "height": 850})
            page.goto(path.as_uri())
            page.wait_for_function("window.READY", timeout=120_000)
            times.append(page.evaluate("window.READY"))
            page.close()
        out[name] = {"points": n, "page_bytes": path.stat().st_size, "median_first_render_ms": statistics.median(times)}
    return out


def measure_rounding(n: int = 100_000) -> dict:
    """How often float16 rows (as the page holds them) change the top answer of a Google analogy question,
    both words sets being the n most frequent words; questions with a word outside them are skipped."""
    import numpy as np

    import embedkit
    from embedkit.evaluation.benchmark_files import read_analogies

    top = embedkit.load().most_frequent(n)
    rounded = embedkit.Vectors(top.keys, np.asarray(top.matrix, dtype=np.float16))
    index = top.index
    every = [tuple(w.lower() for w in q) for sec in read_analogies("google").sections for q in sec.questions]
    qs = [q for q in every if all(w in index for w in q)]
    abc = [q[:3] for q in qs]
    a32 = [r.words[0] for r in embedkit.analogy_many(top, abc)]
    a16 = [r.words[0] for r in embedkit.analogy_many(rounded, abc)]
    changed = sum(x != y for x, y in zip(a32, a16))
    return {"words": n, "questions": len(qs), "top1_changed": changed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 400_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-candidates", action="store_true")
    ap.add_argument(
        "--no-whole", action="store_true", help="skip the same page with the whole plotly.js (as plotly ships it)"
    )
    ap.add_argument(
        "--page",
        nargs=2,
        action="append",
        default=[],
        metavar=("LABEL", "HTML"),
        help="also measure a page already written (e.g. one built by an earlier version), in the same run",
    )
    ap.add_argument("--tools", action="store_true", help="the second round's operations (one page per size)")
    ap.add_argument("--methods", nargs="+", default=["pca", "umap", "tsne"], help="with --tools: the page's methods")
    ap.add_argument("--3d", dest="three_d", action="store_true", help="with --tools: fit t-SNE and UMAP in 3-D too")
    ap.add_argument(
        "--baseline", default=None, metavar="COMMIT", help="with --tools: also the page of COMMIT's templates"
    )
    ap.add_argument("--rounding-only", action="store_true", help="only count the answers float16 rows change")
    ap.add_argument("--out", default=None, help="JSON record (default benchmarks/results/explorer_<date>.json)")
    args = ap.parse_args()
    if args.rounding_only:
        rec = {"benchmark": "explorer-rounding", "date": datetime.date.today().isoformat(), **measure_rounding()}
        out = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / f"explorer_rounding_{rec['date']}.json"
        out.write_text(json.dumps(rec, indent=1) + "\n", encoding="utf-8")
        print(rec, f"wrote {out}")
        return
    from playwright.sync_api import sync_playwright

    SCRATCH.mkdir(parents=True, exist_ok=True)
    today = datetime.date.today().isoformat()
    record = {
        "benchmark": "explorer",
        "date": today,
        "command": "python " + " ".join(sys.argv),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_avg": os.getloadavg()},
        "browser": CHROMIUM + " headless, " + " ".join(ARGS),
        "explorer": [],
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        record["browser_version"] = browser.version
        for label, html in args.page:
            rec = {"label": label, "path": html, **measure_page(browser, Path(html), args.repeat)}
            record.setdefault("pages", []).append(rec)
            print({k: v for k, v in rec.items() if k != "runs"}, flush=True)
        for n in args.sizes if args.tools else []:
            rec = measure_tools(browser, n, args.methods, args.three_d, args.repeat, args.baseline)
            record.setdefault("tools", []).append(rec)
            print(rec, flush=True)
        for n in [] if args.tools else args.sizes:
            rec = measure_explorer(browser, n, args.repeat, not args.no_whole)
            record["explorer"].append(rec)
            print({k: v for k, v in rec.items() if k not in ("runs", "whole_plotly")}, flush=True)
        if not args.no_candidates and not args.tools:
            record["candidates"] = measure_candidates(browser, 100_000, args.repeat)
            print(record["candidates"], flush=True)
        browser.close()
    name = f"explorer_tools_{today}.json" if args.tools else f"explorer_{today}.json"
    out = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / name
    out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
