"""The attention weights of any transformer embedkit loads, on one text, as an
:class:`~embedkit.sequences.AttentionMap` (one map per layer and head, labelled ``layer L head H`` from 1)
that :func:`embedkit.viz.attention.plot_attention` draws as one head or a grid of every layer x head:

- a Hugging Face encoder (``minilm`` or a folder): self-attention over its word pieces, [CLS] and [SEP]
  included (transformers' ``output_attentions``);
- an embedkit transformer language model: its causal self-attention over the tokens it reads (the start
  token first, see :mod:`embedkit.contextual.own`); an embedkit transformer classifier: its self-attention
  over its tokens (after ``[CLS]`` when it pools by it);
- an embedkit seq2seq model: ``part="cross"`` (the default) the decoder's attention to the source while it
  translates greedily (any model with attention); for the transformer also ``"encoder"`` (self-attention
  over the source) and ``"decoder"`` (the decoder's causal self-attention over its inputs, ``<go>`` and the
  output so far, row by row for each output token).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import DataError, InvalidArgumentError
from ..sequences.data import AttentionMap
from .api import load_encoder
from .own import OwnTransformer, load_transformer, names_encoder, require_model, split_tokens

if TYPE_CHECKING:
    from ..nn.contextual import Encoder

__all__ = ["PARTS", "Part", "attention_map"]

Part = Literal["self", "encoder", "decoder", "cross"]
PARTS: tuple[str, ...] = ("self", "encoder", "decoder", "cross")
"""The attentions :func:`attention_map` reads: ``self`` (an encoder's or a language model's), and a seq2seq
model's ``encoder`` (self-attention), ``decoder`` (self-attention) and ``cross`` (decoder to source)."""


def _labels(layers: int, heads: int) -> list[str]:
    return [f"layer {i + 1} head {j + 1}" for i in range(layers) for j in range(heads)]


def _shown(token: str) -> str:
    return {"\n": "\\n", " ": "␣", "\t": "\\t"}.get(token, token)


def _load(model: Any) -> Any:
    """A loaded model: a Hugging Face encoder, an embedkit transformer language model, or a seq2seq model."""
    if not isinstance(model, str | os.PathLike):
        return model
    require_model(model)
    if names_encoder(model):
        return load_encoder(model)
    path = Path(model).expanduser()
    from ..nn.runtime.checkpoint import load_checkpoint, resolve_checkpoint

    if load_checkpoint(resolve_checkpoint(path))["extra"].get("kind") == "seq2seq":
        from ..sequences.api import load_seq2seq

        return load_seq2seq(path)
    return load_transformer(path)


def _self_map(tokens: list[str], weights: Any, name: str, what: str, text: str) -> AttentionMap:
    layers, heads = weights.shape[0], weights.shape[1]
    shown = [_shown(t) for t in tokens]
    return AttentionMap(
        shown,
        shown,
        weights.reshape(layers * heads, len(tokens), len(tokens)),
        _labels(layers, heads),
        source=text,
        model=name,
        x_label="attended token",
        y_label="token",
        heading=f"{name}: {what}\n{text}",
    )


def attention_map(
    model: str | os.PathLike | Encoder | OwnTransformer | Any, text: str, *, part: Part | None = None
) -> AttentionMap:
    """The attention weights of ``model`` on ``text`` (see the module's summary): ``model`` is a named model,
    a Hugging Face folder, an embedkit language-model or seq2seq file, or one of them loaded; ``part`` is
    ``"self"`` for an encoder or language model and ``"cross"`` (default), ``"encoder"`` or ``"decoder"`` for
    a seq2seq model. Each map's rows sum to 1."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgumentError("the text is empty: give a sentence to read")
    if part is not None and part not in PARTS:
        raise InvalidArgumentError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
    loaded = _load(model)
    if isinstance(loaded, OwnTransformer) and loaded.kind == "seq2seq":
        loaded = loaded.trained
    if hasattr(loaded, "src_vocab"):  # a seq2seq model: named by its file where it was given one
        kind = loaded.config.model
        name = f"{Path(model).name} ({kind})" if isinstance(model, str | os.PathLike) else kind
        return _seq2seq_map(loaded, text, part or "cross", name)
    if part not in (None, "self"):
        raise InvalidArgumentError(f"part {part!r} applies to a seq2seq model; this model has self-attention only")
    if isinstance(loaded, OwnTransformer):
        from ..nn.introspect import own_states

        split = split_tokens(loaded, text)
        _, att = own_states(loaded, split.ids)
        what = "self-attention (causal)" if loaded.kind == "lm" else "self-attention"
        return _self_map(split.tokens, att.numpy(), loaded.name, what, text)
    from ..nn.contextual import attention_weights

    tokens, weights = attention_weights(loaded, text)
    return _self_map(tokens, weights, loaded.folder.name, "self-attention", text)


def _seq2seq_map(trained: Any, text: str, part: str, name: str) -> AttentionMap:
    if part == "self":
        raise InvalidArgumentError("a seq2seq model has encoder, decoder and cross attention: choose one of them")
    cross = trained.attention(text)  # checks the source, and decodes greedily
    if part == "cross":
        return cross
    if trained.config.model != "transformer":
        raise InvalidArgumentError(
            f"part {part!r} applies to a transformer; the {trained.config.model!r} model has cross attention only"
        )
    import torch

    from ..nn.introspect import decoder_attention, encoder_states
    from ..sequences.data import split_units

    device = trained.device
    src_tokens = split_units(text, trained.config.src_unit)
    src = torch.tensor([trained.src_vocab.encode(src_tokens).tolist()], dtype=torch.long, device=device)
    if part == "encoder":
        _, att = encoder_states(trained.model, src)
        return _self_map(src_tokens, att[0].float().cpu().numpy(), name, "encoder self-attention", text)
    out = list(cross.output_tokens)
    if not out:
        raise DataError(f"the model wrote nothing for {text!r}: no decoder attention to show")
    inputs = ["<go>", *out[:-1]]
    tgt_in = torch.tensor([trained.tgt_vocab.encode(inputs).tolist()], dtype=torch.long, device=device)
    own, _ = decoder_attention(trained.model, src, tgt_in)
    w = own[0].float().cpu().numpy()  # (layers, heads, T, T)
    layers, heads = w.shape[0], w.shape[1]
    return AttentionMap(
        [_shown(t) for t in inputs],
        [_shown(t) for t in out],
        w.reshape(layers * heads, len(out), len(out)),
        _labels(layers, heads),
        source=cross.source,
        output=cross.output,
        model=name,
        x_label="decoder input",
        y_label="output",
        heading=f"{name}: decoder self-attention\n{cross.source} → {cross.output}",
    )
