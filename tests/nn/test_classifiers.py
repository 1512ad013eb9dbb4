"""The torch side of the classifiers: vocabulary, encoding, every architecture and mode, the trainer."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_allclose

from embedkit import Vectors
from embedkit.classify import NEURAL_MODELS, ClassifierConfig
from embedkit.nn.classifiers import (
    CLASSIFIERS,
    CNNClassifier,
    MultiHeadSelfAttention,
    NeuralClassifier,
    build_classifier,
    sinusoidal_positions,
)
from embedkit.nn.classifiers import fit_classifier as fit
from embedkit.nn.classifiers.data import build_vocab, encode_texts, tokenize_texts
from tests.seeds import seed

pytestmark = pytest.mark.usefixtures("one_torch_thread")


MODELS = list(CLASSIFIERS)
MODES = ["rand", "static", "non-static", "multichannel"]
TEXTS = [
    "a truly great film",
    "great acting , great story",
    "dull and boring",
    "boring , boring plot",
    "a great cast",
    "a dull mess",
    "superb",
    "awful and dull",
]
LABELS = np.array([1, 1, 0, 0, 1, 0, 1, 0])


def small_config(model: str, mode: str = "non-static", **kw) -> ClassifierConfig:
    base = {
        "model": model,
        "mode": mode,
        "hidden_size": 16,
        "num_filters": 8,
        "d_model": 16,
        "num_heads": 2,
        "ff_size": 32,
        "vector_words": 0,
        "transformer_layers": 1,
        "embed_dim": 12,
        "batch_size": 4,
        "epochs": 2,
    }
    base.update(kw)
    return ClassifierConfig(**base)


@pytest.fixture(scope="module")
def small_vectors(glove) -> Vectors:
    return glove.most_frequent(2000)


@pytest.fixture(scope="module")
def vocab(small_vectors):
    return build_vocab(tokenize_texts(TEXTS), small_vectors)


def test_registry_names_every_neural_model():
    """Check that the classifier registry and the neural model names of classify.config are the same set."""
    assert set(CLASSIFIERS) == set(NEURAL_MODELS)


def test_build_vocab_joins_training_words_and_vectors():
    """Check that the vocabulary keeps frequent training words, rare words the vectors know, then vector words."""
    v = Vectors(["the", "film", "rare", "zebra"], np.eye(4))
    voc = build_vocab([["film", "film", "rare", "odd"], ["film", "odd", "xyz"]], v, min_count=2, vector_words=2)
    assert voc.words == ["<pad>", "<unk>", "film", "odd", "rare", "the"]
    assert voc.counts == [0, 0, 3, 2, 1, 0]
    assert voc.encode(["xyz", "the"]).tolist() == [1, 5]


def test_unknown_words_kim_uniform_and_zero(glove, vocab, small_vectors):
    """Check that known rows are GloVe's, unknown rows uniform within sqrt(3 var) (or zero), padding zero."""
    model = build_classifier(small_config("cnn", "static"), vocab=vocab, num_classes=2, vectors=small_vectors)
    w = model.embedder.static.weight.detach().numpy()
    i = vocab.index["great"]
    assert_allclose(w[i], glove["great"])
    assert_allclose(w[0], 0.0)
    a = np.sqrt(3 * np.var(small_vectors.matrix.astype(np.float64)))
    unk = w[vocab.unk_id]
    assert np.all(np.abs(unk) <= a) and np.abs(unk).max() > a / 4
    zero = build_classifier(
        small_config("cnn", "static", unknown="zero"), vocab=vocab, num_classes=2, vectors=small_vectors
    )
    assert_allclose(zero.embedder.static.weight[vocab.unk_id].detach().numpy(), 0.0)


