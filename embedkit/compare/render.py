"""Rendering a comparison: HTML and Markdown pages from Jinja2 templates (``compare/templates/``),
and the report files (HTML, Markdown, JSON) written atomically.

The templates read a :class:`~embedkit.compare.page.Page` of dataclasses, and render strictly: an
undefined name, an attribute that is not a dataclass field, or a key looked up in a dict fails
instead of printing something (``v.clear`` on a dict is ``dict.clear``, always true).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import fields, is_dataclass
from pathlib import Path

from .._fs import atomic_write
from ..jsonsafe import dumps
from .figures import figure_metrics, figure_projection, png_data_uri
from .model import Comparison, Estimate
from .page import Page, build_page

__all__ = [
    "environment",
    "fmt_diff",
    "fmt_est",
    "fmt_num",
    "fmt_thousands",
    "render_html",
    "render_markdown",
    "render_page",
    "write_report",
]


def environment():
    """The Jinja2 environment of the report templates: ``StrictUndefined`` that fails where a name is
    looked up, attributes only from dataclass fields, items only from lists and tuples by position."""
    import jinja2
    from jinja2.runtime import LoopContext

    class Missing(jinja2.StrictUndefined):
        """StrictUndefined that fails where a name is looked up, not only where it is printed:
        ``{% if x is none %}`` on an undefined ``x`` would otherwise pass silently."""

        def __init__(self, hint=None, obj=None, name=None, exc=jinja2.UndefinedError) -> None:
            raise jinja2.UndefinedError(hint or f"the report templates use {name!r}, which the page does not have")

    class FieldsOnly(jinja2.Environment):
        """An environment where ``x.name`` is a dataclass field (or a ``loop`` attribute) and
        ``x[i]`` an index or a slice of a list or tuple; anything else fails while rendering. A
        dict's key could be shadowed by one of its methods (``items``, ``clear``, ``get``, ...)."""

        def getattr(self, obj, attribute):
            field = is_dataclass(obj) and not isinstance(obj, type) and attribute in {f.name for f in fields(obj)}
            if field or (isinstance(obj, LoopContext) and hasattr(obj, attribute)):
                return getattr(obj, attribute)
            raise jinja2.UndefinedError(
                f"the report templates read {type(obj).__name__}.{attribute}, which is not a dataclass field"
            )

        def getitem(self, obj, argument):
            if isinstance(obj, list | tuple) and isinstance(argument, int | slice):
                return obj[argument]
            raise jinja2.UndefinedError(
                f"the report templates read {type(obj).__name__}[{argument!r}]: only lists and tuples are indexed"
            )

    env = FieldsOnly(
        loader=jinja2.PackageLoader("embedkit.compare", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=False),
        undefined=Missing,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_num
    env.filters["est"] = fmt_est
    env.filters["diff"] = fmt_diff
    env.filters["thousands"] = fmt_thousands
    return env


def fmt_num(x: float | None) -> str:
    """How every number is printed in the HTML and Markdown reports (4 decimals)."""
    return "–" if x is None else f"{x:.4f}"


def fmt_thousands(n: int) -> str:
    """A count with thousands separators (``20,000``)."""
    return f"{n:,}"


def fmt_est(e: Estimate | None) -> str:
    """An estimate with its interval: ``0.5160 [0.5058, 0.5262]``."""
    return "–" if e is None else f"{e.value:.4f} [{e.low:.4f}, {e.high:.4f}]"


def fmt_diff(e: Estimate | None) -> str:
    """A signed difference with its interval: ``+0.0412 [-0.0601, +0.0824]``."""
    return "–" if e is None else f"{e.value:+.4f} [{e.low:+.4f}, {e.high:+.4f}]"


def render_page(page: Page, template: str) -> str:
    """``template`` (``report.html.j2`` or ``report.md.j2``) rendered from ``page``; a name the
    template uses that ``page`` lacks raises ``jinja2.UndefinedError``."""
    return environment().get_template(template).render(page=page)


def render_html(comparison: Comparison) -> str:
    """The self-contained HTML report (figures inlined as PNG data, no network)."""
    page = build_page(
        comparison,
        fig_metrics=png_data_uri(figure_metrics(comparison)) if comparison.metrics else None,
        fig_projection=png_data_uri(figure_projection(comparison)),
    )
    return render_page(page, "report.html.j2")


def render_markdown(comparison: Comparison) -> str:
    """The same numbers as Markdown (figures are in the HTML report)."""
    return render_page(build_page(comparison), "report.md.j2")


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
