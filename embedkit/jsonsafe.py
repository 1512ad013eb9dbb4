"""Strict JSON (RFC 8259) for every JSON embedkit writes: non-finite floats become ``null``.

``json.dumps`` writes ``NaN`` and ``Infinity`` by default, which ``JSON.parse`` and most other
readers reject; a missing number (a correlation of constant scores, an empty interval) is
``null`` instead.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

__all__ = ["dumps", "finite_or_none"]


def finite_or_none(obj: Any) -> Any:
    """``obj`` with every non-finite float (also inside dicts, lists and tuples) replaced by
    ``None``, and numpy scalars and arrays turned into plain Python values.

    Examples
    --------
    >>> finite_or_none({"r": float("nan"), "ci": (0.5, float("inf")), "n": np.int64(3)})
    {'r': None, 'ci': [0.5, None], 'n': 3}
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return finite_or_none(obj.tolist())
    if isinstance(obj, np.generic):
        return finite_or_none(obj.item())
    return obj


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`finite_or_none` (``obj``) with ``allow_nan=False``: always valid JSON.

    Examples
    --------
    >>> dumps({"spearman": float("nan")})
    '{"spearman": null}'
    """
    kwargs.setdefault("ensure_ascii", False)
    return json.dumps(finite_or_none(obj), allow_nan=False, **kwargs)
