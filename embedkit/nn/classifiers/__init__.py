"""Neural text classifiers (torch): the architectures, their data, their training loop, and
trained models that read raw text.

Modules: ``models`` (one ``nn.Module`` per architecture, the :data:`CLASSIFIERS` registry and
:func:`build_classifier`), ``data`` (tokens, vocabulary, padded batches), ``fit`` (the
model-agnostic :func:`fit_classifier`), ``neural`` (:class:`NeuralClassifier`,
:func:`train_neural`) and ``finetune`` (a contextual encoder with a linear head trained end to end:
:class:`FinetunedClassifier`, :func:`train_finetune`). Their configurations,
:class:`~embedkit.classify.config.ClassifierConfig` and :class:`~embedkit.classify.config.FinetuneConfig`, are
torch-free and live in :mod:`embedkit.classify.config`.
"""

from .finetune import EncoderHead, FinetunedClassifier, train_finetune
from .fit import EpochRecord, History, fit_classifier, predict_logits
from .models import (
    CLASSIFIERS,
    CNNClassifier,
    ElmanClassifier,
    Embedder,
    GRUClassifier,
    LSTMClassifier,
    MultiHeadSelfAttention,
    TransformerClassifier,
    build_classifier,
    num_tuned_words,
    sinusoidal_positions,
)
from .neural import NeuralClassifier, train_neural

__all__ = [
    "CLASSIFIERS",
    "CNNClassifier",
    "ElmanClassifier",
    "Embedder",
    "EncoderHead",
    "EpochRecord",
    "FinetunedClassifier",
    "GRUClassifier",
    "History",
    "LSTMClassifier",
    "MultiHeadSelfAttention",
    "NeuralClassifier",
    "TransformerClassifier",
    "build_classifier",
    "fit_classifier",
    "num_tuned_words",
    "predict_logits",
    "sinusoidal_positions",
    "train_finetune",
    "train_neural",
]
