"""Tests for embedkit.nn: language models, the trainer, checkpoints, the Vectors bridge and generation.

Small, CPU, seeded; one thread so timings do not depend on the machine's load.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import embedkit
from embedkit.nn import embedding_from_vectors, load_checkpoint, save_checkpoint, vectors_from_embedding
from embedkit.nn.lm.generate import beam_search, generate
from embedkit.nn.lm.models import LANGUAGE_MODELS as MODELS
from embedkit.nn.lm.models import NPLM, OutputLayer, build_model
from embedkit.nn.lm.train import evaluate_perplexity, load_language_model, train_language_model
from embedkit.nn.runtime.checkpoint import latest_checkpoint
from embedkit.text import Vocabulary
from embedkit.training.config import TrainConfig
from embedkit.training.corpus import corpus_from_texts
from tests.seeds import seed

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = [
    "the king is dead , long live the king .",
    "the queen is wise and the king is old .",
    "a horse , a horse , my kingdom for a horse !",
]


@pytest.fixture(scope="module")
def tiny():
    return corpus_from_texts(TEXT * 30, valid_fraction=0.1)


def small_config(algorithm: str, **kw) -> TrainConfig:
    base = {
        "algorithm": algorithm,
        "dim": 16,
        "hidden": 32,
        "window": 3,
        "epochs": 2,
        "batch_size": 8,
        "bptt": 10,
        "lr": 0.01,
        "objective": "full",
        "workers": 1,
        "seed": seed(3),
    }
    base.update(kw)
    return TrainConfig(**base)


@pytest.mark.trains
@pytest.mark.parametrize("algorithm", sorted(MODELS))
@pytest.mark.parametrize("objective", ["full", "sampled", "negative", "adaptive"])
def test_shapes_and_loss_goes_down(tiny, algorithm, objective):
    """Check that every model and objective gives (B, T, H) features, (B, T, V) log-probs, and its loss falls."""
    cfg = small_config(algorithm, objective=objective, num_sampled=20, lr=0.02, sparse=False)
    torch.manual_seed(seed(0))
    model = build_model(cfg, len(tiny.vocab), torch.from_numpy(tiny.counts()))
    x = torch.from_numpy(tiny.train[:60].astype(np.int64)).view(4, 15)
    y = torch.from_numpy(tiny.train[1:61].astype(np.int64)).view(4, 15)
    h, _ = model(x)
    assert h.shape == (4, 15, 16 if algorithm == "transformer" else 32)  # the transformer's features are dim wide
    logp = model.log_probs(h)
    assert logp.shape == (4, 15, len(tiny.vocab))
    torch.testing.assert_close(logp.exp().sum(-1), torch.ones(4, 15))
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    g = torch.Generator().manual_seed(seed(0))
    losses = []
    for _ in range(30):
        h, _ = model(x)
        loss = model.loss(h, y, generator=g)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    # negative sampling's loss has a floor well above 0 (the sampled negatives), so ask for 30% less
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:3])


def test_nplm_matches_reference():
    """Check that the NPLM's features are tanh(W [e(t-n); ...; e(t-1)] + b), padding before the start."""
    torch.manual_seed(0)
    m = NPLM(10, dim=4, context=3, hidden=5)
    ids = torch.tensor([[4, 7, 2, 9]])
    h, state = m(ids)
    e = m.embedding.weight.detach()
    padded = [0, 0, 4, 7, 2, 9]
    for t in range(4):
        win = torch.cat([e[padded[t]], e[padded[t + 1]], e[padded[t + 2]]])
        ref = torch.tanh(m.hidden.weight @ win + m.hidden.bias)
        torch.testing.assert_close(h[0, t], ref)
    assert state.tolist() == [[2, 9]]


@pytest.mark.parametrize("algorithm", ["nplm", "lstm", "gru"])
def test_state_carries_context(algorithm):
    """Check that running a sequence in two halves with the carried state equals running it whole."""
    torch.manual_seed(0)
    m = build_model(small_config(algorithm), 30).eval()
    ids = torch.randint(3, 30, (2, 12))
    whole, _ = m(ids)
    a, st = m(ids[:, :5])
    b, _ = m(ids[:, 5:], st)
    torch.testing.assert_close(torch.cat([a, b], 1), whole)


