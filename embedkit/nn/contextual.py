"""A pretrained transformer encoder (any local Hugging Face folder) run with torch: sentence vectors
with the model's own pooling and normalisation, and the hidden states of one layer mapped from word
pieces back to words. Weights are read from ``model.safetensors`` only, from local files only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from ..contextual.models import ModelFolder
from ..errors import ModelFileError
from ..progress import progress_bar

__all__ = ["Encoder", "PieceBatch", "attention_weights", "load_encoder", "pool", "sentence_vectors", "token_vectors"]

PieceMode = Literal["mean", "first"]


@dataclass(frozen=True)
class Encoder:
    """A loaded encoder: the torch model (in eval mode), its fast tokenizer (no padding, truncated to
    ``max_length`` pieces), the folder it came from, and its number of layers."""

    folder: ModelFolder
    model: Any
    tokenizer: Any
    max_length: int
    num_layers: int
    dim: int


def load_encoder(folder: ModelFolder) -> Encoder:
    """Load the model and tokenizer of a checked folder, offline: ``local_files_only``, safetensors."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # before transformers reads it: no request is ever attempted
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from tokenizers import Tokenizer
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # its "Loading weights" bar: embedkit shows its own progress
    try:
        model = AutoModel.from_pretrained(str(folder.path), local_files_only=True, use_safetensors=True)
        tokenizer = Tokenizer.from_file(str(folder.path / "tokenizer.json"))
    except Exception as exc:  # noqa: BLE001 - any library failure is the folder's
        raise ModelFileError(folder.path, f"not a loadable model folder ({' '.join(str(exc).split())[:300]})") from None
    finally:
        if shown:
            hf_logging.enable_progress_bar()
    model.eval()
    config = model.config
    limit = int(getattr(config, "max_position_embeddings", 512) or 512)
    max_length = min(folder.max_length, limit) if folder.max_length else limit
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    return Encoder(
        folder=folder,
        model=model,
        tokenizer=tokenizer,
        max_length=max_length,
        num_layers=int(config.num_hidden_layers),
        dim=int(config.hidden_size),
    )


@dataclass(frozen=True)
class PieceBatch:
    """One batch: the sentences' row numbers, their tokenizer encodings, and the padded tensors."""

    rows: list[int]
    encodings: list[Any]
    ids: torch.Tensor  # (B, T)
    mask: torch.Tensor  # (B, T)


def _batches(encoder: Encoder, sentences: Sequence[str], batch_size: int) -> Iterator[PieceBatch]:
    """Batches of sentences of similar length (longest first, ties in input order): less padding,
    and the same batches, so the same result, for the same input."""
    encodings = encoder.tokenizer.encode_batch(list(sentences))
    order = sorted(range(len(sentences)), key=lambda i: (-len(encodings[i].ids), i))
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        encs = [encodings[i] for i in rows]
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for j, e in enumerate(encs):
            ids[j, : len(e.ids)] = e.ids
            mask[j, : len(e.ids)] = 1
        yield PieceBatch(rows, encs, torch.from_numpy(ids), torch.from_numpy(mask))


