"""Export vectors for the TensorFlow Embedding Projector (https://projector.tensorflow.org)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .._fs import atomic_write
from ..errors import DataError
from ..progress import progress_bar
from ..vectors import Vectors
from .reduce import select_words

__all__ = ["export_projector"]


def export_projector(
    vectors: Vectors,
    out_dir: str | os.PathLike,
    words: Sequence[str] | int | None = None,
    *,
    groups: Mapping[str, Sequence[str]] | None = None,
    progress: bool = False,
) -> tuple[Path, Path]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for https://projector.tensorflow.org ("Load").

    ``words`` selects as in :func:`~embedkit.viz.reduce.project`. Without ``groups`` the metadata is
    one column of words (no header, as the Projector expects); with ``groups`` (group name to its
    words) it has a header ``word<TAB>group`` and each word's group (empty if in none).
    ``progress`` counts the vectors written on a bar on stderr once writing has run
    :data:`~embedkit.progress.PROGRESS_DELAY` seconds (all 400,000 GloVe words take several).

    Both files are written atomically (:func:`embedkit._fs.atomic_write`) and renamed into place
    together once both are complete: a failed write leaves the files that were there before and no
    temporary. Returns the two paths.
    """
    chosen = select_words(vectors, words)
    bad = [w for w in chosen.keys if "\t" in w or "\n" in w or "\r" in w]
    if bad:
        raise DataError(f"words with tabs or newlines cannot go into a TSV file: {bad[:5]!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    vec_path, meta_path = out / "vectors.tsv", out / "metadata.tsv"
    bar = progress_bar(
        desc="writing vectors.tsv", total=len(chosen), unit=" vectors", unit_scale=True, enabled=progress
    )
    # vectors.tsv is written inside metadata.tsv's writer, so both are renamed into place only once
    # both are complete (a failed write never pairs new vectors with old metadata); each file is
    # written in the body of its own writer, so a failed write is reported under its own name.
    with atomic_write(meta_path, "w", encoding="utf-8", newline="\n") as meta_fh:
        if groups:
            group_of = {w: g for g, ws in groups.items() for w in ws}
            meta_fh.write("word\tgroup\n")
            meta_fh.writelines(f"{w}\t{group_of.get(w, '')}\n" for w in chosen.keys)
        else:
            meta_fh.writelines(f"{w}\n" for w in chosen.keys)
        with bar, atomic_write(vec_path, "w", encoding="utf-8", newline="\n") as vec_fh:
            step = 8192
            M = chosen.matrix
            for s in range(0, len(chosen), step):
                block = np.asarray(M[s : s + step], dtype=np.float32)
                vec_fh.write("\n".join("\t".join(f"{x:.9g}" for x in row) for row in block.tolist()))
                vec_fh.write("\n")
                bar.update(len(block))
    return vec_path, meta_path