def test_target_log_prob_matches_log_softmax():
    """Check that the exact target log-probabilities equal log_softmax gathered at the targets."""
    torch.manual_seed(0)
    out = OutputLayer(6, 50, objective="sampled", counts=torch.arange(50.0))
    h, y = torch.randn(7, 6), torch.randint(0, 50, (7,))
    ref = torch.log_softmax(h @ out.weight.T + out.bias, -1)[torch.arange(7), y]
    torch.testing.assert_close(out.target_log_prob(h, y), ref)


def test_negative_samples_follow_unigram_075():
    """Check that negatives are drawn from the unigram distribution raised to 0.75."""
    counts = torch.tensor([0.0, 0.0, 100.0, 10.0, 1.0])
    out = OutputLayer(4, 5, objective="negative", num_sampled=5, counts=counts)
    draws = out._draw(200_000, torch.Generator().manual_seed(0))
    freq = torch.bincount(draws, minlength=5).double() / len(draws)
    p = counts.double() ** 0.75
    torch.testing.assert_close(freq, p / p.sum(), atol=3e-3, rtol=0)


@pytest.mark.trains
@pytest.mark.parametrize("algorithm", ["nplm", "lstm"])
def test_memorised_text_perplexity_approaches_one(algorithm):
    """Check that a model trained on a tiny repeated text reaches held-out perplexity near 1."""
    c = corpus_from_texts(["one two three four five six"] * 60, valid_fraction=0.1)
    cfg = small_config(algorithm, epochs=8, lr=0.03, window=6, schedule="constant")
    lm = train_language_model(c, cfg, progress=False)
    ppl = [h["valid_ppl"] for h in lm.history]
    assert ppl[0] > ppl[-1]
    assert ppl[-1] < 1.1
    assert evaluate_perplexity(lm.model, c.valid) == pytest.approx(ppl[-1], rel=1e-6)


@pytest.mark.parametrize(
    "algorithm,extra",
    [("lstm", {"objective": "sampled", "num_sampled": 10, "dropout": 0.3}), ("nplm", {"objective": "negative"})],
)
def test_resume_is_exact(tiny, tmp_path, algorithm, extra):
    """Check that stopping after epoch 1 and resuming gives exactly the parameters of an uninterrupted run."""
    cfg = small_config(algorithm, epochs=2, **extra)
    full = train_language_model(tiny, cfg, progress=False, checkpoint_dir=tmp_path / "a")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["epoch-001.pt", "epoch-002.pt"]
    # a run that stops after one epoch (same config), then a resumed run
    train_language_model(tiny, cfg, progress=False, checkpoint_dir=tmp_path / "b")
    (tmp_path / "b" / "epoch-002.pt").unlink()
    assert latest_checkpoint(tmp_path / "b").name == "epoch-001.pt"
    resumed = train_language_model(tiny, cfg, progress=False, checkpoint_dir=tmp_path / "b", resume=True)
    a, b = full.model.state_dict(), resumed.model.state_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    keys = ("epoch", "loss", "valid_ppl", "tokens", "lr")
    assert [[h[k] for k in keys] for h in resumed.history] == [[h[k] for k in keys] for h in full.history]
    with pytest.raises(ValueError, match="another config"):
        train_language_model(
            tiny, small_config(algorithm, epochs=3, dim=8), checkpoint_dir=tmp_path / "b", resume=True, progress=False
        )


def test_bf16_autocast_trains(tiny):
    """Check that bfloat16 autocast training lowers held-out perplexity and keeps float32 parameters."""
    cfg = small_config("lstm", epochs=3, objective="sampled", num_sampled=10, bf16=True, lr=0.02)
    lm = train_language_model(tiny, cfg, progress=False)
    ppl = [h["valid_ppl"] for h in lm.history]
    assert ppl[-1] < ppl[0] < 60 and np.isfinite(ppl).all()
    assert {p.dtype for p in lm.model.parameters()} == {torch.float32}


