"""Shared fixtures: a private cache, the default vectors, gensim's copy of them, the data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Every test run gets its own cache unless the caller chose one (CI keeps it inside the clone).
os.environ.setdefault("EMBEDKIT_CACHE", str(Path(__file__).resolve().parent.parent / ".pytest_cache" / "embedkit"))
os.environ.setdefault("MPLBACKEND", "Agg")

# Under pytest-xdist several workers share the cores, and torch in each uses every core: threads
# that wait for work sleep instead of spinning (OpenMP reads this when torch first loads).
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

DATA_DIR = Path(os.environ.get("EMBEDKIT_DATA", Path(__file__).resolve().parent.parent.parent / "shared" / "data"))


def pytest_xdist_auto_num_workers(config) -> int | None:
    """``-n auto``: one worker per core this process may run on, at most 4 (each loads the vectors
    and torch); with ``PYTEST_XDIST_AUTO_NUM_WORKERS`` set, pytest-xdist's own count (which reads it)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(cores, 4) if cores > 1 else 0


# The longest test files (pytest --durations), started first: with the files shared out among
# workers in collection order, one of these started last would keep a worker busy alone at the end.
FIRST = (
    "tests/cli/test_cli_atomic.py",
    "tests/viz/test_explorer_browser.py",
    "tests/test_notebooks.py",
    "tests/test_readme.py",
    "tests/nn/test_faults.py",
    "tests/test_cli_contract.py",
)


def pytest_collection_modifyitems(config, items) -> None:
    """Put the tests of the files in ``FIRST`` first, in that order; the rest keep theirs."""
    rank = {name: i for i, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(FIRST)))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared real datasets (``$EMBEDKIT_DATA``, default ``../shared/data``)."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"the shared data folder {DATA_DIR} is not there (set EMBEDKIT_DATA)")
    return DATA_DIR


@pytest.fixture(scope="session")
def glove():
    """The default GloVe 6B 50d vectors (400,000 x 50)."""
    import embedkit

    return embedkit.load("glove-6b-50d")


@pytest.fixture(scope="session")
def glove_kv(glove):
    """gensim's KeyedVectors holding exactly the default vectors."""
    return glove.to_gensim()


@pytest.fixture(scope="module")
def subset_file(tmp_path_factory):
    """The first 12 questions of every Google section, plus an invalid line (an analogy file for the
    evaluation and CLI tests)."""
    from embedkit.evaluation.benchmark_files import read_analogies

    qs = read_analogies("google")
    lines = []
    for s in qs.sections:
        lines.append(f": {s.name}")
        lines += [" ".join(q) for q in s.questions[:12]]
    lines.insert(3, "not a question")
    p = tmp_path_factory.mktemp("analogies") / "subset.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def gensim_data(name: str) -> str:
    """Path of a file shipped in gensim's test data."""
    from gensim.test.utils import datapath

    return datapath(name)


@pytest.fixture(scope="session", autouse=True)
def torch_thread_per_worker():
    """Under several pytest-xdist workers, torch runs on one thread in each: the workers share the cores."""
    if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
        try:
            import torch
        except ImportError:
            return
        torch.set_num_threads(1)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Run a module's torch work on one thread (tiny models run fastest so, and leave the other core free)."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def minilm():
    """The default contextual model (MiniLM), loaded once."""
    pytest.importorskip("transformers")
    from embedkit.contextual import load_encoder

    return load_encoder("minilm")


# sentences the tiny own-transformer fixtures are built on
OWN_TEXTS = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog", "on the mat a dog sat"]


@pytest.fixture(scope="session")
def tiny_lm_file(tmp_path_factory):
    """A randomly initialised word transformer language model (2 layers, 2 heads, width 8), saved."""
    torch = pytest.importorskip("torch")
    from embedkit.nn.lm.models import build_model
    from embedkit.nn.lm.train import TrainedLM
    from embedkit.training.config import TrainConfig
    from embedkit.training.corpus import corpus_from_texts

    corpus = corpus_from_texts(OWN_TEXTS * 3, valid_fraction=0.2)
    config = TrainConfig(algorithm="transformer", dim=8, hidden=16, layers=2, heads=2, block=12, workers=1)
    torch.manual_seed(0)
    model = build_model(config, len(corpus.vocab)).eval()
    path = tmp_path_factory.mktemp("own") / "tiny_lm.pt"
    TrainedLM(model, corpus.vocab, config).save(path)
    return path


@pytest.fixture(scope="session")
def tiny_seq2seq_file(tmp_path_factory):
    """A randomly initialised character seq2seq transformer (2 layers, 2 heads, width 8), saved."""
    torch = pytest.importorskip("torch")
    from embedkit.nn.seq2seq.models import build_model
    from embedkit.nn.seq2seq.trained import TrainedSeq2Seq
    from embedkit.sequences.config import Seq2SeqConfig
    from embedkit.text import Vocabulary

    specials = ("<pad>", "<unk>", "<go>", "<eos>")
    src = Vocabulary([*specials, *"abc "], specials, [0] * 4 + [1] * 4)
    tgt = Vocabulary([*specials, *"xyz"], specials, [0] * 4 + [1] * 3)
    config = Seq2SeqConfig(
        model="transformer",
        emb_dim=8,
        heads=2,
        ff_dim=16,
        layers=2,
        dropout=0.0,
        src_unit="char",
        tgt_unit="char",
        max_len=5,
    )
    torch.manual_seed(0)
    model = build_model(config, len(src), len(tgt)).eval()
    path = tmp_path_factory.mktemp("own") / "tiny_s2s.pt"
    TrainedSeq2Seq(model, config, src, tgt).save(path)
    return path


@pytest.fixture(scope="session")
def tiny_classifier_file(tmp_path_factory):
    """A randomly initialised transformer text classifier (2 layers, 2 heads, width 8, pooled by [CLS]), saved."""
    pytest.importorskip("torch")
    from embedkit.classify.config import ClassifierConfig
    from embedkit.nn.classifiers.models import build_classifier
    from embedkit.nn.classifiers.neural import NeuralClassifier
    from embedkit.text import Vocabulary, tokenize

    vocab = Vocabulary.from_texts([tokenize(t) for t in OWN_TEXTS])
    config = ClassifierConfig(
        model="transformer",
        mode="rand",
        embed_dim=6,
        d_model=8,
        num_heads=2,
        ff_size=16,
        pooling="cls",
        dropout=0.0,
        attention_dropout=0.0,
        max_len=10,
    )
    model = build_classifier(config, vocab=vocab, num_classes=2, embed_dim=6, seed=0).eval()
    path = tmp_path_factory.mktemp("own") / "tiny_clf.pt"
    NeuralClassifier(model, vocab, config, ["neg", "pos"], embed_dim=6).save(path)
    return path


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory, minilm):
    """A tiny random BERT folder (2 layers of width 32, MiniLM's tokenizer, safetensors): fast to fine-tune."""
    import shutil

    import torch
    from transformers import BertConfig, BertModel

    folder = tmp_path_factory.mktemp("tiny-bert")
    config = BertConfig(
        vocab_size=minilm.model.config.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(str(folder), safe_serialization=True)
    shutil.copy(minilm.folder.path / "tokenizer.json", folder / "tokenizer.json")
    return folder
