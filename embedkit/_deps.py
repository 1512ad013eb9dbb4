"""Optional dependencies: import one, or say in one line which extra installs it."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError

__all__ = ["EXTRAS", "require"]

# The extras defined in pyproject.toml and what each brings; `embedkit[all]` installs all of them.
EXTRAS = {
    "nn": "torch: neural language models, classifiers, embedding training by next-word prediction",
    "umap": "umap-learn (with numba): UMAP projections",
    "explore": "plotly: the interactive explorer page (embedkit explore)",
}


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
        raise MissingDependencyError(
            f'{feature} needs {module}, which is not installed: pip install "embedkit[{extra}]"'
        ) from None
