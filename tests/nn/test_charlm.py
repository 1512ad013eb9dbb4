"""Tests for the character models and the transformer: the char corpus, the transformer's modules,
the trainer's budgets, schedules and exact resume, generation (top-p, beam, seeds) and model files.

Small, CPU, seeded, one thread; each test a few seconds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from embedkit.errors import ConfigError, DataFileError, InvalidArgumentError, ModelFileError
from embedkit.nn.lm.generate import beam_search, generate, next_token_probs
from embedkit.nn.lm.models import build_model
from embedkit.nn.lm.steps import lr_factor
from embedkit.nn.lm.train import evaluate_loss, load_language_model, train_language_model
from embedkit.nn.lm.transformer import CausalSelfAttention, TransformerLM, sinusoidal_positions
from embedkit.training.config import TrainConfig, lm_recipe
from embedkit.training.corpus import char_corpus_from_text, corpus_from_texts, read_char_corpus
from embedkit.training.learn import train_lm
from tests.seeds import seed

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "the quick brown fox jumps over the lazy dog.\nto be, or not to be: that is the question.\n" * 30


@pytest.fixture(scope="module")
def chars():
    return char_corpus_from_text(TEXT, valid_fraction=0.1)


def tconfig(**kw) -> TrainConfig:
    base = {
        "algorithm": "transformer",
        "unit": "char",
        "dim": 32,
        "heads": 4,
        "layers": 2,
        "block": 32,
        "batch_size": 8,
        "objective": "full",
        "lr": 3e-3,
        "optimizer": "adamw",
        "steps": 40,
        "workers": 1,
        "seed": seed(1),
    }
    base.update(kw)
    return TrainConfig(**base)


# -- the character corpus -------------------------------------------------------------------------
def test_char_corpus_split_and_vocabulary():
    """Check that every character (newline included) is a token, in code-point order, split 90/10 as nanoGPT does."""
    c = char_corpus_from_text("ab\nba\ncc\n!!", valid_fraction=0.1)
    assert c.vocab.words == ["\n", "!", "a", "b", "c"] and c.vocab.specials == ()
    assert len(c.train) == int(11 * 0.9) == 9
    assert "".join(c.vocab.decode(np.concatenate([c.train, c.valid]))) == "ab\nba\ncc\n!!"
    assert c.counts().tolist() == [3, 0, 2, 2, 2]


def test_tinyshakespeare_matches_nanogpt(data_dir):
    """Check that tiny-Shakespeare gives nanoGPT's 65 characters and its 1,003,854 / 111,540 split."""
    c = read_char_corpus([data_dir / "corpus" / "tinyshakespeare.txt"])
    assert len(c.vocab) == 65 and (len(c.train), len(c.valid)) == (1_003_854, 111_540)
    assert "".join(c.vocab.words[:13]) == "\n !$&',-.3:;?"


def test_char_corpus_errors(tmp_path):
    """Check that an empty file or text is one clear error."""
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(DataFileError, match=r"empty\.txt: no characters \(the file is empty\)$"):
        read_char_corpus([tmp_path / "empty.txt"])
    with pytest.raises(ValueError, match="the text is empty"):
        char_corpus_from_text("")


# -- the transformer's modules -------------------------------------------------------------------
def test_transformer_shapes_and_state():
    """Check features (B, T, C), log-probs (B, T, V) summing to 1, and a carried context of block - 1 ids."""
    torch.manual_seed(0)
    m = build_model(tconfig(block=8), 20).eval()
    ids = torch.randint(0, 20, (3, 11))
    h, state = m(ids)
    assert h.shape == (3, 11, 32) and state.shape == (3, 7)
    assert torch.equal(state, ids[:, -7:])
    logp = m.log_probs(h)
    assert logp.shape == (3, 11, 20)
    torch.testing.assert_close(logp.exp().sum(-1), torch.ones(3, 11))


def test_causal_masking_future_tokens_do_not_change_the_past():
    """Check that changing the tokens after position t leaves the logits at positions <= t unchanged."""
    torch.manual_seed(0)
    m = build_model(tconfig(block=16, dropout=0.0), 30).eval()
    ids = torch.randint(0, 30, (2, 16))
    perturbed = ids.clone()
    perturbed[:, 9:] = torch.randint(0, 30, (2, 7))
    a = m.log_probs(m(ids)[0])
    b = m.log_probs(m(perturbed)[0])
    torch.testing.assert_close(a[:, :9], b[:, :9], rtol=1e-5, atol=1e-5)
    assert (a[:, 9:] - b[:, 9:]).abs().max() > 1e-3  # and the future does change


