"""Attention heatmaps and training curves: the weights in the image, tokens on the axes, no pyplot leak."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from embedkit.errors import InvalidArgumentError, InvalidTypeError
from embedkit.sequences import AttentionMap
from embedkit.viz.attention import plot_attention, plot_training_curves

SRC = ["deux", "cent", "trois", "<eos>"]
OUT = ["2", "0", "3", "<eos>"]


def _rnn_map() -> AttentionMap:
    w = np.array(
        [
            [0.7, 0.1, 0.1, 0.1],
            [0.1, 0.6, 0.2, 0.1],
            [0.0, 0.1, 0.8, 0.1],
            [0.05, 0.05, 0.1, 0.8],
        ],
        dtype=np.float32,
    )[None]
    return AttentionMap(SRC, OUT, w, ["attention"])


def _transformer_map(layers: int = 2, heads: int = 3) -> AttentionMap:
    rng = np.random.default_rng(0)
    w = rng.random((layers * heads, len(OUT), len(SRC))).astype(np.float32)
    w /= w.sum(axis=2, keepdims=True)
    labels = [f"layer {i} head {j}" for i in range(1, layers + 1) for j in range(1, heads + 1)]
    return AttentionMap(SRC, OUT, w, labels)


def _ticks(ax, axis: str) -> list[str]:
    return [t.get_text() for t in (ax.get_xticklabels() if axis == "x" else ax.get_yticklabels())]


def test_rnn_attention_heatmap_shows_the_weights_and_tokens():
    """Check that one heatmap holds the map's weights, source tokens on x, output tokens on y, and no pyplot figure leaks."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    amap = _rnn_map()
    fig = plot_attention(amap)
    assert plt.get_fignums() == before
    heat = [a for a in fig.axes if a.images]
    assert len(heat) == 1
    ax = heat[0]
    assert_allclose(np.asarray(ax.images[0].get_array()), amap.weights[0], atol=1e-6)
    assert _ticks(ax, "x") == SRC and _ticks(ax, "y") == OUT
    assert ax.get_title() == ""  # one recurrent map: the figure's title says what it is
    assert fig.get_suptitle() == "deux cent trois <eos> → 2 0 3"
    # one cell per token: x from -0.5 to 3.5, y from 3.5 (bottom) to -0.5 (top, the first output token)
    assert_allclose(ax.images[0].get_extent(), [-0.5, 3.5, 3.5, -0.5])
    assert ax.images[0].get_clim() == (0.0, 1.0)


def _map_of(n_src: int, n_out: int, **texts: str) -> AttentionMap:
    w = np.full((1, n_out, n_src), 1.0 / n_src, dtype=np.float32)
    return AttentionMap([f"s{i}" for i in range(n_src)], [f"o{i}" for i in range(n_out)], w, ["attention"], **texts)


def test_attention_title_names_the_model_the_source_and_the_output():
    """Check that the title is the model, then 'source → output' from the map's texts, and that title= replaces it."""
    amap = _map_of(8, 6, source="quatre vingt seize mille", output="96000", model="fr.pt (gru-attn)")
    fig = plot_attention(amap)
    assert fig.get_suptitle() == "fr.pt (gru-attn)\nquatre vingt seize mille → 96000"
    assert [t.get_fontsize() for t in fig.texts] == [12]
    assert plot_attention(amap, title="mine").get_suptitle() == "mine"
    assert plot_attention(amap, title="").get_suptitle() == ""
    long = _map_of(4, 3, source=" ".join(["mille"] * 30), output="1", model="m")
    lines = plot_attention(long).get_suptitle().split("\n")
    assert lines[0] == "m" and len(lines) >= 3 and " ".join(lines[1:]) == " ".join(["mille"] * 30) + " → 1"


@pytest.mark.parametrize(
    ("n_src", "n_out", "size", "cell"),
    [
        (2, 2, (4.9, 3.5), None),  # the minimum: a panel of 3.6 x 2.6 inches, the colour bar and the title
        (8, 6, (6.1, 4.8), 0.5),  # half an inch a token, and room for the tick labels
        (40, 10, (12.06, 4.34), 0.25),  # a long source: a quarter of an inch a token
    ],
)
def test_attention_figure_grows_with_the_tokens(n_src, n_out, size, cell):
    """Check the figure size (inches) and the drawn cells for short and long sequences, with 9- to 11-point tick labels."""
    from embedkit.viz.labels import renderer

    fig = plot_attention(_map_of(n_src, n_out))
    assert_allclose(fig.get_size_inches(), size, atol=0.01)
    ax = fig.axes[0]
    fonts = {t.get_fontsize() for t in ax.get_xticklabels() + ax.get_yticklabels()}
    assert fonts == {11 if n_src <= 20 else 9}
    if cell is not None:  # the layout gives the cells about the inches asked for, or a little more height
        box = ax.get_window_extent(renderer(fig))
        width, height = box.width / fig.dpi / n_src, box.height / fig.dpi / n_out
        assert 0.8 * cell <= width <= 1.2 * cell and 0.8 * cell <= height <= 1.4 * cell


def test_transformer_map_draws_one_panel_per_layer_and_head():
    """Check that a transformer's map gets one titled panel per layer and head, laid out layers by heads."""
    amap = _transformer_map()
    fig = plot_attention(amap)
    heat = [a for a in fig.axes if a.images]
    assert [a.get_title() for a in heat] == amap.labels
    for a, w in zip(heat, amap.weights):
        assert_allclose(np.asarray(a.images[0].get_array()), w, atol=1e-6)
    rows = {round(a.get_position().y0, 3) for a in heat}
    assert len(rows) == 2  # two layers, one row each


