"""Comparison reports: the numbers, the three renderings, and the page in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from numpy.testing import assert_allclose

import embedkit
from embedkit.compare import compare, render_html, render_markdown, write_report


@pytest.fixture(scope="module")
def pair(glove):
    """The default vectors restricted to 20,000 words, and a randomly rotated copy."""
    base = glove.most_frequent(20000)
    q, _ = np.linalg.qr(np.random.default_rng(7).standard_normal((50, 50)))
    return base, base.with_matrix(base.matrix @ q.astype(np.float32)), q


@pytest.fixture(scope="module")
def google_sample(tmp_path_factory):
    """The first 100 questions of each of the 14 sections of the Google analogy set (1,400 questions)."""
    from embedkit.evaluation.benchmark_files import read_analogies

    lines = []
    for sec in read_analogies("google").sections:
        lines.append(f": {sec.name}")
        lines += [" ".join(q) for q in sec.questions[:100]]
    path = tmp_path_factory.mktemp("bench") / "google-sample.txt"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def compared(pair, data_dir, google_sample):
    """A comparison of three sets, and the lines its progress wrote to a log (a line at every step)."""
    import contextlib
    import io

    from embedkit import progress

    base, rotated, _ = pair
    noisy = base.with_matrix(
        base.matrix + np.random.default_rng(1).normal(0, 0.3, base.matrix.shape).astype(np.float32)
    )
    log = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stderr(log):
        mp.setattr(progress, "LOG_INTERVAL", 0.0)
        result = compare(
            [base, rotated, noisy],
            names=["glove", "rotated", "noisy"],
            benchmarks=(google_sample, "wordsim353"),
            downstream=("cr",),
            data_dir=data_dir,
            folds=3,
            n_boot=200,
            progress=True,
        )
    return result, log.getvalue().splitlines()


@pytest.fixture(scope="module")
def comparison(compared):
    return compared[0]


def test_progress_counts_steps_inside_the_stages(compared, google_sample):
    """Check that the comparison's progress on a log names each stage and counts the steps inside it (a set per benchmark and method, a pair, an alignment, a fold, a WEAT test) out of the total."""
    _, lines = compared
    assert all(re.fullmatch(r"compare: .+: \d+/35 \(\d+%\), \d\d:\d\d", line) for line in lines), lines
    shown = [re.sub(r"/35 \(\d+%\), \d\d:\d\d$", "", line).removeprefix("compare: ") for line in lines]
    stages = [
        ("sizes", [1]),
        (f"benchmark {google_sample}", [1, 2, 3, 4, 5, 6, 7]),  # 3 sets x 2 methods
        ("benchmark wordsim353", [7, 8, 9, 10]),
        ("neighbour overlap", [10, 11, 12, 13]),  # 3 pairs
        ("alignment", [13, 14, 15]),
        ("projection", [15, 16]),
        ("downstream cr", list(range(16, 26))),  # 3 sets x 3 folds
        ("bias", list(range(25, 36))),  # Caliskan's ten tests, each on every set
    ]
    assert shown == [f"{stage}: {n}" for stage, counts in stages for n in counts]


def test_comparison_numbers(comparison):
    """Check the comparison's structure: sets, overlaps per pair, alignments to the first, probe rows."""
    assert [s.name for s in comparison.sets] == ["glove", "rotated", "noisy"]
    assert [s.count for s in comparison.sets] == [20000] * 3
    assert [(o.a, o.b) for o in comparison.overlaps] == [("glove", "rotated"), ("glove", "noisy"), ("rotated", "noisy")]
    assert comparison.overlaps[0].mean_jaccard == 1.0
    assert comparison.overlaps[1].mean_jaccard < 0.6
    assert comparison.alignments[0].mean_cosine == pytest.approx(1.0, abs=1e-5)
    assert 0.8 < comparison.alignments[1].mean_cosine < 0.95
    cr = next(m for m in comparison.metrics if m.benchmark == "cr")
    assert cr.items == 3775
    # A rotation does not change what a linear probe can learn: identical predictions, zero difference.
    assert cr.values[0].value == pytest.approx(cr.values[1].value, abs=1e-3)
    assert cr.differences[0] is None
    for e in cr.values:
        assert e.low <= e.value <= e.high
    rows = {m.benchmark.rsplit("/", 1)[-1] + " / " + m.metric: m for m in comparison.metrics}
    assert list(rows) == [
        "google-sample.txt (3cosadd) / accuracy, 20,000 shared candidates (restrict 30,000)",
        "google-sample.txt (3cosmul) / accuracy, 20,000 shared candidates (restrict 30,000)",
        "wordsim353 / Spearman correlation",
        "wordsim353 / Pearson correlation",
        "cr / 3-fold CV accuracy, mean-vector logistic regression",
    ]
    add = rows["google-sample.txt (3cosadd) / accuracy, 20,000 shared candidates (restrict 30,000)"]
    assert add.values[1].value == add.values[0].value  # a rotation answers every question the same way
    assert (add.differences[1].low, add.differences[1].high) == (0.0, 0.0)
    assert add.differences[2].high < 0 and add.best == 0 and not add.decisive  # noise hurts; glove ties rotated
    cov = comparison.sets[0].coverage
    sample = comparison.settings["benchmarks"][0]
    assert cov[sample]["total"] == 1400 and cov["wordsim353"]["total"] == 353
    assert add.items == cov[sample]["covered"] == comparison.sets[2].coverage[sample]["covered"]
    spear = rows["wordsim353 / Spearman correlation"]
    assert spear.items == cov["wordsim353"]["covered"]
    proj = comparison.projection
    base = comparison_base(comparison)
    assert proj["words"] == [w for w in embedkit.compare.DEFAULT_PROBES if w in base]
    assert_allclose(proj["coordinates"]["glove"], proj["coordinates"]["rotated"], atol=1e-4)


