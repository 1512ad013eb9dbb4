"""Saving figures: every picture embedkit draws is written through the one atomic writer.

matplotlib's ``fig.savefig(path)`` writes straight into ``path``, so a failure half-way (a full disk,
``ulimit -f``) leaves a broken file in place of the old one. :func:`save_figure` gives ``savefig`` a
file object from :func:`embedkit._fs.atomic_write` instead, with the format named explicitly from
the suffix (a file object has no name to guess it from).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .._fs import atomic_write
from ..errors import InvalidArgumentError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["save_figure"]


def save_figure(fig: Figure, path: str | os.PathLike, *, dpi: float | None = None) -> Path:
    """Write ``fig`` to ``path`` atomically, in the format its suffix names.

    Parameters
    ----------
    fig:
        A matplotlib Figure, such as :func:`~embedkit.viz.plots.plot_projection` returns.
    path:
        The file: ``.png``, ``.svg``, ``.pdf`` or any other format matplotlib writes. It is
        written to a temporary beside it and renamed over it once complete (with the user's
        permissions), so a failed write leaves what was there before and no temporary.
    dpi:
        Dots per inch (default: matplotlib's ``savefig.dpi`` setting, the figure's own unless changed).

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import os, tempfile, embedkit
    >>> fig = embedkit.plot_projection(embedkit.project(embedkit.load(), 50))
    >>> p = save_figure(fig, os.path.join(tempfile.mkdtemp(), "top50.svg"))
    >>> p.read_text(encoding="utf-8").startswith("<?xml")
    True
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise InvalidArgumentError(
            f"cannot save a figure as {path.name!r}: name it with one of the suffixes "
            f"{', '.join('.' + s for s in sorted(supported))}"
        )
    with atomic_write(path) as f:
        if dpi is None:
            fig.savefig(f, format=fmt)
        else:
            fig.savefig(f, format=fmt, dpi=dpi)
    return path
