"""The API reference: one page per public package, every name of its ``__all__`` from its docstring.

``.. embedkit-api:: embedkit.search`` renders the package's docstring and an entry for each public name.
A name re-exported by several packages (``embedkit.nearest`` is ``embedkit.search.nearest``) gets its
entry once, on the first page of ``embedkit_api_modules`` that has it; the other pages list it in a table
that links there, and a reference to any of its names leads to that entry.

Strictness, each a warning (so an error under ``-W``):
- a public name without a docstring;
- a public package (one with ``__all__``) that is missing from ``embedkit_api_modules`` or has no page;
- a reference (``:func:`x```, an annotation) to a name that does not exist. A name that exists but has no
  entry of its own (``numpy.ndarray``, a private helper) is shown as code, without a link.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from .public import PublicName, public_names, public_packages, undocumented_members

logger = logging.getLogger(__name__)

_AUTODOC = {"class": "autoclass", "exception": "autoexception", "function": "autofunction"}
_HEADINGS = {"class": "Classes", "exception": "Exceptions", "function": "Functions", "data": "Constants"}


class Canon:
    """Where each public object has its entry: ``id(object)`` and every public spelling -> the entry's name."""

    def __init__(self, modules: list[str]) -> None:
        self.modules = modules
        self.by_id: dict[int, str] = {}
        self.by_name: dict[str, str] = {}
        self.names = {module: public_names(module) for module in modules}
        for module in modules:  # in order of preference: the first page that has an object keeps it
            for pn in self.names[module]:
                if pn.kind == "data":  # equal small strings may be one object: match name and object
                    entry = next(
                        f"{m}.{pn.name}"
                        for m in modules
                        if any(q.name == pn.name and q.obj is pn.obj for q in self.names[m])
                    )
                else:
                    entry = self.by_id.setdefault(id(pn.obj), pn.qualname)
                self.by_name[pn.qualname] = entry
        # members of the classes with entries, so that `Vectors.normalized` or an annotation finds its entry
        for module in modules:
            for pn in self.names[module]:
                if pn.kind in ("class", "exception") and self.entry(pn) == pn.qualname:
                    for attr, value in vars(pn.obj).items():
                        if not attr.startswith("_"):
                            self.by_id.setdefault(id(value), f"{pn.qualname}.{attr}")

    def entry(self, pn: PublicName) -> str:
        """The name under which ``pn`` has its full entry."""
        return self.by_name[pn.qualname]


def _canon(env: BuildEnvironment) -> Canon:
    canon = getattr(env, "_embedkit_canon", None)
    if canon is None:
        canon = Canon(list(env.config.embedkit_api_modules))
        env._embedkit_canon = canon  # type: ignore[attr-defined]
    return canon


def _summary(doc: str | None) -> str:
    """The docstring's first paragraph, on one line."""
    first = (doc or "").strip().split("\n\n", 1)[0]
    return " ".join(first.split())


class ApiDirective(SphinxDirective):
    """``.. embedkit-api:: MODULE``: the module's docstring, then an entry or a link for each public name."""

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        module = self.arguments[0]
        canon = _canon(self.env)
        if module not in canon.names:
            logger.warning("%s is not in embedkit_api_modules (docs/conf.py)", module, location=self.get_location())
            return []
        self.env.get_domain("py").data.setdefault("embedkit_api_pages", {})[module] = self.env.docname
        lines = [f".. automodule:: {module}", "   :no-members:", ""]
        here = [pn for pn in canon.names[module] if canon.entry(pn) == pn.qualname]
        elsewhere = [pn for pn in canon.names[module] if canon.entry(pn) != pn.qualname]
        for kind, heading in _HEADINGS.items():
            group = [pn for pn in here if pn.kind == kind]
            if group:
                lines += [f".. rubric:: {heading}", ""]
            for pn in group:
                if pn.doc is None:
                    logger.warning("public name %s has no docstring", pn.qualname, location=self.get_location())
                if pn.kind in ("class", "exception"):
                    for member in undocumented_members(pn.obj):  # type: ignore[arg-type]
                        logger.warning(
                            "public name %s.%s has no docstring", pn.qualname, member, location=self.get_location()
                        )
                lines += _entry(pn)
        if elsewhere:
            lines += [
                ".. rubric:: Also here",
                "",
                "Importable from this module too; each has its entry on one page.",
                "",
            ]
            lines += [".. list-table::", "   :widths: 35 65", ""]
            for pn in elsewhere:
                lines += [f"   * - ``{pn.name}``: :py:obj:`{canon.entry(pn)}`", f"     - {_summary(pn.doc)}"]
            lines.append("")
        return self.parse_text_to_nodes("\n".join(lines), allow_section_headings=False)


def _entry(pn: PublicName) -> list[str]:
    if pn.kind in _AUTODOC:
        out = [f".. {_AUTODOC[pn.kind]}:: {pn.qualname}"]
        if pn.kind != "function":
            out += ["   :members:", "   :undoc-members:", "   :show-inheritance:"]
        return [*out, ""]
    value = repr(pn.obj)
    out = [f".. py:data:: {pn.qualname}"]
    if len(value) <= 90 and "\n" not in value:
        out.append(f"   :value: {value}")
    out.append("")
    out += [f"   {line}" if line else "" for line in (pn.doc or "").splitlines()]
    return [*out, ""]


