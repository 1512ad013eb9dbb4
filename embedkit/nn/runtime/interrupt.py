"""Ctrl-C during training, taken at a safe point.

Python's own SIGINT handler raises :class:`KeyboardInterrupt` wherever the main thread happens to
be. During training that is most often inside torch's C++ autograd engine (``loss.backward()``)
or an optimizer step, and on a loaded machine an interrupt raised there was sometimes lost:
training ran to its end and the command exited 0 (issue 23). :func:`deferred_interrupt` replaces
the handler while a training loop runs: the first Ctrl-C only sets a flag, which the loop turns
into :class:`KeyboardInterrupt` at the next batch boundary (``check()``), so nothing can swallow it
and no step is left half done. A second Ctrl-C raises at once, as Python's handler would.

Stdlib only, so that the trainers under :mod:`embedkit.nn` and the torch-free fronts can share it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType


@contextlib.contextmanager
def deferred_interrupt(*, enabled: bool = True) -> Iterator[Callable[[], None]]:
    """Hold Ctrl-C (SIGINT) until the loop calls the yielded ``check()``, which raises
    :class:`KeyboardInterrupt` once one has arrived; a second Ctrl-C raises at once.

    The handler is installed only in the main thread and only where SIGINT still has Python's
    default handler (a notebook kernel or an application with its own handler keeps it); it is
    not installed when ``enabled`` is false (under ``torchrun`` every process must stop at the
    same step, which only the immediate default behaviour gives). Where it is not installed
    ``check()`` does nothing and Ctrl-C behaves as before. An interrupt that arrives after the last
    ``check()`` is raised when the block ends, so it is never lost.

    >>> with deferred_interrupt() as check:
    ...     for step in range(3):
    ...         check()  # raises KeyboardInterrupt here after a Ctrl-C
    """
    if (
        not enabled
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield _nothing
        return
    pending = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if pending.is_set():  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        pending.set()

    def check() -> None:
        if pending.is_set():
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield check
    finally:
        signal.signal(signal.SIGINT, previous)
    check()


def _nothing() -> None:
    return None
