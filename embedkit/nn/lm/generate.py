"""Text generation from a trained language model: sampling (temperature, top-k, top-p), greedy and beam search.

A word model's prompt is tokenized with the shared tokenizer, a character model's prompt is read
character by character (a character the model never saw is an error naming it); the prompt is fed
through the model after an end of line and each generated token is fed back in. ``<pad>`` and
``<unk>`` are never generated; a word model's ``</s>`` ends a line.

The transformer generates on a key-value cache (:mod:`.kvcache`) by default: each new token costs
one position while the window grows, and past the block the window slides as without the cache
(``stride=1``), so the distribution of every token, and a seeded sample, are the same as with
``cache=False``; a larger ``stride`` trades that equality for a flat cost per token. A transformer with
rope positions generates on its ring of the window's latest keys and values: one position per token
throughout, and the same distribution as ``cache=False`` (its stride is always 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch

from ...config import MAX_BEAM
from ...errors import ConfigError, InvalidArgumentError
from ...progress import progress_bar
from ...text import PAD, UNK, tokenize
from ...training.corpus import EOS
from .train import TrainedLM
from .transformer import TransformerLM

__all__ = ["Generation", "beam_search", "generate", "next_token_probs"]


@dataclass(frozen=True)
class Generation:
    """Generated tokens (words or characters) after a prompt, and their total log-probability under the model."""

    prompt: list[str]
    words: list[str]
    log_prob: float
    unit: str = "word"

    @property
    def text(self) -> str:
        """Prompt and continuation: characters joined as they are; words by spaces, ``</s>`` as a line break."""
        if self.unit == "char":
            return "".join(self.prompt + self.words)
        return " ".join(self.prompt + self.words).replace(f" {EOS} ", "\n").replace(f" {EOS}", "\n").replace(EOS, "\n")

    def to_dict(self) -> dict:
        """The generation as plain JSON-ready data."""
        return {
            "prompt": self.prompt,
            "words": self.words,
            "log_prob": self.log_prob,
            "text": self.text,
            "unit": self.unit,
        }


def _banned(lm: TrainedLM) -> list[int]:
    return [lm.vocab.index[w] for w in (PAD, UNK) if w in lm.vocab]


def _start(lm: TrainedLM, batch: int, device: torch.device, cache: bool, stride: int):
    """The state before the prompt: a key-value cache for the transformer (with ``cache``), else the model's own."""
    model = lm.model
    if not isinstance(model, TransformerLM):
        if stride != 1:
            raise InvalidArgumentError(f"stride applies to the transformer's window; this is a {model.kind} model")
        return model.init_state(batch, device)
    if not cache:
        if stride != 1:
            raise InvalidArgumentError("stride needs the key-value cache (cache=True)")
        return model.init_state(batch, device)
    try:
        return model.init_cache(batch, device, stride=stride)
    except ConfigError as exc:
        raise InvalidArgumentError(str(exc)) from None


