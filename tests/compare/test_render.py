"""The report's verdicts as people read them: the HTML table (cells and shading), the Markdown column and
the terminal lines must say what the intervals say; the templates render strictly."""

from __future__ import annotations

import contextlib
import io
import json
import re
from html.parser import HTMLParser

import jinja2
import numpy as np
import pytest

import embedkit
from embedkit.cli import main
from embedkit.compare import Comparison, Estimate, render_html, render_markdown
from embedkit.compare.model import SetInfo, make_row
from embedkit.compare.page import build_page
from embedkit.compare.render import environment, render_page
from embedkit.evaluation.benchmark_files import read_similarity

INTERVAL = re.compile(r"^([+-]\d\.\d{4}) \[([+-]\d\.\d{4}), ([+-]\d\.\d{4})\]$")


class _Rows(HTMLParser):
    """The rows of the first table after ``<h2 id="verdict">``: (tr class, [(td class, text), ...])."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str | None, list[tuple[str | None, str]]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append((dict(attrs).get("class"), []))
        elif tag == "td":
            self.rows[-1][1].append((dict(attrs).get("class"), ""))
            self.cell = []

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            cls, _ = self.rows[-1][1][-1]
            self.rows[-1][1][-1] = (cls, "".join(self.cell).strip())
            self.cell = None


def html_verdicts(html: str) -> list[tuple[str | None, list[tuple[str | None, str]]]]:
    """The verdict table's data rows (the header row has no cells)."""
    start = html.index('<h2 id="verdict">')
    parser = _Rows()
    parser.feed(html[start : html.index("</table>", start)])
    return [r for r in parser.rows if r[1]]


