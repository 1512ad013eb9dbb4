"""Tests for the transformer language model's key-value cache (``embedkit.nn.lm.kvcache``): cached and
uncached features at every position, inside and past the block, seeded samples, greedy and beam
search, the stride; and the seq2seq transformer decoder's cache (greedy and beam outputs).

Random weights drawn wide (std 0.2 or 0.3, layer norms too), so the logits vary strongly with every input
and any cache error shows; small, CPU, one thread.
"""

from __future__ import annotations

import itertools

import pytest

torch = pytest.importorskip("torch")

from embedkit.errors import InvalidArgumentError
from embedkit.nn.lm.generate import Generation, beam_search, generate
from embedkit.nn.lm.kvcache import KVCache
from embedkit.nn.lm.models import build_model
from embedkit.nn.lm.train import TrainedLM
from embedkit.nn.lm.transformer import TransformerLM
from embedkit.nn.seq2seq.decode import beam_search as seq_beam_search
from embedkit.nn.seq2seq.decode import greedy as seq_greedy
from embedkit.nn.seq2seq.models import TransformerSeq2Seq
from embedkit.training.config import TrainConfig
from embedkit.training.corpus import char_corpus_from_text, corpus_from_texts
from tests.nn.lively import TEXT, TOL, lively

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def lm_model(positions: str = "learned", block: int = 8, vocab: int = 13) -> TransformerLM:
    torch.manual_seed(0)
    model = TransformerLM(vocab, dim=16, hidden=32, layers=3, heads=4, block=block, positions=positions)
    return lively(model)  # type: ignore[return-value]


def trained_lm(unit: str, block: int = 16) -> TrainedLM:
    """A TrainedLM of random weights over a char or word vocabulary (nothing is trained)."""
    corpus = char_corpus_from_text(TEXT * 3) if unit == "char" else corpus_from_texts([TEXT * 3])
    config = TrainConfig(algorithm="transformer", unit=unit, dim=16, heads=2, layers=2, hidden=32, block=block)
    model = lively(build_model(config, len(corpus.vocab)), seed=2, std=0.2)
    return TrainedLM(model, corpus.vocab, config)  # type: ignore[arg-type]