def test_checkpoint_roundtrip_identical_outputs(tiny, tmp_path):
    """Check that a saved model loads (weights_only) with identical outputs, config and vocabulary."""
    lm = train_language_model(tiny, small_config("gru", epochs=1, objective="adaptive"), progress=False)
    path = lm.save(tmp_path / "m.pt")
    back = load_language_model(path)
    x = torch.from_numpy(tiny.train[:20].astype(np.int64)).view(2, 10)
    lm.model.eval()
    torch.testing.assert_close(
        lm.model.log_probs(lm.model(x)[0]), back.model.log_probs(back.model(x)[0]), rtol=0, atol=0
    )
    assert back.config == lm.config and back.vocab.words == tiny.vocab.words
    assert back.history == lm.history


def saved_bytes(tmp_path) -> bytes:
    path = save_checkpoint(tmp_path / "whole.pt", model_state={"w": torch.ones(50)}, config={}, vocab={}, extra={})
    return path.read_bytes()


def test_checkpoint_format_errors(tmp_path):
    """Check that load_checkpoint refuses a file that is not an embedkit checkpoint."""
    p = tmp_path / "x.pt"
    torch.save({"a": 1}, p)
    with pytest.raises(ValueError, match="not an embedkit checkpoint"):
        load_checkpoint(p)
    for junk in (b"not a zip", b"abcde", b""):  # torch's own errors for these: an index, "pop from empty list"
        (tmp_path / "junk.pt").write_bytes(junk)
        with pytest.raises(ValueError, match=r"junk\.pt: not a readable embedkit checkpoint \(not a PyTorch file\)$"):
            load_checkpoint(tmp_path / "junk.pt")
    (tmp_path / "cut.pt").write_bytes(saved_bytes(tmp_path)[:300])  # a zip cut short
    with pytest.raises(ValueError, match=r"cut\.pt: not a readable embedkit checkpoint \(a damaged PyTorch file: "):
        load_checkpoint(tmp_path / "cut.pt")
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt")
    saved = save_checkpoint(
        tmp_path / "d" / "c.pt", model_state={}, config={"k": [1, 2]}, vocab={}, extra={"t": torch.arange(3)}
    )
    assert load_checkpoint(saved)["extra"]["t"].tolist() == [0, 1, 2]
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["c.pt"]  # no temporary file left


def test_embedding_from_glove(glove):
    """Check that known words get their GloVe rows and unknown ones uniform noise of the GloVe variance."""
    vocab = Vocabulary.from_texts([["the", "king", "zzqxw", "queen"] + [f"nonword{i}x" for i in range(2000)]])
    emb = embedding_from_vectors(glove, vocab, freeze=True, seed=1)
    w = emb.weight.detach().numpy()
    np.testing.assert_array_equal(w[vocab["king"]], glove["king"])
    np.testing.assert_array_equal(w[0], np.zeros(50, np.float32))
    assert not emb.weight.requires_grad and emb.padding_idx == 0
    unknown = w[[vocab[f"nonword{i}x"] for i in range(2000)]]
    var = float(np.var(glove.matrix.astype(np.float64)))
    assert float(np.var(unknown)) == pytest.approx(var, rel=0.03)
    a = np.sqrt(3 * var)
    assert np.abs(unknown).max() <= a
    again = embedding_from_vectors(glove, vocab, seed=1).weight.detach().numpy()
    np.testing.assert_array_equal(again, w)
    zero = embedding_from_vectors(glove, vocab, unknown="zero").weight.detach().numpy()
    assert not zero[vocab["zzqxw"]].any()
    with pytest.raises(ValueError, match="unknown must be"):
        embedding_from_vectors(glove, vocab, unknown="normal")