def pool(hidden: torch.Tensor, mask: torch.Tensor, mode: str) -> torch.Tensor:
    """Pool token states ``hidden`` (B, T, C) over the unmasked pieces as sentence-transformers'
    ``Pooling`` does: ``mean``, ``cls``, ``max`` or ``mean_sqrt_len``. Returns (B, C)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
    if mode == "cls":
        return hidden[:, 0]
    if mode == "max":
        return torch.where(m.bool(), hidden, torch.full_like(hidden, -1e9)).max(dim=1).values
    summed = (hidden * m).sum(dim=1)  # (B, C)
    count = m.sum(dim=1).clamp(min=1e-9)  # (B, 1)
    return summed / (count.sqrt() if mode == "mean_sqrt_len" else count)


def sentence_vectors(
    encoder: Encoder, sentences: Sequence[str], *, batch_size: int, normalize: bool, progress: bool
) -> np.ndarray:
    """One vector per sentence, (N, C) float32, in input order."""
    out = np.zeros((len(sentences), encoder.dim), dtype=np.float32)
    with (
        torch.inference_mode(),
        progress_bar(desc="encode", total=len(sentences), unit="sentence", enabled=progress) as bar,
    ):
        for batch in _batches(encoder, sentences, batch_size):
            hidden = encoder.model(input_ids=batch.ids, attention_mask=batch.mask).last_hidden_state  # (B, T, C)
            vectors = pool(hidden, batch.mask, encoder.folder.pooling)
            if normalize:
                vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
            out[batch.rows] = vectors.float().numpy()
            bar.update(len(batch.rows))
    return out


def _words(encoding: Any, sentence: str, hidden: np.ndarray, pieces: PieceMode) -> tuple[list[str], np.ndarray]:
    """Map the pieces of one sentence (their rows of ``hidden``, (T, C)) back to the words the
    tokenizer's pre-tokenizer made: each word's text from its pieces' character offsets, its vector the
    mean of its pieces or its first piece. Special tokens ([CLS], [SEP]) belong to no word."""
    groups: dict[int, list[int]] = {}
    for t, w in enumerate(encoding.word_ids):
        if w is not None and encoding.special_tokens_mask[t] == 0:
            groups.setdefault(w, []).append(t)
    words, rows = [], []
    for pieces_at in groups.values():
        start, end = encoding.offsets[pieces_at[0]][0], encoding.offsets[pieces_at[-1]][1]
        words.append(sentence[start:end])
        rows.append(hidden[pieces_at].mean(axis=0) if pieces == "mean" else hidden[pieces_at[0]])
    matrix = np.stack(rows).astype(np.float32) if rows else np.zeros((0, hidden.shape[1]), np.float32)
    return words, matrix


def token_vectors(
    encoder: Encoder,
    sentences: Sequence[str],
    *,
    layers: Sequence[int],
    pieces: PieceMode,
    batch_size: int,
    progress: bool,
) -> list[tuple[list[str], np.ndarray]]:
    """Each sentence's words and their vectors at each of ``layers`` (0: the embedding layer's output),
    (len(layers), words, C), in input order: one forward pass for all the layers."""
    empty = np.zeros((len(layers), 0, encoder.dim), np.float32)
    out: list[tuple[list[str], np.ndarray]] = [([], empty)] * len(sentences)
    with (
        torch.inference_mode(),
        progress_bar(desc="encode", total=len(sentences), unit="sentence", enabled=progress) as bar,
    ):
        for batch in _batches(encoder, sentences, batch_size):
            result = encoder.model(input_ids=batch.ids, attention_mask=batch.mask, output_hidden_states=True)
            states = np.stack([result.hidden_states[at].float().numpy() for at in layers], axis=1)  # (B, K, T, C)
            for j, row in enumerate(batch.rows):
                n = len(batch.encodings[j].ids)
                words: list[str] = []
                per_layer: list[np.ndarray] = []
                for k in range(len(layers)):
                    words, matrix = _words(batch.encodings[j], sentences[row], states[j, k, :n], pieces)
                    per_layer.append(matrix)
                out[row] = (words, np.stack(per_layer))
            bar.update(len(batch.rows))
    return out


def attention_weights(encoder: Encoder, text: str) -> tuple[list[str], np.ndarray]:
    """The pieces of ``text`` (with [CLS] and [SEP]) and the model's attention weights on them, (layers,
    heads, T, T): transformers' ``output_attentions``, computed with its plain ("eager") attention, the
    one that returns them; the model's own attention is put back after."""
    enc = encoder.tokenizer.encode(text)
    ids = torch.tensor([enc.ids], dtype=torch.long)  # (1, T)
    model = encoder.model
    before = model.config._attn_implementation
    model.set_attn_implementation("eager")
    try:
        with torch.inference_mode():
            out = model(input_ids=ids, attention_mask=torch.ones_like(ids), output_attentions=True)
    finally:
        model.set_attn_implementation(before)
    return list(enc.tokens), torch.stack(out.attentions, dim=1)[0].float().numpy()  # (L, H, T, T)