# -- the language model's cache -------------------------------------------------------------------
@pytest.mark.parametrize("positions", ["learned", "sinusoidal"])
def test_cached_features_equal_uncached_at_every_position(positions):
    """Check that fed one token at a time, the cached and uncached models give equal log-probabilities at all 40 positions (block 8)."""
    m = lm_model(positions)
    ids = torch.randint(0, 13, (2, 40), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        plain, cached = m.init_state(2), m.init_cache(2)
        a, b = [], []
        for t in range(40):
            h, plain = m(ids[:, t : t + 1], plain)
            a.append(m.log_probs(h))
            h, cached = m(ids[:, t : t + 1], cached)
            b.append(m.log_probs(h))
        a_all, b_all = torch.cat(a, 1), torch.cat(b, 1)  # (2, 40, 13)
        # past the block each position equals the last one of its own window computed from scratch
        window = m.log_probs(m.encode(ids[:, 32:40]))[:, -1]
    torch.testing.assert_close(b_all, a_all, **TOL)
    torch.testing.assert_close(b_all[:, -1], window, **TOL)
    assert cached.length == 8 and torch.equal(cached.ids, ids[:, 32:])
    assert (a_all[:, 1:] - a_all[:, :-1]).abs().max() > 0.1  # 5,000 times the tolerance: the comparison means something


def test_cached_features_equal_uncached_for_chunks_of_any_size():
    """Check that calls of 3, 1, 5, 9, 20 and 2 tokens (growing, sliding, longer than the block) give equal log-probabilities and keep the last 8 ids."""
    m = lm_model()
    ids = torch.randint(0, 13, (3, 40), generator=torch.Generator().manual_seed(2))
    plain, cached, s = m.init_state(3), m.init_cache(3), 0
    a, b = [], []
    with torch.no_grad():
        for size in (3, 1, 5, 9, 20, 2):
            h, plain = m(ids[:, s : s + size], plain)
            a.append(m.log_probs(h))
            h, cached = m(ids[:, s : s + size], cached)
            b.append(m.log_probs(h))
            s += size
    torch.testing.assert_close(torch.cat(b, 1), torch.cat(a, 1), **TOL)
    assert torch.equal(cached.ids, ids[:, 32:40]) and torch.equal(plain, ids[:, 33:40])
    assert cached.keys[0].shape == (3, 4, 8, 4) and len(cached.values) == 3


def test_stride_slides_the_full_window_by_stride_tokens():
    """Check that with stride 3 (block 8) each token's log-probabilities equal those of its window from scratch: 5 to 7 earlier tokens past the block."""
    m = lm_model()
    ids = torch.randint(0, 13, (1, 30), generator=torch.Generator().manual_seed(3))
    cache = m.init_cache(1, stride=3)
    start, seen = 0, []
    with torch.no_grad():
        for t in range(30):
            h, cache = m(ids[:, t : t + 1], cache)
            if t + 1 - start > 8:
                start += 3  # the full window drops its 3 oldest tokens
            ref = m.log_probs(m.encode(ids[:, start : t + 1]))[:, -1:]
            torch.testing.assert_close(m.log_probs(h), ref, **TOL)
            seen.append(t - start)
    assert seen[7:] == [7, 5, 6, 7, 5, 6, 7, 5, 6, 7, 5, 6, 7, 5, 6, 7, 5, 6, 7, 5, 6, 7, 5]


def test_cache_select_and_errors():
    """Check that select reorders every layer's rows, and that a stride outside 1..block-1 is one clear error."""
    m = lm_model()
    ids = torch.randint(0, 13, (3, 5), generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        _, cache = m(ids, m.init_cache(3))
    picked = TransformerLM.select_state(cache, torch.tensor([2, 0]))
    assert isinstance(picked, KVCache) and torch.equal(picked.ids, ids[[2, 0]])
    torch.testing.assert_close(picked.keys[1], cache.keys[1][[2, 0]], rtol=0, atol=0)
    torch.testing.assert_close(picked.values[2], cache.values[2][[2, 0]], rtol=0, atol=0)
    for bad in (0, 8, True):
        with pytest.raises(
            ValueError, match=rf"^stride must be an integer in 1\.\.7 \(the block less one\), got {bad!r}$"
        ):
            m.init_cache(1, stride=bad)


# -- generation on the cache ----------------------------------------------------------------------
@pytest.mark.parametrize("unit", ["char", "word"])
def test_seeded_samples_and_searches_identical_with_and_without_cache(unit):
    """Check that sampling (3 seeds, top-k and top-p), greedy and beam search give the same tokens and log-probabilities with and without the cache, 60 tokens past a block of 16."""
    lm = trained_lm(unit)
    prompt = "to be" if unit == "char" else "to be or"
    samples = []
    for kw in (
        {"seed": 0},
        {"seed": 1, "temperature": 0.7},
        {"seed": 2, "top_k": 5, "top_p": 0.9},
        {"method": "greedy"},
    ):
        cached = generate(lm, prompt, 60, **kw)  # type: ignore[arg-type]
        plain = generate(lm, prompt, 60, cache=False, **kw)  # type: ignore[arg-type]
        assert cached.words == plain.words
        assert cached.log_prob == pytest.approx(plain.log_prob, rel=1e-5)
        samples.append(cached.words)
    assert len(set(samples[0])) > 10 and samples[0] != samples[1]  # varied samples: the comparison means something
    beam = beam_search(lm, prompt, 40, beam_size=4)
    plain_beam = beam_search(lm, prompt, 40, beam_size=4, cache=False)
    assert beam.words == plain_beam.words and beam.log_prob == pytest.approx(plain_beam.log_prob, rel=1e-6)


def test_on_token_streams_the_growing_generation():
    """Check that on_token sees each sampled token in turn, each text extending the last, ending at the result's text."""
    lm = trained_lm("word")
    seen: list[Generation] = []
    g = generate(
        lm, "to be", 25, seed=4, on_token=lambda s: seen.append(Generation(s.prompt, list(s.words), s.log_prob, s.unit))
    )
    assert [s.words for s in seen] == [g.words[:i] for i in range(1, 26)]
    assert seen[-1].text == g.text and seen[-1].log_prob == g.log_prob
    assert all(b.text.startswith(a.text) for a, b in itertools.pairwise(seen))
    assert "</s>" in g.words  # line breaks were streamed too


def test_generate_stride_argument_errors():
    """Check that a stride is refused on a non-transformer model, without the cache, and beyond the block."""
    lm = trained_lm("char")
    with pytest.raises(InvalidArgumentError, match=r"^stride needs the key-value cache \(cache=True\)$"):
        generate(lm, "to", 5, cache=False, stride=4)
    with pytest.raises(
        InvalidArgumentError, match=r"^stride must be an integer in 1\.\.15 \(the block less one\), got 16$"
    ):
        generate(lm, "to", 5, stride=16)
    corpus = char_corpus_from_text(TEXT)
    gru = TrainedLM(
        build_model(TrainConfig(algorithm="gru", unit="char", dim=8, hidden=8), len(corpus.vocab)),
        corpus.vocab,
        TrainConfig(algorithm="gru", unit="char"),
    )
    with pytest.raises(
        InvalidArgumentError, match=r"^stride applies to the transformer's window; this is a gru model$"
    ):
        generate(gru, "to", 5, stride=2)
    assert generate(gru, "to", 5, seed=1) == generate(gru, "to", 5, seed=1, cache=False)


# -- the seq2seq transformer's decoder ------------------------------------------------------------
@pytest.fixture(scope="module")
def seq_model():
    torch.manual_seed(0)
    return lively(TransformerSeq2Seq(15, 17, dim=16, heads=4, ff_dim=32, layers=2, dropout=0.0), seed=9)


@torch.no_grad()
def test_seq2seq_cached_steps_equal_uncached(seq_model):
    """Check that each decoder step's log-probabilities and cross-attention weights are equal with and without the cache (padded sources)."""
    g = torch.Generator().manual_seed(6)
    src = torch.randint(4, 15, (3, 7), generator=g)
    lengths = torch.tensor([7, 4, 2])
    prev = torch.randint(4, 17, (3, 12), generator=g)
    results = {}
    for use in (True, False):
        seq_model.kv_cache = use
        state, out = seq_model.start(src, lengths), []
        for t in range(12):
            logp, state, attn = seq_model.step(prev[:, t], state)
            out.append((logp, attn))
        results[use] = out
    seq_model.kv_cache = True
    for (a, wa), (b, wb) in zip(results[True], results[False], strict=True):
        torch.testing.assert_close(a, b, **TOL)
        torch.testing.assert_close(wa, wb, **TOL)
    assert wa.shape == (3, 8, 7) and float(wa[2, :, 2:].abs().max()) == 0.0  # padding gets no weight


def test_seq2seq_greedy_and_beam_identical_with_and_without_cache(seq_model):
    """Check that greedy and beam-search outputs (ids, scores, attention) are the same with and without the decoder's cache."""
    g = torch.Generator().manual_seed(7)
    src = torch.randint(4, 15, (4, 6), generator=g)
    lengths = torch.tensor([6, 5, 3, 6])
    out = {}
    for use in (True, False):
        seq_model.kv_cache = use
        out[use] = (
            seq_greedy(seq_model, src, lengths, max_len=15, attention=True),
            seq_beam_search(seq_model, src, lengths, beam_size=3, max_len=15),
        )
    seq_model.kv_cache = True
    for a, b in zip(out[True][0] + out[True][1], out[False][0] + out[False][1], strict=True):
        assert a.ids == b.ids and a.finished == b.finished and a.score == pytest.approx(b.score, rel=1e-5)
    for a, b in zip(out[True][0], out[False][0], strict=True):
        torch.testing.assert_close(torch.from_numpy(a.attention), torch.from_numpy(b.attention), **TOL)
    assert len({tuple(d.ids) for d in out[True][0]}) == 3  # four sources, three different outputs
    assert out[True][1][0].ids != out[True][0][0].ids  # and beam search finds another than greedy
