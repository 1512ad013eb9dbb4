"""Text classification on word embeddings: datasets, model names and configuration, baselines,
metrics, and the torch-free entry points (train, cross-validate, evaluate, predict).

Modules: ``config`` (the model and mode names, once, and :class:`ClassifierConfig`), ``datasets``
(readers, splits, the downstream sets of a comparison), ``metrics``, ``baselines`` (scikit-learn
pipelines), ``sentence`` (heads on a contextual encoder's sentence vectors) and ``api`` (:func:`train`, :func:`cross_validate`, :func:`load_classifier`, ...). The
neural models, and the fine-tuned contextual encoder, live in :mod:`embedkit.nn.classifiers`.

Importing this package imports neither torch nor scikit-learn: the baselines and the neural
models are imported when one is trained or loaded.
"""

from ..viz.confusion import plot_confusion_matrix
from .api import (
    ClassifierResult,
    CVResult,
    cross_validate,
    load_classifier,
    predict,
    predict_proba,
    train,
)
from .config import ENCODER_MODELS, MODELS, MODES, NEURAL_MODELS, ClassifierConfig, FinetuneConfig
from .datasets import TextDataset, kfold, read_dataset, train_dev_split
from .metrics import Metrics, TextClassifier, compute_metrics, evaluate
from .sentence import SentenceClassifier

__all__ = [
    "ENCODER_MODELS",
    "MODELS",
    "MODES",
    "NEURAL_MODELS",
    "CVResult",
    "ClassifierConfig",
    "ClassifierResult",
    "FinetuneConfig",
    "Metrics",
    "SentenceClassifier",
    "TextClassifier",
    "TextDataset",
    "compute_metrics",
    "cross_validate",
    "evaluate",
    "kfold",
    "load_classifier",
    "plot_confusion_matrix",
    "predict",
    "predict_proba",
    "read_dataset",
    "train",
    "train_dev_split",
]
