"""Options and output helpers shared by the subcommand modules."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_vectors_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--vectors",
        metavar="SPEC",
        default="glove-6b-50d",
        help="a registered name or a path to a vector file (default: glove-6b-50d)",
    )


def add_json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def load_vectors(spec: str, *, limit: int | None = None):
    from ..io import load

    return load(spec, limit=limit)


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover
