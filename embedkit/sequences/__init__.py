"""Sequence models' torch-free front: parallel text, the numbers tasks, metrics and the encoder-decoder
configuration; :mod:`embedkit.sequences.api` trains and loads the models (torch, imported when used)."""

from __future__ import annotations

from typing import Any

from .config import ATTENTIONS, SEQ2SEQ_MODELS, Seq2SeqConfig
from .data import (
    EOS,
    GO,
    PAD,
    UNK,
    AttentionMap,
    Pair,
    Splits,
    Translation,
    Unit,
    join_units,
    read_pairs,
    split_pairs,
    split_units,
)
from .metrics import Seq2SeqScores, score_outputs
from .tasks import TASKS, load_task, number_phrase, task_units

__all__ = [
    "ATTENTIONS",
    "EOS",
    "GO",
    "PAD",
    "SEQ2SEQ_MODELS",
    "TASKS",
    "UNK",
    "AttentionMap",
    "Pair",
    "Seq2SeqConfig",
    "Seq2SeqScores",
    "Splits",
    "TrainedSeq2Seq",
    "Translation",
    "Unit",
    "join_units",
    "load_seq2seq",
    "load_task",
    "number_phrase",
    "read_pairs",
    "score_outputs",
    "split_pairs",
    "split_units",
    "task_units",
    "train_seq2seq",
]

_LAZY = {"train_seq2seq", "load_seq2seq", "TrainedSeq2Seq"}


def __getattr__(name: str) -> Any:
    # api.py imports nothing heavy at module level, but keep it out of `import embedkit.sequences` anyway
    if name in _LAZY:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
