"""Options and output helpers shared by the subcommand modules."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import warnings
from collections.abc import Container, Iterable, Iterator
from typing import Any

from ..errors import InvalidArgumentError
from ..io.api import resolve_vectors
from ..io.named import DEFAULT_VECTORS
from ._checks import int_at_least, non_negative_int, positive_float, seed


def add_vectors_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--vectors",
        metavar="SPEC",
        default=DEFAULT_VECTORS,
        help=f"a registered name, a path to a vector file, or - for standard input (default: {DEFAULT_VECTORS})",
    )


def add_analogy_method_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--method",
        choices=["3cosadd", "3cosmul"],
        default="3cosadd",
        help="3cosadd ranks words by cos(x, b - a + c); 3cosmul multiplies the similarities instead "
        "(Levy and Goldberg 2014) (default 3cosadd)",
    )


def add_projection_options(p: argparse.ArgumentParser, *, method_only: bool = False, several: bool = False) -> None:
    """``--method`` of a 2-D projection and, unless ``method_only``, its ``--seed``, ``--perplexity`` and
    ``--n-neighbors`` (``project``, ``explore``; ``plot neighbors`` takes only the method). With
    ``several``, ``--method`` takes one or more methods (``explore``: one page holding each)."""
    p.add_argument(
        "--method",
        choices=["pca", "tsne", "umap"],
        default="pca",  # a list when given with several
        nargs="+" if several else None,
        help="how the vectors are brought to 2-D: PCA (linear, deterministic), t-SNE (openTSNE) or UMAP"
        + (
            "; several (--method pca umap tsne) make one page holding each, t-SNE and UMAP after the first "
            "on the first 20000 words (default pca)"
            if several
            else " (default pca)"
        ),
    )
    if method_only:
        return
    p.add_argument(
        "--seed",
        type=seed,
        default=0,
        metavar="S",
        help="the seed of everything random: t-SNE, UMAP, k-means, samples (default 0)",
    )
    p.add_argument("--perplexity", type=positive_float, default=30.0, metavar="X", help="t-SNE perplexity (default 30)")
    p.add_argument(
        "--n-neighbors", type=int_at_least(2), default=15, metavar="N", help="UMAP neighbours, 2 or more (default 15)"
    )


def add_json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def add_device_option(p: argparse.ArgumentParser) -> None:
    """``--device`` of the commands that search vectors: numpy on the CPU unless asked, so they never
    import torch (a second or two at every start) for a search numpy answers in milliseconds."""
    p.add_argument(
        "--device",
        default="cpu",
        metavar="DEVICE",
        help="where the exact search runs: cpu (numpy), cuda, cuda:N, or auto (CUDA if torch sees one) (default cpu)",
    )


def add_model_device_option(p: argparse.ArgumentParser) -> None:
    """``--device`` of the commands that train or run a torch model: ``auto``, as the library's training
    functions default."""
    p.add_argument(
        "--device",
        default="auto",
        metavar="DEVICE",
        help="where the model runs: auto (CUDA if torch sees one, else the CPU), cpu, cuda or cuda:N (default auto)",
    )


def add_workers_option(p: argparse.ArgumentParser, *, gensim: bool = False) -> None:
    """``--workers``: CPU threads; 0 leaves the choice to the library (one torch thread: these models'
    small matrix products lose more to synchronising threads than they gain; all cores for gensim)."""
    choice = "one thread for the neural models, all cores for gensim" if gensim else "one thread"
    p.add_argument(
        "--workers",
        type=non_negative_int,
        default=0,
        metavar="N",
        help=f"CPU threads (default 0: {choice})",
    )


def check_source(spec: str, option: str = "--vectors") -> str:
    """``spec`` unchanged, or an :class:`~embedkit.errors.InvalidArgumentError` naming ``option`` if it is empty (``--vectors ""``
    would otherwise be read as the current folder)."""
    if not str(spec).strip():
        raise InvalidArgumentError(
            f"{option} is empty: give a registered name (e.g. glove-6b-50d), a path, or - for standard input"
        )
    return spec


def add_quiet_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar on stderr")


def shows_progress(args: argparse.Namespace) -> bool:
    """Whether a command shows progress bars on stderr: unless ``-q`` or ``--json``."""
    return not (getattr(args, "quiet", False) or getattr(args, "json", False))


def load_vectors(spec: str, *, limit: int | None = None, option: str = "--vectors", progress: bool = False):
    """The vectors ``spec`` names; ``progress`` counts the vectors of a file parsed for the first time."""
    return resolve_vectors(check_source(spec, option), limit=limit, progress=progress)


def print_json(obj: Any) -> None:
    """Print ``obj`` as one line of strict JSON (non-finite numbers become ``null``)."""
    from ..jsonsafe import dumps

    sys.stdout.write(dumps(obj) + "\n")


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


@contextlib.contextmanager
def one_line_warnings() -> Iterator[None]:
    """Show each warning raised inside as one line on stderr, ``embedkit: warning: MESSAGE``, without
    Python's file, line and source text, and each distinct message once.

    :func:`embedkit.cli.main` runs every command inside it, so no handler needs its own. Which warnings
    are shown at all is left to the warning filters (``-W``, ``PYTHONWARNINGS``); a message that
    already starts with ``embedkit: `` (the approximate index's, for Python users) is not prefixed twice.
    """
    shown: set[tuple[type[Warning], str]] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = " ".join(str(message).split()).removeprefix("embedkit: ")
        if (category, text) not in shown:
            shown.add((category, text))
            print(f"embedkit: warning: {text}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def warn_unknown_words(words: Iterable[str], known: Container[str]) -> None:
    """One warning line naming the input words not in ``known`` (a model's vocabulary), which the model
    reads as ``<unk>``: ``the model never saw 'zzq', 'qqz' in training: read as <unk>`` (the first five,
    then how many more)."""
    unknown = sorted({w for w in words if w not in known})
    if unknown:
        from ..errors import EmbedkitWarning

        shown = ", ".join(repr(w) for w in unknown[:5]) + (
            f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else ""
        )
        warnings.warn(f"the model never saw {shown} in training: read as <unk>", EmbedkitWarning, stacklevel=2)


def report_interrupt(exc: KeyboardInterrupt, args: argparse.Namespace, *, checkpoint_option: str | None) -> int:
    """Say in one line where Ctrl-C (or SIGTERM) stopped training (and how to go on); return the exit status
    (:func:`say_interrupted`). ``checkpoint_option`` names the command's option that makes a run resumable
    (``None`` where there is none)."""
    from ..errors import TrainingInterrupted

    if not isinstance(exc, TrainingInterrupted):
        detail = ""
    elif exc.checkpoint is not None:
        detail = f" after epoch {exc.epoch}; rerun with --resume"
    elif getattr(args, checkpoint_option.lstrip("-").replace("-", "_"), None) if checkpoint_option else False:
        detail = " before the first checkpoint was written; nothing was saved"
    elif checkpoint_option:
        detail = f" after epoch {exc.epoch}; nothing was saved ({checkpoint_option} DIR makes a run resumable)"
    else:
        detail = f" after epoch {exc.epoch}; nothing was saved"
    return say_interrupted(detail, exc, args)


def say_interrupted(detail: str, exc: KeyboardInterrupt, args: argparse.Namespace) -> int:
    """Print ``interrupted`` (Ctrl-C) or ``terminated`` (SIGTERM: :mod:`._signals`) followed by ``detail``, on
    stderr or with ``--json`` as ``{"error", "type"}``; return 130 or 143, the shell's status for the signal."""
    from ._signals import interruption

    word, status = interruption()
    if getattr(args, "json", False):
        print(json.dumps({"error": word + detail, "type": type(exc).__name__}))
    else:
        print(f"embedkit: {word}{detail}", file=sys.stderr)
    return status


def write_figure(fig: Any, path: str | os.PathLike) -> int:
    """Write a command's figure atomically, at 120 dpi, in the format its suffix names; its size in bytes."""
    from ..viz.saving import save_figure

    return save_figure(fig, path, dpi=120).stat().st_size