def comparison_base(comparison):
    return embedkit.load().most_frequent(comparison.sets[0].count)


def _numbers(d) -> list[float]:
    out = []
    if isinstance(d, dict):
        for k, v in d.items():
            if k in (
                "seed",
                "n_boot",
                "restrict",
                "k",
                "overlap_words",
                "folds",
                "best",
                "dim",
                "count",
                "matrix_bytes",
                "words",
                "items",
                "vocabulary",
                "coordinates",
            ):
                continue
            out += _numbers(v)
    elif isinstance(d, list):
        for v in d:
            out += _numbers(v)
    elif isinstance(d, float):
        out.append(d)
    return out


def test_html_markdown_json_agree(comparison, tmp_path):
    """Check that every score in the JSON appears, with the same 4 decimals, in the HTML and the Markdown."""
    paths = write_report(comparison, tmp_path / "r.html", markdown=tmp_path / "r.md", json_path=tmp_path / "r.json")
    data = json.loads(paths["json"].read_text())
    html, md = paths["html"].read_text(), paths["markdown"].read_text()
    scores = _numbers({k: data[k] for k in ("metrics", "neighbor_overlap", "alignment", "verdict")})
    assert len(scores) > 40
    for x in scores:
        s = f"{x:.4f}"
        assert s in html or f"{x:+.4f}" in html, s
        assert s in md or f"{x:+.4f}" in md, s
    assert html.count("<img") == 2 and "data:image/png;base64," in html
    assert "http://" not in html and "https://" not in html  # self-contained, no network
    assert md.startswith("# Embedding comparison: glove vs rotated vs noisy")
    assert render_markdown(comparison) == md


BROWSER_CHECK = """
<script>
window.addEventListener('load', () => {
  const imgs = Array.from(document.images);
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  const out = document.createElement('pre');
  out.id = 'embedkit-browser-check';
  out.textContent = 'IMAGES=' + imgs.length + ' BROKEN=' + broken + ' WIDTH=' + document.body.scrollWidth;
  document.body.appendChild(out);
});
</script>
"""


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_report_renders_in_headless_chromium(comparison, tmp_path):
    """Check in a real browser that the page loads, has no broken images, and its screenshot is not blank."""
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium here: .ci/run installs Debian's chromium package for this test")
    page = tmp_path / "report.html"
    page.write_text(render_html(comparison))
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", BROWSER_CHECK + "</body>"))
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--virtual-time-budget=5000",
        "--window-size=1280,1800",
    ]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", probe.as_uri()], check=False, capture_output=True, text=True, timeout=120
    )
    m = re.search(r"IMAGES=(\d+) BROKEN=(\d+) WIDTH=(\d+)", dom.stdout)
    assert m, dom.stderr[-2000:]
    assert (int(m.group(1)), int(m.group(2))) == (2, 0)
    assert int(m.group(3)) <= 1280  # readable on a laptop screen: no horizontal overflow
    shot = tmp_path / "shot.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True
    )
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)[..., :3]
    assert img.shape[:2] == (1800, 1280)
    non_white = (img < 0.9).any(axis=2).mean()
    assert 0.03 < non_white < 0.9  # text, tables and figures, not an empty or solid page


def _strict(text: str):
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_subset_never_wins_and_json_is_strict(glove, google_sample, tmp_path, capsys):
    """Check that GloVe's own first 5,000 words do not beat GloVe on analogies (both search the same 5,000
    candidates, so every common question gets the same answer), that the report says how many candidates,
    that `--json` alone prints strict JSON on stdout (null, never NaN) and `--json FILE` still writes FILE."""
    from embedkit.cli import main

    small = tmp_path / "small.ekv"
    embedkit.save(glove.most_frequent(5000), small)
    const = tmp_path / "const.txt"  # equal human scores: the correlations are undefined (NaN)
    const.write_text("king queen 5\nman woman 5\ncat dog 5\nsun moon 5\n")
    argv = [
        "report",
        "glove-6b-50d",
        str(small),
        "-o",
        str(tmp_path / "r.html"),
        "--benchmarks",
        google_sample,
        str(const),
        "--no-downstream",
        "--quiet",
    ]
    assert main([*argv, "--json"]) == 0
    d = _strict(capsys.readouterr().out)
    assert d["settings"]["analogy_candidates"] == 5000 and d["written"] == {"html": str(tmp_path / "r.html")}
    rows = [m for m in d["metrics"] if m["group"] == "analogy"]
    assert [m["metric"] for m in rows] == ["accuracy, 5,000 shared candidates (restrict 30,000)"] * 2
    for m in rows:
        full, sub = (v["value"] for v in m["values"])
        assert full == sub and not m["decisive"] and m["differences"][1] == {"value": 0.0, "low": 0.0, "high": 0.0}
    nan_rows = [m for m in d["metrics"] if m["benchmark"] == str(const)]
    assert nan_rows and all(v["value"] is None for m in nan_rows for v in m["values"])
    html = (tmp_path / "r.html").read_text()
    assert "analogy answers are searched among the same 5,000 words in every set" in html
    assert main([*argv, "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "analogy answers searched among the 5,000 words every set has among its 30,000 most frequent" in out
    assert _strict((tmp_path / "r.json").read_text())["settings"]["analogy_candidates"] == 5000
