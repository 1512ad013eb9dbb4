"""Everything that needs torch: the bridge from :class:`~embedkit.Vectors` to ``nn.Embedding``,
checkpoints, language models, their trainer and text generation.

Import it explicitly (``import embedkit.nn``); ``import embedkit`` never imports torch. Without torch,
importing this package raises :class:`~embedkit.errors.MissingDependencyError` naming the ``nn`` extra.
"""

from .._deps import require

require("torch", "nn", "embedkit's neural models (embedkit.nn)")

# ruff: noqa: E402  (the imports below need torch, checked above)

from .checkpoint import load_checkpoint, save_checkpoint
from .embedding import embedding_from_vectors, vectors_from_embedding
from .generate import Generation, beam_search, generate
from .lm import MODELS, LanguageModel, build_model
from .train_lm import TrainedLM, evaluate_perplexity, fit, load_language_model, train_language_model

__all__ = [
    "MODELS",
    "Generation",
    "LanguageModel",
    "TrainedLM",
    "beam_search",
    "build_model",
    "embedding_from_vectors",
    "evaluate_perplexity",
    "fit",
    "generate",
    "load_checkpoint",
    "load_language_model",
    "save_checkpoint",
    "train_language_model",
    "vectors_from_embedding",
]
