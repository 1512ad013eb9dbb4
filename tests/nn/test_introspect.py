"""Tests of embedkit.nn.introspect: the hidden states and attention of embedkit's own transformers, against
a forward pass written out in numpy from the models' weights."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

torch = pytest.importorskip("torch")

from embedkit.contextual.own import load_transformer, split_tokens
from embedkit.nn.introspect import decoder_attention, encoder_states, own_states
from tests.conftest import OWN_TEXTS as TEXTS
from tests.reference_lm import heads_attention, layer_norm, numpy_lm, to_numpy

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_lm_states_equal_a_numpy_forward_pass(tiny_lm_file):
    """Check the LM's layer-0..2 states (the last after the final norm) and causal attention against numpy."""
    own = load_transformer(tiny_lm_file)
    split = split_tokens(own, TEXTS[0])
    assert split.tokens == ["</s>", "the", "cat", "sat", "on", "the", "mat"]
    hidden, att = own_states(own, split.ids)
    ref_hidden, ref_att = numpy_lm(own.trained.model, split.ids)
    assert len(hidden) == 3 and att.shape == (2, 2, 7, 7)
    for h, r in zip(hidden, ref_hidden):
        assert_allclose(h.numpy(), r, atol=1e-5)
    assert_allclose(att.numpy(), ref_att, atol=1e-6)
    assert np.all(np.triu(att.numpy(), 1) == 0.0)  # nothing attends to the future
    # the last state is what the model hands its output layer
    assert_allclose(hidden[-1].numpy(), own.trained.model(torch.tensor([split.ids]))[0][0].detach().numpy(), atol=1e-6)


def test_seq2seq_encoder_states_equal_a_numpy_forward_pass(tiny_seq2seq_file):
    """Check the seq2seq encoder's layer 0 (scaled embeddings plus positions) and self-attention against numpy."""
    own = load_transformer(tiny_seq2seq_file)
    net = own.trained.model
    split = split_tokens(own, "ab ca")
    assert (split.tokens, split.words, split.word_of) == (list("ab ca"), ["ab", "ca"], [0, 0, None, 1, 1])
    hidden, att = own_states(own, split.ids)
    x0 = to_numpy(net.src_emb.weight)[split.ids] * math.sqrt(net.dim) + to_numpy(net.positions)[:5]
    assert_allclose(hidden[0].numpy(), x0, atol=1e-6)
    for i, blk in enumerate(net.enc_blocks):
        h = layer_norm(to_numpy(hidden[i]), blk.norm1)
        w, b = to_numpy(blk.attn.in_proj_weight), to_numpy(blk.attn.in_proj_bias)
        q, k = h @ w[:8].T + b[:8], h @ w[8:16].T + b[8:16]
        assert_allclose(att[i].numpy(), heads_attention(q, k, 2, causal=False), atol=1e-6)
    src = torch.tensor([split.ids])
    assert_allclose(
        hidden[-1].numpy(), net.encode(src, torch.zeros_like(src, dtype=torch.bool))[0].detach().numpy(), atol=1e-6
    )


def test_decoder_cross_attention_equals_the_decoding_record(tiny_seq2seq_file):
    """Check that the decoder's recomputed cross-attention equals what greedy decoding recorded, and its
    self-attention is causal with rows summing to 1."""
    own = load_transformer(tiny_seq2seq_file)
    trained = own.trained
    amap = trained.attention("abc")
    src = torch.tensor([trained.src_vocab.encode(list("abc")).tolist()])
    tgt_in = torch.tensor([trained.tgt_vocab.encode(["<go>", *amap.output_tokens[:-1]]).tolist()])
    own_att, cross = decoder_attention(trained.model, src, tgt_in)
    t = len(amap.output_tokens)
    assert own_att.shape == (1, 2, 2, t, t) and cross.shape == (1, 2, 2, t, 3)
    assert_allclose(cross[0].reshape(4, t, 3).numpy(), amap.weights, atol=1e-6)
    assert np.all(np.triu(own_att[0].numpy(), 1) == 0.0)
    assert_allclose(own_att.sum(-1).numpy(), 1.0, atol=1e-6)
    _, enc = encoder_states(trained.model, src)
    assert_allclose(enc.sum(-1).numpy(), 1.0, atol=1e-6)


def test_classifier_states_and_attention(tiny_classifier_file):
    """Check the classifier's [CLS] row at layer 0, each layer's attention against numpy, and that the last
    state's [CLS] row gives the model's logits."""
    own = load_transformer(tiny_classifier_file)
    net = own.trained.model
    split = split_tokens(own, "The cat sat on the mat")
    assert split.tokens[0] == "[CLS]" and split.ids[0] == -1 and split.word_of[0] is None
    hidden, att = own_states(own, split.ids)
    assert len(hidden) == 3 and att.shape == (2, 2, 7, 7)
    pos0 = np.array([0.0, 1.0] * 4)  # sin(0), cos(0) in every pair of the 8 features
    assert_allclose(hidden[0][0].numpy(), to_numpy(net.cls[0, 0]) + pos0, atol=1e-6)
    for i, blk in enumerate(net.blocks):
        h = layer_norm(to_numpy(hidden[i]), blk.ln1)
        q, k, _ = np.split(h @ to_numpy(blk.attn.qkv.weight).T + to_numpy(blk.attn.qkv.bias), 3, axis=1)
        assert_allclose(att[i].numpy(), heads_attention(q, k, 2, causal=False), atol=1e-6)
    ids = torch.tensor([split.ids[1:]])
    logits = net(ids, torch.tensor([6]))[0].detach().numpy()
    assert_allclose(to_numpy(net.out.weight) @ hidden[-1][0].numpy() + to_numpy(net.out.bias), logits, atol=1e-6)
