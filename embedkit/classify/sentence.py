"""Classifiers on a contextual model's sentence vectors (:func:`embedkit.contextual.encode`):
``sentence-logreg`` (logistic regression) and ``sentence-mlp`` (one hidden layer of ReLU units), fitted
with scikit-learn and kept as plain arrays, applied by numpy; saved as an ``.npz`` (no pickle) that names
the encoder, so a reloaded model encodes and predicts as the fitted one did.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._fs import atomic_write
from ..errors import InvalidArgumentError, ModelFileError, NotFittedError
from .config import SENTENCE_MODELS

__all__ = ["FORMAT", "SentenceClassifier", "fit_head"]

FORMAT = "embedkit-sentence-classifier"
"""The ``format`` written in a saved sentence-vector classifier's metadata."""


def fit_head(
    kind: str, X: np.ndarray, y: np.ndarray, *, C: float = 1.0, hidden: int = 256, seed: int = 0
) -> dict[str, np.ndarray]:
    """Fit the head of ``kind`` on features ``X`` (N, dim) and label ids ``y``; return its arrays.

    ``sentence-logreg``: scikit-learn's ``LogisticRegression(C=C, max_iter=2000)`` (lbfgs, multinomial),
    arrays ``coef``, ``intercept``, ``classes``. ``sentence-mlp``: ``MLPClassifier`` with one hidden layer
    of ``hidden`` ReLU units, Adam, L2 ``alpha=1e-3``, early stopping on a seeded 10% of the data, arrays
    ``w0``, ``b0``, ``w1``, ``b1``, ``classes``.
    """
    if kind == "sentence-logreg":
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=C, max_iter=2000, random_state=seed).fit(X, y)
        return {"coef": lr.coef_.copy(), "intercept": lr.intercept_.copy(), "classes": lr.classes_.copy()}
    if kind == "sentence-mlp":
        from sklearn.neural_network import MLPClassifier

        mlp = MLPClassifier(
            hidden_layer_sizes=(hidden,), alpha=1e-3, early_stopping=True, max_iter=300, random_state=seed
        ).fit(X, y)
        w1, b1 = mlp.coefs_[1], mlp.intercepts_[1]
        if w1.shape[1] == 1:  # binary: one logistic output scores the second class
            w1, b1 = np.hstack([np.zeros_like(w1), w1]), np.concatenate([np.zeros(1), b1])
        return {"w0": mlp.coefs_[0], "b0": mlp.intercepts_[0], "w1": w1, "b1": b1, "classes": mlp.classes_.copy()}
    raise InvalidArgumentError(f"unknown sentence-vector model {kind!r}; expected one of {', '.join(SENTENCE_MODELS)}")