@pytest.mark.trains
def test_init_from_pretrained_then_fine_tune(tiny, glove):
    """Check that training can start from GloVe rows, and freeze_embeddings keeps them exactly."""
    cfg = small_config("lstm", dim=50, epochs=1, freeze_embeddings=True)
    lm = train_language_model(tiny, cfg, init=glove, progress=False)
    np.testing.assert_array_equal(lm.vectors()["king"], glove["king"])
    cfg = small_config("lstm", dim=50, epochs=1)
    lm = train_language_model(tiny, cfg, init=glove, progress=False)
    assert 0 < np.abs(lm.vectors()["king"] - glove["king"]).max() < 0.2


def test_exported_vectors_load_back(tiny, tmp_path):
    """Check that a model's embedding exports as Vectors without specials and reloads through embedkit.load."""
    lm = train_language_model(tiny, small_config("rnn", epochs=1), progress=False)
    v = lm.vectors()
    assert v.keys == tiny.vocab.words[3:] and v.dim == 16
    np.testing.assert_array_equal(v["king"], lm.model.embedding.weight[tiny.vocab["king"]].detach().numpy())
    for fmt, name in [("embedkit", "v.ekv"), ("word2vec", "v.txt")]:
        assert embedkit.load(embedkit.save(v, tmp_path / name, format=fmt)) == v
    assert vectors_from_embedding(lm.model.embedding, tiny.vocab, drop_specials=False).keys[:3] == [
        "<pad>",
        "<unk>",
        "</s>",
    ]


@pytest.fixture(scope="module")
def trained(tiny):
    return train_language_model(tiny, small_config("lstm", epochs=6, lr=0.02), progress=False)


def test_generation_is_deterministic(trained):
    """Check that greedy, sampled and beam generation repeat under a seed and sampling changes with it."""
    g1 = generate(trained, "the king", 12, method="greedy")
    assert g1 == generate(trained, "the king", 12, method="greedy")
    assert g1.prompt == ["the", "king"] and len(g1.words) == 12
    s1 = generate(trained, "a horse", 30, temperature=1.5, seed=1)
    assert s1 == generate(trained, "a horse", 30, temperature=1.5, seed=1)
    assert s1.words != generate(trained, "a horse", 30, temperature=1.5, seed=2).words
    assert not {"<pad>", "<unk>"} & set(s1.words)
    k1 = generate(trained, "a horse", 20, top_k=1, seed=5)
    assert k1.words == generate(trained, "a horse", 20, method="greedy").words
    b = beam_search(trained, "the queen", 8, beam_size=4)
    assert b == generate(trained, "the queen", 8, method="beam", beam_size=4)
    assert (
        beam_search(trained, "the queen", 8, beam_size=1).words
        == generate(trained, "the queen", 8, method="greedy").words
    )
    # Beam scores its hypotheses as one float32 batch, greedy one row at a time: the two sums of 8 log
    # probabilities round differently (by ~2e-7 on AVX-512 kernels), so compare within float32 precision.
    greedy = generate(trained, "the queen", 8, method="greedy")
    assert b.log_prob >= greedy.log_prob - 1e-5 * max(1.0, abs(greedy.log_prob))


@pytest.mark.trains
def test_generation_learns_the_text(trained):
    """Check that greedy decoding continues a memorised line of the training text."""
    g = generate(trained, "a horse , a horse , my", 4, method="greedy")
    assert g.words == ["kingdom", "for", "a", "horse"]
    assert g.text == "a horse , a horse , my kingdom for a horse"


def test_generation_errors(trained):
    """Check that bad decoding arguments raise clear errors, and that a beam is capped at 1,000 as in seq2seq."""
    with pytest.raises(ValueError, match="temperature"):
        generate(trained, "x", 3, temperature=0)
    with pytest.raises(ValueError, match="method"):
        generate(trained, "x", 3, method="nucleus")
    with pytest.raises(ValueError, match="top_k"):
        generate(trained, "x", 3, top_k=0)
    with pytest.raises(ValueError, match=r"^beam_size must be an integer in 1\.\.1000, got 1001$"):
        generate(trained, "x", 3, method="beam", beam_size=1001)  # the cap of seq2seq translation too


