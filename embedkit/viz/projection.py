"""The result of a projection of word vectors to 2-D or 3-D: :class:`Projection`.

:func:`~embedkit.viz.reduce.project` returns a :class:`Projection`: the words, their coordinates, the
method with every parameter used, and a quality figure (trustworthiness of the neighbourhoods). A
projection saves to NPZ or CSV and loads back without pickle, so a figure can be redrawn without
recomputing.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .._fs import atomic_write, require_file
from ..errors import InvalidArgumentError, MissingWordError, ModelFileError

__all__ = [
    "METHODS",
    "METRICS",
    "SAVE_SUFFIXES",
    "Method",
    "Metric",
    "Projection",
]

Method = Literal["pca", "tsne", "umap"]
Metric = Literal["cosine", "euclidean"]
METHODS = ("pca", "tsne", "umap")
METRICS = ("cosine", "euclidean")
_FORMAT = "embedkit-projection/1"
SAVE_SUFFIXES = (".npz", ".csv")  # what Projection.save writes


# --------------------------------------------------------------------------------------------
# the result


@dataclass(frozen=True, eq=False)
class Projection:
    """Words and their low-dimensional coordinates, with how they were computed.

    Attributes
    ----------
    words:
        The projected words, in the order of ``coords``' rows.
    coords:
        ``(len(words), dim)`` float32 coordinates, read-only.
    method:
        ``"pca"``, ``"tsne"`` or ``"umap"``.
    params:
        Every parameter used (including the implementation and its version).
    trustworthiness:
        :func:`sklearn.manifold.trustworthiness` of the projection, in [0, 1] (1: every
        neighbour in the picture is a neighbour in the vectors), or ``None`` if not computed.
    info:
        What the fit reported: explained variance for PCA, the final KL divergence for t-SNE.
    timings:
        Seconds spent fitting and measuring trustworthiness.
    source:
        Where the vectors came from.

    Examples
    --------
    >>> import numpy as np
    >>> p = Projection(("a", "b"), np.array([[0.0, 1.0], [2.0, 3.0]]), "pca", {"dim": 2})
    >>> len(p), p.dim, p.coords_of(["b"]).tolist()
    (2, 2, [[2.0, 3.0]])
    """

    words: tuple[str, ...]
    coords: np.ndarray
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    trustworthiness: float | None = None
    info: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    source: str | None = None

    def __post_init__(self) -> None:
        words = tuple(self.words)
        coords = np.array(self.coords, dtype=np.float32)
        if coords.ndim != 2 or coords.shape[0] != len(words):
            raise InvalidArgumentError(f"coords must be ({len(words)}, dim), got shape {coords.shape}")
        coords.flags.writeable = False
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "coords", coords)

    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        tw = "" if self.trustworthiness is None else f", trustworthiness={self.trustworthiness:.3f}"
        return f"<Projection {self.method} {len(self)} words x {self.dim}{tw}>"

    @property
    def dim(self) -> int:
        """The number of output dimensions."""
        return int(self.coords.shape[1])

    @cached_property
    def index(self) -> dict[str, int]:
        """The dict from word to row."""
        return {w: i for i, w in enumerate(self.words)}

    def coords_of(self, words: Sequence[str]) -> np.ndarray:
        """The ``(len(words), dim)`` coordinates of ``words``; a :class:`~embedkit.errors.MissingWordError`
        (a ``KeyError``) names the missing ones."""
        index = self.index
        missing = [w for w in words if w not in index]
        if missing:
            raise MissingWordError(f"not in the projection: {missing[:10]!r}" + (" ..." if len(missing) > 10 else ""))
        return self.coords[[index[w] for w in words]]

    def to_dict(self, *, coords: bool = False) -> dict[str, Any]:
        """Plain data (JSON-ready): method, parameters, quality, timings; the points if ``coords``."""
        out: dict[str, Any] = {
            "method": self.method,
            "count": len(self),
            "dim": self.dim,
            "params": dict(self.params),
            "trustworthiness": self.trustworthiness,
            "info": dict(self.info),
            "timings": dict(self.timings),
            "source": self.source,
        }
        if coords:
            out["words"] = list(self.words)
            out["coords"] = self.coords.tolist()
        return out

    def _meta(self) -> dict[str, Any]:
        meta = self.to_dict()
        meta["format"] = _FORMAT
        return meta

    def csv_header(self) -> str:
        """The first line of the CSV :meth:`save` writes: ``#``, a space and the JSON parameters."""
        return "# " + json.dumps(self._meta(), ensure_ascii=False)

    def save(self, path: str | os.PathLike) -> Path:
        """Write to ``.npz`` (words, coordinates and a JSON header) or ``.csv``, atomically
        (:func:`embedkit._fs.atomic_write`: a failed write leaves the old file as it was).

        The CSV has a first line ``# {JSON parameters}`` and then ``word,x,y[,z]`` rows (read it
        with ``pandas.read_csv(path, skiprows=1)``). Coordinates round-trip exactly in both formats.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".npz":
            words = np.array(self.words, dtype=str) if self.words else np.empty(0, dtype="<U1")
            with atomic_write(path) as fh:  # a file object keeps numpy from appending ".npz"
                np.savez_compressed(fh, words=words, coords=self.coords, meta=np.array(self.csv_header()[2:]))
        elif suffix == ".csv":
            axes = ["x", "y", "z"][: self.dim] if self.dim <= 3 else [f"c{i}" for i in range(self.dim)]
            with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(self.csv_header() + "\n")
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(["word", *axes])
                # Nine significant digits read back to the same float32.
                for word, row in zip(self.words, self.coords.tolist()):
                    w.writerow([word, *(f"{x:.9g}" for x in row)])
        else:
            raise InvalidArgumentError(f"save a projection as {' or '.join(SAVE_SUFFIXES)}, not {path.name!r}")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Projection:
        """Read a projection written by :meth:`save` (no pickle involved)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in SAVE_SUFFIXES:
            require_file(path, "projection file")
        if suffix == ".npz":
            try:
                with np.load(path, allow_pickle=False) as z:
                    words = [str(w) for w in z["words"].tolist()]
                    coords = z["coords"]
                    meta = json.loads(str(z["meta"]))
            except ValueError as exc:
                if "allow_pickle" not in str(exc):
                    raise
                raise ModelFileError(
                    path,
                    "the file holds pickled Python objects, which embedkit will not load (unpickling can run code)",
                ) from None
        elif suffix == ".csv":
            with open(path, encoding="utf-8", newline="") as fh:
                first = fh.readline()
                if not first.startswith("# "):
                    raise ModelFileError(path, "not an embedkit projection (no '# {...}' header line)")
                meta = _check_format(path, json.loads(first[2:]))
                rows = list(csv.reader(fh))
            body = rows[1:]
            words = [r[0] for r in body]
            coords = np.array([[float(x) for x in r[1:]] for r in body], dtype=np.float64).reshape(
                len(body), meta["dim"]
            )
        else:
            raise InvalidArgumentError(f"load a projection from .npz or .csv, not {path.name!r}")
        _check_format(path, meta)
        return cls(
            tuple(words),
            coords.astype(np.float32),
            meta["method"],
            meta.get("params", {}),
            meta.get("trustworthiness"),
            meta.get("info", {}),
            meta.get("timings", {}),
            meta.get("source"),
        )


def _check_format(path: Path, meta: Any) -> dict[str, Any]:
    """``meta`` if it is the header of an embedkit projection, checked before any field is used."""
    fmt = meta.get("format") if isinstance(meta, dict) else None
    if fmt != _FORMAT:
        raise ModelFileError(path, f"not an embedkit projection (format {fmt!r})")
    return meta
