"""Tests for embedkit.bias.report: the before/after table's numbers, and the RENDERED Markdown and HTML read back."""

from __future__ import annotations

import json
import re
import warnings
from html.parser import HTMLParser

import pytest

from embedkit.bias import hard_debias, weat
from embedkit.bias.report import debias_report
from embedkit.cli import main
from embedkit.errors import InvalidArgumentError

CELL = re.compile(
    r"^(\*\*)?([+-]\d\.\d{3}) \[([+-]\d\.\d{2}), ([+-]\d\.\d{2})\](\*\*)?( overshoot| flipped \(within noise\))?$"
)


@pytest.fixture(scope="module")
def small(glove):
    return glove.most_frequent(50_000)


@pytest.fixture(scope="module")
def report(small):
    return debias_report(small, tests=["weat6", "weat7"], benchmarks=("wordsim353",), n_boot=200)


def test_report_numbers(small, report):
    """Check the table's cells: the original and hard-debiased effect sizes as weat() gives them, weat7's overshoot."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = weat(hard_debias(small), "weat7", n_boot=200)
        original = weat(small, "weat6", n_boot=200)
    assert report.columns == ("original", "hard", "double-hard") and report.tests == ("weat6", "weat7")
    assert report.weat[1][1].effect_size == pytest.approx(direct.effect_size, abs=1e-12)
    assert report.weat[1][1].effect_size_ci == pytest.approx(direct.effect_size_ci, abs=1e-12)
    assert report.weat[0][0].effect_size == pytest.approx(original.effect_size, abs=1e-12)
    assert report.weat[0][1].effect_size > 1.2 and report.weat[1][1].effect_size < -0.8
    assert [report.change(i, 1) for i in range(3)] == ["", "overshoot", "overshoot"]
    assert [report.change(i, 0) for i in range(3)] == ["", "", ""]
    d = report.to_dict()
    assert d["weat"][1]["results"][1]["change"] == "overshoot" and d["weat"][0]["missing"]["career"] == []
    assert [s["benchmark"] for s in d["scores"]] == ["wordsim353"]
    with pytest.raises(InvalidArgumentError, match=r"^unknown debiasing method 'soft' \(known: hard, double-hard\)$"):
        debias_report(small, ["soft"])


def _markdown_cells(text: str, header: str) -> dict[str, list[str]]:
    block = text.split(header, 1)[1].split("\n## ", 1)[0]
    rows = [r for r in block.strip().splitlines() if r.startswith("|") and not r.startswith("|---")]
    return {r.split("|")[1].strip(): [c.strip() for c in r.split("|")[2:-1]] for r in rows[1:]}


def test_markdown_read_back(report):
    """Check the rendered Markdown: every effect size and interval parses back to the result's, overshoots bold."""
    cells = _markdown_cells(report.to_markdown(), "## WEAT effect sizes (95% interval)")
    assert list(cells) == [
        "weat6: male_names/female_names vs career/family",
        "weat7: math/arts vs male_terms/female_terms",
    ]
    for j, row in enumerate(cells.values()):
        for i, cell in enumerate(row):
            m = CELL.match(cell)
            assert m, cell
            r = report.weat[i][j]
            assert float(m[2]) == pytest.approx(r.effect_size, abs=5e-4)
            assert (float(m[3]), float(m[4])) == pytest.approx(r.effect_size_ci, abs=5e-3)
            change = report.change(i, j)
            assert bool(m[1]) == (change == "overshoot")
            assert (m[6] or "").strip().startswith(change) if change else m[6] is None
    scores = _markdown_cells(report.to_markdown(), "## Benchmark scores (95% interval)")
    value = float(scores["wordsim353"][1].split()[0])
    assert value == pytest.approx(report.scores[0][1].value, abs=5e-5)


class _Table(HTMLParser):
    """(row header, [(td class, text)]) of the table with the given id."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.inside = a.get("id") == self.id
        elif self.inside and tag == "tr":
            self.rows.append(["", []])
        elif self.inside and tag in ("td", "th"):
            self.cell = [tag, a.get("class"), a.get("scope"), ""]

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[3] += data

    def handle_endtag(self, tag):
        if self.inside and tag in ("td", "th") and self.cell is not None:
            kind, cls, scope, text = self.cell
            if kind == "th" and scope == "row":
                self.rows[-1][0] = text
            elif kind == "td":
                self.rows[-1][1].append((cls, text))
            self.cell = None
        elif tag == "table":
            self.inside = False


def test_html_read_back(report):
    """Check the rendered HTML: the cells' values parse back, and only overshoot cells carry class "overshoot"."""
    p = _Table("weat-table")
    p.feed(report.to_html())
    rows = [r for r in p.rows if r[1]]
    assert [r[0] for r in rows] == [
        "weat6: male_names/female_names vs career/family",
        "weat7: math/arts vs male_terms/female_terms",
    ]
    for j, (_, cells) in enumerate(rows):
        for i, (cls, text) in enumerate(cells):
            assert cls == (report.change(i, j) or None)
            m = CELL.match(text)
            assert m and float(m[2]) == pytest.approx(report.weat[i][j].effect_size, abs=5e-4), text
    assert "td.overshoot{" in report.to_html()


@pytest.mark.slow  # loads GloVe and hard-debiases it twice
def test_cli_report(tmp_path, capsys):
    """Check `bias report`: the Markdown file written, the JSON printed, the overshoot lines, and a bad suffix."""
    out = tmp_path / "r.md"
    argv = ["bias", "report", "--test", "weat7", "--benchmarks", "wordsim353", "--methods", "hard", "--n-boot", "50"]
    assert main([*argv, "-o", str(out), "-q", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["columns"] == ["original", "hard"] and d["output"] == str(out)
    assert d["weat"][0]["results"][1]["change"] == "overshoot"
    assert "**-1.116 [" in out.read_text(encoding="utf-8")
    assert main([*argv, "-o", str(tmp_path / "r.html"), "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"wrote {tmp_path / 'r.html'}", "weat7: hard overshoot, effect size +1.495 -> -1.116"]
    assert main([*argv, "-o", str(tmp_path / "r.pdf")]) == 1
    assert (
        capsys.readouterr().err
        == "embedkit: error: the table (-o) must be .html, .htm, .md or .markdown, not 'r.pdf'\n"
    )
