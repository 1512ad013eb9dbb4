"""The ``embedkit`` command line: thin wrappers that parse, call the library and print.

Each group of subcommands lives in its own module with an ``add_parsers(subparsers)`` function
that registers its subcommands and sets ``func`` (``args -> int``). Library work is imported
inside the handlers, so ``embedkit --help`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ..errors import EmbedkitError
from ._common import under_torchrun

__all__ = ["main", "build_parser"]

# Modules that contribute subcommands, in the order they appear in --help.
_COMMAND_MODULES = ["core", "classify", "report", "evaluate", "train", "project"]


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 success, 1 bad input, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (EmbedkitError, FileNotFoundError, IsADirectoryError, ValueError) as exc:
        if getattr(args, "json", False):
            print(json.dumps({"error": str(exc), "type": type(exc).__name__}))
        else:
            print(f"embedkit: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    finally:
        if under_torchrun():  # leave the process group
            from ..nn.distributed import shutdown

            shutdown()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