def test_attention_matches_a_hand_computation():
    """Check multi-head causal attention against a loop over heads and positions, and against torch's SDPA."""
    torch.manual_seed(0)
    att = CausalSelfAttention(12, 3).eval()
    x = torch.randn(2, 5, 12)
    out = att(x)
    q, k, v = att.qkv(x).split(12, dim=2)
    ref = torch.zeros(2, 5, 12)
    for b in range(2):
        for hd in range(3):
            cols = slice(4 * hd, 4 * hd + 4)
            for t in range(5):
                scores = torch.stack([q[b, t, cols] @ k[b, s, cols] / math.sqrt(4) for s in range(t + 1)])
                w = torch.softmax(scores, 0)
                ref[b, t, cols] = sum(w[s] * v[b, s, cols] for s in range(t + 1))
    torch.testing.assert_close(out, att.proj(ref), rtol=1e-5, atol=1e-5)
    split = [z.view(2, 5, 3, 4).transpose(1, 2) for z in (q, k, v)]
    sdpa = torch.nn.functional.scaled_dot_product_attention(*split, is_causal=True).transpose(1, 2).reshape(2, 5, 12)
    torch.testing.assert_close(out, att.proj(sdpa), rtol=1e-5, atol=1e-5)


def test_sinusoidal_positions_formula():
    """Check the sinusoidal table against sin/cos(p / 10000^(2i/d)) and that the model uses it in place of learned positions."""
    pe = sinusoidal_positions(7, 6)
    for p in range(7):
        for i in range(3):
            angle = p / 10000 ** (2 * i / 6)
            assert pe[p, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-6)
            assert pe[p, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-6)
    m = build_model(tconfig(positions="sinusoidal", block=8), 20)
    assert "pos.weight" not in m.state_dict() and isinstance(m, TransformerLM)


def test_context_longer_than_the_block_slides():
    """Check that carrying the context one token at a time gives the features of the last-block window."""
    torch.manual_seed(0)
    m = build_model(tconfig(block=6), 20).eval()
    ids = torch.randint(0, 20, (1, 10))
    state = m.init_state(1)
    for t in range(10):
        h, state = m(ids[:, t : t + 1], state)
    window = m.encode(ids[:, 4:10])  # positions 0..5 of the last 6 tokens
    torch.testing.assert_close(h[:, 0], window[:, -1], rtol=1e-5, atol=1e-5)
    whole, _ = m(ids[:, :6])
    halves = torch.cat([m(ids[:, :2])[0], m(ids[:, 2:6], m(ids[:, :2])[1])[0]], 1)
    torch.testing.assert_close(halves, whole, rtol=1e-5, atol=1e-5)


# -- training --------------------------------------------------------------------------------------
@pytest.mark.trains
def test_transformer_overfits_a_tiny_text(chars, char_lm):
    """Check that the char transformer learns a repeated text to under 0.2 nats per character."""
    lm = char_lm  # the generation tests' model (200 steps): one training for both
    loss = evaluate_loss(lm.model, chars.valid)
    assert loss < 0.2, loss
    assert lm.history[-1]["step"] == 200 and lm.history[-1]["valid_bpc"] == pytest.approx(
        lm.history[-1]["valid_loss"] / math.log(2)
    )


@pytest.mark.parametrize(
    "cfg",
    [
        {"eval_every": 10, "dropout": 0.1},  # transformer: random blocks, dropout
        {"algorithm": "gru", "hidden": 32, "bptt": 8, "eval_every": 7, "dropout": 0.2, "layers": 2},  # streams
    ],
    ids=["transformer", "char-gru"],
)
def test_resume_mid_training_is_exact(chars, tmp_path, cfg):
    """Check that stopping after a round and resuming gives exactly the parameters and history of an uninterrupted run."""
    config = tconfig(**{"steps": 30, **cfg})
    full = train_language_model(chars, config, checkpoint_dir=tmp_path / "a", progress=False)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(names) == len(full.history) >= 3
    train_language_model(chars, config, checkpoint_dir=tmp_path / "b", progress=False)
    for name in names[1:]:
        (tmp_path / "b" / name).unlink()
    resumed = train_language_model(chars, config, checkpoint_dir=tmp_path / "b", resume=True, progress=False)
    a, b = full.model.state_dict(), resumed.model.state_dict()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    keys = ("step", "loss", "valid_loss", "tokens", "lr")
    assert [[h[k] for k in keys] for h in resumed.history] == [[h[k] for k in keys] for h in full.history]


def test_warmup_and_cosine_schedule():
    """Check the learning rate: linear warm-up, then cosine decay to the floor, by steps."""
    c = TrainConfig(warmup=10, schedule="cosine")
    assert [lr_factor(c, s, 0.0) for s in (0, 4, 9)] == [0.1, 0.5, 1.0]
    assert lr_factor(c, 50, 0.5) == pytest.approx(0.5)
    assert lr_factor(c, 99, 1.0) == 1e-4
    assert lr_factor(TrainConfig(schedule="linear"), 5, 0.25) == 0.75


