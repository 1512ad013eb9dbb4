"""Compare two or more vector sets and write the comparison as HTML, Markdown and JSON.

:func:`compare` computes every number (a :class:`Comparison`, plain data with ``to_dict()``);
:func:`render_html` / :func:`render_markdown` turn it into pages with Jinja2 templates; figures are
drawn by matplotlib (imported inside) and inlined as PNG data, so the HTML file stands alone.

Modules: ``model`` (estimates, metric rows, the comparison and its paired bootstrap), ``intrinsic``
(benchmarks on the items all sets cover), ``downstream`` (the classification probe), ``bias_section``
(Caliskan's ten WEAT tests per set, with a verdict per set), ``run`` (the orchestration), ``figures`` and ``render`` (pages and report files, with ``templates/``).
"""

from .model import Comparison, Estimate, MetricRow
from .render import render_html, render_markdown, write_report
from .run import DEFAULT_BENCHMARKS, DEFAULT_DOWNSTREAM, DEFAULT_PROBES, compare

__all__ = [
    "DEFAULT_BENCHMARKS",
    "DEFAULT_DOWNSTREAM",
    "DEFAULT_PROBES",
    "Comparison",
    "Estimate",
    "MetricRow",
    "compare",
    "render_html",
    "render_markdown",
    "write_report",
]
