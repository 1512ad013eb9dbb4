"""Progress bars on stderr for work that can make people wait (tqdm), shown only once it has.

Every long-running function takes ``progress: bool`` and the CLI passes ``not (args.quiet or
args.json)``. A bar appears only after :data:`PROGRESS_DELAY` seconds, so fast calls leave stderr
as it was; tests set the delay to 0 to see the bar.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PROGRESS_DELAY", "progress_bar"]

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
