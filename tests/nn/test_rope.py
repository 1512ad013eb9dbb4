"""Tests for rotary positions with sliding-window attention (``embedkit.nn.lm.rope``, the transformer's
``positions="rope"``): the rotation against a numpy reference and a hand case, its relative property,
the band, the attention weights shown for a rope model, the rolling key-value cache against the uncached
banded forward at every position for three windows and more, seeded samples, greedy and beam search,
the held-out loss read as generation reads it, the errors, and a model file trained, saved, loaded and
generated from by the CLI.

Random weights drawn wide (as in test_kvcache.py), so any cache error shows; small, CPU, one thread.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from embedkit.cli import main
from embedkit.errors import ConfigError, InvalidArgumentError
from embedkit.nn.introspect import lm_states
from embedkit.nn.lm.generate import beam_search, generate
from embedkit.nn.lm.models import build_model
from embedkit.nn.lm.rope import band_mask, rope_tables, rotate
from embedkit.nn.lm.train import TrainedLM, evaluate_loss, load_language_model
from embedkit.nn.lm.transformer import TransformerLM
from embedkit.training.config import TrainConfig
from embedkit.training.corpus import char_corpus_from_text
from tests.nn.lively import TEXT, TOL, lively

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def rope_model(window: int = 6, block: int = 8, layers: int = 3) -> TransformerLM:
    torch.manual_seed(0)
    model = TransformerLM(13, dim=16, hidden=32, layers=layers, heads=4, block=block, positions="rope", window=window)
    return lively(model)  # type: ignore[return-value]


def rope_lm(window: int = 8) -> TrainedLM:
    """A TrainedLM of random weights over a character vocabulary, rope positions (nothing is trained)."""
    corpus = char_corpus_from_text(TEXT * 3)
    config = TrainConfig(
        algorithm="transformer", unit="char", dim=16, heads=2, layers=2, hidden=32, block=16, positions="rope"
    )
    config = TrainConfig.from_dict({**config.to_dict(), "attention_window": window})
    model = lively(build_model(config, len(corpus.vocab)), seed=2, std=0.2)
    return TrainedLM(model, corpus.vocab, config)  # type: ignore[arg-type]


# -- the rotation ---------------------------------------------------------------------------------
def numpy_rope(x: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """RoPE written out in float64 numpy, pair by pair: dimension i pairs with i + d/2 and turns by p / 10000^(2i/d)."""
    d = x.shape[-1]
    out = np.empty_like(x, dtype=np.float64)
    for row, p in enumerate(positions):
        for i in range(d // 2):
            a = p / 10000.0 ** (2 * i / d)
            x1, x2 = x[row, i], x[row, i + d // 2]
            out[row, i] = x1 * math.cos(a) - x2 * math.sin(a)
            out[row, i + d // 2] = x2 * math.cos(a) + x1 * math.sin(a)
    return out


def test_rotate_equals_a_numpy_reference_and_a_hand_case():
    """Check that rotate(rope_tables) equals the pairwise numpy rotation at positions 0-9 and 1,995-2,004, and [1, 2, 3, 4] at position 2 by hand."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(20, 8, generator=g)
    for start in (0, 1995):
        cos, sin = rope_tables(start, 10, 8)
        got = rotate(x[:10] if start == 0 else x[10:], cos, sin).numpy()
        want = numpy_rope((x[:10] if start == 0 else x[10:]).double().numpy(), np.arange(start, start + 10))
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-6)
    cos, sin = rope_tables(2, 1, 4)  # angles 2 and 0.02 radians
    c1, s1, c2, s2 = math.cos(2), math.sin(2), math.cos(0.02), math.sin(0.02)
    hand = [1 * c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + 1 * s1, 4 * c2 + 2 * s2]
    np.testing.assert_allclose(rotate(torch.tensor([[1.0, 2.0, 3.0, 4.0]]), cos, sin)[0].numpy(), hand, atol=1e-6)


def test_rotated_products_depend_on_the_distance_only():
    """Check that q rotated to m dotted with k rotated to n is the same for (5, 2), (105, 102) and (2003, 2000), and differs for (6, 2)."""
    g = torch.Generator().manual_seed(1)
    q, k = torch.randn(1, 32, generator=g), torch.randn(1, 32, generator=g)

    def product(m: int, n: int) -> float:
        return float((rotate(q, *rope_tables(m, 1, 32)) * rotate(k, *rope_tables(n, 1, 32))).sum())

    base = product(5, 2)
    assert product(105, 102) == pytest.approx(base, abs=1e-5)
    assert product(2003, 2000) == pytest.approx(base, abs=1e-5)
    assert abs(product(6, 2) - base) > 0.1


