"""Tests of embedkit.nn.classifiers.finetune: a contextual encoder fine-tuned with a linear head (on a tiny
random BERT with MiniLM's tokenizer, so that a few steps take a second)."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit.classify import TextDataset, load_classifier, train
from embedkit.classify.config import FinetuneConfig
from embedkit.errors import ConfigError, InvalidArgumentError, ModelFileError, TrainingInterrupted
from tests.seeds import seed

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from embedkit.nn.classifiers import finetune
from embedkit.nn.classifiers.finetune import FinetunedClassifier, warmup_decay

TEXTS = ["a fine film", "a dull film", "fine and warm", "dull and cold", "warm fine story", "cold dull story"]
SMALL = TextDataset(TEXTS * 4, [1, 0, 1, 0, 1, 0] * 4, ("neg", "pos"))


def _config(tiny_bert, **kw) -> FinetuneConfig:
    return FinetuneConfig(encoder=str(tiny_bert), **{"epochs": 1, "batch_size": 8, "max_length": 16, **kw})


@pytest.mark.slow  # tiny_bert loads MiniLM for its tokenizer
def test_saved_model_reloads_and_predicts_identically(tmp_path, tiny_bert):
    """Check that a few steps of fine-tuning save a weights_only checkpoint that reloads to the same predictions."""
    r = train(SMALL, dev=SMALL, model="minilm-finetune", config=_config(tiny_bert), output=tmp_path / "m.pt")
    d = r.to_dict()
    assert d["model"] == "minilm-finetune" and d["epochs_run"] == 1 and d["best_epoch"] == 1
    ck = torch.load(tmp_path / "m.pt", weights_only=True)
    assert ck["extra"] == {"kind": "minilm-finetune", "class_names": ["neg", "pos"]}
    assert ck["config"]["encoder"] == str(tiny_bert)
    back = load_classifier(tmp_path / "m.pt")
    assert isinstance(back, FinetunedClassifier)
    assert_allclose(back.predict_proba(TEXTS), r.classifier.predict_proba(TEXTS), atol=1e-6)
    assert back.predict(TEXTS) == r.classifier.predict(TEXTS)


@pytest.mark.slow  # tiny_bert loads MiniLM for its tokenizer
def test_same_seed_same_model_other_seed_other_model(tiny_bert):
    """Check that the run is seeded: the same seed gives the same probabilities, another seed others."""
    cfg = _config(tiny_bert)
    a = train(SMALL, dev=SMALL, model="minilm-finetune", config=cfg, seed=1).classifier.predict_proba(TEXTS)
    b = train(SMALL, dev=SMALL, model="minilm-finetune", config=cfg, seed=1).classifier.predict_proba(TEXTS)
    c = train(SMALL, dev=SMALL, model="minilm-finetune", config=cfg, seed=2).classifier.predict_proba(TEXTS)
    assert np.array_equal(a, b)
    assert np.abs(a - c).max() > 1e-4


@pytest.mark.slow  # tiny_bert loads MiniLM for its tokenizer
def test_long_texts_are_cut_keeping_the_closing_token(tiny_bert):
    """Check that a text longer than max_length keeps its first pieces and its [SEP]."""
    from embedkit.contextual import load_encoder

    enc = load_encoder(tiny_bert)
    full = enc.tokenizer.encode("one two three four five six seven eight").ids
    (cut,) = finetune._pieces(enc, ["one two three four five six seven eight"], 5)
    assert cut == full[:4] + full[-1:] and len(full) == 10


def test_warm_up_then_decay_reaches_zero():
    """Check the learning-rate factor: a linear rise to 1 over the warm-up steps, a linear fall to 0 at the last step."""
    assert [warmup_decay(s, 5, 0) for s in range(5)] == [0.8, 0.6, 0.4, 0.2, 0.0]
    assert [warmup_decay(s, 7, 4) for s in range(7)] == [0.25, 0.5, 0.75, 1.0, 2 / 3, 1 / 3, 0.0]


@pytest.mark.slow  # tiny_bert loads MiniLM for its tokenizer
def test_ctrl_c_stops_between_steps(tmp_path, tiny_bert, monkeypatch):
    """Check that a Ctrl-C held by deferred_interrupt becomes TrainingInterrupted after the epoch done, with its checkpoint."""
    calls = []

    @contextlib.contextmanager
    def interrupt_on_fifth_check(*, enabled=True):
        def check():
            calls.append(1)
            if len(calls) == 5:  # 24 texts at batch 8: 3 steps and the dev check make epoch 1, then one step
                raise KeyboardInterrupt

        yield check

    monkeypatch.setattr(finetune, "deferred_interrupt", interrupt_on_fifth_check)
    with pytest.raises(TrainingInterrupted, match="interrupted after epoch 1") as info:
        train(
            SMALL,
            dev=SMALL,
            model="minilm-finetune",
            config=_config(tiny_bert, epochs=2),
            checkpoint=tmp_path / "best.pt",
        )
    assert info.value.checkpoint == str(tmp_path / "best.pt")
    assert isinstance(load_classifier(tmp_path / "best.pt"), FinetunedClassifier)


def test_errors(tmp_path):
    """Check the one-line errors: a bad config, resuming, a checkpoint of another kind read as fine-tuned."""
    with pytest.raises(ConfigError, match=r"max_length must be >= 3 \(two special tokens and a piece\), got 2"):
        FinetuneConfig(max_length=2)
    with pytest.raises(InvalidArgumentError, match="minilm-finetune keeps no training state to resume from"):
        train(SMALL, dev=SMALL, model="minilm-finetune", resume=True, checkpoint_dir=tmp_path)
    from embedkit.nn.runtime.checkpoint import save_checkpoint

    save_checkpoint(tmp_path / "other.pt", model_state={}, config={}, vocab={}, extra={"kind": "neural"})
    with pytest.raises(ModelFileError, match=r"other\.pt.*not a fine-tuned encoder"):
        FinetunedClassifier.load(tmp_path / "other.pt")


@pytest.mark.trains
@pytest.mark.slow
def test_fine_tuning_learns_a_separable_task(tiny_bert):
    """Check that fine-tuning the tiny encoder learns words that decide the class (dev accuracy 1.0)."""
    rng = np.random.default_rng(seed(0))
    filler = ["the", "a", "story", "film", "was", "and", "it", "very"]
    texts, labels = [], []
    for i in range(64):
        words = list(rng.choice(filler, size=4))
        words.insert(int(rng.integers(0, 5)), "excellent" if i % 2 else "terrible")
        texts.append(" ".join(words))
        labels.append(i % 2)
    data = TextDataset(texts, labels, ("neg", "pos"))
    cfg = _config(tiny_bert, epochs=8, lr=1e-2, warmup=0.1)
    r = train(
        data.subset(np.arange(48)),
        dev=data.subset(np.arange(48, 64)),
        model="minilm-finetune",
        config=cfg,
        seed=seed(0),
    )
    assert r.dev.accuracy == 1.0
