"""Sphinx extension for embedkit's site: the navigation, the API and command-line references, strict checks.

- ``embedkit_nav`` (docs/conf.py) is the site's navigation: it is added to the root page as hidden
  toctrees when the page is read, so docs/index.md stays plain Markdown on GitHub.
- ``.. embedkit-api:: MODULE`` (api.py) and ``.. embedkit-cli::`` (cli.py) generate the references.
- The site's top folder gets an ``index.html`` that forwards to the root page.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.ext import napoleon

from .api import ApiDirective, check_pages, resolve_missing
from .cli import CliDirective


def _toctree_entry(page: str) -> str:
    """``docs/vectors`` or ``Title <README>`` as a toctree line; a leading / names a page from the source root."""
    if page.endswith(">") and " <" in page:
        title, _, name = page[:-1].rpartition(" <")
        return f"{title} </{name}>"
    return f"/{page}"


def add_navigation(app: Sphinx, docname: str, source: list[str]) -> None:
    """Append the site's navigation to the root page as hidden toctrees (MyST syntax)."""
    if docname != app.config.root_doc:
        return
    blocks = []
    for caption, pages in app.config.embedkit_nav:
        entries = "\n".join(_toctree_entry(page) for page in pages)
        blocks.append(f"\n```{{toctree}}\n:hidden:\n:caption: {caption}\n:maxdepth: 2\n\n{entries}\n```\n")
    source[0] += "\n" + "".join(blocks)


def _napoleon_prose(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """napoleon, reading the docstring of a property, attribute or constant as it reads a method's.

    napoleon takes the text before the first colon of such a docstring for its type (Google style,
    ``int: The count``); embedkit writes prose there ("The words, in file order. A copy: ..."), and the
    type comes from the annotation.
    """
    napoleon._process_docstring(
        app, "method" if what in ("property", "attribute", "data") else what, name, obj, options, lines
    )


def _dataclass_factories(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, signature: str | None, return_annotation: str | None
) -> tuple[str | None, str | None] | None:
    """``history: list[float] = list()`` for a dataclass field with a ``default_factory``, not ``= <factory>``,
    which is no Python and makes Sphinx split the signature at every comma."""
    if what != "class" or not signature or not dataclasses.is_dataclass(obj):
        return None
    for f in dataclasses.fields(obj):
        if f.default_factory is not dataclasses.MISSING:
            signature = signature.replace("<factory>", f"{getattr(f.default_factory, '__name__', 'factory')}()", 1)
    return signature, return_annotation


def _no_object_base(app: Sphinx, name: str, obj: Any, options: Any, bases: list[type]) -> None:
    """No "Bases: object" line under a class that has no other base."""
    if bases == [object]:
        bases.clear()


def write_redirect(app: Sphinx, exception: Exception | None) -> None:
    """``index.html`` at the top of the site, forwarding to the root page (``docs/index.html``)."""
    if exception is not None or app.builder.format != "html":
        return
    target = f"{app.config.root_doc}.html"
    index = Path(app.outdir) / "index.html"
    if target != "index.html":
        index.write_text(
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>embedkit</title>'
            f'<meta http-equiv="refresh" content="0; url={target}"></head>'
            f'<body><a href="{target}">embedkit documentation</a></body></html>\n',
            encoding="utf-8",
        )


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.napoleon")
    app.add_config_value("embedkit_nav", [], "env")
    app.add_config_value("embedkit_api_modules", [], "env")
    app.add_directive("embedkit-api", ApiDirective)
    app.add_directive("embedkit-cli", CliDirective)
    for listener in list(app.events.listeners.get("autodoc-process-docstring", [])):
        if listener.handler is napoleon._process_docstring:
            app.disconnect(listener.id)
            app.connect("autodoc-process-docstring", _napoleon_prose, priority=listener.priority)
    app.connect("autodoc-process-signature", _dataclass_factories)
    app.connect("autodoc-process-bases", _no_object_base)
    app.connect("source-read", add_navigation)
    app.connect("missing-reference", resolve_missing)
    app.connect("env-check-consistency", check_pages)
    app.connect("build-finished", write_redirect)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
