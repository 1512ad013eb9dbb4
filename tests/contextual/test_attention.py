"""Tests of embedkit.contextual.attention: attention maps of every transformer embedkit loads, their
figures' data, and MiniLM's maps against transformers' own ``output_attentions``."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

torch = pytest.importorskip("torch")

from embedkit.contextual import attention_map, load_transformer
from embedkit.contextual.own import split_tokens
from embedkit.errors import InvalidArgumentError
from embedkit.nn.introspect import encoder_states
from embedkit.viz.attention import plot_attention
from tests.reference_lm import heads_attention, layer_norm, numpy_lm, to_numpy

TEXT = "the cat sat on the mat"


def test_language_model_map_equals_numpy(tiny_lm_file):
    """Check the LM's map: tokens with the start token, labels per layer and head, weights as numpy computes them."""
    amap = attention_map(tiny_lm_file, TEXT)
    own = load_transformer(tiny_lm_file)
    ids = split_tokens(own, TEXT).ids
    tokens = ["</s>", "the", "cat", "sat", "on", "the", "mat"]
    assert amap.source_tokens == amap.output_tokens == tokens
    assert amap.labels == ["layer 1 head 1", "layer 1 head 2", "layer 2 head 1", "layer 2 head 2"]
    assert (amap.x_label, amap.y_label) == ("attended token", "token")
    assert amap.heading == f"tiny_lm.pt: self-attention (causal)\n{TEXT}"
    assert_allclose(amap.weights, numpy_lm(own.trained.model, ids)[1].reshape(4, 7, 7), atol=1e-6)


def test_classifier_map_sees_both_ways(tiny_classifier_file):
    """Check the transformer classifier's map: [CLS] first, attention to later tokens too, rows summing to 1."""
    amap = attention_map(tiny_classifier_file, "the cat sat")
    assert amap.source_tokens == ["[CLS]", "the", "cat", "sat"]
    assert amap.heading == "tiny_clf.pt: self-attention\nthe cat sat"
    above = np.triu_indices(4, 1)
    assert np.all(amap.weights[:, above[0], above[1]] > 0.0)  # later tokens too: not causal
    assert_allclose(amap.weights.sum(-1), 1.0, atol=1e-6)


def test_one_head_figure_shows_that_heads_weights(tiny_lm_file):
    """Check that --layer 2 --head 1 draws that head's matrix with the tokens on both axes."""
    amap = attention_map(tiny_lm_file, TEXT)
    fig = plot_attention(amap, layer=2, head=1)
    (ax,) = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    assert_allclose(np.asarray(ax.images[0].get_array()), amap.weights[2])
    assert [t.get_text() for t in ax.get_xticklabels()] == amap.source_tokens
    assert [t.get_text() for t in ax.get_yticklabels()] == amap.output_tokens
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("attended token", "token", "layer 2 head 1")
    assert fig.get_suptitle() == f"tiny_lm.pt: self-attention (causal)\n{TEXT}"


def test_grid_figure_has_every_layer_and_head(tiny_seq2seq_file):
    """Check the grid of the seq2seq encoder: 2 layers x 2 heads, each panel its map, in layer-major order."""
    amap = attention_map(tiny_seq2seq_file, "ab ca", part="encoder")
    fig = plot_attention(amap)
    panels = [a for a in fig.axes if a.get_visible() and a.images]
    assert [a.get_title() for a in panels] == amap.labels
    for a, w in zip(panels, amap.weights):
        assert_allclose(np.asarray(a.images[0].get_array()), w)
    rows = {round(a.get_position().y0, 3) for a in panels}
    assert len(rows) == 2  # two rows (layers) of two columns (heads)


def test_seq2seq_parts(tiny_seq2seq_file):
    """Check the encoder map (numpy), the decoder map's axes (decoder inputs against outputs) and the cross map."""
    own = load_transformer(tiny_seq2seq_file)
    trained, net = own.trained, own.trained.model
    enc = attention_map(trained, "ab ca", part="encoder")
    assert enc.source_tokens == ["a", "b", "␣", "c", "a"]  # a space shown as a visible mark
    hidden, _ = encoder_states(net, torch.tensor([trained.src_vocab.encode(list("ab ca")).tolist()]))
    h = layer_norm(to_numpy(hidden[0][0]), net.enc_blocks[0].norm1)
    w, b = to_numpy(net.enc_blocks[0].attn.in_proj_weight), to_numpy(net.enc_blocks[0].attn.in_proj_bias)
    ref = heads_attention(h @ w[:8].T + b[:8], h @ w[8:16].T + b[8:16], 2, causal=False)
    assert_allclose(enc.weights[:2], ref, atol=1e-6)
    cross = attention_map(tiny_seq2seq_file, "ab ca")
    assert cross.labels == enc.labels and cross.x_label == "source"
    assert_allclose(cross.weights, trained.attention("ab ca").weights)
    dec = attention_map(trained, "ab ca", part="decoder")
    assert dec.output_tokens == cross.output_tokens
    assert dec.source_tokens == ["<go>", *cross.output_tokens[:-1]]
    assert np.all(np.triu(dec.weights, 1) == 0.0)
    assert_allclose(dec.weights.sum(-1), 1.0, atol=1e-6)


def test_parts_that_do_not_apply(tiny_lm_file, tiny_seq2seq_file):
    """Check one-line refusals: a seq2seq part on a language model, self on a seq2seq model, an empty text."""
    with pytest.raises(InvalidArgumentError, match=r"^part 'decoder' applies to a seq2seq model; this model has "):
        attention_map(tiny_lm_file, TEXT, part="decoder")
    with pytest.raises(InvalidArgumentError, match=r"^a seq2seq model has encoder, decoder and cross attention"):
        attention_map(tiny_seq2seq_file, "ab", part="self")
    with pytest.raises(InvalidArgumentError, match=r"^the text is empty: give a sentence to read$"):
        attention_map(tiny_lm_file, "  ")
    with pytest.raises(InvalidArgumentError, match=r"^part must be one of self, encoder, decoder, cross, not 'x'$"):
        attention_map(tiny_lm_file, TEXT, part="x")  # type: ignore[arg-type]


@pytest.mark.slow  # loads MiniLM twice: seconds
def test_minilm_map_equals_transformers_output_attentions(minilm):
    """Check MiniLM's maps against transformers' eager output_attentions on the same pieces, and that the
    model keeps its own attention implementation afterwards."""
    from transformers import AutoModel, AutoTokenizer

    text = "The bank raised its rates."
    amap = attention_map(minilm, text)
    folder = str(minilm.folder.path)
    tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    ref_model = AutoModel.from_pretrained(folder, local_files_only=True, attn_implementation="eager").eval()
    batch = tok([text], return_tensors="pt")
    with torch.inference_mode():
        ref = torch.stack(ref_model(**batch, output_attentions=True).attentions, 1)[0].numpy()  # (6, 12, T, T)
    assert amap.source_tokens == tok.convert_ids_to_tokens(batch["input_ids"][0])
    assert amap.source_tokens[:3] == ["[CLS]", "the", "bank"]
    assert len(amap.labels) == 72 and amap.labels[-1] == "layer 6 head 12"
    assert_allclose(amap.weights, ref.reshape(72, *ref.shape[2:]), atol=1e-5)
    assert minilm.model.config._attn_implementation == "sdpa"
