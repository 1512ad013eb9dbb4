"""Rendering a comparison: HTML and Markdown pages from Jinja2 templates (``compare/templates/``),
and the report files (HTML, Markdown, JSON) written atomically."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .._fs import atomic_write
from ..jsonsafe import dumps
from .figures import figure_metrics, figure_projection, png_data_uri
from .model import Comparison, Estimate

__all__ = ["fmt_diff", "fmt_est", "fmt_num", "render_html", "render_markdown", "write_report"]


def _env():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("embedkit.compare", "templates"),
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
        ctx["fig_metrics"] = png_data_uri(figure_metrics(comparison)) if comparison.metrics else None
        ctx["fig_projection"] = png_data_uri(figure_projection(comparison))
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
    """Write the HTML report (and optionally Markdown and JSON); returns the paths written.

    Every page is rendered before anything is written, and the files are renamed into place
    together once all are complete (:func:`embedkit._fs.atomic_write`): a failed write leaves the
    files that were there before and no temporary, never a new page beside an old one.
    """
    pages = [
        (kind, Path(path), render())
        for kind, path, render in [
            ("html", html, lambda: render_html(comparison)),
            ("markdown", markdown, lambda: render_markdown(comparison)),
            ("json", json_path, lambda: dumps(comparison.to_dict(), indent=1)),
        ]
        if path is not None
    ]
    with contextlib.ExitStack() as stack:  # each file written as soon as its writer is the innermost
        for _, path, text in pages:
            stack.enter_context(atomic_write(path)).write(text.encode("utf-8"))
    return {kind: path for kind, path, _ in pages}
