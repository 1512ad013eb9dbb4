"""Pictures of word vectors: projections (PCA, t-SNE, UMAP), figures, the confusion matrix, word-group files.

``projection`` holds the :class:`Projection` result, ``reduce`` computes it (:func:`project`),
``plots`` draws figures from results (on ``labels``' placement), ``projector`` exports for the
TensorFlow Embedding Projector, ``explorer`` writes the interactive page, ``confusion`` draws classification metrics, ``attention`` draws seq2seq attention maps and training curves and ``groups`` reads
word and group files; ``saving`` writes any figure atomically (:func:`save_figure`). matplotlib, openTSNE, umap and scikit-learn are imported inside the
functions that use them.
"""

from .attention import plot_attention, plot_training_curves
from .confusion import plot_confusion_matrix
from .explorer import Explorer, explore
from .groups import read_groups, read_words
from .plots import plot_analogies, plot_neighbors, plot_projection, plot_similarity_matrix, plot_vectors_heatmap
from .projection import Projection
from .projector import export_projector
from .reduce import project
from .saving import save_figure

__all__ = [
    "Explorer",
    "Projection",
    "explore",
    "export_projector",
    "plot_analogies",
    "plot_attention",
    "plot_confusion_matrix",
    "plot_neighbors",
    "plot_projection",
    "plot_similarity_matrix",
    "plot_training_curves",
    "plot_vectors_heatmap",
    "project",
    "read_groups",
    "read_words",
    "save_figure",
]
