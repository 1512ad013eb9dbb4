"""Learning word vectors: corpora, :class:`TrainConfig` and the algorithm names, and the torch-free
front (:func:`learn_vectors`, :func:`train_vectors`) of the neural language models in
``embedkit.nn.lm`` and of gensim's word2vec and fastText.

``corpus`` and ``config`` import neither torch nor gensim; ``learn`` imports each backend when it is used.
"""

from .config import ALGORITHMS, LM_ALGORITHMS, TrainConfig
from .corpus import EOS, Corpus, corpus_from_texts, read_corpus
from .learn import VectorTraining, learn_vectors, train_vectors

__all__ = [
    "ALGORITHMS",
    "EOS",
    "LM_ALGORITHMS",
    "Corpus",
    "TrainConfig",
    "VectorTraining",
    "corpus_from_texts",
    "learn_vectors",
    "read_corpus",
    "train_vectors",
]