def test_band_mask_lets_each_query_see_the_window_latest_positions():
    """Check the band of 2 new queries after 3 cached keys with a window of 3, and that a window as long as the keys is the causal mask."""
    assert band_mask(2, 5, 3).int().tolist() == [[0, 1, 1, 1, 0], [0, 0, 1, 1, 1]]
    assert torch.equal(band_mask(4, 4, 4), torch.ones(4, 4, dtype=torch.bool).tril())


# -- the rolling cache against the uncached banded forward ----------------------------------------
@pytest.mark.parametrize(("window", "block"), [(6, 8), (8, 8)])
@torch.no_grad()
def test_cached_features_equal_the_banded_forward_at_every_position(window, block):
    """Check that one token at a time, the rolling cache, the uncached state and the banded forward over all 3 x 8 + 7 tokens agree at every position."""
    m = rope_model(window, block)
    ids = torch.randint(0, 13, (2, 31), generator=torch.Generator().manual_seed(3))
    full = m.encode(ids)  # (2, 31, 16): the banded forward over the whole sequence, positions 0 .. 30
    cache, state = m.init_cache(2), m.init_state(2)
    cached, plain = [], []
    for i in range(ids.shape[1]):
        h, cache = m(ids[:, i : i + 1], cache)
        cached.append(h)
        h, state = m(ids[:, i : i + 1], state)
        plain.append(h)
        assert (cache.offset, cache.length, cache.ring) == (i + 1, min(i + 1, window), window)
        assert torch.equal(state, ids[:, max(0, i + 1 - 3 * (window - 1)) : i + 1])  # layers x (window - 1) ids
    torch.testing.assert_close(torch.cat(cached, 1), full, **TOL)
    torch.testing.assert_close(torch.cat(plain, 1), full, **TOL)
    # the band matters: with a window as long as the text the last positions read other features
    wide = rope_model(64, block)
    assert (wide.encode(ids)[:, window:] - full[:, window:]).abs().max() > 0.1


@torch.no_grad()
def test_one_token_at_a_time_stays_exact_over_1030_positions():
    """Check that 1,030 tokens fed one at a time (past the rotations reused in runs of 512) equal the banded forward at every position."""
    m = rope_model(5, 8, layers=2)
    ids = torch.randint(0, 13, (1, 1030), generator=torch.Generator().manual_seed(7))
    cache, outs = m.init_cache(1), []
    for i in range(ids.shape[1]):
        h, cache = m(ids[:, i : i + 1], cache)
        outs.append(h)
    torch.testing.assert_close(torch.cat(outs, 1), m.encode(ids), **TOL)


@torch.no_grad()
def test_chunked_calls_equal_the_banded_forward_and_select_reorders():
    """Check that calls of 3, 1, 5, 9, 20 and 2 tokens give the banded forward's features, and select copies the rows of the rings."""
    m = rope_model(5, 8)
    ids = torch.randint(0, 13, (3, 40), generator=torch.Generator().manual_seed(4))
    cache, outs, s = m.init_cache(3), [], 0
    for n in (3, 1, 5, 9, 20, 2):
        h, cache = m(ids[:, s : s + n], cache)
        outs.append(h)
        s += n
    torch.testing.assert_close(torch.cat(outs, 1), m.encode(ids), **TOL)
    assert (cache.offset, cache.length, cache.ring) == (40, 5, 5)
    picked = m.select_state(cache, torch.tensor([2, 0]))
    assert (picked.offset, picked.length, picked.ring) == (40, 5, 5)
    assert torch.equal(picked.keys[1], cache.keys[1][[2, 0]]) and picked.keys[1].shape == (2, 4, 5, 4)
    before = cache.keys[1].clone()
    h, _ = m(ids[[2, 0], :1], picked)  # writes into the copy's rings only
    assert torch.equal(cache.keys[1], before)
    torch.testing.assert_close(h, m.encode(torch.cat([ids, ids[:, :1]], 1))[[2, 0], -1:], **TOL)


@torch.no_grad()
def test_held_out_loss_reads_rows_as_generation_does():
    """Check that a rope model's evaluate_loss is the mean negative log-probability of the banded forward over each whole row."""
    m = rope_model(5, 8)
    stream = np.random.default_rng(5).integers(0, 13, 203)
    rows = torch.from_numpy(stream[:202].reshape(2, 101))
    logp = m.log_probs(m.encode(rows[:, :-1]))  # (2, 100, V)
    want = -float(logp.gather(2, rows[:, 1:, None]).mean())
    assert evaluate_loss(m, stream, batch_size=2) == pytest.approx(want, rel=1e-5)