def test_minutes_budget_stops_and_reports_steps(chars):
    """Check that a minutes budget stops after about that much training time and reports the steps it took."""
    r = train_lm(chars, tconfig(steps=0, minutes=0.01, eval_every=0), progress=False)
    assert r.steps >= 1 and 0.6 <= r.seconds < 3.0
    assert r.history[-1]["elapsed"] == r.seconds and math.isfinite(r.valid_loss)
    assert set(r.to_dict()) >= {"valid_loss", "valid_bpc", "steps", "tokens_per_s", "seconds", "history"}


def test_train_lm_checks_the_unit(chars):
    """Check that a word corpus with a char config (and the reverse) is one clear error."""
    words = corpus_from_texts(["a b c"] * 10)
    with pytest.raises(InvalidArgumentError, match="the corpus is of words but the config's unit is 'char'"):
        train_lm(words, tconfig())
    with pytest.raises(InvalidArgumentError, match="the corpus is of characters but the config's unit is 'word'"):
        train_lm(chars, tconfig(unit="word"))


@pytest.mark.trains
def test_word_transformer_trains_embeddings():
    """Check that the transformer is a fifth neural algorithm for word vectors (sampled softmax, sparse rows)."""
    from embedkit.training.learn import train_vectors

    c = corpus_from_texts(["the king is dead long live the king", "the queen is wise"] * 30, valid_fraction=0.1)
    r = train_vectors(
        c, TrainConfig(algorithm="transformer", dim=16, block=16, epochs=2, num_sampled=5, seed=seed(0)), progress=False
    )
    assert r.vectors.shape == (len(c.vocab) - 3, 16) and r.config.sparse
    assert r.history[-1]["valid_ppl"] < r.history[0]["valid_ppl"] * 1.5


def test_config_fields_validated():
    """Check the new config fields' defaults and one-line errors."""
    c = TrainConfig(algorithm="transformer", dim=64)
    assert (c.hidden, c.lr, c.heads, c.block, c.positions, c.unit) == (256, 1e-3, 4, 128, "learned", "word")
    for kw, msg in [
        ({"algorithm": "transformer", "dim": 30, "heads": 4}, r"dim \(30\) must be a multiple of heads \(4\)"),
        ({"heads": 0}, "heads must be >= 1, got 0"),
        ({"block": 10**6}, "block must be at most 65,536, got 1,000,000"),
        ({"steps": -1}, "steps must be >= 0, got -1"),
        ({"minutes": -1.0}, r"minutes must be in \[0, 1e6\], got -1.0"),
        ({"unit": "byte"}, "unknown unit 'byte'; expected word or char"),
        ({"positions": "rotary"}, "unknown positions 'rotary'; expected learned, sinusoidal or rope"),
    ]:
        with pytest.raises(ConfigError, match=f"^{msg}$"):
            TrainConfig(**kw)
    assert lm_recipe("char", "transformer")["block"] == 128 and lm_recipe("char", "transformer")["positions"] == "rope"


# -- generation ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def char_lm(chars):
    # 200 steps memorise the text for every seed swept (120 left 2 seeds in 10 a few characters off)
    return train_language_model(chars, tconfig(steps=200, lr=1e-2, warmup=10, schedule="cosine"), progress=False)


@pytest.mark.trains
def test_char_generation_continues_the_text(char_lm):
    """Check that greedy decoding of a char model continues a memorised text, joined without spaces."""
    g = generate(char_lm, "to be, or not", 12, method="greedy")
    assert g.text == "to be, or not to be: that" and g.unit == "char"
    assert g.to_dict()["text"] == g.text


def test_char_generation_seeded_and_beam_one_is_greedy(char_lm):
    """Check that sampling repeats under a seed and changes with it, and beam search with one beam is greedy."""
    s1 = generate(char_lm, "the", 60, temperature=2.0, seed=1)
    assert s1 == generate(char_lm, "the", 60, temperature=2.0, seed=1)
    assert s1.words != generate(char_lm, "the", 60, temperature=2.0, seed=2).words
    greedy = generate(char_lm, "the q", 20, method="greedy")
    assert beam_search(char_lm, "the q", 20, beam_size=1).words == greedy.words
    assert beam_search(char_lm, "the q", 20, beam_size=4).log_prob >= greedy.log_prob - 1e-6
    assert generate(char_lm, "the", 30, top_p=1e-6, seed=3).words == generate(char_lm, "the", 30, method="greedy").words


