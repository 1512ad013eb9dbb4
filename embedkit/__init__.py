"""embedkit: load, explore, evaluate and use word embeddings.

>>> import embedkit
>>> v = embedkit.load()                      # GloVe 6B 50d, bundled through PyPI
>>> embedkit.analogy(v, "man", "king", "woman").words
['queen']

This module re-exports the public API and imports nothing heavy (no torch, matplotlib,
``embedkit.classify``, ``embedkit.compare`` or ``embedkit.nn``). The layout, as in the README's
Architecture section (layers and rules: ``docs/architecture.md``):

One package per capability; imports point down only (what each package may import follows the arrow)::

    embedkit/
      vectors.py errors.py text.py _fs.py _launch.py  core object, errors, tokenizer/vocabulary, atomic writes, torchrun env   (numpy only)
      _deps.py jsonsafe.py                            optional-extra checks ("install embedkit[nn]"), strict RFC 8259 JSON     (numpy only)
      io/           load / save / detect: one module per format behind FORMAT_TABLE; cache; named sets   -> core
      progress.py                                     stderr progress after a delay: bars on a TTY, lines in a log (tqdm inside functions)
      search/       exact blocked top-k kernels, HNSW index, nearest, analogies; backends.py: the device
                    registry (torch kernels named by module path, imported on first use)                -> core
      evaluation/   benchmark files, analogy + similarity scores, bootstrap, alignment                  -> search, io
      viz/          projections (PCA/t-SNE/UMAP), figures, confusion matrix, word-group files          -> search, io
      training/     corpora, TrainConfig, learn/train_vectors (torch-free front of nn.lm)              -> core; nn lazily
      classify/     datasets, ClassifierConfig + model/mode names, baselines, metrics, train/cv/predict -> io, core; nn lazily
      sequences/    seq2seq front: pairs/TSV/splits, numbers tasks, metrics (sacrebleu), Seq2SeqConfig, api   -> core; nn lazily
      compare/      comparison model + statistics, orchestration, rendering + templates                -> evaluation, search, io, classify, viz labels
      nn/           torch only: runtime/ (device, threads, distributed, checkpoints), embedding bridge,
                    lm/ (nplm, rnn, gru, lstm, transformer; one trainer for words and characters; generation),
                    classifiers/, seq2seq/ (encoder-decoders, attention, transformer, beam search),
                    search_backend.py (the device kernels search/backends.py names)             -> training, classify + sequences configs, core
      cli/          one thin module per command group                                                   -> anything
"""

from .errors import (
    BenchmarkError,
    ConfigError,
    DataError,
    DataFileError,
    DeviceError,
    EmbedkitError,
    EmbedkitWarning,
    FileAccessError,
    FileIsADirectoryError,
    FileNotADirectoryError,
    FilePermissionError,
    FileWriteError,
    InvalidArgumentError,
    InvalidTypeError,
    LabelError,
    MissingDependencyError,
    MissingFileError,
    MissingWordError,
    ModelFileError,
    NonFiniteValueError,
    NotFittedError,
    TrainingInterrupted,
    UnknownWordError,
    VectorFileError,
)
from .evaluation.analogies import compare_analogies, evaluate_analogies
from .evaluation.similarity import compare_similarity, evaluate_similarity
from .io import DEFAULT_VECTORS, FORMATS, cache_dir, detect_format, load, register, registered_names, save
from .search.analogy import analogy, analogy_many
from .search.neighbors import Neighbor, Neighbors, nearest, nearest_many
from .training.config import TrainConfig
from .training.corpus import Corpus, char_corpus_from_text, corpus_from_texts, read_char_corpus, read_corpus
from .training.learn import learn_vectors, train_vectors
from .vectors import Vectors
from .viz.explorer import Explorer, explore
from .viz.plots import plot_analogies, plot_neighbors, plot_projection, plot_similarity_matrix, plot_vectors_heatmap
from .viz.projection import Projection
from .viz.projector import export_projector
from .viz.reduce import project
from .viz.saving import save_figure

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_VECTORS",
    "FORMATS",
    "BenchmarkError",
    "ConfigError",
    "Corpus",
    "DataError",
    "DataFileError",
    "DeviceError",
    "EmbedkitError",
    "EmbedkitWarning",
    "Explorer",
    "FileAccessError",
    "FileIsADirectoryError",
    "FileNotADirectoryError",
    "FilePermissionError",
    "FileWriteError",
    "InvalidArgumentError",
    "InvalidTypeError",
    "LabelError",
    "MissingDependencyError",
    "MissingFileError",
    "MissingWordError",
    "ModelFileError",
    "Neighbor",
    "Neighbors",
    "NonFiniteValueError",
    "NotFittedError",
    "Projection",
    "TrainConfig",
    "TrainingInterrupted",
    "UnknownWordError",
    "VectorFileError",
    "Vectors",
    "analogy",
    "analogy_many",
    "cache_dir",
    "char_corpus_from_text",
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
    "read_char_corpus",
    "read_corpus",
    "register",
    "registered_names",
    "save",
    "save_figure",
    "train_vectors",
]
