"""Progress on stderr for work that can make people wait, shown only once it has.

On a terminal (or in a notebook) progress is a tqdm bar redrawn in place and cleared at the end.
Anywhere else (a log file, CI, a pipe) it is plain lines, as git and pip write them: no carriage
returns and no blank padding, one line when the work has run :data:`PROGRESS_DELAY` seconds, then
at most one every :data:`LOG_INTERVAL` seconds, and one when it ends.

Every long-running function takes ``progress: bool`` and the CLI passes ``not (args.quiet or
args.json)``, so ``-q`` prints nothing. Tests set the delay to 0 to see the progress.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any, Self

__all__ = [
    "LOG_INTERVAL",
    "PROGRESS_DELAY",
    "LazyProgress",
    "LogLines",
    "budget_bar",
    "is_terminal",
    "progress_bar",
    "waiting",
]

# Seconds of work before progress appears (the time people wait without wondering).
PROGRESS_DELAY = 2.0
# Seconds between two lines of progress in a log: a line of news every so often, not a flood.
LOG_INTERVAL = 15.0


def is_terminal(stream: IO[str]) -> bool:
    """Whether ``stream`` can redraw a line in place: a terminal, or a Jupyter kernel's output (where
    tqdm draws a widget). A log file, a pipe or a closed stream cannot."""
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):  # no isatty, or closed
        return False
    return type(stream).__module__.partition(".")[0] == "ipykernel"


def clock(seconds: float) -> str:
    """Elapsed time as progress shows it: ``00:42``, ``1:02:03``."""
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def progress_bar(
    iterable: Iterable | None = None,
    *,
    desc: str,
    total: float | None = None,
    unit: str = "it",
    enabled: bool = True,
    delay: float | None = None,
    initial: float = 0,
    unit_scale: bool = False,
    bar_format: str | None = None,
    file: IO[str] | None = None,
):
    """Progress on ``file`` (default: stderr) that appears after ``delay`` seconds (default
    :data:`PROGRESS_DELAY`): a tqdm bar on a terminal, :class:`LogLines` elsewhere, nothing when not
    ``enabled``. Iterate over it (wrapping ``iterable``) or call ``update``; close it (or use ``with``).

    >>> with progress_bar(desc="rows", total=3, enabled=False) as bar:
    ...     bar.update(3)
    """
    stream = sys.stderr if file is None else file
    delay = PROGRESS_DELAY if delay is None else delay
    if total is None and iterable is not None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    if not enabled:
        from tqdm import tqdm as silent

        return silent(iterable, total=total, disable=True)
    if not is_terminal(stream):
        return LogLines(
            iterable,
            desc=desc,
            total=total,
            unit=unit,
            initial=initial,
            unit_scale=unit_scale,
            delay=delay,
            file=stream,
        )
    from tqdm.auto import tqdm

    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        initial=initial,
        unit_scale=unit_scale,
        bar_format=bar_format,
        leave=False,
        delay=delay,
        mininterval=0.5,
        file=stream,
    )


def budget_text(done: float, budget: float) -> str:
    """Where work stands in a time budget: ``03:00/30:00, 27:00 left``."""
    return f"{clock(done)}/{clock(budget)}, {clock(max(0.0, budget - done))} left"


def budget_bar(*, desc: str, budget: float, initial: float = 0.0, enabled: bool = True, file: IO[str] | None = None):
    """Progress through a time budget of ``budget`` seconds, advanced with ``update(seconds)``: the
    time spent over the budget, its percentage and the time left (the budget's own ETA, not a guess
    from the rate), then the postfix. A tqdm bar on a terminal, :class:`LogLines` elsewhere (such as
    ``train: 03:00/30:00 (10%), 27:00 left, step=1,200``), nothing when not ``enabled``; shown at once.

    >>> with budget_bar(desc="train", budget=60.0, enabled=False) as bar:
    ...     bar.update(1.5)
    """
    stream = sys.stderr if file is None else file
    if not enabled:
        from tqdm import tqdm as silent

        return silent(total=budget, disable=True)
    if not is_terminal(stream):
        return _BudgetLines(desc=desc, total=budget, initial=initial, file=stream)
    from tqdm.auto import tqdm

    class BudgetTqdm(tqdm):  # the budget's clocks beside the bar
        @property
        def format_dict(self) -> dict[str, Any]:
            d = super().format_dict
            return {**d, "budget": budget_text(d["n"], d["total"] or 0.0)}

    return BudgetTqdm(
        total=budget,
        desc=desc,
        initial=initial,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {budget}{postfix}",
        leave=False,
        mininterval=0.5,
        file=stream,
    )


class LogLines:
    """Progress as plain lines for a log, CI or a pipe, with the calls of a tqdm bar that embedkit
    uses (``update``, iteration, ``set_postfix``, ``set_description_str``, ``refresh``, ``close``).

    Nothing is written before ``delay`` seconds; then a line such as
    ``writing vectors.txt: 120.00k/400.00k (30%), 00:03`` at the first update, at most one
    every :data:`LOG_INTERVAL` seconds after it, one when the description changes (a new stage),
    and one at :meth:`close`. Safe to update from several threads.
    """

    def __init__(
        self,
        iterable: Iterable | None = None,
        *,
        desc: str,
        total: float | None = None,
        unit: str = "it",
        initial: float = 0,
        unit_scale: bool = False,
        delay: float = 0.0,
        file: IO[str],
    ) -> None:
        self.iterable = iterable
        self.desc = desc
        self.total = total
        self.unit = unit.strip() or "it"
        self.n = initial
        self.unit_scale = unit_scale
        self.postfix = ""
        self._delay = delay
        self._file = file
        self._start = time.monotonic()
        self._last: float | None = None  # when the last line was written
        self._line = ""  # the last line written
        self._closed = False
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator:
        assert self.iterable is not None
        for item in self.iterable:
            yield item
            self.update(1)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: float = 1) -> None:
        with self._lock:
            self.n += n
            self._tick()

    def refresh(self) -> None:
        with self._lock:
            self._tick()

    def set_postfix(self, ordered_dict: dict | None = None, refresh: bool = True, **values: Any) -> None:
        self.postfix = ", ".join(f"{k}={v}" for k, v in {**(ordered_dict or {}), **values}.items())

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self.postfix = str(s)

    def set_description_str(self, desc: str | None = None, refresh: bool = True) -> None:
        with self._lock:
            if desc is None or desc == self.desc:
                return
            self.desc = desc
            if self._last is not None or time.monotonic() - self._start >= self._delay:
                self._write()

    def close(self) -> None:
        """Write the last line, if the work ran past the delay (and the line says something new)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if (
                self._last is not None or time.monotonic() - self._start >= self._delay
            ) and self.status() != self._line:
                self._write()

    def status(self) -> str:
        """The line as it would be written now."""
        elapsed = clock(time.monotonic() - self._start)
        if self.total:  # the count of a total needs no unit
            done = f"{self._count(self.n)}/{self._count(self.total)} ({100 * self.n / self.total:.0f}%)"
        else:
            done = f"{self._count(self.n)} {self.unit}"
        return f"{self.desc}: {done}, {elapsed}" + (f", {self.postfix}" if self.postfix else "")

    def _count(self, x: float) -> str:
        if self.unit_scale:
            from tqdm import tqdm

            return tqdm.format_sizeof(x)
        return f"{int(x):,}" if float(x).is_integer() else f"{x:,.1f}"

    def _tick(self) -> None:
        now = time.monotonic()
        if self._last is None:
            due = now - self._start >= self._delay  # the first line: once the work has run the delay
        else:
            due = now - self._last >= LOG_INTERVAL
        if due and not self._closed:
            self._write()

    def _write(self) -> None:
        self._line = self.status()
        print(self._line, file=self._file, flush=True)
        self._last = time.monotonic()


