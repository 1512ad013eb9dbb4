"""SIGTERM as Ctrl-C: a command stopped by ``kill`` or a job scheduler ends as an interrupted one does.

While a command runs, :func:`sigterm_as_interrupt` makes SIGTERM raise ``KeyboardInterrupt`` in the
main thread, so training keeps its last checkpoint, files being written are left as they were, and the
command says in one line where it stopped. :func:`interruption` then gives the word and exit status
to report: ``terminated`` and 143 (128 + SIGTERM) after SIGTERM, ``interrupted`` and 130 after Ctrl-C.
A SIGTERM that the process inherited as ignored stays ignored, and a handler someone else installed
is left alone.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["interruption", "sigterm_as_interrupt"]

TERMINATED = [False]
"""Whether the running command received SIGTERM (a list, so that the handler can set it)."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises ``KeyboardInterrupt`` (main thread, default disposition only)."""
    TERMINATED[0] = False
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def handler(signum: int, frame: object) -> None:
        TERMINATED[0] = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interruption() -> tuple[str, int]:
    """The word and exit status of the interruption that stopped the command: SIGTERM or Ctrl-C.

    >>> interruption()
    ('interrupted', 130)
    """
    return ("terminated", 143) if TERMINATED[0] else ("interrupted", 130)
