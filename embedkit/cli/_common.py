"""Options and output helpers shared by the subcommand modules."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import warnings
from collections.abc import Iterator
from typing import Any

from ..io.api import resolve_vectors
from ..io.named import DEFAULT_VECTORS


def add_vectors_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--vectors",
        metavar="SPEC",
        default=DEFAULT_VECTORS,
        help=f"a registered name, a path to a vector file, or - for standard input (default: {DEFAULT_VECTORS})",
    )


def add_json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def check_source(spec: str, option: str = "--vectors") -> str:
    """``spec`` unchanged, or a ValueError naming ``option`` if it is empty (``--vectors ""``
    would otherwise be read as the current folder)."""
    if not str(spec).strip():
        raise ValueError(
            f"{option} is empty: give a registered name (e.g. glove-6b-50d), a path, or - for standard input"
        )
    return spec


def load_vectors(spec: str, *, limit: int | None = None, option: str = "--vectors"):
    return resolve_vectors(check_source(spec, option), limit=limit)


def print_json(obj: Any) -> None:
    """Print ``obj`` as one line of strict JSON (non-finite numbers become ``null``)."""
    from ..jsonsafe import dumps

    sys.stdout.write(dumps(obj) + "\n")


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


@contextlib.contextmanager
def one_line_warnings() -> Iterator[None]:
    """Show embedkit's own warnings as one line, ``embedkit: warning: ...``, on stderr (other
    warnings keep Python's format)."""
    from ..errors import EmbedkitWarning

    original = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, EmbedkitWarning):
            print(f"embedkit: warning: {message}", file=sys.stderr)
        else:
            original(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.simplefilter("always", EmbedkitWarning)
        warnings.showwarning = show
        yield


def report_interrupt(exc: KeyboardInterrupt, args: argparse.Namespace, *, checkpoint_option: str | None) -> int:
    """Say in one line where Ctrl-C stopped training (and how to go on); return 130, the shell's
    status for a process ended by SIGINT. ``checkpoint_option`` names the command's option that
    makes a run resumable (``None`` where there is none)."""
    from ..errors import TrainingInterrupted

    if not isinstance(exc, TrainingInterrupted):
        msg = "interrupted"
    elif exc.checkpoint is not None:
        msg = f"interrupted after epoch {exc.epoch}; rerun with --resume"
    elif getattr(args, checkpoint_option.lstrip("-").replace("-", "_"), None) if checkpoint_option else False:
        msg = "interrupted before the first checkpoint was written; nothing was saved"
    elif checkpoint_option:
        msg = f"interrupted after epoch {exc.epoch}; nothing was saved ({checkpoint_option} DIR makes a run resumable)"
    else:
        msg = f"interrupted after epoch {exc.epoch}; nothing was saved"
    if getattr(args, "json", False):
        print(json.dumps({"error": msg, "type": type(exc).__name__}))
    else:
        print(f"embedkit: {msg}", file=sys.stderr)
    return 130