class LazyProgress:
    """A :func:`progress_bar` made at the first :meth:`update` only: work that may turn out to be
    nothing (a load served by the cache parses no vector) never shows a bar. A context manager."""

    def __init__(
        self, *, desc: str, unit: str = "it", enabled: bool = True, unit_scale: bool = False, total: float | None = None
    ) -> None:
        self._make = (desc, unit, enabled, unit_scale, total)
        self._bar: Any = None

    def update(self, n: float = 1) -> None:
        if self._bar is None:
            desc, unit, enabled, unit_scale, total = self._make
            self._bar = progress_bar(desc=desc, unit=unit, enabled=enabled, unit_scale=unit_scale, total=total)
        self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def waiting(desc: str, *, enabled: bool = True, file: IO[str] | None = None) -> Iterator[None]:
    """For work that reports no steps (importing torch and reading a model, translating a batch).

    Once it has run :data:`PROGRESS_DELAY` seconds: on a terminal, a line on ``file`` (default:
    stderr) counts its seconds until it ends, then is cleared; elsewhere, a line ``desc ...``, one
    every :data:`LOG_INTERVAL` seconds, and ``desc: done in 00:03`` (or ``stopped after``, when the
    work raised) at the end. A no-op when not ``enabled``.

    >>> with waiting("loading the model", enabled=False):
    ...     pass
    """
    if not enabled:
        yield
        return
    stream = sys.stderr if file is None else file
    live = is_terminal(stream)
    done, shown = threading.Event(), threading.Event()
    start = time.monotonic()

    def show() -> None:
        if done.wait(PROGRESS_DELAY):
            return
        if not live:
            print(f"{desc} ...", file=stream, flush=True)
            shown.set()
            while not done.wait(LOG_INTERVAL):
                print(f"{desc}: {clock(time.monotonic() - start)} so far", file=stream, flush=True)
            return
        from tqdm.auto import tqdm

        bar = tqdm(desc=desc, bar_format="{desc}: {elapsed}", leave=False, file=stream)
        try:
            while not done.wait(0.5):
                bar.refresh()
        finally:
            bar.close()

    thread = threading.Thread(target=show, name="embedkit-waiting", daemon=True)
    thread.start()
    finished = False
    try:
        yield
        finished = True
    finally:
        done.set()
        thread.join()
        if shown.is_set():
            outcome = "done in" if finished else "stopped after"
            print(f"{desc}: {outcome} {clock(time.monotonic() - start)}", file=stream, flush=True)


class _BudgetLines(LogLines):
    """:class:`LogLines` for a time budget: ``train: 03:00/30:00 (10%), 27:00 left, step=1,200``."""

    def status(self) -> str:
        total = self.total or 0.0
        pct = f" ({100 * self.n / total:.0f}%)" if total else ""
        left = clock(max(0.0, total - self.n))
        line = f"{self.desc}: {clock(self.n)}/{clock(total)}{pct}, {left} left"
        return line + (f", {self.postfix}" if self.postfix else "")
