"""Progress bars on stderr for work that can make people wait (tqdm), shown only once it has.

Every long-running function takes ``progress: bool`` and the CLI passes ``not (args.quiet or
args.json)``. A bar appears only after :data:`PROGRESS_DELAY` seconds, so fast calls leave stderr
as it was; tests set the delay to 0 to see the bar.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

__all__ = ["PROGRESS_DELAY", "LazyProgress", "progress_bar", "waiting"]

# Seconds of work before a bar appears (the time people wait without wondering).
PROGRESS_DELAY = 2.0


def progress_bar(*, desc: str, total: float | None = None, unit: str = "it", enabled: bool = True, **options: Any):
    """A tqdm bar on stderr that appears after :data:`PROGRESS_DELAY` seconds (a no-op when not
    ``enabled``); ``options`` go to tqdm (``unit_scale``, ...). Close it (or use ``with``).

    >>> with progress_bar(desc="rows", total=3, enabled=False) as bar:
    ...     bar.update(3)
    """
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        disable=not enabled,
        leave=False,
        delay=PROGRESS_DELAY,
        mininterval=0.5,
        **options,
    )


class LazyProgress:
    """A :func:`progress_bar` made at the first :meth:`update` only: work that may turn out to be
    nothing (a load served by the cache parses no vector) never shows a bar. A context manager."""

    def __init__(self, *, desc: str, unit: str = "it", enabled: bool = True, **options: Any) -> None:
        self._make = (desc, unit, enabled, options)
        self._bar: Any = None

    def update(self, n: float = 1) -> None:
        if self._bar is None:
            desc, unit, enabled, options = self._make
            self._bar = progress_bar(desc=desc, unit=unit, enabled=enabled, **options)
        self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def waiting(desc: str, *, enabled: bool = True) -> Iterator[None]:
    """For work that reports no steps (importing torch and reading a model, translating a batch):
    once it has run :data:`PROGRESS_DELAY` seconds, a line on stderr counts its seconds until it ends,
    then is cleared. A no-op when not ``enabled``.

    >>> with waiting("loading the model", enabled=False):
    ...     pass
    """
    if not enabled:
        yield
        return
    done = threading.Event()

    def show() -> None:
        if done.wait(PROGRESS_DELAY):
            return
        from tqdm.auto import tqdm

        bar = tqdm(desc=desc, bar_format="{desc}: {elapsed}", leave=False)
        try:
            while not done.wait(0.5):
                bar.refresh()
        finally:
            bar.close()

    thread = threading.Thread(target=show, name="embedkit-waiting", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
