"""Text generation from a trained language model: sampling (temperature, top-k), greedy and beam search.

The prompt is tokenized with the shared tokenizer and fed through the model; each generated word
is fed back in. ``<pad>`` and ``<unk>`` are never generated; ``</s>`` ends a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from ...errors import InvalidArgumentError
from ...text import PAD, UNK, tokenize
from ...training.corpus import EOS
from .train import TrainedLM

__all__ = ["Generation", "beam_search", "generate"]


@dataclass(frozen=True)
class Generation:
    """Generated words after a prompt, and their total log-probability under the model."""

    prompt: list[str]
    words: list[str]
    log_prob: float

    @property
    def text(self) -> str:
        """Prompt and continuation joined by spaces, ``</s>`` as a line break."""
        return " ".join(self.prompt + self.words).replace(f" {EOS} ", "\n").replace(f" {EOS}", "\n").replace(EOS, "\n")

    def to_dict(self) -> dict:
        return {"prompt": self.prompt, "words": self.words, "log_prob": self.log_prob, "text": self.text}


def _banned(lm: TrainedLM) -> list[int]:
    return [lm.vocab.index[w] for w in (PAD, UNK) if w in lm.vocab]


@torch.no_grad()
def _prime(lm: TrainedLM, prompt: str, batch: int):
    model = lm.model
    model.eval()
    device = next(model.parameters()).device
    words = tokenize(prompt, lower=True)
    eos = lm.vocab.index.get(EOS, lm.vocab.unk_id)
    # A new text starts after an end of line, as every line of the corpus does.
    ids = torch.tensor([[eos] + [lm.vocab[w] for w in words]] * batch, dtype=torch.long, device=device)
    h, state = model(ids, model.init_state(batch, device))  # (B, T, H)
    logp = model.log_probs(h[:, -1:])[:, 0]  # (B, V)
    return words, logp, state, device


@torch.no_grad()
def generate(
    lm: TrainedLM,
    prompt: str,
    n_words: int,
    *,
    method: Literal["sample", "greedy", "beam"] = "sample",
    temperature: float = 1.0,
    top_k: int | None = None,
    beam_size: int = 5,
    seed: int = 0,
) -> Generation:
    """Continue ``prompt`` by ``n_words`` words.

    Parameters
    ----------
    lm:
        A trained model (:func:`~embedkit.nn.lm.train.train_language_model` or
        :func:`~embedkit.nn.lm.train.load_language_model`).
    method:
        ``"sample"`` from the softmax at ``temperature``, restricted to the ``top_k`` most likely
        words if given; ``"greedy"`` takes the most likely word; ``"beam"`` runs :func:`beam_search`.
    seed:
        Seeds sampling (a private generator: the same seed gives the same text).

    Returns
    -------
    Generation
    """
    if n_words < 0:
        raise InvalidArgumentError(f"n_words must be >= 0, got {n_words}")
    if method == "beam":
        return beam_search(lm, prompt, n_words, beam_size=beam_size)
    if method not in ("sample", "greedy"):
        raise InvalidArgumentError(f"method must be 'sample', 'greedy' or 'beam', got {method!r}")
    if temperature <= 0:
        raise InvalidArgumentError(f"temperature must be > 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise InvalidArgumentError(f"top_k must be >= 1, got {top_k}")
    words, logp, state, device = _prime(lm, prompt, 1)
    banned = _banned(lm)
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    out: list[int] = []
    total = 0.0
    for _ in range(n_words):
        logp = logp[0].clone()  # (V,)
        logp[banned] = float("-inf")
        if method == "greedy":
            nxt = int(torch.argmax(logp))
        else:
            scores = logp / temperature
            if top_k is not None and top_k < scores.numel():
                kth = torch.topk(scores, top_k).values[-1]
                scores = scores.masked_fill(scores < kth, float("-inf"))
            nxt = int(torch.multinomial(torch.softmax(scores, dim=0), 1, generator=gen))
        total += float(logp[nxt])
        out.append(nxt)
        h, state = lm.model(torch.tensor([[nxt]], device=device), state)
        logp = lm.model.log_probs(h[:, -1:])[:, 0]
    return Generation(words, lm.vocab.decode(out), total)


@torch.no_grad()
def beam_search(lm: TrainedLM, prompt: str, n_words: int, *, beam_size: int = 5) -> Generation:
    """The most likely continuation of ``n_words`` words found by beam search (``beam_size`` hypotheses
    advanced together as one batch; ties broken by word id, so the result is deterministic)."""
    if beam_size < 1:
        raise InvalidArgumentError(f"beam_size must be >= 1, got {beam_size}")
    model = lm.model
    words, logp, state, device = _prime(lm, prompt, 1)
    banned = _banned(lm)
    v = logp.shape[-1]
    scores = torch.zeros(1, dtype=torch.float64, device=device)  # (K,)
    seqs = torch.zeros(1, 0, dtype=torch.long, device=device)  # (K, t)
    for _ in range(n_words):
        logp = logp.double()
        logp[:, banned] = float("-inf")
        cand = (scores[:, None] + logp).view(-1)  # (K * V,)
        k = min(beam_size, int(torch.isfinite(cand).sum()))
        top = torch.topk(cand, k)
        beam, word = top.indices // v, top.indices % v
        scores = top.values
        seqs = torch.cat([seqs[beam], word[:, None]], dim=1)
        state = model.select_state(state, beam)
        h, state = model(word[:, None], state)
        logp = model.log_probs(h[:, -1:])[:, 0]
    best = int(torch.argmax(scores)) if len(scores) else 0
    return Generation(words, lm.vocab.decode(seqs[best].tolist()), float(scores[best]) if len(scores) else 0.0)