# -- generation -----------------------------------------------------------------------------------
def test_seeded_samples_greedy_and_beam_identical_with_and_without_cache():
    """Check that sampling (2 seeds, top-k and top-p), greedy and beam search give the same text and log-probabilities on the rolling cache as uncached, 60 characters, a window of 8."""
    lm = rope_lm(8)
    samples = []
    for kw in ({"seed": 0}, {"seed": 2, "top_k": 5, "top_p": 0.9}, {"method": "greedy"}):
        cached = generate(lm, "to be", 60, **kw)  # type: ignore[arg-type]
        plain = generate(lm, "to be", 60, cache=False, **kw)  # type: ignore[arg-type]
        assert cached.words == plain.words
        assert cached.log_prob == pytest.approx(plain.log_prob, rel=1e-5)
        samples.append(cached.words)
    assert len(set(samples[0])) > 10 and samples[0] != samples[1]  # varied samples: the comparison means something
    beam = beam_search(lm, "to be", 40, beam_size=4)
    plain_beam = beam_search(lm, "to be", 40, beam_size=4, cache=False)
    assert beam.words == plain_beam.words and beam.log_prob == pytest.approx(plain_beam.log_prob, rel=1e-6)


def test_rope_errors():
    """Check the one-line errors: a stride on a rope model, an odd head dimension, a window for learned positions."""
    lm = rope_lm(8)
    with pytest.raises(
        InvalidArgumentError,
        match=r"^stride applies to learned or sinusoidal positions; a rope model's cache rolls one token at a "
        r"time, exactly, got 4$",
    ):
        generate(lm, "to", 5, stride=4)
    with pytest.raises(ConfigError, match=r"^rope positions need an even head dimension; dim / heads = 3$"):
        TransformerLM(5, dim=12, heads=4, positions="rope")
    with pytest.raises(ConfigError, match=r"^rope positions need an even head dimension; dim / heads = 3$"):
        TrainConfig(algorithm="transformer", dim=12, heads=4, positions="rope")
    with pytest.raises(ConfigError, match=r"^a window applies to rope positions; these are learned$"):
        TransformerLM(5, dim=8, heads=2, window=4)
    with pytest.raises(ConfigError, match=r"^attention_window applies to rope positions; these are sinusoidal$"):
        TrainConfig(algorithm="transformer", positions="sinusoidal", attention_window=4)
    with pytest.raises(ConfigError, match=r"^window must be >= 1, got 0$"):
        TransformerLM(5, dim=8, heads=2, positions="rope", window=0)


def test_train_lm_rope_model_file_saves_loads_and_generates(tmp_path, capsys):
    """Check that train-lm --positions rope --attention-window writes a file that loads (weights_only) with its window, and generate --chars continues past three windows."""
    corpus = tmp_path / "t.txt"
    corpus.write_text(TEXT * 20)
    argv = ["train-lm", str(corpus), "--dim", "16", "--heads", "2", "--layers", "2", "--block", "16"]
    argv += ["--positions", "rope", "--attention-window", "6", "--batch-size", "4", "--steps", "3", "--no-bf16"]
    assert main([*argv, "--workers", "1", "-q", "--json", "-o", str(tmp_path / "m.pt")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["config"]["positions"] == "rope" and report["config"]["attention_window"] == 6
    lm = load_language_model(tmp_path / "m.pt")
    assert isinstance(lm.model, TransformerLM) and lm.model.window == 6 and lm.model.context == 10
    gen = ["generate", "--model", str(tmp_path / "m.pt"), "--prompt", "to be", "--chars", "30", "--seed", "3"]
    assert main([*gen, "--json"]) == 0
    g = json.loads(capsys.readouterr().out)
    assert len(g["words"]) == 30 and g["text"].startswith("to be")
    assert g["words"] == generate(lm, "to be", 30, seed=3, cache=False).words


@torch.no_grad()
def test_attention_weights_of_a_rope_model_reproduce_its_attention():
    """Check that lm_states' attention weights of a rope model are 0 outside the band of 4 and, times the values, give each layer's attention output."""
    m = rope_model(4, 8)
    ids = torch.randint(0, 13, (1, 12), generator=torch.Generator().manual_seed(6))
    hidden, att = lm_states(m, ids)
    assert att.shape == (1, 3, 4, 12, 12) and float(att[0, :, :, 11, :8].abs().max()) == 0.0
    torch.testing.assert_close(att.sum(-1), torch.ones(1, 3, 4, 12))
    for i, blk in enumerate(m.blocks):
        x = blk.ln1(hidden[i])  # (1, 12, 16): the attention's input
        v = blk.attn.qkv(x)[..., 32:].view(1, 12, 4, 4).transpose(1, 2)  # (1, nh, T, hd)
        y = (att[:, i] @ v).transpose(1, 2).reshape(1, 12, 16)
        torch.testing.assert_close(blk.attn.proj(y), blk.attn(x, rope_tables(0, 12, 4)), **TOL)
