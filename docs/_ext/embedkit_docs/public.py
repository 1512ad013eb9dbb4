"""What embedkit's public names are and where their docstrings live; plain Python, no Sphinx.

Used by the site's API reference (every name gets its entry) and by ``tests/test_docstrings.py`` (every
name has a docstring), so the build and the test agree on what "public" and "documented" mean.

Public: each name in ``__all__`` of ``embedkit`` and of each of its packages that has an ``__all__``.
Documented: a class or function has a docstring of its own (not one inherited, nor the signature a
dataclass makes up), and so has each public method and property a public class defines; a constant has
the string literal that follows its assignment (an attribute docstring, as Sphinx reads it), found by
following the ``from ... import`` chain to the assignment.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType


@dataclass(frozen=True)
class PublicName:
    """One name of one module's ``__all__``, with its object and docstring (``None`` when missing)."""

    module: str
    name: str
    obj: object
    kind: str  # "class", "exception", "function" or "data"
    doc: str | None

    @property
    def qualname(self) -> str:
        """``module.name``, the name a reader imports."""
        return f"{self.module}.{self.name}"


def public_packages(root: str = "embedkit") -> list[str]:
    """``root`` and every package below it that declares ``__all__``, in import-path order."""
    found = [root]
    pkg = importlib.import_module(root)
    for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{root}."):
        if not info.ispkg or any(part.startswith("_") for part in info.name.split(".")):
            continue
        if hasattr(importlib.import_module(info.name), "__all__"):
            found.append(info.name)
    return found


def public_names(module: str) -> list[PublicName]:
    """The names of ``module.__all__``, each with its kind and docstring."""
    mod = importlib.import_module(module)
    out = []
    for name in mod.__all__:
        obj = getattr(mod, name)
        out.append(PublicName(module, name, obj, kind_of(obj), own_doc(obj) or attribute_doc(mod, name)))
    return out


def undocumented_members(cls: type) -> list[str]:
    """The public methods and properties ``cls`` defines (not inherits) that have no docstring."""
    out = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        func = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
        if (inspect.isfunction(func) or isinstance(value, property)) and not (func.__doc__ or "").strip():
            out.append(name)
    return out


def kind_of(obj: object) -> str:
    """How the API reference documents ``obj``."""
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return "function"
    return "data"


def own_doc(obj: object) -> str | None:
    """The docstring ``obj`` itself carries: for a class, one written in its body (``dataclass`` fills an
    empty one with the signature, which is no documentation); ``None`` for data, whose docstring is in
    the source (:func:`attribute_doc`)."""
    if inspect.isclass(obj):
        doc = obj.__dict__.get("__doc__")
        if doc and dataclasses.is_dataclass(obj) and doc.startswith(f"{obj.__name__}("):
            return None
    elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
        doc = obj.__doc__
    else:
        return None
    return inspect.cleandoc(doc) if doc and doc.strip() else None


def attribute_doc(module: ModuleType, name: str, _depth: int = 0) -> str | None:
    """The string literal right after ``name``'s assignment at the top level of ``module``'s source,
    following ``from X import name`` (and ``import name as alias``) to the module that assigns it."""
    path = getattr(module, "__file__", None)
    if path is None or _depth > 10:
        return None
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    body = tree.body
    for i, node in enumerate(body):
        if _assigns(node, name):
            nxt = body[i + 1] if i + 1 < len(body) else None
            if isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant) and isinstance(nxt.value.value, str):
                return inspect.cleandoc(nxt.value.value)
            return None
    for node in body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    source = _resolve_from(module, node)
                    return attribute_doc(importlib.import_module(source), alias.name, _depth + 1)
    return None


def _assigns(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    return False


def _resolve_from(module: ModuleType, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base