@pytest.mark.parametrize(
    ("layer", "head", "titles"),
    [
        (2, 3, ["layer 2 head 3"]),
        (1, None, ["layer 1 head 1", "layer 1 head 2", "layer 1 head 3"]),
        (None, 2, ["layer 1 head 2", "layer 2 head 2"]),
    ],
)
def test_layer_and_head_choose_the_panels(layer, head, titles):
    """Check that layer= and head= keep only the matching maps."""
    amap = _transformer_map()
    fig = plot_attention(amap, layer=layer, head=head)
    heat = [a for a in fig.axes if a.images]
    assert [a.get_title() for a in heat] == titles
    index = amap.labels.index(titles[0])
    assert_allclose(np.asarray(heat[0].images[0].get_array()), amap.weights[index], atol=1e-6)


def test_attention_on_given_axes():
    """Check that a chosen map is drawn on the given axes, and that several maps on one axes are refused."""
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    fig = plot_attention(_transformer_map(), ax=ax, layer=1, head=2)
    assert fig is ax.figure and ax.get_title() == "layer 1 head 2"
    with pytest.raises(InvalidArgumentError, match=r"ax holds one heatmap but 3 attention maps are chosen"):
        plot_attention(_transformer_map(), ax=Figure().add_subplot(), layer=1)


def test_attention_calls_the_model():
    """Check that a model is asked for its map of the source, and that a map with a source is refused."""

    class Model:
        def __init__(self):
            self.asked: list[str] = []

        def attention(self, source: str) -> AttentionMap:
            self.asked.append(source)
            return _rnn_map()

    m = Model()
    fig = plot_attention(m, "deux cent trois")
    assert m.asked == ["deux cent trois"]
    assert _ticks(fig.axes[0], "x") == SRC
    with pytest.raises(InvalidArgumentError, match=r"plot_attention\(model, source\) needs the source text"):
        plot_attention(m)
    with pytest.raises(InvalidArgumentError, match="give source only with a model"):
        plot_attention(_rnn_map(), "deux")
    with pytest.raises(
        InvalidTypeError, match="plot_attention takes a trained seq2seq model or an AttentionMap, not str"
    ):
        plot_attention("deux cent")


def test_bad_maps_and_choices_are_refused():
    """Check the errors for mismatched shapes, layer/head on an RNN map, and a layer the model lacks."""
    from types import SimpleNamespace

    # AttentionMap checks its own shape; any other object shaped like one is checked when drawn
    bad = SimpleNamespace(source_tokens=SRC, output_tokens=OUT[:2], weights=np.zeros((1, 4, 4)), labels=["attention"])
    with pytest.raises(InvalidArgumentError, match=r"shaped \(1, 4, 4\) do not match 1 maps of 2 output by 4 source"):
        plot_attention(bad)
    with pytest.raises(InvalidArgumentError, match="layer and head apply to a transformer's attention"):
        plot_attention(_rnn_map(), layer=1)
    with pytest.raises(InvalidArgumentError, match="no attention map for layer=3, head=None: the model has layers 1-2"):
        plot_attention(_transformer_map(), layer=3)


HISTORY = [
    {"epoch": 1, "loss": 2.0, "valid_loss": 2.2, "valid_exact_match": 0.1, "seconds": 1.0},
    {"epoch": 2, "loss": 1.0, "valid_loss": 1.3, "valid_exact_match": 0.5, "seconds": 1.0},
    {"epoch": 3, "loss": 0.5, "valid_loss": 0.9, "valid_exact_match": 0.9, "seconds": 1.0},
]


def test_training_curves_plot_losses_and_exact_match():
    """Check the two loss lines (left axis) and the exact match in percent (right axis), with no pyplot leak."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = plot_training_curves(HISTORY)
    assert plt.get_fignums() == before
    left, right = fig.axes
    lines = {line.get_label(): line for line in left.get_lines()}
    assert_allclose(lines["training loss"].get_ydata(), [2.0, 1.0, 0.5])
    assert_allclose(lines["validation loss"].get_xdata(), [1, 2, 3])
    assert_allclose(lines["validation loss"].get_ydata(), [2.2, 1.3, 0.9])
    (em,) = right.get_lines()
    assert_allclose(em.get_ydata(), [10.0, 50.0, 90.0])
    assert [t.get_text() for t in left.get_legend().get_texts()] == [
        "training loss",
        "validation loss",
        "validation exact match",
    ]


def test_training_curves_on_given_axes_and_bad_histories():
    """Check drawing on given axes without validation figures, and the errors for empty or malformed histories."""
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    fig = plot_training_curves([{"epoch": 1, "loss": 1.5}, {"epoch": 2, "loss": 1.25}], ax=ax)
    assert fig is ax.figure and len(fig.axes) == 1
    assert [line.get_label() for line in ax.get_lines()] == ["training loss"]
    with pytest.raises(InvalidArgumentError, match="the history is empty"):
        plot_training_curves([])
    with pytest.raises(InvalidArgumentError, match="each history entry must be a dict with at least 'loss'"):
        plot_training_curves([{"epoch": 1}])
