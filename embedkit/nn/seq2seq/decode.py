"""Greedy and beam-search decoding for any model of :mod:`.models` (its ``start``/``step``/``reorder``).

Scores are total log-probabilities of the output tokens and ``<eos>`` (natural logarithms), divided by
``length ** length_penalty`` where ``length`` counts the tokens and ``<eos>`` (``length_penalty=0``: the
raw sum). An output that reaches ``max_len`` tokens without ``<eos>`` is scored as it stands.

Beam search keeps ``beam_size`` live hypotheses per source ranked by their raw sums; a hypothesis whose
``<eos>`` ranks among the best ``beam_size`` candidates of a step is set aside as finished, and a source
stops once it has ``beam_size`` finished ones (or at ``max_len``). The result is the best by normalised
score of those and of the greedy output (``with_greedy``), so beam search never scores below greedy
decoding. With ``beam_size=1`` the search itself is greedy decoding: same outputs, same scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = ["Decoded", "beam_search", "greedy"]

PAD_ID, GO_ID, EOS_ID = 0, 2, 3


def _step(model: Any, prev: torch.Tensor, state):
    """The model's step with ``<pad>`` and ``<go>`` never chosen (they are never targets)."""
    logp, state, attn = model.step(prev, state)
    logp = logp.clone()
    logp[:, PAD_ID] = float("-inf")
    logp[:, GO_ID] = float("-inf")
    return logp, state, attn


@dataclass
class Decoded:
    """One source's output: token ids (without ``<eos>``), the score, whether ``<eos>`` ended it, and
    for greedy decoding with ``attention=True`` the weights ``(M, T_out, S)`` (``T_out`` counts ``<eos>``)."""

    ids: list[int]
    score: float
    finished: bool
    attention: np.ndarray | None = None


def _normalise(total: float, length: int, length_penalty: float) -> float:
    return total / (max(length, 1) ** length_penalty) if length_penalty else total


@torch.no_grad()
def greedy(
    model: Any,
    src: torch.Tensor,
    lengths: torch.Tensor,
    *,
    max_len: int,
    length_penalty: float = 1.0,
    attention: bool = False,
) -> list[Decoded]:
    """The most probable token at each step, for a batch of sources ``src`` (B, S)."""
    b, dev = src.size(0), src.device
    state = model.start(src, lengths)
    prev = torch.full((b,), GO_ID, dtype=torch.long, device=dev)
    done = torch.zeros(b, dtype=torch.bool, device=dev)
    total = torch.zeros(b, dtype=torch.float64, device=dev)
    steps: list[torch.Tensor] = []
    maps: list[torch.Tensor] = []
    for t in range(max_len + 1):  # max_len tokens, then one more step that may only add <eos>
        logp, state, attn = _step(model, prev, state)  # (B, V)
        best, tok = logp.max(-1)
        counted = ~done if t < max_len else ~done & (tok == EOS_ID)
        total += torch.where(counted, best.double(), torch.zeros_like(total))
        steps.append(torch.where(done, torch.full_like(tok, EOS_ID), tok))
        if attention and attn is not None:
            maps.append(attn)
        done = done | (tok == EOS_ID)
        prev = tok
        if bool(done.all()):
            break
    seq = torch.stack(steps, 1).cpu().tolist()  # (B, T)
    out = []
    for i in range(b):
        row = seq[i]
        finished = EOS_ID in row
        ids = row[: row.index(EOS_ID)] if finished else row[:max_len]
        n = len(ids) + finished
        dec = Decoded(ids, _normalise(float(total[i]), n, length_penalty), finished)
        if maps:
            dec.attention = torch.stack(maps, 2)[i, :, :n, : int(lengths[i])].float().cpu().numpy()  # (M, T_out, S_i)
        out.append(dec)
    return out


@torch.no_grad()
def beam_search(
    model: Any,
    src: torch.Tensor,
    lengths: torch.Tensor,
    *,
    beam_size: int,
    max_len: int,
    length_penalty: float = 1.0,
    with_greedy: bool = True,
) -> list[Decoded]:
    """The best hypothesis of a ``beam_size`` beam search for each source of ``src`` (B, S)."""
    b, k, dev = src.size(0), beam_size, src.device
    rows = torch.arange(b, device=dev).repeat_interleave(k)  # (B*K,): a source's beams are adjacent
    state = model.reorder(model.start(src, lengths), rows)
    prev = torch.full((b * k,), GO_ID, dtype=torch.long, device=dev)
    # only the first beam is live at the start, so the K beams do not all extend the same <go>
    scores = torch.full((b, k), float("-inf"), dtype=torch.float64, device=dev)
    scores[:, 0] = 0.0
    hyps: list[list[list[int]]] = [[[] for _ in range(k)] for _ in range(b)]
    found: list[list[Decoded]] = [[] for _ in range(b)]
    for t in range(max_len + 1):
        logp, state, _ = _step(model, prev, state)  # (B*K, V)
        v = logp.size(-1)
        cand = scores.unsqueeze(2) + logp.double().view(b, k, v)  # (B, K, V)
        if t == max_len:  # each live beam ends here: with <eos> if that is its best next token
            ends = logp.view(b, k, v).argmax(-1).tolist()
            for i in range(b):
                for j in range(k):
                    s = float(scores[i, j])
                    if s == float("-inf"):
                        continue
                    seq = hyps[i][j]
                    if ends[i][j] == EOS_ID:
                        found[i].append(
                            Decoded(
                                list(seq), _normalise(float(cand[i, j, EOS_ID]), len(seq) + 1, length_penalty), True
                            )
                        )
                    else:
                        found[i].append(Decoded(list(seq), _normalise(s, len(seq), length_penalty), False))
            break
        top, idx = cand.view(b, k * v).topk(min(2 * k, k * v), dim=1)  # room for K live beams besides <eos>
        new_scores = torch.full((b, k), float("-inf"), dtype=torch.float64, device=dev)
        new_origin = torch.zeros((b, k), dtype=torch.long, device=dev)
        new_token = torch.full((b, k), EOS_ID, dtype=torch.long, device=dev)
        new_hyps: list[list[list[int]]] = []
        for i, (top_i, idx_i) in enumerate(zip(top.tolist(), idx.tolist(), strict=True)):
            kept: list[list[int]] = []
            if len(found[i]) < k:
                for rank, (s, flat) in enumerate(zip(top_i, idx_i, strict=True)):
                    if s == float("-inf") or len(kept) == k:
                        break
                    o, tok = divmod(flat, v)
                    seq = hyps[i][o]
                    if tok == EOS_ID:
                        if rank < k:
                            found[i].append(Decoded(list(seq), _normalise(s, len(seq) + 1, length_penalty), True))
                        continue
                    new_scores[i, len(kept)], new_origin[i, len(kept)], new_token[i, len(kept)] = s, o, tok
                    kept.append([*seq, tok])
                if len(found[i]) >= k:
                    new_scores[i] = float("-inf")
                    kept = []
            new_hyps.append(kept + [[] for _ in range(k - len(kept))])
        if bool(torch.isinf(new_scores).all()):
            break
        hyps, scores, prev = new_hyps, new_scores, new_token.view(-1)
        state = model.reorder(state, (torch.arange(b, device=dev).unsqueeze(1) * k + new_origin).view(-1))
    result = [max(f, key=lambda d: d.score) for f in found]
    if with_greedy and k > 1:
        plain = greedy(model, src, lengths, max_len=max_len, length_penalty=length_penalty)
        result = [g if g.score > r.score else r for g, r in zip(plain, result, strict=True)]
    return result
