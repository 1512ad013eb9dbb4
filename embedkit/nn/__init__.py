"""Everything that needs torch: the bridge from :class:`~embedkit.Vectors` to ``nn.Embedding``,
checkpoints, language models, their trainer and text generation.

Import it explicitly (``import embedkit.nn``); ``import embedkit`` never imports torch.
"""

from .checkpoint import load_checkpoint, save_checkpoint
from .embedding import embedding_from_vectors, vectors_from_embedding

__all__ = [
    "embedding_from_vectors",
    "load_checkpoint",
    "save_checkpoint",
    "vectors_from_embedding",
]
