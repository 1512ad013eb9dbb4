"""Helpers shared by the benchmark scripts: timing with medians, the scratch folder, the data folder,
and the dated JSON record every script writes under benchmarks/results/."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("EMBEDKIT_DATA", ROOT.parent / "shared" / "data"))
SCRATCH = Path(os.environ.get("EMBEDKIT_BENCH_DIR", "/tmp/embedkit-bench"))
RESULTS = ROOT / "benchmarks" / "results"


def timings(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    """Wall time of each of ``repeat`` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times, result


def timeit(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls, and the last result."""
    times, result = timings(fn, repeat)
    return statistics.median(times), result


def row(name: str, ours: float, peer: float, note: str = "") -> str:
    return f"| {name} | {ours:.3f} s | {peer:.3f} s | {peer / ours:.1f}x | {note} |"


TABLE_HEAD = "| task | embedkit (median) | gensim (median) | speed-up | note |\n|---|---|---|---|---|"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (``platform.processor()`` where there is none)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def git_commit(root: Path = ROOT) -> str | None:
    """The checkout's HEAD commit, with ``+dirty`` when tracked files differ from it; None outside git."""
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def new_record(benchmark: str, **params: object) -> dict:
    """The start of a record: date, command line, machine (load average now), commit, versions, params."""
    return {
        "benchmark": benchmark,
        "date": dt.date.today().isoformat(),
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
        "cwd": os.getcwd(),
        "git_commit": git_commit(),
        "machine": {
            "cpu": cpu_model(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_at_start": os.getloadavg(),
            "nice": os.nice(0),
        },
        "versions": {name: version(name) for name in ("numpy", "gensim", "scipy")},
        "params": params,
        "results": [],
        "complete": False,
    }


def finish_record(record: dict) -> None:
    record["machine"]["load_at_end"] = os.getloadavg()
    record["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    record["complete"] = True


def record_path(name: str, out: str | None = None) -> Path:
    """``out`` if given, else benchmarks/results/<name>_<today>.json."""
    return Path(out) if out else RESULTS / f"{name}_{dt.date.today().isoformat()}.json"


def write_record(out: Path, record: dict) -> None:
    """Write the record atomically (a partial run can be written after every step and keeps what it measured)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, out)


def measured(task: str, ours: list[float], peer: list[float] | None, **extra: object) -> dict:
    """One result of a record: every repeat of embedkit and of the peer, their medians and the ratio."""
    rec: dict = {"task": task, "embedkit_s": ours, "embedkit_median_s": statistics.median(ours)}
    if peer:
        rec["gensim_s"] = peer
        rec["gensim_median_s"] = statistics.median(peer)
        rec["speed_up"] = rec["gensim_median_s"] / rec["embedkit_median_s"]
    rec.update(extra)
    return rec
