"""The confusion-matrix figure: one count (or fraction) per cell, on the given axes or a new figure."""

from __future__ import annotations

from embedkit.classify import compute_metrics
from embedkit.viz.confusion import plot_confusion_matrix


def test_confusion_figure_on_given_ax():
    """Check that the figure is drawn on the given axes with one count per cell."""
    import matplotlib.pyplot as plt

    m = compute_metrics([0, 1, 1, 2], [0, 1, 2, 2], ["x", "y", "z"])
    fig, ax = plt.subplots()
    out = plot_confusion_matrix(m, ax=ax)
    assert out is fig
    assert [t.get_text() for t in ax.texts] == ["1", "0", "0", "0", "1", "1", "0", "0", "1"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y", "z"]
    plt.close(fig)
    before = plt.get_fignums()
    fig2 = plot_confusion_matrix(m, normalize=True)
    assert fig2.axes[0].texts[4].get_text() == "0.50"
    assert plt.get_fignums() == before  # a new figure is not registered with pyplot (nothing leaks)


def test_confusion_figure_reads_any_scores_object():
    """Check that any object with confusion, class_names, accuracy and macro_f1 is drawn, and that
    embedkit.classify still offers the same function."""
    from types import SimpleNamespace

    from matplotlib.figure import Figure

    import embedkit.classify

    scores = SimpleNamespace(confusion=[[3, 1], [0, 4]], class_names=("neg", "pos"), accuracy=0.875, macro_f1=0.873)
    ax = Figure().add_subplot()
    plot_confusion_matrix(scores, ax=ax)
    assert [t.get_text() for t in ax.texts] == ["3", "1", "0", "4"]
    assert ax.get_title() == "accuracy 0.875, macro-F1 0.873"
    assert embedkit.classify.plot_confusion_matrix is plot_confusion_matrix