# -- model files, interruption ----------------------------------------------------------------
class _Opaque:
    """An object that only a full unpickler can rebuild."""


def test_load_language_model_checks_the_file(tiny, tmp_path):
    """Check that an edited, foreign, pickled or incomplete model file fails in one line naming it, and a checkpoint folder loads its latest epoch."""
    from embedkit.errors import ModelFileError

    cfg = small_config("gru", epochs=2)
    lm = train_language_model(tiny, cfg, checkpoint_dir=tmp_path / "ck", progress=False)
    back = load_language_model(tmp_path / "ck")
    x = torch.arange(6).view(1, 6)
    torch.testing.assert_close(back.model(x)[0], lm.model.eval()(x)[0], rtol=0, atol=0)
    assert [h["epoch"] for h in back.history] == [1, 2]
    ck = torch.load(tmp_path / "ck" / "epoch-002.pt", weights_only=True)
    v = len(tiny.vocab)
    cases = {
        "hidden.pt": (
            {**ck, "config": {**ck["config"], "hidden": 4000}},
            f": weight 'output.weight' is {v} x 32 but the file's config and vocabulary make it {v} x 4000",
        ),
        "dim.pt": (
            {**ck, "config": {**ck["config"], "dim": 10**6}},
            ": bad language-model config: dim must be at most 16,384, got 1,000,000",
        ),
        "classifier.pt": (
            {**ck, "config": {"model": "cnn", "mode": "rand"}, "extra": {"class_names": ["a", "b"]}},
            " is a classifier model, not a language model",
        ),
        "nostate.pt": (
            {k: val for k, val in ck.items() if k != "model_state"},
            ": the checkpoint has no 'model_state' entry",
        ),
        "pickled.pt": (
            {**ck, "extra": {"history": _Opaque()}},
            ": the file holds pickled Python objects, which embedkit will not load (unpickling can run code)",
        ),
    }
    for name, (payload, problem) in cases.items():
        torch.save(payload, tmp_path / name)
        with pytest.raises(ModelFileError) as err:
            load_language_model(tmp_path / name)
        assert str(err.value) == f"{tmp_path / name}{problem}"
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        FileNotFoundError,
        match=rf"^no such checkpoint: {re.escape(repr(str(tmp_path / 'empty')))} \(a folder without epoch-K\.pt files\)$",
    ):
        load_language_model(tmp_path / "empty")