def test_top_p_keeps_the_smallest_nucleus():
    """Check nucleus sampling's distribution against a hand computation, with temperature and top-k."""
    logp = torch.tensor([0.5, 0.3, 0.15, 0.05]).log()
    torch.testing.assert_close(next_token_probs(logp, top_p=0.8), torch.tensor([0.625, 0.375, 0.0, 0.0]))
    torch.testing.assert_close(next_token_probs(logp, top_p=0.81), torch.tensor([0.5, 0.3, 0.15, 0.0]) / 0.95)
    torch.testing.assert_close(next_token_probs(logp, top_p=0.3), torch.tensor([1.0, 0.0, 0.0, 0.0]))
    torch.testing.assert_close(next_token_probs(logp, top_p=1.0), torch.tensor([0.5, 0.3, 0.15, 0.05]))
    # temperature 0.5 squares the probabilities: 0.25, 0.09, 0.0225, 0.0025 (sum 0.365)
    sq = torch.tensor([0.25, 0.09, 0.0225, 0.0025]) / 0.365
    torch.testing.assert_close(next_token_probs(logp, temperature=0.5), sq)
    torch.testing.assert_close(
        next_token_probs(logp, temperature=0.5, top_p=0.9), torch.tensor([0.25, 0.09, 0, 0]) / 0.34
    )
    torch.testing.assert_close(next_token_probs(logp, top_k=3, top_p=0.99), torch.tensor([0.5, 0.3, 0.15, 0.0]) / 0.95)


def test_generation_input_errors(char_lm):
    """Check that unknown prompt characters are named, and bad top-p or counts are one clear error."""
    with pytest.raises(InvalidArgumentError, match=r"^the prompt has 2 characters the model never saw: 'Z', 'é'$"):
        generate(char_lm, "Zthé", 5)
    with pytest.raises(InvalidArgumentError, match=r"^top_p must be in \(0, 1\], got 1.5$"):
        generate(char_lm, "the", 5, top_p=1.5)
    with pytest.raises(InvalidArgumentError, match=r"^n must be >= 0, got -1$"):
        beam_search(char_lm, "the", -1)


# -- model files -----------------------------------------------------------------------------------
def test_model_file_round_trip_and_validation(char_lm, tmp_path):
    """Check weights_only round trip of a char transformer and one-line errors for edited new config fields."""
    path = char_lm.save(tmp_path / "m.pt")
    back = load_language_model(path)
    assert back.config == char_lm.config and back.vocab.words == char_lm.vocab.words
    x = torch.arange(10).view(1, 10)
    torch.testing.assert_close(back.model(x)[0], char_lm.model.eval()(x)[0], rtol=0, atol=0)
    ck = torch.load(path, weights_only=True)
    cases = {
        "block.pt": (
            {**ck, "config": {**ck["config"], "block": 64}},
            ": weight 'pos.weight' is 32 x 32 but the file's config and vocabulary make it 64 x 32",
        ),
        "heads.pt": (
            {**ck, "config": {**ck["config"], "heads": 5000}},
            ": bad language-model config: heads must be at most 1,024, got 5,000",
        ),
        "layers.pt": (
            {**ck, "config": {**ck["config"], "layers": 3}},
            ": the weights do not match the model its config describes (missing blocks.2.ln1.weight, blocks.2.ln1.bias, blocks.2.attn.qkv.weight ...)",
        ),
        "seq2seq.pt": (
            {**ck, "vocab": {"source": {}, "target": {}}},
            " is a sequence-to-sequence model, not a language model",
        ),
    }
    for name, (payload, problem) in cases.items():
        torch.save(payload, tmp_path / name)
        with pytest.raises(ModelFileError) as err:
            load_language_model(tmp_path / name)
        assert str(err.value) == f"{tmp_path / name}{problem}"


def test_old_checkpoint_without_new_fields_loads(tmp_path):
    """Check that a word model file written before the transformer (no unit, heads, block, steps ... fields) still loads."""
    c = corpus_from_texts(["a b c d e"] * 20, valid_fraction=0.1)
    lm = train_language_model(
        c, TrainConfig(algorithm="gru", dim=8, hidden=8, epochs=1, batch_size=4, bptt=5, workers=1), progress=False
    )
    path = lm.save(tmp_path / "m.pt")
    ck = torch.load(path, weights_only=True)
    new = ("unit", "heads", "block", "positions", "steps", "minutes", "warmup", "eval_every", "eval_tokens")
    ck["config"] = {k: v for k, v in ck["config"].items() if k not in new}
    torch.save(ck, tmp_path / "old.pt")
    back = load_language_model(tmp_path / "old.pt")
    assert back.config.unit == "word" and back.config.algorithm == "gru"
    assert generate(back, "a b", 3, method="greedy").words == generate(lm, "a b", 3, method="greedy").words
