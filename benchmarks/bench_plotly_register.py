"""What plotly.js's registration of its trace types costs while it loads, in headless Chromium.

    python benchmarks/bench_plotly_register.py --repeat 5

Builds bare pages (plotly.js and one ``scattergl`` trace of 100,000 random points, nothing else) with the
installed bundle: as plotly ships it (every type registered), registering only scattergl and scatter3d,
and registering only scattergl (the register call rewritten as ``embedkit.viz.plotlyjs`` finds it). Loads
them in turn ``--repeat`` times and reads, from navigation start, when plotly.js has run and when the
points are drawn (``newPlot`` and two frames). Which factory is which type is read in the browser. Writes
``benchmarks/results/plotly_register_<date>.json``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import SCRATCH, finish_record, new_record, record_path, write_record

CHROMIUM = os.environ.get("EMBEDKIT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--enable-unsafe-swiftshader"]
DRAW = (
    "window.T1=performance.now();var n=100000,x=new Float32Array(n),y=new Float32Array(n);"
    "for(var i=0;i<n;i++){x[i]=Math.random();y[i]=Math.random()}"
    'Plotly.newPlot("plot",[{type:"scattergl",mode:"markers",x:x,y:y}]).then(()=>'
    "requestAnimationFrame(()=>requestAnimationFrame(()=>{window.T2=performance.now()})))"
)


def page(bundle: str) -> str:
    return (
        '<html><body><div id="plot" style="width:900px;height:600px"></div>'
        f"<script>window.T0=performance.now()</script><script>{bundle}</script><script>{DRAW}</script></body></html>"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    from plotly.offline import get_plotlyjs

    from embedkit.viz.plotlyjs import register_call

    whole = get_plotlyjs()
    found = register_call(whole)
    if found is None:
        sys.exit("bench_plotly_register: the installed plotly.js has no register([...]) call of factories")
    factories = re.findall(r"([\w$]+)\(\)", found.group(1))

    def registering(names: list[str]) -> str:
        return whole[: found.start()] + "[" + ",".join(f"{n}()" for n in names) + "]" + whole[found.end() :]

    record = new_record("plotly-register", repeat=args.repeat)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        names_page = SCRATCH / "plotly_names.html"
        names_page.write_text(
            "<html><body><script>"
            + whole[: found.start()]
            + "(window.REG=["
            + found.group(1)
            + "])"
            + whole[found.end() :]
            + "</script></body></html>",
            encoding="utf-8",
        )
        tab = browser.new_page()
        tab.goto(names_page.as_uri())
        types = dict(zip(factories, tab.evaluate("window.REG.map(m => m.name)")))
        tab.close()
        by_type = {t: f for f, t in types.items()}
        pages = {
            "every type (as shipped)": whole,
            "scattergl and scatter3d": registering([by_type["scattergl"], by_type["scatter3d"]]),
            "scattergl only": registering([by_type["scattergl"]]),
        }
        paths = {}
        for j, (label, bundle) in enumerate(pages.items()):
            paths[label] = SCRATCH / f"plotly_register_{j}.html"
            paths[label].write_text(page(bundle), encoding="utf-8")
        runs: dict[str, list[dict]] = {label: [] for label in pages}
        for _ in range(args.repeat):
            for label, path in paths.items():
                tab = browser.new_page(viewport={"width": 1300, "height": 850})
                tab.goto(path.as_uri())
                tab.wait_for_function("window.T2 !== undefined", timeout=120_000)
                t = tab.evaluate("[window.T0, window.T1, window.T2]")
                runs[label].append({"script_ms": round(t[1] - t[0], 1), "drawn_ms": round(t[2], 1)})
                tab.close()
                time.sleep(1)
        version = browser.version
        browser.close()
    record["browser"] = f"{CHROMIUM} {version} headless, " + " ".join(ARGS)
    record["factories"] = len(factories)
    record["types"] = sorted(types.values())
    record["pages"] = {}
    for label, rows in runs.items():
        script = statistics.median(r["script_ms"] for r in rows)
        drawn = statistics.median(r["drawn_ms"] for r in rows)
        record["pages"][label] = {"median_script_ms": script, "median_drawn_ms": drawn, "runs": rows}
        print(f"{label:26s} plotly.js run by {script:6.0f} ms, points drawn by {drawn:6.0f} ms", flush=True)
    finish_record(record)
    out = record_path("plotly_register", args.out)
    write_record(out, record)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