def markdown_verdicts(md: str) -> list[list[str]]:
    """The cells of the Markdown verdict table's data rows."""
    section = md.split("## Verdict\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    return [line.strip("| ").split(" | ") for line in lines[1:]]  # lines[0] is the header


def terminal_verdicts(out: str) -> list[tuple[str, str, str, str]]:
    """(benchmark, metric, winner, "clear" or "within noise") from `embedkit report`'s stdout."""
    return re.findall(r"^(\S+) +(.+?) +winner (\S+) \((clear|within noise)\)$", out, flags=re.MULTILINE)


def excludes_zero(text: str) -> bool:
    """Whether a printed paired difference ``+0.0143 [-0.0323, +0.0645]`` has an interval without 0."""
    m = INTERVAL.match(text)
    assert m, text
    value, low, high = (float(g) for g in m.groups())
    assert low <= value <= high
    return low > 0 or high < 0


def check_renderings(html: str, md: str) -> list[bool]:
    """Assert that every HTML and Markdown verdict says what its interval says; return those verdicts."""
    rows, md_rows = html_verdicts(html), markdown_verdicts(md)
    assert len(rows) == len(md_rows) > 0
    verdicts = []
    for (tr_class, cells), md_cells in zip(rows, md_rows):
        classes, texts = [c for c, _ in cells], [t for _, t in cells]
        clear = excludes_zero(texts[4])
        assert tr_class == ("clear" if clear else "unclear"), texts  # the shading: tr.clear td.win is green
        assert classes[3] == "win"
        assert texts[5] == ("yes" if clear else "no: the interval includes 0"), texts
        assert md_cells[:5] == texts[:5]
        assert md_cells[5] == ("yes" if clear else "no"), md_cells
        verdicts.append(clear)
    return verdicts


# --------------------------------------------------------------------------------------------
# A comparison built from the model: intervals chosen by hand


def _comparison(diffs: list[Estimate]) -> Comparison:
    """Two sets, one similarity row per difference (set 1 minus set 0), set 0 scoring 0.5 everywhere."""
    rows = []
    for i, d in enumerate(diffs):
        values = [Estimate(0.5, 0.4, 0.6), Estimate(0.5 + d.value, 0.4 + d.value, 0.6 + d.value)]
        rows.append(make_row("similarity", f"bench{i}", "Spearman correlation", 100 + i, values, [None, d]))
    sets = [SetInfo(n, f"/data/{n}.vec", 1000, 50, 200000, {"bench0": {"covered": 90, "total": 100}}) for n in "ab"]
    words = ["king", "queen", "man", "woman"]
    coords = {n: [[float(i), float(i % 2)] for i in range(4)] for n in "ab"}
    settings = {"benchmarks": ["bench0"], "restrict": 30000, "analogy_candidates": None, "k": 10}
    settings |= {"n_boot": 1000, "seed": 0}
    return Comparison(sets, rows, {}, [], [], {"words": words, "coordinates": coords}, settings)


def test_verdicts_follow_the_intervals_of_a_built_comparison():
    """Check that a lead whose paired interval excludes 0 reads "yes" and is shaded as a win, and one whose
    interval includes 0 reads "no" and is not, in the HTML and the Markdown, whichever set wins."""
    diffs = [
        Estimate(0.05, 0.01, 0.09),  # b wins, clearly
        Estimate(0.05, -0.01, 0.11),  # b leads, within the noise
        Estimate(-0.05, -0.09, -0.01),  # a wins, clearly
        Estimate(-0.02, -0.06, 0.02),  # a leads, within the noise
        Estimate(0.0, 0.0, 0.0),  # a tie
    ]
    c = _comparison(diffs)
    html, md = render_html(c), render_markdown(c)
    assert check_renderings(html, md) == [True, False, True, False, False]
    assert [r[:4] + r[4:5] for r in markdown_verdicts(md)] == [
        ["bench0", "Spearman correlation", "100", "b", "+0.0500 [+0.0100, +0.0900]"],
        ["bench1", "Spearman correlation", "101", "b", "+0.0500 [-0.0100, +0.1100]"],
        ["bench2", "Spearman correlation", "102", "a", "+0.0500 [+0.0100, +0.0900]"],
        ["bench3", "Spearman correlation", "103", "a", "+0.0200 [-0.0200, +0.0600]"],
        ["bench4", "Spearman correlation", "104", "a", "+0.0000 [+0.0000, +0.0000]"],
    ]
    assert [v.clear for v in c.verdict()] == [True, False, True, False, False]
    assert [v["clear"] for v in c.to_dict()["verdict"]] == [True, False, True, False, False]


# --------------------------------------------------------------------------------------------
# `embedkit report` on real vectors: terminal, HTML, Markdown and JSON from one run


@pytest.fixture(scope="module")
def cli_report(glove, tmp_path_factory):
    """`embedkit report` on GloVe's 20,000 most frequent words against a copy whose words found only in
    SimLex-999 carry heavy noise (sd 1.0) and those found only in WordSim-353 light noise (sd 0.4):
    SimLex-999's leads are far outside the noise, WordSim-353's intervals straddle 0 by 0.03 or more.
    Returns (stdout, HTML, Markdown, JSON)."""
    tmp = tmp_path_factory.mktemp("verdicts")
    base = glove.most_frequent(20000)
    ws = {w for p in read_similarity("wordsim353").pairs for w in p}
    sl = {w for p in read_similarity("simlex999").pairs for w in p}
    rng = np.random.default_rng(0)
    M = base.matrix.copy()
    for words, sd in ((sl - ws, 1.0), (ws - sl, 0.4)):
        rows = base.indices([w for w in sorted(words) if w in base])
        M[rows] += rng.normal(0, sd, (len(rows), M.shape[1])).astype(np.float32)
    embedkit.save(base, tmp / "glove.ekv")
    embedkit.save(base.with_matrix(M), tmp / "perturbed.ekv")
    argv = ["report", str(tmp / "glove.ekv"), str(tmp / "perturbed.ekv"), "--names", "glove", "perturbed"]
    argv += ["--benchmarks", "wordsim353", "simlex999", "--no-downstream", "-o", str(tmp / "r.html")]
    argv += ["--markdown", str(tmp / "r.md"), "--json", str(tmp / "r.json"), "-q"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(argv) == 0, err.getvalue()
    return (
        out.getvalue(),
        *((tmp / f).read_text(encoding="utf-8") for f in ("r.html", "r.md")),
        json.loads((tmp / "r.json").read_text()),
    )


def test_report_verdicts_agree_with_intervals_and_terminal(cli_report):
    """Check that on real vectors the HTML, the Markdown, the terminal and the JSON give each benchmark the
    verdict its paired interval gives: WordSim-353 within the noise, SimLex-999 outside it."""
    out, html, md, data = cli_report
    verdicts = check_renderings(html, md)
    assert verdicts == [False, False, True, True]
    terminal = terminal_verdicts(out)
    md_rows = markdown_verdicts(md)
    assert [(b, m) for b, m, _, _ in terminal] == [
        ("wordsim353", "Spearman correlation"),
        ("wordsim353", "Pearson correlation"),
        ("simlex999", "Spearman correlation"),
        ("simlex999", "Pearson correlation"),
    ]
    assert [w for _, _, w, _ in terminal] == [r[3] for r in md_rows] == [v["winner"] for v in data["verdict"]]
    assert [t == "clear" for *_, t in terminal] == verdicts == [v["clear"] for v in data["verdict"]]
    assert [r[3] for r in md_rows[2:]] == ["glove", "glove"]  # noise on SimLex's words hurts the copy
    for v, r in zip(data["verdict"], md_rows):
        e = v["margin"]
        assert r[4] == f"{e['value']:+.4f} [{e['low']:+.4f}, {e['high']:+.4f}]"
    wordsim = [v["margin"] for v in data["verdict"][:2]]
    assert all(e["low"] < -0.03 and e["high"] > 0.03 for e in wordsim)


# --------------------------------------------------------------------------------------------
# Strict rendering


@pytest.fixture(scope="module")
def page():
    return build_page(_comparison([Estimate(0.05, -0.01, 0.11)]))


def test_template_reading_an_undefined_name_fails(page):
    """Check that a template using a name the page lacks raises, even where it is only tested (`is none`)."""
    env = environment()
    assert env.from_string("{{ page.seed }} {{ page.verdict[0].clear }}").render(page=page) == "0 False"
    with pytest.raises(
        jinja2.UndefinedError, match=r"^the report templates use 'verdict', which the page does not have$"
    ):
        env.from_string("{% for v in verdict %}{{ v.clear }}{% endfor %}").render(page=page)
    with pytest.raises(jinja2.UndefinedError, match=r"^the report templates use 'fig', which the page does not have$"):
        env.from_string("{% if fig is none %}no figure{% endif %}").render(page=page)
    with pytest.raises(
        jinja2.UndefinedError, match=r"^the report templates read Page.sead, which is not a dataclass field$"
    ):
        env.from_string("{{ page.sead }}").render(page=page)


def test_template_cannot_read_dict_keys_or_methods(page):
    """Check that `x.clear` on a dict (which Jinja resolves to dict.clear, always true), a dict key by
    subscript, and a method of a dataclass all fail instead of rendering."""
    env = environment()
    with pytest.raises(
        jinja2.UndefinedError, match=r"^the report templates read dict\.clear, which is not a dataclass field$"
    ):
        env.from_string("{{ 'yes' if v.clear else 'no' }}").render(v={"clear": False})
    with pytest.raises(
        jinja2.UndefinedError, match=r"^the report templates read dict\['clear'\]: only lists and tuples are indexed$"
    ):
        env.from_string("{{ v['clear'] }}").render(v={"clear": False})
    with pytest.raises(
        jinja2.UndefinedError, match=r"^the report templates read Verdict\.to_dict, which is not a dataclass field$"
    ):
        env.from_string("{{ page.verdict[0].to_dict }}").render(page=page)


def test_both_templates_render_from_the_page_alone(page):
    """Check that the shipped templates read nothing but the page (the strict environment would raise)."""
    md = render_page(page, "report.md.j2")
    assert md.startswith("# Embedding comparison: a vs b\n")
    assert "| bench0 | Spearman correlation | 100 | b | +0.0500 [-0.0100, +0.1100] | no |" in md
    html = render_page(page, "report.html.j2")
    assert "<td>no: the interval includes 0</td>" in html and '<tr class="unclear">' in html
