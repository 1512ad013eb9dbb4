"""Labels across files: a dev or test file's classes matched to the training file's, and the check
that training data has two classes or more."""

from __future__ import annotations

import re

import numpy as np

from ..errors import LabelError
from .datasets import TextDataset

__all__ = ["align_labels", "check_classes"]


def align_labels(
    data: TextDataset, train: TextDataset, *, role: str = "dev", drop_unseen: bool = False
) -> tuple[TextDataset, int]:
    """``data`` relabelled with ``train``'s class ids, matched by class name (two files may number
    their classes differently), and how many examples were dropped.

    A label that no example of ``train`` has (the classifier never saw it, and would be scored
    wrong on it, or crash) is a :class:`~embedkit.errors.LabelError` naming the file and the
    labels (and the ``classes.txt`` that named the training classes), unless ``drop_unseen``: then
    those examples are dropped, and the caller is told how many (it warns).

    When ``train``'s class names come from a ``classes.txt`` and ``data`` has none, so that its
    class names are its label numbers (from 1), ``data``'s labels are read with ``train``'s list:
    the official DBpedia and AG News archives hold one ``classes.txt`` for both their ``train.csv``
    and ``test.csv``. A number the list does not reach is an unseen label as above.

    Examples
    --------
    >>> tr = TextDataset(["good", "bad"], [0, 1], ("pos", "neg"))
    >>> dv = TextDataset(["fine", "awful", "meh"], [1, 0, 2], ("neg", "pos", "mixed"), source="dev.txt")
    >>> align_labels(dv, tr)
    Traceback (most recent call last):
    ...
    embedkit.errors.LabelError: dev.txt: 1 dev example has a label that the training data never had: 'mixed'; drop those ...
    >>> ds, dropped = align_labels(dv, tr, drop_unseen=True)
    >>> ds.label_names(), ds.labels.tolist(), dropped
    (['pos', 'neg'], [0, 1], 1)
    """
    data = _numbered_as(data, train)
    present = {train.class_names[i] for i in np.unique(train.labels)}
    index = {c: i for i, c in enumerate(train.class_names)}
    named = f" (the training class names are from {train.classes_file})" if train.classes_file else ""
    names = data.label_names()
    keep = [i for i, c in enumerate(names) if c in present]
    dropped = len(names) - len(keep)
    if dropped:
        unseen = sorted({c for c in names if c not in present}, key=lambda c: (len(c), c))
        where = f"{data.source}: " if data.source else ""
        listed = ", ".join(repr(c) for c in unseen[:10]) + (" ..." if len(unseen) > 10 else "")
        examples = "1 " + role + " example has a label" if dropped == 1 else f"{dropped} {role} examples have labels"
        if not drop_unseen:
            raise LabelError(
                f"{where}{examples} that the training data never had: {listed}{named}; "
                "drop those examples with drop_unseen_labels=True (--drop-unseen-labels)"
            )
        if not keep:
            raise LabelError(
                f"{where}no {role} example has a label that the training data had (unseen: {listed}){named}"
            )
    return (
        TextDataset(
            tuple(data.texts[i] for i in keep),
            np.asarray([index[names[i]] for i in keep], dtype=np.int64),
            train.class_names,
            data.name,
            data.source,
            train.classes_file,
        ),
        dropped,
    )


def _numbered_as(data: TextDataset, train: TextDataset) -> TextDataset:
    """``data`` with its label numbers named by ``train``'s ``classes.txt``, where ``data`` has no class
    list of its own and its class names are label numbers from 1; else ``data``. A number past the
    end of the list keeps its name, so the caller's error names it."""
    if not train.classes_file or data.classes_file:
        return data
    if not all(re.fullmatch(r"[1-9][0-9]*", c) for c in data.class_names):
        return data
    names = tuple(train.class_names[int(c) - 1] if int(c) <= train.num_classes else c for c in data.class_names)
    return TextDataset(data.texts, data.labels, names, data.name, data.source, train.classes_file)


def check_classes(train: TextDataset) -> None:
    """Raise :class:`~embedkit.errors.LabelError` unless ``train``'s examples have two classes or more.

    Examples
    --------
    >>> check_classes(TextDataset(["a", "b"], [0, 0], ("x",)))
    Traceback (most recent call last):
    ...
    embedkit.errors.LabelError: training data has one class 'x'; a classifier needs at least two
    """
    present = np.unique(train.labels)
    if len(present) < 2:
        where = f"{train.source}: " if train.source else ""
        only = f"one class {train.class_names[int(present[0])]!r}" if len(present) else "no examples"
        raise LabelError(f"{where}training data has {only}; a classifier needs at least two")