def test_encode_fixed_and_bucket(vocab):
    """Check padding/clipping under the fixed policy and that bucketed batches cover every text once."""
    enc = encode_texts(["great story , great cast and a truly superb film", "dull"], vocab, policy="fixed", max_len=6)
    assert enc.ids.shape == (2, 6)
    assert enc.lengths.tolist() == [6, 1]
    assert enc.ids[1, 1:].tolist() == [0] * 5
    assert enc.ids[0].tolist() == vocab.encode(tokenize_texts(["great story , great cast and"])[0]).tolist()
    texts = [" ".join(["great"] * n) for n in [5, 1, 9, 3, 7, 2, 8, 4, 6, 10]]
    bk = encode_texts(texts, vocab, labels=np.arange(10) % 2, policy="bucket")
    seen = []
    for b in bk.batches(3, shuffle=True, rng=np.random.default_rng(0)):
        assert b.ids.shape[1] == int(b.lengths.max())
        assert_allclose(b.lengths.numpy(), bk.lengths[b.index])
        seen += b.index.tolist()
    assert sorted(seen) == list(range(10))
    ordered = [b.lengths.tolist() for b in bk.batches(4)]
    assert ordered == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("mode", MODES)
def test_output_shape_every_model_and_mode(model, mode, vocab, small_vectors):
    """Check that every architecture in every embedding mode maps (B, T) ids to (B, C) logits."""
    net = build_classifier(small_config(model, mode), vocab=vocab, num_classes=3, vectors=small_vectors)
    enc = encode_texts(TEXTS, vocab)
    b = next(enc.batches(5))
    assert net(b.ids, b.lengths).shape == (5, 3)
    frozen = [n for n, p in net.named_parameters() if not p.requires_grad]
    assert frozen == (["embedder.static.weight"] if mode in ("static", "multichannel") else [])
    assert net.embedder.dim == (100 if mode == "multichannel" else 50)


@pytest.mark.trains
@pytest.mark.parametrize("model", MODELS)
def test_overfits_one_batch(model, vocab, small_vectors):
    """Check that a seeded run of each architecture fits 8 labelled sentences perfectly."""
    cfg = small_config(model, dropout=0.0, attention_dropout=0.0, batch_size=8, epochs=25, lr=1e-2, patience=None)
    net = build_classifier(cfg, vocab=vocab, num_classes=2, vectors=small_vectors, seed=seed(0))
    enc = encode_texts(TEXTS, vocab, labels=LABELS)
    hist = fit(net, enc, None, cfg, seed=seed(0), device="cpu", progress=False)
    assert hist.epochs[-1].train_loss < 0.05
    logits = net(*next(enc.batches(8))[:2])
    assert (logits.argmax(1).numpy() == LABELS[np.argsort(enc.lengths, kind="stable")]).all()


@pytest.mark.parametrize("mode", ["static", "non-static", "multichannel"])
def test_static_table_stays_fixed(mode, vocab, small_vectors):
    """Check that training leaves the frozen table unchanged and changes the fine-tuned one."""
    cfg = small_config("cnn", mode, epochs=2, patience=None)
    net = build_classifier(cfg, vocab=vocab, num_classes=2, vectors=small_vectors)
    before = {n: p.detach().clone() for n, p in net.named_parameters() if n.startswith("embedder.")}
    enc = encode_texts(TEXTS, vocab, labels=LABELS)
    fit(net, enc, enc, cfg, seed=1, device="cpu", progress=False)
    after = dict(net.named_parameters())
    if "embedder.static.weight" in before:
        assert torch.equal(after["embedder.static.weight"], before["embedder.static.weight"])
    if "embedder.tuned.weight" in before:
        assert not torch.equal(after["embedder.tuned.weight"], before["embedder.tuned.weight"])
        assert torch.equal(after["embedder.tuned.weight"][0], torch.zeros(50))  # padding row gets no gradient


@pytest.mark.parametrize("model", MODELS)
def test_checkpoint_round_trip(model, tmp_path, vocab, small_vectors):
    """Check that a saved classifier loads (weights_only) and predicts identical probabilities."""
    cfg = small_config(model, "multichannel", epochs=1)
    net = build_classifier(cfg, vocab=vocab, num_classes=2, vectors=small_vectors)
    enc = encode_texts(TEXTS, vocab, labels=LABELS)
    fit(net, enc, enc, cfg, seed=0, device="cpu", progress=False)
    clf = NeuralClassifier(net, vocab, cfg, ["neg", "pos"], embed_dim=50)
    clf.save(tmp_path / "m.pt")
    back = NeuralClassifier.load(tmp_path / "m.pt")
    assert back.config == cfg and back.vocab.words == vocab.words and back.class_names == ("neg", "pos")
    new = ["a great and superb story", "boring", "words never seen qqq"]
    assert np.array_equal(back.predict_proba(new), clf.predict_proba(new))
    assert back.predict(new) == clf.predict(new)