def _scores(kind: str, arrays: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """Logits (N, classes seen in training) of the head's arrays on features ``X``."""
    X = np.asarray(X, dtype=np.float64)
    if kind == "sentence-logreg":
        z = X @ arrays["coef"].T + arrays["intercept"]
        return np.hstack([np.zeros_like(z), z]) if z.shape[1] == 1 else z
    h = np.maximum(X @ arrays["w0"] + arrays["b0"], 0.0)
    return h @ arrays["w1"] + arrays["b1"]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class SentenceClassifier:
    """A head on sentence vectors with embedkit's classifier surface: ``fit`` on texts and label ids (or
    :meth:`fit_vectors` on vectors already encoded), then ``predict``, ``predict_ids``,
    ``predict_proba``, ``save`` / ``load``.

    ``encoder`` is a named model (``minilm``) or a model folder; it is loaded when first needed.
    """

    def __init__(
        self,
        kind: str,
        class_names: Sequence[str],
        *,
        encoder: str = "minilm",
        C: float = 1.0,
        hidden: int = 256,
        seed: int = 0,
        batch_size: int = 64,
        progress: bool = False,
    ) -> None:
        if kind not in SENTENCE_MODELS:
            raise InvalidArgumentError(
                f"unknown sentence-vector model {kind!r}; expected one of {', '.join(SENTENCE_MODELS)}"
            )
        self.kind = kind
        self.class_names = tuple(class_names)
        self.encoder = str(encoder)
        self.C = float(C)
        self.hidden = int(hidden)
        self.seed = int(seed)
        self.batch_size = batch_size
        self.progress = progress
        self._model: Any = None  # the loaded encoder, shared by every call
        self._arrays: dict[str, np.ndarray] | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The sentence vectors of ``texts`` (:func:`embedkit.contextual.encode` with this encoder)."""
        from ..contextual.api import encode, load_encoder

        if self._model is None:
            self._model = load_encoder(self.encoder)
        return encode(list(texts), model=self._model, batch_size=self.batch_size, progress=self.progress)

    def fit(self, texts: Sequence[str], labels: Sequence[int] | np.ndarray) -> SentenceClassifier:
        """Encode ``texts`` and fit the head on their vectors."""
        return self.fit_vectors(self.encode(texts), labels)

    def fit_vectors(self, X: np.ndarray, labels: Sequence[int] | np.ndarray) -> SentenceClassifier:
        """Fit the head on sentence vectors ``X`` (N, dim) already encoded with this encoder."""
        self._arrays = fit_head(
            self.kind, np.asarray(X), np.asarray(labels), C=self.C, hidden=self.hidden, seed=self.seed
        )
        return self

    def _check(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            raise NotFittedError("this SentenceClassifier is not fitted yet; call fit(texts, labels)")
        return self._arrays

    def decision_vectors(self, X: np.ndarray) -> np.ndarray:
        """``(N, C)`` scores over all the classes of sentence vectors ``X`` (``-inf`` for a class the
        training data lacked)."""
        arrays = self._check()
        z = _scores(self.kind, arrays, X)
        full = np.full((z.shape[0], len(self.class_names)), -np.inf)
        full[:, arrays["classes"]] = z
        return full

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, C)`` scores (logits) of raw texts."""
        self._check()
        return self.decision_vectors(self.encode(texts))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, C)`` class probabilities."""
        return _softmax(self.decision_function(texts))

    def predict_ids(self, texts: Sequence[str]) -> np.ndarray:
        """The predicted class id of each text."""
        return self.decision_function(texts).argmax(axis=1)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The predicted class name of each text."""
        return [self.class_names[i] for i in self.predict_ids(texts)]

    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted head and the encoder's name as arrays and JSON in an ``.npz`` (no pickle)."""
        arrays = self._check()
        path = Path(path)
        meta = {
            "format": FORMAT,
            "kind": self.kind,
            "class_names": list(self.class_names),
            "encoder": self.encoder,
            "C": self.C,
            "hidden": self.hidden,
            "seed": self.seed,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as f:  # a file object keeps numpy from appending ".npz"
            np.savez(f, meta=np.asarray(json.dumps(meta)), **arrays)  # type: ignore[arg-type]  # numpy types **kwds as allow_pickle
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> SentenceClassifier:
        """Read a model written by :meth:`save` (``allow_pickle=False``); a damaged or inconsistent
        file is a :class:`~embedkit.errors.ModelFileError` naming it."""
        from .baselines import read_npz_meta

        meta, arrays = read_npz_meta(path)
        if meta.get("format") != FORMAT or meta.get("kind") not in SENTENCE_MODELS:
            raise ModelFileError(path, "not an embedkit sentence-vector classifier")
        names = meta.get("class_names")
        if not isinstance(names, list) or len(names) < 2 or not all(isinstance(c, str) for c in names):
            raise ModelFileError(path, "the class names are not a list of at least two strings")
        need = ("coef", "intercept") if meta["kind"] == "sentence-logreg" else ("w0", "b0", "w1", "b1")
        missing = [k for k in (*need, "classes") if k not in arrays]
        if missing:
            raise ModelFileError(path, f"the model has no {missing[0]!r} array")
        classes = arrays["classes"]
        if (
            classes.ndim != 1
            or not np.issubdtype(classes.dtype, np.integer)
            or len(classes) < 2
            or classes.min() < 0
            or classes.max() >= len(names)
        ):
            raise ModelFileError(path, f"its classes do not match the {len(names)} class names it lists")
        rows = 1 if len(classes) == 2 else len(classes)
        if meta["kind"] == "sentence-logreg":
            ok = arrays["coef"].ndim == 2 and arrays["coef"].shape[0] == rows and arrays["intercept"].shape == (rows,)
        else:
            w0, b0, w1, b1 = (arrays[k] for k in ("w0", "b0", "w1", "b1"))
            ok = (
                w0.ndim == 2
                and w1.ndim == 2
                and b0.shape == (w0.shape[1],)
                and w1.shape == (w0.shape[1], len(classes))
                and b1.shape == (len(classes),)
            )
        if not ok:
            raise ModelFileError(path, f"its weights do not match each other and its {len(classes)} classes")
        obj = cls(
            meta["kind"],
            names,
            encoder=str(meta.get("encoder", "minilm")),
            C=float(meta.get("C", 1.0)),
            hidden=int(meta.get("hidden", 256)),
            seed=int(meta.get("seed", 0)),
        )
        obj._arrays = {k: arrays[k] for k in (*need, "classes")}
        return obj
