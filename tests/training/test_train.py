"""Tests for embedkit.training (learn_vectors, train_vectors, TrainConfig); the commands are in tests/cli/test_cli_train.py."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import embedkit
from embedkit.training.config import TrainConfig
from embedkit.training.corpus import corpus_from_texts, read_corpus
from embedkit.training.learn import learn_vectors, train_vectors
from tests.seeds import seed

TEXT = [
    "the king is dead , long live the king .",
    "the queen is wise and the king is old .",
    "a horse , a horse , my kingdom for a horse !",
]


def test_config_defaults_and_validation():
    """Check that None fields take the algorithm's defaults and bad values raise clear errors."""
    c = TrainConfig(algorithm="nplm", dim=50)
    assert (c.hidden, c.objective, c.batch_size, c.lr, c.sparse) == (50, "negative", 512, 1e-2, False)
    c = TrainConfig(algorithm="lstm")
    assert (c.hidden, c.objective, c.batch_size, c.lr, c.sparse) == (256, "sampled", 64, 2e-3, True)
    assert TrainConfig(algorithm="gru", objective="full").sparse is False
    assert TrainConfig(algorithm="fasttext").lr == 0.025
    assert TrainConfig.from_dict(c.to_dict()) == c
    with pytest.raises(ValueError, match="unknown algorithm 'glove'"):
        TrainConfig(algorithm="glove")
    with pytest.raises(ValueError, match="dim must be >= 1"):
        TrainConfig(dim=0)
    with pytest.raises(ValueError, match="tie=True needs"):
        TrainConfig(tie=True, objective="adaptive")
    with pytest.raises(ValueError, match="dropout"):
        TrainConfig(dropout=1.0)


def test_skipgram_equals_gensim():
    """Check that word2vec-skipgram through learn_vectors gives gensim's own vectors for the same settings."""
    from gensim.models import Word2Vec

    c = corpus_from_texts(TEXT * 20)
    cfg = TrainConfig(algorithm="word2vec-skipgram", dim=12, window=3, epochs=1, workers=1, seed=7, schedule="constant")
    v = learn_vectors(c, cfg)
    ref = Word2Vec(
        list(c.sentences()),
        sg=1,
        vector_size=12,
        window=3,
        min_count=1,
        workers=1,
        seed=7,
        sample=1e-3,
        negative=5,
        alpha=0.025,
        min_alpha=0.025,
        epochs=1,
    )
    assert sorted(v.keys) == sorted(ref.wv.index_to_key) == sorted(c.vocab.words[3:])
    np.testing.assert_allclose(v.vectors(["king", "horse"]), ref.wv[["king", "horse"]], rtol=1e-6)


@pytest.mark.parametrize("algorithm", ["word2vec-cbow", "fasttext", "nplm"])
def test_learn_vectors_shapes(algorithm):
    """Check that every backend returns Vectors over the corpus words without the special tokens."""
    c = corpus_from_texts(TEXT * 10, valid_fraction=0.1)
    v = learn_vectors(c, TrainConfig(algorithm=algorithm, dim=8, epochs=1, workers=1, batch_size=4, bptt=8))
    assert v.dim == 8
    expect = list(c.vocab.words[3:])
    assert sorted(v.keys) == sorted(expect)
    assert np.isfinite(v.matrix).all()


def test_train_vectors_result_fields():
    """Check that train_vectors reports per-epoch history and speed for a language model."""
    c = corpus_from_texts(TEXT * 10, valid_fraction=0.1)
    r = train_vectors(
        c, TrainConfig(algorithm="gru", dim=8, hidden=8, epochs=2, workers=1, batch_size=4, bptt=8), progress=False
    )
    assert [h["epoch"] for h in r.history] == [1, 2]
    assert r.tokens_per_s > 0 and r.lm is not None
    d = r.to_dict()
    assert d["words"] == len(c.vocab) - 3 and d["config"]["algorithm"] == "gru"
    with pytest.raises(ValueError, match="init and checkpoints"):
        train_vectors(c, TrainConfig(algorithm="word2vec-cbow"), checkpoint_dir="x")


@pytest.mark.trains
def test_shakespeare_skipgram_neighbours(data_dir):
    """Check that skip-gram on tiny-Shakespeare puts kin terms next to each other (real text, real vectors)."""
    c = read_corpus([data_dir / "corpus" / "tinyshakespeare.txt"], min_count=5)
    v = learn_vectors(c, TrainConfig(algorithm="word2vec-skipgram", dim=50, epochs=3, workers=1, seed=seed(1)))
    assert len(v) == len(c.vocab) - 3 == 3_192
    top = [w for w, _ in embedkit.nearest(v, "father", k=10)]
    assert len({"mother", "daughter", "wife", "brother", "son", "husband"} & set(top)) >= 4


def test_import_stays_light():
    """Check that importing embedkit (with the training entry points) imports neither torch nor gensim."""
    code = (
        "import sys, embedkit; embedkit.TrainConfig; print(sorted(m for m in ('torch', 'gensim') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_config_types_and_caps():
    """Check that TrainConfig names a field of the wrong type or past its cap in one ConfigError."""
    from embedkit.errors import ConfigError

    for kw, msg in [
        ({"dim": "100"}, "dim must be an integer, got '100'"),
        ({"dropout": "abc"}, "dropout must be a number, got 'abc'"),
        ({"hidden": 10**6}, "hidden must be at most 16,384, got 1,000,000"),
        ({"tie": 1}, "tie must be true or false, got 1"),
    ]:
        with pytest.raises(ConfigError) as err:
            TrainConfig(**kw)
        assert str(err.value) == msg
