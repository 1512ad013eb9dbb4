"""Everything that needs torch: the bridge from :class:`~embedkit.Vectors` to ``nn.Embedding``,
checkpoints, language models, their trainer and text generation.

Import it explicitly (``import embedkit.nn``); ``import embedkit`` never imports torch. Without torch,
importing this package raises :class:`~embedkit.errors.MissingDependencyError` naming the ``nn`` extra.
"""

from .._deps import require

require("torch", "nn", "embedkit's neural models (embedkit.nn)")


from .embedding import embedding_from_vectors, vectors_from_embedding
from .lm.generate import Generation, beam_search, generate, next_token_probs
from .lm.models import LANGUAGE_MODELS as MODELS
from .lm.models import LanguageModel, build_model
from .lm.train import TrainedLM, evaluate_loss, evaluate_perplexity, fit, load_language_model, train_language_model
from .lm.transformer import TransformerLM
from .runtime.checkpoint import load_checkpoint, save_checkpoint

__all__ = [
    "MODELS",
    "Generation",
    "LanguageModel",
    "TrainedLM",
    "TransformerLM",
    "beam_search",
    "build_model",
    "embedding_from_vectors",
    "evaluate_loss",
    "evaluate_perplexity",
    "fit",
    "generate",
    "load_checkpoint",
    "load_language_model",
    "next_token_probs",
    "save_checkpoint",
    "train_language_model",
    "vectors_from_embedding",
]