def test_elman_matches_its_equation(vocab, small_vectors):
    """Check that the Elman model's last state is h_t = tanh(W x_t + U h_{t-1} + b), computed by hand."""
    net = build_classifier(small_config("rnn", "static"), vocab=vocab, num_classes=2, vectors=small_vectors).eval()
    enc = encode_texts(TEXTS[:3], vocab)
    ids, lengths = torch.from_numpy(enc.ids), torch.from_numpy(enc.lengths)
    W, U = net.rnn.weight_ih_l0, net.rnn.weight_hh_l0
    b = net.rnn.bias_ih_l0 + net.rnn.bias_hh_l0
    x = net.embedder(ids)
    expected = []
    for i in range(3):
        h = torch.zeros(16)
        for t in range(int(lengths[i])):
            h = torch.tanh(W @ x[i, t] + U @ h + b)
        expected.append(net.out(h))
    assert_allclose(net(ids, lengths).detach().numpy(), torch.stack(expected).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_attention_matches_torch_multihead():
    """Check that our self-attention equals nn.MultiheadAttention with the same weights and padding mask."""
    torch.manual_seed(0)
    att = MultiHeadSelfAttention(16, 4).eval()
    ref = torch.nn.MultiheadAttention(16, 4, batch_first=True).eval()
    with torch.no_grad():
        ref.in_proj_weight.copy_(att.qkv.weight)
        ref.in_proj_bias.copy_(att.qkv.bias)
        ref.out_proj.weight.copy_(att.proj.weight)
        ref.out_proj.bias.copy_(att.proj.bias)
    x = torch.randn(3, 7, 16)
    mask = torch.arange(7)[None, :] < torch.tensor([7, 4, 1])[:, None]
    ours = att(x, mask)
    theirs, _ = ref(x, x, x, key_padding_mask=~mask, need_weights=False)
    assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_sinusoidal_positions_values():
    """Check the encoding of Vaswani et al.: sin on even features, cos on odd, wavelength 10000^(2i/d)."""
    pe = sinusoidal_positions(50, 8).numpy()
    assert pe.shape == (50, 8)
    assert_allclose(pe[0], [0, 1, 0, 1, 0, 1, 0, 1], atol=1e-7)
    assert_allclose(pe[7, 2], np.sin(7 / 10000 ** (2 / 8)), rtol=1e-5)
    assert_allclose(pe[7, 5], np.cos(7 / 10000 ** (4 / 8)), rtol=1e-5)


@pytest.mark.parametrize(
    "model,pooling",
    [
        ("rnn", "last"),
        ("rnn", "max"),
        ("gru", "mean"),
        ("gru", "last"),
        ("lstm", "last"),
        ("lstm", "max"),
        ("lstm", "mean"),
        ("transformer", "mean"),
        ("transformer", "cls"),
    ],
)
def test_padding_does_not_change_outputs(model, pooling, vocab, small_vectors):
    """Check that packing/masking makes logits independent of how much padding follows a text."""
    cfg = small_config(model, pooling=pooling, bidirectional=model == "lstm", num_layers=2 if model == "gru" else 1)
    net = build_classifier(cfg, vocab=vocab, num_classes=2, vectors=small_vectors).eval()
    short = encode_texts(["a dull mess"], vocab, policy="bucket")
    padded = encode_texts(["a dull mess"], vocab, policy="fixed", max_len=12)
    a = net(torch.from_numpy(short.ids), torch.from_numpy(short.lengths))
    b = net(torch.from_numpy(padded.ids), torch.from_numpy(padded.lengths))
    assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_recurrent_dropout_is_variational_and_off_in_eval(vocab, small_vectors):
    """Check that recurrent dropout perturbs training passes only and never changes the stored weights."""
    net = build_classifier(
        small_config("lstm", recurrent_dropout=0.5, dropout=0.0), vocab=vocab, num_classes=2, vectors=small_vectors
    )
    ids, lengths = (
        torch.from_numpy(encode_texts(TEXTS, vocab).ids),
        torch.from_numpy(encode_texts(TEXTS, vocab).lengths),
    )
    w = net.rnn.weight_hh_l0.detach().clone()
    net.train()
    torch.manual_seed(0)
    a = net(ids, lengths)
    b = net(ids, lengths)
    assert not torch.allclose(a, b)
    net.eval()
    assert torch.equal(net(ids, lengths), net(ids, lengths))
    assert torch.equal(net.rnn.weight_hh_l0, w)


@pytest.mark.parametrize("mode", ["non-static", "multichannel"])
def test_words_from_the_embedding_stay_pretrained(mode, small_vectors):
    """Check that words added from the embedding use frozen pretrained rows while training words are tuned."""
    vocab = build_vocab(tokenize_texts(TEXTS), small_vectors, vector_words=40)
    n = len(build_vocab(tokenize_texts(TEXTS), small_vectors))
    assert len(vocab) > n and vocab.counts[n - 1] > 0 and vocab.counts[n] == 0
    cfg = small_config("gru", mode, epochs=2, patience=None)
    net = build_classifier(cfg, vocab=vocab, num_classes=2, vectors=small_vectors)
    assert net.embedder.num_tuned == n and net.embedder.tuned.num_embeddings == n
    enc = encode_texts(TEXTS, vocab, labels=LABELS)
    fit(net, enc, enc, cfg, seed=0, device="cpu", progress=False)
    extra_id = len(vocab) - 1
    x = net.embedder.eval()(torch.tensor([[extra_id, vocab.index["great"]]]))[0].detach().numpy()
    great_tuned = x[1, -50:]
    assert_allclose(x[0, -50:], small_vectors[vocab.words[extra_id]])
    assert not np.allclose(great_tuned, small_vectors["great"])


def test_cnn_max_norm_and_kim_layout(vocab, small_vectors):
    """Check Kim's layout (3 widths x maps) and that the max-norm caps output rows at 3."""
    net = build_classifier(ClassifierConfig(), vocab=vocab, num_classes=2, vectors=small_vectors)
    assert isinstance(net, CNNClassifier)
    assert [c.kernel_size[0] for c in net.convs] == [3, 4, 5] and net.out.in_features == 300
    with torch.no_grad():
        net.out.weight.mul_(100.0)
    net.apply_constraints()
    assert_allclose(net.out.weight.norm(dim=1).detach().numpy(), [3.0, 3.0], rtol=1e-5)


def test_config_validation_and_round_trip():
    """Check that bad hyper-parameters are refused by name and that to_dict/from_dict round-trips."""
    with pytest.raises(ValueError, match="mode must be one of rand, static, non-static, multichannel; got 'frozen'"):
        ClassifierConfig(mode="frozen")
    with pytest.raises(ValueError, match=r"d_model \(10\) must be a multiple of num_heads \(4\)"):
        ClassifierConfig(d_model=10)
    with pytest.raises(ValueError, match="unknown ClassifierConfig fields: colour"):
        ClassifierConfig.from_dict({"colour": "red"})
    cfg = ClassifierConfig(model="gru", filter_widths=[2, 3], lr=0.01)
    assert ClassifierConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.filter_widths == (2, 3) and cfg.learning_rate == 0.01
    assert dataclasses.replace(cfg, optimizer="adadelta", lr=None).learning_rate == 1.0


def test_embed_lr_scale_and_word_dropout(vocab, small_vectors):
    """Check that ``embed_lr_scale`` keeps the pretrained rows and trains a scaled offset from zero (same
    output as plain non-static at the start), and that word dropout zeroes whole vectors in training only."""
    cfg = small_config("cnn", "non-static", embed_lr_scale=0.5, word_dropout=0.5, input_dropout=0.0, patience=None)
    net = build_classifier(cfg, vocab=vocab, num_classes=2, vectors=small_vectors)
    plain = build_classifier(
        small_config("cnn", "non-static", input_dropout=0.0), vocab=vocab, num_classes=2, vectors=small_vectors
    )
    ids = torch.tensor([[vocab.index["great"], vocab.index["film"], 0]])
    emb = net.embedder
    assert torch.equal(emb.eval()(ids), plain.embedder.eval()(ids))
    pretrained = emb.tuned.weight.detach().clone()
    assert not emb.tuned.weight.requires_grad and emb.delta.weight.requires_grad
    x = emb.train()(ids)[0]  # (T, E): each word is all zeros or its vector times 2
    for t in range(2):
        assert torch.equal(x[t], torch.zeros(50)) or torch.allclose(x[t], 2 * pretrained[ids[0, t]])
    enc = encode_texts(TEXTS, vocab, labels=LABELS)
    fit(net, enc, enc, cfg, seed=1, device="cpu", progress=False)
    assert torch.equal(emb.tuned.weight, pretrained) and emb.delta.weight.abs().sum() > 0
    assert torch.equal(emb.delta.weight[0], torch.zeros(50))  # padding row gets no gradient
    with pytest.raises(ValueError, match="embed_lr_scale"):
        ClassifierConfig(embed_lr_scale=0.0)


def test_refit_trains_on_train_and_dev(small_vectors, tmp_path):
    """Check that ``refit`` returns a model whose vocabulary also has the dev words, trained for the
    best epoch's number of epochs, and saved to the checkpoint."""
    from embedkit.nn.classifiers import train_neural

    cfg = small_config("cnn", "non-static", epochs=3, patience=None, refit=True)
    dev = ["a superb cast", "a boring mess"]
    clf, hist = train_neural(
        TEXTS,
        LABELS,
        dev,
        np.array([1, 0]),
        ("neg", "pos"),
        cfg,
        vectors=small_vectors,
        device="cpu",
        checkpoint=tmp_path / "m.pt",
    )
    assert "cast" in clf.vocab.index and 1 <= hist.best_epoch <= 3
    back = NeuralClassifier.load(tmp_path / "m.pt")
    assert np.array_equal(back.predict_proba(dev), clf.predict_proba(dev))


def test_compounds_split_into_known_parts(glove, tmp_path):
    """Check that with ``compounds`` a hyphenated word GloVe lacks (``ham-fisted``) is trained and predicted
    as its parts, a hyphenated word GloVe has (``well-made``) stays whole, and the saved model does the same."""
    from embedkit.nn.classifiers import train_neural

    assert "ham-fisted" not in glove and "mind-numbingly" not in glove and "well-made" in glove
    texts = [*TEXTS, "a ham-fisted , mind-numbingly dull plot", "a well-made film"]
    labels = np.array([*LABELS, 0, 1])
    vectors = glove
    cfg = small_config("cnn", "non-static", compounds=True, epochs=1)
    clf, _ = train_neural(
        texts, labels, None, None, ("neg", "pos"), cfg, vectors=vectors, device="cpu", checkpoint=tmp_path / "m.pt"
    )
    assert "ham-fisted" not in clf.vocab.index and "mind-numbingly" not in clf.vocab.index
    assert {"ham", "fisted", "mind", "numbingly", "well-made"} <= set(clf.vocab.index)
    enc = clf.encode(["boring-plot ham-fisted well-made"])  # boring-plot: unseen, its parts are in the vocabulary
    assert clf.vocab.decode(enc.ids[0, : enc.lengths[0]]) == ["boring", "plot", "ham", "fisted", "well-made"]
    back = NeuralClassifier.load(tmp_path / "m.pt")
    assert back.config.compounds
    assert np.array_equal(back.encode(["boring-plot ham-fisted"]).ids, clf.encode(["boring-plot ham-fisted"]).ids)
    off = train_neural(
        texts,
        labels,
        None,
        None,
        ("neg", "pos"),
        dataclasses.replace(cfg, compounds=False),
        vectors=vectors,
        device="cpu",
    )[0]
    assert "ham-fisted" in off.vocab.index  # whole, with a random vector
    assert off.vocab.decode(off.encode(["boring-plot"]).ids[0, :1]) == ["<unk>"]


# -- model files, labels, interruption -------------------------------------------------------
@pytest.fixture()
def saved_cnn(tmp_path):
    """A tiny CNN (rand mode) saved to a file, and the checkpoint's plain contents."""
    from embedkit.nn.classifiers import train_neural

    clf, _ = train_neural(
        TEXTS, LABELS, TEXTS, LABELS, ["neg", "pos"], small_config("cnn", "rand", epochs=1), vectors=None, device="cpu"
    )
    path = clf.save(tmp_path / "cnn.pt")
    return path, torch.load(path, weights_only=True)


def test_load_checks_config_against_weights(saved_cnn, tmp_path):
    """Check that a classifier file whose config or vocabulary was edited fails in one line naming the weight, before the model is built."""
    from embedkit.errors import ModelFileError

    path, ck = saved_cnn
    n = len(ck["vocab"]["words"])
    made = "the file's config and vocabulary make it"
    edits = {
        "filters.pt": (
            {**ck, "config": {**ck["config"], "num_filters": 10_000}},
            "weight 'convs.0.weight' is 8 x 12 x 3 but the file's config and vocabulary make it 10000 x 12 x 3",
        ),
        "embed.pt": (
            {**ck, "extra": {**ck["extra"], "embed_dim": 16_000}},
            f"weight 'embedder.tuned.weight' is {n} x 12 but {made} {n} x 16000",
        ),
        "huge.pt": (
            {**ck, "config": {**ck["config"], "num_filters": 10**9}},
            "bad classifier config: num_filters must be at most 16,384, got 1,000,000,000",
        ),
        "classes.pt": (
            {**ck, "extra": {**ck["extra"], "class_names": ["a", "b", "c"]}},
            "weight 'out.weight' is 2 x 24 but the file's config and vocabulary make it 3 x 24",
        ),
        "vocab.pt": (
            {
                **ck,
                "vocab": {
                    **ck["vocab"],
                    "words": [*ck["vocab"]["words"], "zzz"],
                    "counts": [*ck["vocab"]["counts"], 1],
                },
            },
            f"weight 'embedder.tuned.weight' is {n} x 12 but {made} {n + 1} x 12",
        ),
        "novocab.pt": ({k: v for k, v in ck.items() if k != "vocab"}, "the checkpoint has no 'vocab' entry"),
        "dropout.pt": (
            {**ck, "config": {**ck["config"], "dropout": "abc"}},
            "bad classifier config: dropout must be a number, got 'abc'",
        ),
    }
    for name, (payload, problem) in edits.items():
        torch.save(payload, tmp_path / name)
        with pytest.raises(ModelFileError) as err:
            NeuralClassifier.load(tmp_path / name)
        assert str(err.value) == f"{tmp_path / name}: {problem}"
    assert NeuralClassifier.load(path).predict(["superb"]) in (["neg"], ["pos"])


def test_load_refuses_pickled_objects(tmp_path):
    """Check that a model file holding pickled objects is refused in one line that does not suggest weights_only=False."""
    from embedkit.errors import ModelFileError

    p = tmp_path / "pickled.pt"
    torch.save({"format": "embedkit-checkpoint", "model_state": {}, "config": _Opaque()}, p)
    with pytest.raises(ModelFileError) as err:
        NeuralClassifier.load(p)
    assert str(err.value) == (
        f"{p}: the file holds pickled Python objects, which embedkit will not load (unpickling can run code)"
    )


class _Opaque:
    """An object that only a full unpickler can rebuild."""


class _Counting(torch.nn.Module):
    """A bag-of-embeddings classifier that raises KeyboardInterrupt on its ``stop_at``-th training forward."""

    def __init__(self, vocab_size: int, stop_at: int | None = None) -> None:
        super().__init__()
        self.num_classes = 2
        self.emb = torch.nn.EmbeddingBag(vocab_size, 2)
        self.calls, self.stop_at = 0, stop_at

    def forward(self, ids, lengths):
        if self.training:
            self.calls += 1
            if self.calls == self.stop_at:
                raise KeyboardInterrupt
        return self.emb(ids)  # (B, C)


def test_fit_interrupted_names_the_last_checkpoint_and_resumes(vocab, tmp_path):
    """Check that Ctrl-C in epoch 2 raises TrainingInterrupted(epoch 1, its checkpoint) and that resume then ends like an uninterrupted run."""
    from embedkit.errors import TrainingInterrupted

    data = encode_texts(TEXTS, vocab, labels=LABELS)
    cfg = small_config("cnn", "rand", epochs=3, patience=None)
    torch.manual_seed(0)
    whole = _Counting(len(vocab))
    fit(whole, data, data, cfg, device="cpu", progress=False)
    batches = whole.calls // 3
    torch.manual_seed(0)
    cut = _Counting(len(vocab), stop_at=batches + 1)
    with pytest.raises(TrainingInterrupted) as err:
        fit(cut, data, data, cfg, device="cpu", progress=False, vocab=vocab, checkpoint_dir=tmp_path)
    assert (err.value.epoch, err.value.checkpoint) == (1, str(tmp_path / "epoch-001.pt"))
    assert isinstance(err.value, KeyboardInterrupt) and str(err.value) == "interrupted after epoch 1"
    again = _Counting(len(vocab))
    hist = fit(again, data, data, cfg, device="cpu", progress=False, vocab=vocab, checkpoint_dir=tmp_path, resume=True)
    assert [r.epoch for r in hist.epochs] == [1, 2, 3]
    torch.testing.assert_close(again.emb.weight, whole.emb.weight, rtol=0, atol=0)


def test_fit_resume_without_checkpoint_warns_and_bad_labels_fail_first(vocab, tmp_path):
    """Check that resume with an empty folder warns and trains from epoch 1, and that a label past the output layer fails before training."""
    from embedkit.errors import EmbedkitWarning, LabelError

    data = encode_texts(TEXTS, vocab, labels=LABELS)
    cfg = small_config("cnn", "rand", epochs=1)
    with pytest.warns(
        EmbedkitWarning, match=f"^no checkpoint in {tmp_path} to resume from; training from the first epoch$"
    ):
        hist = fit(
            _Counting(len(vocab)),
            data,
            None,
            cfg,
            device="cpu",
            progress=False,
            vocab=vocab,
            checkpoint_dir=tmp_path,
            resume=True,
        )
    assert [r.epoch for r in hist.epochs] == [1]
    bad = encode_texts(TEXTS[:2], vocab, labels=[0, 5])
    model = _Counting(len(vocab))
    with pytest.raises(LabelError, match=r"^the dev data has label id 5 but the model has 2 classes \(ids 0\.\.1\)$"):
        fit(model, data, bad, cfg, device="cpu", progress=False)
    assert model.calls == 0


def test_config_values_checked_by_type():
    """Check that a config value of the wrong type is one ConfigError naming the field, not a TypeError from a comparison."""
    from embedkit.errors import ConfigError

    for kw, msg in [
        ({"dropout": "abc"}, "dropout must be a number, got 'abc'"),
        ({"epochs": 2.5}, "epochs must be an integer, got 2.5"),
        ({"bidirectional": "yes"}, "bidirectional must be true or false, got 'yes'"),
        ({"lr": "fast"}, "lr must be a number or null, got 'fast'"),
        ({"filter_widths": [3, "4"]}, "filter_widths must be a list of integers, got [3, '4']"),
        ({"embed_dim": 10**6}, "embed_dim must be at most 16,384, got 1,000,000"),
    ]:
        with pytest.raises(ConfigError) as err:
            ClassifierConfig(**kw)
        assert str(err.value) == msg and isinstance(err.value, ValueError) and isinstance(err.value, TypeError)