@torch.inference_mode()  # no autograd bookkeeping at all: a token's work is small, the per-op overhead shows
def _prime(lm: TrainedLM, prompt: str, batch: int, *, cache: bool = True, stride: int = 1):
    model = lm.model
    model.eval()
    device = next(model.parameters()).device
    if lm.config.unit == "char":
        words = list(prompt)
        unknown = sorted({c for c in words if c not in lm.vocab.index})
        if unknown:
            shown = ", ".join(repr(c) for c in unknown[:10]) + (
                f" ... and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            )
            raise InvalidArgumentError(
                f"the prompt has {len(unknown)} character{'s' if len(unknown) > 1 else ''} the model never saw: {shown}"
            )
        start = [lm.vocab.index["\n"]] if "\n" in lm.vocab.index else []
        ids_list = start + [lm.vocab.index[c] for c in words]
        if not ids_list:
            raise InvalidArgumentError("the prompt is empty and the model has no newline to start from")
    else:
        words = tokenize(prompt, lower=True)
        eos = lm.vocab.index.get(EOS, lm.vocab.unk_id)
        # A new text starts after an end of line, as every line of the corpus does.
        ids_list = [eos] + [lm.vocab[w] for w in words]
    ids = torch.tensor([ids_list] * batch, dtype=torch.long, device=device)
    h, state = model(ids, _start(lm, batch, device, cache, stride))  # (B, T, H)
    logp = model.log_probs(h[:, -1:])[:, 0]  # (B, V)
    return words, logp, state, device


def next_token_probs(
    logp: torch.Tensor, *, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
) -> torch.Tensor:
    """The sampling distribution ``(V,)`` from log-probabilities ``logp`` ``(V,)``: divided by
    ``temperature``, restricted to the ``top_k`` most likely tokens, then to the smallest set of
    the most likely whose probability reaches ``top_p`` (nucleus sampling, Holtzman et al. 2020),
    renormalised.

    Examples
    --------
    >>> p = torch.tensor([0.5, 0.3, 0.15, 0.05]).log()
    >>> [round(x, 6) for x in next_token_probs(p, top_p=0.8).tolist()]  # float32: 0.3749999... on some kernels
    [0.625, 0.375, 0.0, 0.0]
    """
    scores = logp / temperature
    if top_k is not None and top_k < scores.numel():
        kth = torch.topk(scores, top_k).values[-1]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    probs = torch.softmax(scores, dim=0)
    if top_p is not None and top_p < 1.0:
        sorted_p, order = torch.sort(probs, descending=True)  # ties: lower id first (stable)
        before = torch.cumsum(sorted_p, 0) - sorted_p  # probability of the tokens ranked above each
        drop = order[before >= top_p]  # the nucleus is complete before these
        probs = probs.clone()
        probs[drop] = 0.0
        probs = probs / probs.sum()
    return probs


@torch.inference_mode()
def generate(
    lm: TrainedLM,
    prompt: str,
    n: int,
    *,
    method: Literal["sample", "greedy", "beam"] = "sample",
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    beam_size: int = 5,
    seed: int = 0,
    cache: bool = True,
    stride: int = 1,
    on_token: Callable[[Generation], None] | None = None,
    progress: bool = False,
) -> Generation:
    """Continue ``prompt`` by ``n`` tokens: words for a word model, characters for a character model.

    Parameters
    ----------
    lm:
        A trained model (:func:`~embedkit.nn.lm.train.train_language_model` or
        :func:`~embedkit.nn.lm.train.load_language_model`).
    method:
        ``"sample"`` from :func:`next_token_probs` (``temperature``, ``top_k``, ``top_p``);
        ``"greedy"`` takes the most likely token; ``"beam"`` runs :func:`beam_search`.
    seed:
        Seeds sampling (a private generator: the same seed gives the same text).
    cache:
        Run the transformer on a key-value cache (the same distribution, faster; other models ignore it).
    stride:
        How many tokens the full window of a transformer with learned or sinusoidal positions slides at once
        (1 .. block - 1, with ``cache``; rope positions take 1 only). 1 is
        exactly the model without a cache; a larger stride recomputes the window once per ``stride``
        tokens, and each token then sees ``block - stride`` to ``block - 1`` earlier tokens.
    on_token:
        Called after each sampled or greedy token with the generation so far (its ``log_prob`` too), to
        stream the text; beam search knows its best continuation only at the end and never calls it.
    progress:
        A progress bar on stderr (once generation takes a while).

    Returns
    -------
    Generation
    """
    if n < 0:
        raise InvalidArgumentError(f"n must be >= 0, got {n}")
    if method == "beam":
        return beam_search(lm, prompt, n, beam_size=beam_size, cache=cache, stride=stride, progress=progress)
    if method not in ("sample", "greedy"):
        raise InvalidArgumentError(f"method must be 'sample', 'greedy' or 'beam', got {method!r}")
    if temperature <= 0:
        raise InvalidArgumentError(f"temperature must be > 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise InvalidArgumentError(f"top_k must be >= 1, got {top_k}")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        raise InvalidArgumentError(f"top_p must be in (0, 1], got {top_p}")
    words, logp, state, device = _prime(lm, prompt, 1, cache=cache, stride=stride)
    banned = torch.tensor(_banned(lm), dtype=torch.long, device=device)
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    out: list[int] = []
    so_far: list[str] = []
    total = 0.0
    unit = lm.config.unit
    for _ in progress_bar(range(n), desc="generating", unit=unit, enabled=progress):
        logp = logp[0].float().clone()  # (V,)
        logp.index_fill_(0, banned, float("-inf"))
        if method == "greedy":
            nxt = int(torch.argmax(logp))
        else:
            probs = next_token_probs(logp, temperature=temperature, top_k=top_k, top_p=top_p)
            nxt = int(torch.multinomial(probs, 1, generator=gen))
        total += float(logp[nxt])
        out.append(nxt)
        if on_token is not None:
            so_far.append(lm.vocab.words[nxt])
            on_token(Generation(words, so_far, total, unit))
        h, state = lm.model(torch.tensor([[nxt]], device=device), state)
        logp = lm.model.log_probs(h[:, -1:])[:, 0]
    return Generation(words, lm.vocab.decode(out), total, lm.config.unit)


@torch.inference_mode()
def beam_search(
    lm: TrainedLM,
    prompt: str,
    n: int,
    *,
    beam_size: int = 5,
    cache: bool = True,
    stride: int = 1,
    progress: bool = False,
) -> Generation:
    """The most likely continuation of ``n`` tokens found by beam search (``beam_size`` hypotheses,
    at most :data:`~embedkit.config.MAX_BEAM` as in seq2seq translation, advanced together as one
    batch; ties broken by word id, so the result is deterministic). ``cache``, ``stride`` and
    ``progress`` as for :func:`generate`: the hypotheses' key-value caches are reordered with them."""
    if not isinstance(beam_size, int) or isinstance(beam_size, bool) or not 1 <= beam_size <= MAX_BEAM:
        raise InvalidArgumentError(f"beam_size must be an integer in 1..{MAX_BEAM}, got {beam_size!r}")
    model = lm.model
    words, logp, state, device = _prime(lm, prompt, 1, cache=cache, stride=stride)
    banned = _banned(lm)
    v = logp.shape[-1]
    scores = torch.zeros(1, dtype=torch.float64, device=device)  # (K,)
    seqs = torch.zeros(1, 0, dtype=torch.long, device=device)  # (K, t)
    if n < 0:
        raise InvalidArgumentError(f"n must be >= 0, got {n}")
    for _ in progress_bar(range(n), desc="beam search", unit=lm.config.unit, enabled=progress):
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
    return Generation(
        words, lm.vocab.decode(seqs[best].tolist()), float(scores[best]) if len(scores) else 0.0, lm.config.unit
    )
