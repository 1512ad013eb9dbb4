"""Readers for text-classification files, and seeded splits.

Two formats are read as they come (see the data folder's README):

* ``label-text``: one example per line, ``LABEL<space>TEXT``, the label an integer from 0
  (the Kim 2014 sentence-classification files: MR, SST, Subj, CR, MPQA, TREC);
* ``csv``: no header, ``"LABEL","TEXT"[,"MORE TEXT"...]``, the label an integer from 1 and a
  ``classes.txt`` beside the file naming label 1, 2, ... one a line (DBpedia, AG News).

Any other CSV/TSV file with a header is read by :func:`read_table` with named text and label
columns. :func:`read_dataset` detects the format. Everything returns a :class:`TextDataset`.

Files are decoded as UTF-8 when they are valid UTF-8 and as Windows-1252 (else Latin-1) when they
are not (``encoding="auto"``, see :func:`~embedkit.text.detect_encoding`): MR, Subj and TREC are
distributed in Latin-1/Windows-1252, and reading them as UTF-8 would turn ``cliché`` into ``clich`` +
U+FFFD. :data:`DOWNSTREAM_FILES` names the classification sets of a comparison's downstream probe
(:func:`dataset_path`).
"""

from __future__ import annotations

import csv
import math
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from .._fs import require_file
from ..errors import DataError, DataFileError, EmbedkitWarning, InvalidArgumentError
from ..text import detect_encoding

__all__ = [
    "DOWNSTREAM_FILES",
    "DatasetFormat",
    "TextDataset",
    "dataset_path",
    "detect_dataset_format",
    "kfold",
    "read_csv_classes",
    "read_dataset",
    "read_label_text",
    "read_table",
    "train_dev_split",
    "warn_empty_texts",
]

DatasetFormat = Literal["label-text", "csv", "table"]

_LABEL_TEXT_RE = re.compile(r"^\s*(-?\d+)(?:\s+(.*?))?\s*$")  # a label alone: no text
_CSV_RE = re.compile(r'^\s*"?-?\d+"?\s*,')


@dataclass(frozen=True, eq=False)
class TextDataset:
    """Raw texts with integer labels (``0 .. len(class_names) - 1``) and the names of the classes.

    ``labels`` is a read-only int64 array. :meth:`subset` selects rows (by index array), keeping
    the class names, so a split or a fold still knows every class. ``source`` is the file the
    readers read it from (``""`` otherwise), which error messages name; ``classes_file`` is the
    ``classes.txt`` its class names came from (``""`` when they are the label numbers or were given).

    Examples
    --------
    >>> ds = TextDataset(["good film", "bad film", "fine"], [1, 0, 1], ("neg", "pos"))
    >>> len(ds), ds.num_classes, ds.label_names()
    (3, 2, ['pos', 'neg', 'pos'])
    >>> ds.subset([2, 0]).texts
    ('fine', 'good film')
    """

    texts: tuple[str, ...]
    labels: np.ndarray
    class_names: tuple[str, ...]
    name: str = field(default="")
    source: str = field(default="")
    classes_file: str = field(default="")

    def __post_init__(self) -> None:
        texts = tuple(self.texts)
        labels = np.asarray(self.labels, dtype=np.int64).reshape(-1)
        names = tuple(str(c) for c in self.class_names)
        if len(texts) != len(labels):
            raise DataError(f"{len(texts)} texts but {len(labels)} labels")
        if len(labels) and (labels.min() < 0 or labels.max() >= len(names)):
            raise DataError(
                f"labels must lie in 0..{len(names) - 1} (one per class name), got {labels.min()}..{labels.max()}"
            )
        labels = labels.copy()
        labels.flags.writeable = False
        object.__setattr__(self, "texts", texts)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "class_names", names)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def num_classes(self) -> int:
        """How many classes: ``len(class_names)``."""
        return len(self.class_names)

    def label_names(self) -> list[str]:
        """The class name of every example."""
        return [self.class_names[i] for i in self.labels]

    def class_counts(self) -> dict[str, int]:
        """How many examples each class has."""
        counts = np.bincount(self.labels, minlength=self.num_classes)
        return {c: int(n) for c, n in zip(self.class_names, counts)}

    def subset(self, indices: Sequence[int] | np.ndarray, *, name: str | None = None) -> TextDataset:
        """The examples at ``indices``, in that order."""
        idx = np.asarray(indices, dtype=np.int64)
        return TextDataset(
            tuple(self.texts[i] for i in idx),
            self.labels[idx],
            self.class_names,
            self.name if name is None else name,
            self.source,
            self.classes_file,
        )

    def __repr__(self) -> str:
        nm = f" {self.name!r}" if self.name else ""
        return f"<TextDataset{nm} {len(self)} texts, {self.num_classes} classes>"