def test_lm_interrupt_resume_warning_and_missing_state(tiny, tmp_path, monkeypatch):
    """Check that Ctrl-C in epoch 2 reports epoch 1 and its checkpoint, that resume without a checkpoint warns, and that a checkpoint lacking the optimizer state is one line."""
    from embedkit.errors import EmbedkitWarning, ModelFileError, TrainingInterrupted
    from embedkit.nn.lm.models import LanguageModel

    cfg = small_config("rnn", epochs=3)
    per_epoch = -(-(len(tiny.train) // cfg.batch_size - 1) // cfg.bptt)
    steps = []
    original = LanguageModel.loss

    def loss(self, h, targets, *, generator=None):
        steps.append(1)
        if len(steps) == 2 * per_epoch + 2:  # inside epoch 3
            raise KeyboardInterrupt
        return original(self, h, targets, generator=generator)

    monkeypatch.setattr(LanguageModel, "loss", loss)
    with (
        pytest.warns(EmbedkitWarning, match="training from the first epoch"),
        pytest.raises(TrainingInterrupted) as err,
    ):
        train_language_model(tiny, cfg, checkpoint_dir=tmp_path, resume=True, progress=False)
    assert (err.value.epoch, err.value.checkpoint) == (2, str(tmp_path / "epoch-002.pt"))
    monkeypatch.setattr(LanguageModel, "loss", original)
    ck = torch.load(tmp_path / "epoch-002.pt", weights_only=True)
    del ck["extra"]["scheduler"]
    torch.save(ck, tmp_path / "epoch-002.pt")
    with pytest.raises(ModelFileError) as bad:
        train_language_model(tiny, cfg, checkpoint_dir=tmp_path, resume=True, progress=False)
    assert str(bad.value) == (
        f"{tmp_path / 'epoch-002.pt'}: the checkpoint has no 'scheduler' entry, so training cannot resume from it"
    )


class FakeClock:
    """A training clock that advances half a second each time it is read: every step takes 0.5 s."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 0.5
        return self.t


@pytest.mark.parametrize("algorithm", ["gru", "transformer"])
def test_minutes_budget_checkpoints_every_few_minutes_and_resumes_exactly(tiny, tmp_path, monkeypatch, algorithm):
    """Check that a minutes budget evaluates and checkpoints every checkpoint_every minutes of training time, and that a run killed after a checkpoint and resumed ends exactly as an uninterrupted one."""
    from embedkit.errors import TrainingInterrupted
    from embedkit.nn.lm import train as train_module
    from embedkit.nn.lm.models import LanguageModel

    extra = {"heads": 2, "block": 8, "dim": 16, "hidden": 32} if algorithm == "transformer" else {}
    # 0.2 minutes (12 s) at 0.5 s a step: 24 steps, a round every 0.05 minutes (3 s, 6 steps)
    cfg = small_config(algorithm, minutes=0.2, **extra)
    monkeypatch.setattr(train_module, "_clock", FakeClock())
    full = train_language_model(tiny, cfg, checkpoint_dir=tmp_path / "a", checkpoint_every=0.05, progress=False)
    assert [h["step"] for h in full.history] == [6, 12, 18, 24]
    assert [h["elapsed"] for h in full.history] == [3.0, 6.0, 9.0, 12.0]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [f"epoch-00{k}.pt" for k in (1, 2, 3, 4)]

    steps = []
    original = LanguageModel.loss

    def loss(self, h, targets, *, generator=None):
        steps.append(1)
        if len(steps) == 15:  # inside the third round: killed after the second checkpoint
            raise KeyboardInterrupt
        return original(self, h, targets, generator=generator)

    monkeypatch.setattr(LanguageModel, "loss", loss)
    monkeypatch.setattr(train_module, "_clock", FakeClock())
    with pytest.raises(TrainingInterrupted) as err:
        train_language_model(tiny, cfg, checkpoint_dir=tmp_path / "b", checkpoint_every=0.05, progress=False)
    assert (err.value.epoch, err.value.checkpoint) == (2, str(tmp_path / "b" / "epoch-002.pt"))
    monkeypatch.setattr(LanguageModel, "loss", original)
    resumed = train_language_model(
        tiny, cfg, checkpoint_dir=tmp_path / "b", resume=True, checkpoint_every=0.05, progress=False
    )
    a, b = full.model.state_dict(), resumed.model.state_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    keys = ("step", "elapsed", "loss", "valid_loss", "lr")
    assert [[h[k] for k in keys] for h in resumed.history] == [[h[k] for k in keys] for h in full.history]


def test_minutes_budget_progress_shows_elapsed_over_budget_and_held_out_loss(tiny, monkeypatch, capsys):
    """Check that a minutes budget's progress on a log (stderr not a terminal) shows the training time over the budget, the time left, the step and the last held-out loss."""
    from embedkit import progress
    from embedkit.nn.lm import train as train_module

    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.0)  # a line at every step
    monkeypatch.setattr(train_module, "_clock", FakeClock())
    cfg = small_config("gru", minutes=0.1)  # 6 s: 12 steps, a round after 6
    lm = train_language_model(tiny, cfg, checkpoint_every=0.05, progress=True)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "gru (word): 00:00/00:06 (8%), 00:05 left"
    assert lines[5] == "gru (word): 00:03/00:06 (50%), 00:03 left"
    held = [f"held-out {h['valid_loss']:.3f}" for h in lm.history]
    assert len(held) == 2
    assert lines[6] == f"gru (word): 00:03/00:06 (50%), 00:03 left, step 6, {held[0]}"
    assert lines[-1] == f"gru (word): 00:06/00:06 (100%), 00:00 left, step 12, {held[1]}"
    assert all("\r" not in line for line in lines)
