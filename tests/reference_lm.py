"""A plain numpy forward pass of embedkit's transformer language model and attention, written from
the architecture (Vaswani et al.; GPT's pre-norm blocks), the oracle of the introspection tests
(``tests/nn/test_introspect.py``, ``tests/contextual/test_own.py``, ``tests/contextual/test_attention.py``)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["heads_attention", "layer_norm", "numpy_lm", "to_numpy"]


def to_numpy(t) -> np.ndarray:
    """A torch tensor as float64 numpy."""
    return t.detach().double().numpy()


def layer_norm(x: np.ndarray, ln) -> np.ndarray:
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + ln.eps) * to_numpy(ln.weight) + to_numpy(ln.bias)


def softmax(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def heads_attention(q: np.ndarray, k: np.ndarray, heads: int, causal: bool) -> np.ndarray:
    t, c = q.shape
    d = c // heads
    qh, kh = q.reshape(t, heads, d).transpose(1, 0, 2), k.reshape(-1, heads, d).transpose(1, 0, 2)
    s = qh @ kh.transpose(0, 2, 1) / math.sqrt(d)  # (H, T, S)
    if causal:
        s = np.where(np.triu(np.ones((t, t), bool), 1), -np.inf, s)
    return softmax(s)


def numpy_lm(model, ids: list[int]) -> tuple[list[np.ndarray], np.ndarray]:
    """The transformer LM's forward pass in numpy: hidden states (layer 0 .. L, the last after ln_f) and
    attention (L, H, T, T)."""
    from scipy.special import erf

    x = to_numpy(model.embedding.weight)[ids] + to_numpy(model.pos.weight)[: len(ids)]
    hidden, atts = [x], []
    for blk in model.blocks:
        h = layer_norm(x, blk.ln1)
        qkv = h @ to_numpy(blk.attn.qkv.weight).T + to_numpy(blk.attn.qkv.bias)
        q, k, v = np.split(qkv, 3, axis=1)
        a = heads_attention(q, k, blk.attn.heads, causal=True)  # (H, T, T)
        atts.append(a)
        d = v.shape[1] // blk.attn.heads
        y = np.concatenate([a[i] @ v[:, i * d : (i + 1) * d] for i in range(blk.attn.heads)], axis=1)
        x = x + y @ to_numpy(blk.attn.proj.weight).T + to_numpy(blk.attn.proj.bias)
        f = layer_norm(x, blk.ln2) @ to_numpy(blk.mlp.fc.weight).T + to_numpy(blk.mlp.fc.bias)
        x = x + (0.5 * f * (1 + erf(f / math.sqrt(2)))) @ to_numpy(blk.mlp.proj.weight).T + to_numpy(blk.mlp.proj.bias)
        hidden.append(x)
    hidden[-1] = layer_norm(x, model.ln_f)
    return hidden, np.stack(atts)
