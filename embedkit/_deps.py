"""Optional dependencies: import one, or say in one line which extra installs it."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from .errors import MissingDependencyError

__all__ = ["check", "require"]


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingDependencyError` naming the extra that installs it.

    >>> require("numpy", "nn", "arrays").__name__
    'numpy'
    >>> require("no_such_module_xyz", "nn", "this feature")
    Traceback (most recent call last):
    ...
    embedkit.errors.MissingDependencyError: this feature needs no_such_module_xyz, which is not installed: pip install "embedkit[nn]"
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module and not module.startswith(f"{exc.name}."):
            raise  # the package is there but one of its own imports failed: show that
        raise _missing(module, extra, feature) from None


def check(module: str, extra: str, feature: str) -> None:
    """Raise what :func:`require` raises when ``module`` is not installed, without importing it (for a
    check before slow work; a package whose import has side effects is then imported where it is used).

    >>> check("numpy", "nn", "arrays")
    >>> check("no_such_module_xyz", "umap", "this feature")
    Traceback (most recent call last):
    ...
    embedkit.errors.MissingDependencyError: this feature needs no_such_module_xyz, which is not installed: pip install "embedkit[umap]"
    """
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing, or a finder refuses the name
        found = False
    if not found:
        raise _missing(module, extra, feature)


def _missing(module: str, extra: str, feature: str) -> MissingDependencyError:
    return MissingDependencyError(f'{feature} needs {module}, which is not installed: pip install "embedkit[{extra}]"')
