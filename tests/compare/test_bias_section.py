"""The comparison report's bias section: WEAT per set as weat() gives it, the verdicts, and the RENDERED
Markdown and HTML read back (values, significance marks, cell classes)."""

from __future__ import annotations

import dataclasses
import re
import warnings
from html.parser import HTMLParser

import numpy as np
import pytest

from embedkit import Vectors
from embedkit.bias import hard_debias, weat
from embedkit.compare import Comparison, render_html, render_markdown
from embedkit.compare.bias_section import bias_section
from embedkit.compare.model import SetInfo

CELL = re.compile(r"^([+-]\d\.\d{3}) \[([+-]\d\.\d{2}), ([+-]\d\.\d{2})\] p (= [\d.e+-]+|< 1e-05)( \*)?$")


@pytest.fixture(scope="module")
def section(glove):
    small = glove.most_frequent(50_000)
    tiny = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
    sets = [small, hard_debias(small), tiny]
    return bias_section(sets, ["glove", "hard", "tiny"], tests=["weat6", "weat7"], n_boot=200), sets


def test_cells_are_weat(section):
    """Check each cell against weat(two_sided=True), weat7's overshoot counted as significant, and a set that
    cannot run a test shown with the reason, not a number."""
    sec, sets = section
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for row in sec.rows:
            for cell, v in zip(row.cells[:2], sets[:2]):
                r = weat(v, row.test, n_boot=200, two_sided=True)
                assert (cell.effect, cell.low, cell.high, cell.p_value) == (r.effect_size, *r.effect_size_ci, r.p_value)
    weat7 = sec.rows[1].cells
    assert weat7[0].effect > 1.2 and weat7[0].significant
    assert weat7[1].effect < -0.8 and weat7[1].high < 0 and weat7[1].p_value < 0.05 and weat7[1].significant
    assert weat7[2].error.startswith("weat7: set 'math' would lose all its words")
    assert [(v.significant, v.tested) for v in sec.verdicts] == [
        (2, 2),
        (sum(c.significant for c in (sec.rows[0].cells[1], weat7[1])), 2),
        (0, 0),
    ]
    assert sec.verdicts[2].text == "no test could run on tiny"
    assert sec.to_dict()["tests"][1]["cells"][2] == {"error": weat7[2].error}


def _comparison(sec) -> Comparison:
    sets = [SetInfo(n, f"/data/{n}.vec", 1000, 50, 200000, {}) for n in ("glove", "hard", "tiny")]
    coords = {n: [[float(i), 0.0] for i in range(3)] for n in ("glove", "hard", "tiny")}
    settings = {"benchmarks": [], "restrict": 30000, "analogy_candidates": None, "k": 10, "n_boot": 200, "seed": 0}
    return Comparison(sets, [], {}, [], [], {"words": ["a", "b", "c"], "coordinates": coords}, settings, sec)


def test_markdown_read_back(section):
    """Check the rendered Markdown: the verdict rows, and every cell's numbers and significance mark."""
    sec, _ = section
    md = render_markdown(_comparison(sec))
    block = md.split("## Bias: WEAT", 1)[1].split("\n## ", 1)[0]
    rows = [
        [c.strip() for c in r.split("|")[1:-1]] for r in block.splitlines() if r.startswith("| ") and "---" not in r
    ]
    verdicts = {r[0]: r for r in rows if r[0] in ("glove", "hard", "tiny")}
    for v in sec.verdicts:
        assert verdicts[v.name][1:] == [f"{v.significant} / {v.tested}", v.text]
    tests = [r for r in rows if r[0].startswith("weat")]
    assert [r[0] for r in tests] == [
        "weat6: male_names/female_names vs career/family",
        "weat7: math/arts vs male_terms/female_terms",
    ]
    for r, row in zip(tests, sec.rows):
        for text, cell in zip(r[1:], row.cells):
            if cell.error:
                assert text == "–" and f"Not run: tiny, {cell.error}" in md
                continue
            m = CELL.match(text)
            assert m, text
            assert float(m[1]) == pytest.approx(cell.effect, abs=5e-4)
            assert (float(m[2]), float(m[3])) == pytest.approx((cell.low, cell.high), abs=5e-3)
            assert bool(m[5]) == cell.significant


class _Cells(HTMLParser):
    """The td (class, text) of each row of the table with id bias-table."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.rows, self.cell = False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.inside = dict(attrs).get("id") == "bias-table"
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag == "td":
            self.cell = [dict(attrs).get("class"), ""]

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.rows[-1].append(tuple(self.cell))
            self.cell = None
        elif tag == "table":
            self.inside = False


def test_html_read_back(section):
    """Check the rendered HTML: cell classes sig / ns / error as the section says, and the numbers."""
    sec, _ = section
    p = _Cells()
    p.feed(render_html(_comparison(sec)))
    rows = [r for r in p.rows if r]
    assert len(rows) == 2
    for r, row in zip(rows, sec.rows):
        for (cls, text), cell in zip(r[1:], row.cells):
            assert cls == ("error" if cell.error else "sig" if cell.significant else "ns")
            if not cell.error:
                assert float(text.split()[0]) == pytest.approx(cell.effect, abs=5e-4)


def test_no_section_renders_nothing(section):
    """Check that a comparison without a bias section has no bias heading (--no-bias)."""
    sec, _ = section
    c = dataclasses.replace(_comparison(sec), bias=None)
    assert "Bias: WEAT" not in render_markdown(c) and 'id="bias-table"' not in render_html(c)
    assert c.to_dict()["bias"] is None
