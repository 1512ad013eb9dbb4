"""The ``embedkit`` command line: thin wrappers that parse, call the library and print.

Each group of subcommands lives in its own module with an ``add_parsers(subparsers)`` function
that registers its subcommands and sets ``func`` (``args -> int``). Library work is imported
inside the handlers, so ``embedkit --help`` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from .._launch import under_torchrun
from ..errors import EmbedkitError

__all__ = ["UsageError", "build_parser", "main"]

# Modules that contribute subcommands, in the order they appear in --help.
_COMMAND_MODULES = [
    "core",
    "classify",
    "report",
    "evaluate",
    "train",
    "lm",
    "seq2seq",
    "contextual",
    "distill",
    "project",
    "explore",
    "bias",
]


class UsageError(Exception):
    """A bad command line (unknown option, bad option value): reported in one line, exit status 2.

    ``message`` is argparse's text; ``str()`` is the whole line, naming the command and its help.
    """

    def __init__(self, prog: str, message: str) -> None:
        self.prog, self.message = prog, message
        super().__init__(f"{prog}: error: {message} (see '{prog} --help')")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is raised (and printed by :func:`main` as one line), not printed
    with the whole usage text and exited here. Subcommand parsers are of the same class."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, message)


def build_parser() -> argparse.ArgumentParser:
    """The ``embedkit`` parser with every subcommand (what ``--help`` prints and the site's
    command-line reference is generated from)."""
    import importlib

    parser = _Parser(
        prog="embedkit",
        description="Load, explore and evaluate word embeddings.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"embedkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in _COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").add_parsers(sub)
    return parser


def _json_mode(args: argparse.Namespace | None, argv: Sequence[str]) -> bool:
    """Whether errors go to stdout as a JSON object: ``--json`` given as a flag (or, for
    ``report``, without a path)."""
    if args is None:
        return "--json" in argv
    j = getattr(args, "json", False)
    return j is True or j == "-"


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, EmbedkitError) and exc.strerror:
        # "[Errno 2] No such file or directory: 'x'" -> "x: No such file or directory"
        return f"{exc.filename}: {exc.strerror}" if exc.filename is not None else exc.strerror
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())  # one line, whatever the exception held


def _report_error(message: str, kind: str, json_mode: bool, *, prefix: str = "embedkit: error: ") -> None:
    if json_mode:
        from ._common import print_json

        print_json({"error": message, "type": kind})
    else:
        print(prefix + message, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 success, 1 bad input, 2 usage, 130 interrupted by
    Ctrl-C, 143 by SIGTERM, which stops a command as Ctrl-C does: :mod:`embedkit.cli._signals`).

    Every error embedkit raises on purpose (:class:`~embedkit.errors.EmbedkitError`), every
    ``OSError`` (missing, unreadable or unwritable files) and ``ValueError`` reaches the user as
    one line on stderr, or with ``--json`` as ``{"error": ..., "type": ...}`` on stdout. Any other
    exception (a bug, or a library failing unforeseen) is one ``internal error`` line too, unless
    ``$EMBEDKIT_TRACEBACK`` is set, which re-raises it with its traceback.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = None
    try:
        from ._common import one_line_warnings
        from ._signals import sigterm_as_interrupt

        with one_line_warnings(), sigterm_as_interrupt():  # the parse too: an old option spelling warns as it is read
            args = parser.parse_args(argv)
            return int(args.func(args) or 0)
    except UsageError as exc:
        json_mode = _json_mode(args, argv)
        _report_error(exc.message if json_mode else str(exc), "UsageError", json_mode, prefix="")
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except (EmbedkitError, OSError, ValueError) as exc:
        _report_error(_error_text(exc), type(exc).__name__, _json_mode(args, argv))
        return 1
    except KeyboardInterrupt:
        from ._signals import interruption

        word, status = interruption()
        _report_error(word, "KeyboardInterrupt", _json_mode(args, argv))
        return status
    except Exception as exc:  # a bug, or a library failing in a way embedkit did not foresee
        if os.environ.get("EMBEDKIT_TRACEBACK"):
            raise
        _report_error(
            f"internal error: {type(exc).__name__}: {_error_text(exc)} (please report it; "
            "EMBEDKIT_TRACEBACK=1 shows the traceback)",
            type(exc).__name__,
            _json_mode(args, argv),
        )
        return 1
    finally:
        if under_torchrun():  # leave the process group
            from ..nn.runtime.distributed import shutdown

            shutdown()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
