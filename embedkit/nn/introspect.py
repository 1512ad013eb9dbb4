"""The per-layer hidden states and attention weights of embedkit's own transformers, read through
forward hooks, so the models' code keeps its one forward contract:

- the transformer language model (:class:`~embedkit.nn.lm.transformer.TransformerLM`);
- the seq2seq transformer's encoder (self-attention over the source) and decoder (causal
  self-attention and cross-attention to the source);
- the transformer text classifier (:class:`~embedkit.nn.classifiers.models.TransformerClassifier`), whose
  layer 0 is its projected embeddings plus positions (after its ``[CLS]`` vector when it pools by it).

Hidden states follow Hugging Face's convention: layer 0 is the input of the first block (token
embeddings plus positions), layer ``i`` the output of block ``i``, and the last layer has the model's
final layer norm applied (it is what the model's output layer, or the decoder, reads). Attention
weights are recomputed from each attention module's own input and weights: (layers, heads, T_query,
T_key), each row summing to 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import torch
from torch import nn

from ..contextual.own import OwnTransformer, split_tokens
from ..errors import DataError
from ..progress import progress_bar

__all__ = [
    "classifier_states",
    "decoder_attention",
    "encoder_states",
    "lm_states",
    "own_sentence_vectors",
    "own_states",
    "own_token_vectors",
]


def _qkv_attention(module: Any, x: torch.Tensor, heads: int, causal: bool, rope: Any = None) -> torch.Tensor:
    """The weights of an attention module with one ``qkv`` projection (the LM's
    :class:`~embedkit.nn.lm.transformer.CausalSelfAttention`, the classifier's ``MultiHeadSelfAttention``)
    on its input ``x`` (B, T, C) without padding: softmax(q k^T / sqrt(hd) [+ causal mask]), the queries and
    keys rotated by ``rope`` and the mask banded by the module's ``window`` where it has them. Returns (B, nh, T, T)."""
    from .lm.rope import band_mask, rotate

    b, t, c = x.shape
    q, k, _ = module.qkv(x).split(c, dim=2)  # 2 x (B, T, C)
    q = q.view(b, t, heads, c // heads).transpose(1, 2)  # (B, nh, T, hd)
    k = k.view(b, t, heads, c // heads).transpose(1, 2)  # (B, nh, T, hd)
    if rope is not None:
        q, k = rotate(q, *rope), rotate(k, *rope)
    att = (q @ k.transpose(-2, -1)) / math.sqrt(c // heads)  # (B, nh, T, T)
    if causal:
        window = getattr(module, "window", None)
        future = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        att = att.masked_fill(future if window is None else ~band_mask(t, t, window, x.device), float("-inf"))
    return att.softmax(dim=-1)


class _Recorder:
    """Forward hooks that keep the inputs and outputs of modules, removed on exit."""

    def __init__(self) -> None:
        self.handles: list[Any] = []
        self.inputs: dict[int, tuple[tuple, dict]] = {}
        self.outputs: dict[int, Any] = {}

    def keep_input(self, key: int, module: nn.Module) -> None:
        def hook(_m: nn.Module, args: tuple, kwargs: dict) -> None:
            self.inputs[key] = (args, dict(kwargs))

        self.handles.append(module.register_forward_pre_hook(hook, with_kwargs=True))

    def keep_output(self, key: int, module: nn.Module) -> None:
        def hook(_m: nn.Module, _args: tuple, out: Any) -> None:
            self.outputs[key] = out

        self.handles.append(module.register_forward_hook(hook))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        for h in self.handles:
            h.remove()


def _mha_weights(mha: Any, args: tuple, kwargs: dict) -> torch.Tensor:
    """Call ``mha`` again on the inputs it had, asking for its per-head weights: (B, heads, T, S)."""
    asked = {**kwargs, "need_weights": True, "average_attn_weights": False}
    return mha(*args, **asked)[1]


@torch.no_grad()
def lm_states(model: Any, ids: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """A transformer language model on one window ``ids`` (B, T), T <= its block (any T with rope positions), from
    position 0: the hidden states (layers + 1 tensors (B, T, C)) and the attention weights (B, layers, heads, T, T)."""
    blocks = list(model.blocks)
    with _Recorder() as rec:
        rec.keep_input(-1, blocks[0])
        for i, blk in enumerate(blocks):
            rec.keep_output(i, blk)
            rec.keep_input(100 + i, blk.attn)
        last = model.encode(ids)  # (B, T, C): after the final layer norm
    hidden = [rec.inputs[-1][0][0]] + [rec.outputs[i] for i in range(len(blocks) - 1)] + [last]
    att = []
    for i, b in enumerate(blocks):
        args = rec.inputs[100 + i][0]  # (x,) or, with rope positions, (x, rope)
        att.append(_qkv_attention(b.attn, args[0], b.attn.heads, True, args[1] if len(args) > 1 else None))
    return hidden, torch.stack(att, 1)


@torch.no_grad()
def classifier_states(model: Any, ids: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """The transformer classifier on unpadded texts ``ids`` (B, T): the hidden states (layers + 1 tensors
    (B, T', C), T' = T + 1 with a ``[CLS]`` vector in front) and the attention weights (B, layers, heads,
    T', T')."""
    blocks = list(model.blocks)
    lengths = torch.full((ids.shape[0],), ids.shape[1], dtype=torch.long, device=ids.device)
    with _Recorder() as rec:
        rec.keep_input(-1, blocks[0])
        for i, blk in enumerate(blocks):
            rec.keep_output(i, blk)
            rec.keep_input(100 + i, blk.attn)
        rec.keep_output(-1, model.ln_f)
        model(ids, lengths)
    hidden = [rec.inputs[-1][0][0]] + [rec.outputs[i] for i in range(len(blocks) - 1)] + [rec.outputs[-1]]
    att = torch.stack(
        [_qkv_attention(b.attn, rec.inputs[100 + i][0][0], b.attn.num_heads, False) for i, b in enumerate(blocks)],
        1,
    )
    return hidden, att


@torch.no_grad()
def encoder_states(model: Any, src: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """The seq2seq transformer's encoder on sources ``src`` (B, S) without padding: the hidden states
    (layers + 1 tensors (B, S, C)) and the self-attention weights (B, layers, heads, S, S)."""
    pad = torch.zeros_like(src, dtype=torch.bool)  # (B, S): no padding
    blocks = list(model.enc_blocks)
    with _Recorder() as rec:
        rec.keep_input(-1, blocks[0])
        for i, blk in enumerate(blocks):
            rec.keep_output(i, blk)
            rec.keep_input(100 + i, blk.attn)
        last = model.encode(src, pad)  # (B, S, C): after the encoder's final norm
    hidden = [rec.inputs[-1][0][0]] + [rec.outputs[i] for i in range(len(blocks) - 1)] + [last]
    att = torch.stack([_mha_weights(b.attn, *rec.inputs[100 + i]) for i, b in enumerate(blocks)], 1)
    return hidden, att


@torch.no_grad()
def decoder_attention(model: Any, src: torch.Tensor, tgt_in: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The seq2seq transformer's decoder reading ``tgt_in`` (B, T) (``<go>`` then the output tokens) against
    the source ``src`` (B, S), without padding: its causal self-attention weights (B, layers, heads, T, T)
    and its cross-attention weights (B, layers, heads, T, S)."""
    pad = torch.zeros_like(src, dtype=torch.bool)
    blocks = list(model.dec_blocks)
    with _Recorder() as rec:
        for i, blk in enumerate(blocks):
            rec.keep_input(i, blk.self_attn)
            rec.keep_input(100 + i, blk.cross_attn)
        model.decode(tgt_in, model.encode(src, pad), pad)
    own = torch.stack([_mha_weights(b.self_attn, *rec.inputs[i]) for i, b in enumerate(blocks)], 1)
    cross = torch.stack([_mha_weights(b.cross_attn, *rec.inputs[100 + i]) for i, b in enumerate(blocks)], 1)
    return own, cross


def own_states(model: OwnTransformer, ids: Sequence[int]) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Hidden states and self-attention of one token sequence (a language model, a seq2seq encoder or a
    classifier; a ``[CLS]`` id of -1 is left to the classifier), batch dimension dropped: layers + 1
    tensors (T, C) and (layers, heads, T, T)."""
    net = model.trained.model
    device = next(net.parameters()).device
    x = torch.tensor([[i for i in ids if i >= 0]], dtype=torch.long, device=device)  # (1, T): no [CLS] id
    states = {"lm": lm_states, "seq2seq": encoder_states, "classifier": classifier_states}[model.kind]
    hidden, att = states(net, x)
    return [h[0].float().cpu() for h in hidden], att[0].float().cpu()


def own_token_vectors(
    model: OwnTransformer, sentences: Sequence[str], *, layers: Sequence[int], pieces: str, progress: bool
) -> list[tuple[list[str], np.ndarray]]:
    """Each sentence's words and their vectors at each of ``layers``, (len(layers), words, C), as
    :func:`embedkit.nn.contextual.token_vectors` gives them for a Hugging Face model: a word's vector
    is the mean of its tokens' (``pieces="mean"``) or its first token's."""
    out: list[tuple[list[str], np.ndarray]] = []
    with progress_bar(desc="encode", total=len(sentences), unit="sentence", enabled=progress) as bar:
        for sentence in sentences:
            split = split_tokens(model, sentence)
            if not split.words:
                out.append(([], np.zeros((len(layers), 0, model.dim), np.float32)))
                bar.update(1)
                continue
            hidden, _ = own_states(model, split.ids)
            groups: dict[int, list[int]] = {}
            for t, w in enumerate(split.word_of):
                if w is not None:
                    groups.setdefault(w, []).append(t)
            index = [groups[w] for w in range(len(split.words))]
            stack = torch.stack([hidden[at] for at in layers]).numpy()  # (K, T, C)
            rows = [stack[:, ts].mean(axis=1) if pieces == "mean" else stack[:, ts[0]] for ts in index]
            out.append((split.words, np.stack(rows, axis=1).astype(np.float32)))  # (K, W, C)
            bar.update(1)
    return out


def own_sentence_vectors(model: OwnTransformer, sentences: Sequence[str], *, progress: bool) -> np.ndarray:
    """One vector per sentence, (sentences, C): the mean of the last layer's states over the sentence's
    tokens that belong to a word (a start token, a character model's spaces and a classifier's ``[CLS]``
    left out), as MiniLM's own pooling means its last layer over the sentence's tokens."""
    out = np.zeros((len(sentences), model.dim), np.float32)
    with progress_bar(desc="encode", total=len(sentences), unit="sentence", enabled=progress) as bar:
        for i, sentence in enumerate(sentences):
            split = split_tokens(model, sentence)
            at = [t for t, w in enumerate(split.word_of) if w is not None]
            if not at:
                raise DataError(f"sentence {i} ({sentence!r}) has no word for {model.name} to encode")
            hidden, _ = own_states(model, split.ids)
            out[i] = hidden[-1][at].mean(dim=0).numpy()
            bar.update(1)
    return out