# -- readers -----------------------------------------------------------------------------------
def _resolve_encoding(path: Path, encoding: str) -> str:
    return detect_encoding(path) if encoding == "auto" else encoding


def read_label_text(
    path: str | os.PathLike, *, class_names: Sequence[str] | None = None, encoding: str = "auto"
) -> TextDataset:
    """Read ``LABEL<space>TEXT`` lines (labels integers from 0; blank lines skipped).

    ``encoding="auto"`` decodes UTF-8, Windows-1252 or Latin-1 files (see
    :func:`~embedkit.text.detect_encoding`).

    The label is the class id. ``class_names`` defaults to the label numbers as strings,
    ``"0" .. str(max label)``. Lines with a label and no text are kept as empty texts, with a
    warning (see :func:`warn_empty_texts`). A missing file is a :class:`~embedkit.errors.MissingFileError`.
    """
    path = require_file(path, "dataset file")
    texts: list[str] = []
    labels: list[int] = []
    empty: list[int] = []
    with open(path, encoding=_resolve_encoding(path, encoding), errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            m = _LABEL_TEXT_RE.match(line)
            if m is None:
                raise DataFileError(f"{path}, line {lineno}: expected 'LABEL TEXT' with an integer label")
            label = int(m.group(1))
            if label < 0:
                raise DataFileError(f"{path}, line {lineno}: negative label {label}")
            labels.append(label)
            texts.append(m.group(2) or "")
            if not texts[-1]:
                empty.append(lineno)
    if not texts:
        raise DataFileError(f"{path}: no examples")
    warn_empty_texts(path, empty, "line")
    if class_names is None:
        class_names = [str(i) for i in range(max(labels) + 1)]
    return TextDataset(tuple(texts), np.asarray(labels), tuple(class_names), _dataset_name(path), str(path))


def _read_classes_file(path: Path) -> list[str]:
    """One class name a line, for labels 1, 2, ...; a leading ``N `` (``1 Artist``) is dropped."""
    require_file(path, "classes file")
    with open(path, encoding="utf-8") as f:
        lines = [ln.strip() for ln in f if ln.strip()]
    numbered = [re.fullmatch(r"(\d+)\s+(.+)", ln) for ln in lines]
    if all(m is not None and int(m.group(1)) == i + 1 for i, m in enumerate(numbered)):
        return [m.group(2) for m in numbered if m is not None]  # all matched (checked above)
    return lines


def _dataset_name(path: Path) -> str:
    """``mr`` for ``.../mr/mr.txt``, ``sst2`` for ``.../sst2/train.txt``."""
    return path.parent.name if path.stem in {"train", "dev", "valid", "test"} and path.parent.name else path.stem


def read_csv_classes(
    path: str | os.PathLike,
    *,
    classes: str | os.PathLike | Sequence[str] | None = None,
    encoding: str = "auto",
) -> TextDataset:
    """Read a header-less CSV of ``"LABEL","TEXT"`` rows, labels integers from 1.

    Further fields (AG News's title and description, say) are joined to the text with a space.
    ``classes`` is a ``classes.txt`` path or a list of names for labels 1, 2, ...; by default the
    ``classes.txt`` beside the file is used if there is one, else the label numbers. Rows with a
    label and no text are kept as empty texts, with a warning (see :func:`warn_empty_texts`). A
    missing file is a :class:`~embedkit.errors.MissingFileError`.
    """
    path = require_file(path, "dataset file")
    classes_file = ""
    if classes is None:
        beside = path.with_name("classes.txt")
        if beside.is_file():
            names, classes_file = _read_classes_file(beside), str(beside)
        else:
            names = None
    elif isinstance(classes, (str, os.PathLike)):
        names, classes_file = _read_classes_file(Path(classes)), str(classes)
    else:
        names = [str(c) for c in classes]
    texts: list[str] = []
    labels: list[int] = []
    empty: list[int] = []
    with open(path, encoding=_resolve_encoding(path, encoding), errors="replace", newline="") as f:
        for rowno, row in enumerate(csv.reader(f), 1):
            if not row or all(not c.strip() for c in row):
                continue
            try:
                label = int(row[0])
            except ValueError:
                raise DataFileError(
                    f"{path}, row {rowno}: the first field must be an integer label, got {row[0]!r}"
                ) from None
            if label < 1:
                raise DataFileError(f"{path}, row {rowno}: labels count from 1, got {label}")
            if len(row) < 2:
                raise DataFileError(f"{path}, row {rowno}: no text field")
            labels.append(label - 1)
            texts.append(" ".join(c.strip() for c in row[1:] if c.strip()))
            if not texts[-1]:
                empty.append(rowno)
    if not texts:
        raise DataFileError(f"{path}: no examples")
    warn_empty_texts(path, empty, "row")
    if names is None:
        names = [str(i + 1) for i in range(max(labels) + 1)]
    elif max(labels) >= len(names):
        source = f" in {classes_file}" if classes_file else ""
        raise DataFileError(f"{path}: label {max(labels) + 1} but only {len(names)} class names{source}")
    return TextDataset(tuple(texts), np.asarray(labels), tuple(names), _dataset_name(path), str(path), classes_file)


def read_table(
    path: str | os.PathLike,
    *,
    text_column: str = "text",
    label_column: str = "label",
    delimiter: str | None = None,
    class_names: Sequence[str] | None = None,
    encoding: str = "auto",
) -> TextDataset:
    """Read a CSV/TSV file with a header row, taking the named text and label columns.

    The delimiter defaults to a tab for ``.tsv``/``.tab`` files and a comma otherwise. Classes are
    the distinct label values sorted (numerically when they are all integers) unless
    ``class_names`` gives them in id order. Rows with a label and no text are kept as empty texts,
    with a warning (see :func:`warn_empty_texts`). A missing file is a
    :class:`~embedkit.errors.MissingFileError`.
    """
    path = require_file(path, "dataset file")
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
    with open(path, encoding=_resolve_encoding(path, encoding), errors="replace", newline="") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        fields = reader.fieldnames or []
        for col in (text_column, label_column):
            if col not in fields:
                raise DataFileError(f"{path}: no column {col!r} (columns: {', '.join(fields)})")
        rows, empty = [], []
        for r in reader:
            rows.append((r[text_column] or "", (r[label_column] or "").strip()))
            if not rows[-1][0].strip():
                empty.append(reader.line_num)
    if not rows:
        raise DataFileError(f"{path}: no examples")
    warn_empty_texts(path, empty, "line")
    raw = [lab for _, lab in rows]
    if class_names is None:
        distinct = set(raw)
        if all(re.fullmatch(r"-?\d+", x) for x in distinct):
            names = [str(x) for x in sorted(int(x) for x in distinct)]
        else:
            names = sorted(distinct)
    else:
        names = [str(c) for c in class_names]
    index = {c: i for i, c in enumerate(names)}
    unknown = sorted({x for x in raw if x not in index})
    if unknown:
        raise DataFileError(f"{path}: labels not among the class names: {unknown[:5]}")
    return TextDataset(
        tuple(t for t, _ in rows), np.asarray([index[x] for x in raw]), tuple(names), _dataset_name(path), str(path)
    )


def warn_empty_texts(path: str | os.PathLike, where: Sequence[int], unit: str = "line") -> None:
    """Warn that the examples at lines (or CSV rows) ``where`` of ``path`` have a label and no text,
    naming how many and the first five.

    They are kept, as empty texts, not refused or dropped: the Kim (2014) files of CR and MPQA have
    such lines (4 and 3), and their published sizes (3,775 and 10,606 examples) and the
    cross-validation folds that others report on count them.
    """
    if not where:
        return
    n = len(where)
    shown = ", ".join(str(i) for i in where[:5]) + (", ..." if n > 5 else "")
    what = (
        f"1 example has a label and no text ({unit} {shown}); it is"
        if n == 1
        else (f"{n:,} examples have a label and no text ({unit}s {shown}); they are")
    )
    warnings.warn(f"{path}: {what} kept as empty texts", EmbedkitWarning, stacklevel=3)


def detect_dataset_format(path: str | os.PathLike) -> DatasetFormat:
    """``"csv"`` for header-less ``"LABEL","TEXT"`` files, ``"label-text"`` for ``LABEL TEXT`` lines,
    ``"table"`` for a CSV/TSV file with a header row. Looks at the first non-blank line."""
    path = require_file(path, "dataset file")
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        first = next((ln for ln in f if ln.strip()), None)
    if first is None:
        raise DataFileError(f"{path}: the file is empty")
    if _CSV_RE.match(first):
        return "csv"
    if _LABEL_TEXT_RE.match(first):
        return "label-text"
    if path.suffix.lower() in {".csv", ".tsv", ".tab"}:
        return "table"
    raise DataFileError(f"{path}: unknown dataset format (expected 'LABEL TEXT' lines or a CSV file)")


def read_dataset(
    path: str | os.PathLike,
    *,
    format: DatasetFormat | Literal["auto"] = "auto",
    text_column: str = "text",
    label_column: str = "label",
    class_names: Sequence[str] | None = None,
    encoding: str = "auto",
) -> TextDataset:
    """Read any supported file, detecting its format (see :func:`detect_dataset_format`) and, by
    default, its encoding (see :func:`~embedkit.text.detect_encoding`).

    Raises :class:`~embedkit.errors.MissingFileError` (a ``FileNotFoundError``) for a missing file,
    ``no such dataset file: 'PATH'``, and :class:`~embedkit.errors.DataFileError` naming the file
    and line for a malformed one.
    """
    fmt = detect_dataset_format(path) if format == "auto" else format
    if fmt == "label-text":
        return read_label_text(path, class_names=class_names, encoding=encoding)
    if fmt == "csv":
        return read_csv_classes(path, classes=class_names, encoding=encoding)
    if fmt == "table":
        return read_table(
            path, text_column=text_column, label_column=label_column, class_names=class_names, encoding=encoding
        )
    raise InvalidArgumentError(f"unknown format {format!r}; expected 'auto', 'label-text', 'csv' or 'table'")


# -- the downstream datasets of a comparison ---------------------------------------------------
DOWNSTREAM_FILES = {
    "mr": "sentiment/mr/mr.txt",
    "dbpedia": "ontology/dbpedia/train.csv",
    "subj": "sentiment/subj/subj.txt",
    "cr": "sentiment/cr/cr.txt",
    "mpqa": "sentiment/mpqa/mpqa.txt",
    "agnews": "topic/agnews/train.csv",
    "sst2": "sentiment/sst2/train.txt",
    "trec": "questions/trec/train.txt",
}


def dataset_path(ds: str, data_dir: str | os.PathLike) -> Path:
    """The file of downstream dataset ``ds``: a name from ``DOWNSTREAM_FILES`` under the datasets
    folder ``data_dir``, or a path; raises :class:`~embedkit.errors.MissingFileError` when it is not there."""
    if ds in DOWNSTREAM_FILES:
        hint = f"the downstream dataset {ds!r}: set EMBEDKIT_DATA or pass a path"
        return require_file(Path(data_dir) / DOWNSTREAM_FILES[ds], "dataset file", hint=hint)
    return require_file(ds, "dataset file")


# -- splits -------------------------------------------------------------------------------------
def train_dev_split(data: TextDataset, *, dev_fraction: float = 0.1, seed: int = 0) -> tuple[TextDataset, TextDataset]:
    """A seeded stratified split: every class keeps (nearly) its share in both parts.

    Same as scikit-learn's ``train_test_split(..., stratify=labels, random_state=seed)``; data too
    small to split so (a class with one example, fewer dev or training examples than classes) is a
    :class:`~embedkit.errors.DataError` saying why.
    """
    if not 0.0 < dev_fraction < 1.0:
        raise InvalidArgumentError(f"dev_fraction must be in (0, 1), got {dev_fraction}")
    from sklearn.model_selection import train_test_split

    counts = np.bincount(data.labels, minlength=data.num_classes)
    present = np.flatnonzero(counts)
    n_dev = math.ceil(dev_fraction * len(data))  # as scikit-learn rounds
    why = ""
    if len(present) and counts[present].min() < 2:
        why = f"class {data.class_names[int(present[np.argmin(counts[present])])]!r} has 1 example"
    elif min(n_dev, len(data) - n_dev) < len(present):
        why = f"{dev_fraction:g} of {_examples(len(data))} leaves {n_dev} for dev, {len(data) - n_dev} for training"
        why += f", fewer than the {len(present)} classes"
    if why:
        where = f"{data.source}: " if data.source else ""
        raise DataError(f"{where}cannot hold out a stratified dev split: {why}")

    idx = np.arange(len(data))
    tr, dv = train_test_split(idx, test_size=dev_fraction, stratify=data.labels, random_state=seed)
    return data.subset(tr), data.subset(dv)


def _examples(n: int) -> str:
    return "1 example" if n == 1 else f"{n:,} examples"


def kfold(data: TextDataset, k: int = 10, *, seed: int = 0) -> Iterator[tuple[TextDataset, TextDataset]]:
    """Stratified, shuffled (seeded) k-fold cross-validation: yields ``(train, test)`` k times.

    The folds are scikit-learn's ``StratifiedKFold(k, shuffle=True, random_state=seed)``.

    A class with fewer examples than ``k`` is absent from some test folds: an
    :class:`~embedkit.errors.EmbedkitWarning` names it (scikit-learn's own warning, which names its
    ``n_splits``, is not shown); when no class has ``k`` examples the folds cannot be made, a
    :class:`~embedkit.errors.DataError`.
    """
    if k < 2:
        raise InvalidArgumentError(f"k must be >= 2, got {k}")
    from sklearn.model_selection import StratifiedKFold

    counts = np.bincount(data.labels, minlength=data.num_classes)
    where = f"{data.source}: " if data.source else ""
    if len(data) and k > counts.max():
        raise DataError(f"{where}{k} folds, but no class has {k} examples (the largest has {counts.max()})")
    present = np.flatnonzero(counts)
    rare = present[counts[present] < k]
    if len(rare):
        smallest = int(rare[np.argmin(counts[rare])])
        others = f" ({len(rare) - 1} more class{'es' if len(rare) > 2 else ''} too)" if len(rare) > 1 else ""
        warnings.warn(
            f"{where}class {data.class_names[smallest]!r} has {_examples(counts[smallest])}{others}, fewer than "
            f"the {k} folds: some folds test none of it",
            EmbedkitWarning,
            stacklevel=2,
        )
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        splits = list(skf.split(np.zeros(len(data)), data.labels))
    for i, (tr, te) in enumerate(splits):
        yield data.subset(tr, name=f"{data.name}-fold{i}-train"), data.subset(te, name=f"{data.name}-fold{i}-test")
