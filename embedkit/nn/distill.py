"""The torch side of model2vec's distillation: every piece of a vocabulary passed through the encoder
alone, between the tokenizer's special tokens (``[CLS] piece [SEP]`` for BERT), its vector the mean of
the last layer's outputs over that short sequence (model2vec's ``create_embeddings``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..progress import progress_bar
from .contextual import Encoder

__all__ = ["piece_vectors", "special_ids"]


def special_ids(encoder: Encoder) -> tuple[list[int], list[int]]:
    """The special token ids the tokenizer puts before and after a text (``[CLS]`` and ``[SEP]``
    for BERT), read from its encoding of the empty text."""
    ids = encoder.tokenizer.encode("", add_special_tokens=True).ids
    return list(ids[:1]), list(ids[1:])


def piece_vectors(encoder: Encoder, ids: Sequence[int], *, batch_size: int, progress: bool) -> np.ndarray:
    """One vector per piece id, (len(ids), C) float32 in input order: the mean over the sequence
    ``head + [id] + tail`` of the last hidden state (every position counted: no padding, all the same length)."""
    head, tail = special_ids(encoder)
    out = np.zeros((len(ids), encoder.dim), dtype=np.float32)
    with (
        torch.inference_mode(),
        progress_bar(desc="distill", total=len(ids), unit="piece", enabled=progress) as bar,
    ):
        for start in range(0, len(ids), batch_size):
            chunk = [int(i) for i in ids[start : start + batch_size]]
            batch = torch.tensor([[*head, i, *tail] for i in chunk], dtype=torch.long)  # (B, T)
            hidden = encoder.model(
                input_ids=batch, attention_mask=torch.ones_like(batch)
            ).last_hidden_state  # (B, T, C)
            out[start : start + len(chunk)] = hidden.mean(dim=1).float().numpy()
            bar.update(len(chunk))
    return out
