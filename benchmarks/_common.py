"""Helpers shared by the benchmark scripts: timing with medians, the scratch folder, the data folder."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("EMBEDKIT_DATA", ROOT.parent / "shared" / "data"))
SCRATCH = Path(os.environ.get("EMBEDKIT_BENCH_DIR", "/tmp/embedkit-bench"))


def timeit(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def row(name: str, ours: float, peer: float, note: str = "") -> str:
    return f"| {name} | {ours:.3f} s | {peer:.3f} s | {peer / ours:.1f}x | {note} |"


TABLE_HEAD = "| task | embedkit (median) | gensim (median) | speed-up | note |\n|---|---|---|---|---|"