def check_pages(app: Sphinx, env: BuildEnvironment) -> None:
    """Every public package is in ``embedkit_api_modules`` and has its page."""
    listed = list(app.config.embedkit_api_modules)
    for module in public_packages():
        if module not in listed:
            logger.warning("public package %s (it has __all__) is missing from embedkit_api_modules", module)
    pages = env.get_domain("py").data.get("embedkit_api_pages", {})
    for module in listed:
        if module not in pages:
            logger.warning("%s has no page: add one with '.. embedkit-api:: %s' under docs/reference/", module, module)


def _import_path(dotted: str) -> tuple[bool, object]:
    """Whether ``dotted`` names something importable, and what."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        except Exception:  # noqa: BLE001 (a module that fails to import names nothing usable here)
            return False, None
        for attr in parts[cut:]:
            try:
                obj = inspect.getattr_static(obj, attr)
            except AttributeError:
                # an instance attribute that ``__init__`` sets (``self.source = source``) exists too
                return (attr == parts[-1] and inspect.isclass(obj) and _sets_attribute(obj, attr)), None
        return True, obj
    return False, None


def _sets_attribute(cls: type, attr: str) -> bool:
    try:
        return f"self.{attr} =" in inspect.getsource(cls)
    except (OSError, TypeError):
        return False


def _module_names(module: str) -> dict[str, str]:
    """``name -> dotted origin`` for what ``module``'s source defines at its top level and what any of its
    ``import`` statements binds, including those under ``if TYPE_CHECKING:`` that annotations name."""
    try:
        spec = importlib.util.find_spec(module)  # the file, without running the module
    except Exception:  # noqa: BLE001 (a package that fails to import names nothing usable here)
        return {}
    path = spec.origin if spec else None
    if not path or not path.endswith(".py"):
        return {}
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out[node.name] = f"{module}.{node.name}"
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    out[target.id] = f"{module}.{target.id}"
    pkg = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = pkg.rsplit(".", node.level - 1)[0] if node.level > 1 else pkg
                base = f"{up}.{base}" if base else up
            for alias in node.names:
                out.setdefault(alias.asname or alias.name, f"{base}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                out.setdefault(
                    alias.asname or alias.name.split(".")[0], alias.name if alias.asname else alias.name.split(".")[0]
                )
    return out


@functools.cache
def _all_names() -> dict[str, list[str]]:
    """Every name any embedkit module defines or imports -> the dotted names it may stand for."""
    pkg = importlib.import_module("embedkit")
    found = pkgutil.walk_packages(pkg.__path__, prefix="embedkit.")
    modules = ["embedkit"] + [m.name for m in found if not m.name.endswith("__main__")]
    out: dict[str, list[str]] = {}
    for module in modules:
        out.setdefault(module.rpartition(".")[2], []).append(module)
        for name, origin in _module_names(module).items():
            if origin not in out.setdefault(name, []):
                out[name].append(origin)
    return out


def _candidates(target: str, module: str | None, cls: str | None) -> list[str]:
    """Dotted names ``target`` may mean, most likely first: in the current class and module, through the
    current module's imports, in the packages above it, then wherever an embedkit module binds its first
    part (a docstring of ``embedkit.viz`` naming ``trustworthiness`` of ``embedkit.viz.reduce``)."""
    target = target.lstrip(".~")
    head, _, rest = target.partition(".")
    out = []
    if module:
        if cls:
            out.append(f"{module}.{cls}.{target}")
        out.append(f"{module}.{target}")
        origin = _module_names(module).get(head)
        if origin:
            out.append(f"{origin}.{rest}" if rest else origin)
        parent = module
        while "." in parent:  # a relative name, e.g. `:mod:`.models`` in a submodule's docstring
            parent = parent.rpartition(".")[0]
            out.append(f"{parent}.{target}")
    out.append(target)
    out += [f"{origin}.{rest}" if rest else origin for origin in _all_names().get(head, [])]
    return out


def resolve_missing(app: Sphinx, env: BuildEnvironment, node: Any, contnode: nodes.Element) -> nodes.Node | None:
    """A reference Sphinx could not resolve: to the entry of the same object if it has one, to plain code
    if the name exists, else ``None`` (Sphinx then warns: a reference to nothing)."""
    if node.get("refdomain") != "py":
        return None
    canon = _canon(env)
    domain = env.get_domain("py")
    builder = app.builder
    for dotted in _candidates(node["reftarget"], node.get("py:module"), node.get("py:class")):
        entry = canon.by_name.get(dotted)
        found, obj = (True, None) if entry else _import_path(dotted)
        if not found:
            continue
        if entry is None and obj is not None:
            entry = canon.by_id.get(id(obj))
        if entry:
            ref = domain.resolve_any_xref(env, node["refdoc"], builder, entry, node, contnode)
            if ref:
                return ref[0][1]
        return contnode  # exists, has no entry: code without a link
    return None
