"""Torch-free baselines: TF-IDF + logistic regression, TF-IDF of words and characters + linear SVM,
and mean-pooled embeddings + logistic regression.

:class:`MeanEmbeddingTransformer` is a scikit-learn transformer (texts in, one mean vector per text
out) usable in any sklearn ``Pipeline``. :class:`BaselineClassifier` wraps either baseline with the
same ``predict`` / ``predict_proba`` / ``save`` / ``load`` surface as the neural classifiers; it saves
plain arrays (``.npz``, no pickle).
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .._fs import atomic_write
from ..errors import DataError, InvalidArgumentError, ModelFileError, NotFittedError
from ..io.api import resolve_vectors
from ..text import tokenize
from ..vectors import Vectors
from .config import BASELINES, BaselineName

__all__ = ["BaselineClassifier", "MeanEmbeddingTransformer", "make_pipeline", "read_npz_meta"]

_MAGIC = "embedkit-baseline"


class MeanEmbeddingTransformer(TransformerMixin, BaseEstimator):
    """Texts to the mean of their words' vectors (words the vectors lack are skipped; a text with
    no known word maps to zeros).

    Parameters
    ----------
    vectors:
        A :class:`~embedkit.Vectors`, a name or path for :func:`embedkit.load`, or ``None`` for
        the default vectors (loaded at ``fit``).
    lower:
        Lower-case while tokenizing (GloVe is lower-case).

    Examples
    --------
    >>> v = Vectors(["good", "film"], np.array([[1.0, 0.0], [0.0, 3.0]]))
    >>> MeanEmbeddingTransformer(v).fit_transform(["Good film!", "unknown"]).tolist()
    [[0.5, 1.5], [0.0, 0.0]]
    """

    def __init__(self, vectors: Vectors | str | None = None, *, lower: bool = True) -> None:
        self.vectors = vectors
        self.lower = lower

    def fit(self, X: Sequence[str], y: object = None) -> MeanEmbeddingTransformer:
        self.vectors_ = resolve_vectors(self.vectors)
        self.n_features_out_ = self.vectors_.dim
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "vectors_")
        v = self.vectors_
        index, matrix = v.index, v.matrix
        out = np.zeros((len(X), v.dim), dtype=np.float32)
        for i, text in enumerate(X):
            rows = [r for r in (index.get(t) for t in tokenize(text, lower=self.lower)) if r is not None]
            if rows:
                out[i] = matrix[rows].mean(axis=0)
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"mean{i}" for i in range(self.n_features_out_)], dtype=object)


def _word_tfidf(vocabulary: dict[str, int] | None = None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        tokenizer=tokenize,
        lowercase=False,
        token_pattern=None,
        ngram_range=(1, 2),
        sublinear_tf=True,
        vocabulary=vocabulary,
    )


def _char_tfidf(vocabulary: dict[str, int] | None = None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        lowercase=True,
        sublinear_tf=True,
        min_df=1 if vocabulary is not None else 2,
        vocabulary=vocabulary,
    )


def _word_char_union(word, char):
    """Word and character TF-IDF side by side, each block scaled by ``1/sqrt(2)`` (unit rows overall)."""
    from sklearn.pipeline import FeatureUnion

    w = float(np.sqrt(0.5))
    return FeatureUnion([("word", word), ("char", char)], transformer_weights={"word": w, "char": w})


def make_pipeline(kind: BaselineName, *, vectors: Vectors | str | None = None, C: float | None = None, seed: int = 0):
    """The scikit-learn pipeline of a baseline.

    ``tfidf-logreg``: word uni- and bi-grams (embedkit's tokenizer), sublinear TF-IDF, logistic
    regression (``C`` default 10). ``tfidf-svm``: the same word TF-IDF beside a TF-IDF of character
    2- to 5-grams within words (seen in at least 2 training texts), a linear SVM (``LinearSVC``,
    one-vs-rest, ``C`` default 3; chosen on the inner dev splits of the DBpedia and AG News
    samples). ``mean-logreg``: :class:`MeanEmbeddingTransformer`, standard scaling, logistic
    regression (``C`` default 1).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    if kind == "tfidf-logreg":
        return Pipeline(
            [
                ("tfidf", _word_tfidf()),
                ("clf", LogisticRegression(C=10.0 if C is None else C, max_iter=2000, random_state=seed)),
            ]
        )
    if kind == "tfidf-svm":
        return Pipeline(
            [
                ("tfidf", _word_char_union(_word_tfidf(), _char_tfidf())),
                ("clf", LinearSVC(C=3.0 if C is None else C, random_state=seed)),
            ]
        )
    if kind == "mean-logreg":
        return Pipeline(
            [
                ("mean", MeanEmbeddingTransformer(vectors)),
                ("scale", StandardScaler()),
                ("clf", LogisticRegression(C=1.0 if C is None else C, max_iter=2000, random_state=seed)),
            ]
        )
    raise InvalidArgumentError(f"unknown baseline {kind!r}; expected one of {', '.join(BASELINES)}")


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class BaselineClassifier:
    """A baseline with the classifier surface of embedkit: ``fit`` on texts and label ids, then
    ``predict`` (class names), ``predict_ids``, ``predict_proba``, ``save``/``load``.

    After ``fit`` the logistic regression is kept as plain arrays (weights, bias) and applied by
    numpy, which is what makes a saved model predict exactly as the fitted one.
    """

    def __init__(
        self,
        kind: BaselineName,
        class_names: Sequence[str],
        *,
        vectors: Vectors | str | None = None,
        C: float | None = None,
        seed: int = 0,
    ) -> None:
        if kind not in BASELINES:
            raise InvalidArgumentError(f"unknown baseline {kind!r}; expected one of {', '.join(BASELINES)}")
        self.kind = kind
        self.class_names = tuple(class_names)
        self.vectors = vectors
        self.C = C
        self.seed = seed
        self._features: Any = None  # a fitted scikit-learn transformer (untyped): texts -> feature matrix
        self._scale: tuple[np.ndarray, np.ndarray] | None = None
        self._coef: np.ndarray | None = None
        self._intercept: np.ndarray | None = None
        self._classes: np.ndarray | None = None

    def fit(self, texts: Sequence[str], labels: Sequence[int] | np.ndarray) -> BaselineClassifier:
        pipe = make_pipeline(self.kind, vectors=self.vectors, C=self.C, seed=self.seed)
        pipe.fit(list(texts), np.asarray(labels))
        steps = dict(pipe.steps)
        self._features = steps.get("tfidf", steps.get("mean"))
        if "scale" in steps:
            self._scale = (steps["scale"].mean_.astype(np.float64), steps["scale"].scale_.astype(np.float64))
        lr = steps["clf"]
        self._coef, self._intercept, self._classes = lr.coef_.copy(), lr.intercept_.copy(), lr.classes_.copy()
        return self

    def _check(self) -> None:
        if self._coef is None:
            raise NotFittedError("this BaselineClassifier is not fitted yet; call fit(texts, labels)")

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, C)`` scores (logits) over all the classes."""
        self._check()
        X = self._features.transform(list(texts))
        if self._scale is not None:
            X = (np.asarray(X, dtype=np.float64) - self._scale[0]) / self._scale[1]
        z = np.asarray(X @ self._coef.T) + self._intercept  # type: ignore[union-attr]  # not None: _check() passed
        if z.shape[1] == 1:  # binary: sklearn's one column scores the second class
            z = np.hstack([np.zeros_like(z), z])
        full = np.full((z.shape[0], len(self.class_names)), -np.inf)
        full[:, self._classes] = z
        return full

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, C)`` class probabilities (zero for a class absent from the training data); for
        ``tfidf-svm`` the softmax of the SVM scores, a ranking rather than calibrated probabilities."""
        return _softmax(self.decision_function(texts))

    def predict_ids(self, texts: Sequence[str]) -> np.ndarray:
        return self.decision_function(texts).argmax(axis=1)

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.class_names[i] for i in self.predict_ids(texts)]

    # -- persistence: plain arrays in an .npz ---------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted model as arrays and JSON in an ``.npz`` (no pickle)."""
        self._check()
        path = Path(path)
        meta = {
            "format": _MAGIC,
            "kind": self.kind,
            "class_names": list(self.class_names),
            "C": self.C,
            "seed": self.seed,
        }
        arrays: dict[str, np.ndarray] = {"coef": self._coef, "intercept": self._intercept, "classes": self._classes}  # type: ignore[dict-item]  # fitted: _check() passed
        if self.kind == "tfidf-logreg":
            vec = self._features
            words = vec.get_feature_names_out()
            arrays["words"] = np.asarray(words, dtype=str)
            arrays["idf"] = vec.idf_
        elif self.kind == "tfidf-svm":
            blocks = dict(self._features.transformer_list)
            for name in ("word", "char"):
                vec = blocks[name]
                arrays[f"{name}_terms"] = np.asarray(vec.get_feature_names_out(), dtype=str)
                arrays[f"{name}_idf"] = vec.idf_
        else:
            mean = self._features
            meta["vectors"] = mean.vectors_.source or None
            if meta["vectors"] is None:
                raise DataError("the vectors of this model have no source to reload them from")
            meta["lower"] = mean.lower
            arrays["scale_mean"], arrays["scale_scale"] = self._scale  # type: ignore[misc]  # mean-logreg always scales
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as f:  # a file object keeps numpy from appending ".npz"
            np.savez(f, meta=np.asarray(json.dumps(meta)), **arrays)  # type: ignore[arg-type]  # numpy types **kwds as allow_pickle
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> BaselineClassifier:
        """Read a model written by :meth:`save` (``allow_pickle=False``); a damaged, pickled or
        inconsistent file is a :class:`~embedkit.errors.ModelFileError` naming it."""
        meta, arrays = _read_npz(path)
        obj = cls(meta["kind"], meta["class_names"], vectors=meta.get("vectors"), C=meta["C"], seed=meta["seed"])
        if obj.kind == "tfidf-logreg":
            vec = _word_tfidf({str(w): i for i, w in enumerate(arrays["words"])})
            vec.idf_ = arrays["idf"]
            obj._features = vec
        elif obj.kind == "tfidf-svm":
            blocks = []
            for name, make in (("word", _word_tfidf), ("char", _char_tfidf)):
                vec = make({str(w): i for i, w in enumerate(arrays[f"{name}_terms"])})
                vec.idf_ = arrays[f"{name}_idf"]
                blocks.append(vec)
            obj._features = _word_char_union(*blocks)
        else:
            obj._features = MeanEmbeddingTransformer(meta["vectors"], lower=meta["lower"]).fit([])
            obj._scale = (arrays["scale_mean"], arrays["scale_scale"])
        obj._coef, obj._intercept, obj._classes = arrays["coef"], arrays["intercept"], arrays["classes"]
        return obj


def read_npz_meta(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """The JSON metadata and the arrays of a model saved as an ``.npz`` by embedkit (``allow_pickle=False``):
    a damaged or pickled file is a :class:`~embedkit.errors.ModelFileError` naming it."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if "meta" not in z.files:
                raise ModelFileError(path, "not an embedkit baseline model")
            meta = json.loads(str(z["meta"]))
            arrays = {k: z[k] for k in z.files if k != "meta"}
    except ModelFileError:
        raise
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise ModelFileError(
                path, "the file holds pickled Python objects, which embedkit will not load (unpickling can run code)"
            ) from None
        raise ModelFileError(path, f"not a readable embedkit baseline model ({exc})") from None
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise ModelFileError(path, f"not a readable embedkit baseline model ({exc})") from None
    if not isinstance(meta, dict):
        raise ModelFileError(path, "not an embedkit baseline model")
    return meta, arrays


def _read_npz(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """The metadata and arrays of a saved baseline, checked against each other."""
    meta, arrays = read_npz_meta(path)
    if meta.get("format") != _MAGIC:
        raise ModelFileError(path, "not an embedkit baseline model")
    kind, names = meta.get("kind"), meta.get("class_names")
    if kind not in BASELINES:
        raise ModelFileError(path, f"unknown baseline kind {kind!r}")
    if not isinstance(names, list) or len(names) < 2 or not all(isinstance(c, str) for c in names):
        raise ModelFileError(path, "the class names are not a list of at least two strings")
    need = {
        "tfidf-logreg": ("words", "idf"),
        "tfidf-svm": ("word_terms", "word_idf", "char_terms", "char_idf"),
        "mean-logreg": ("scale_mean", "scale_scale"),
    }[kind]
    missing = [k for k in ("coef", "intercept", "classes", *need) if k not in arrays]
    if missing:
        raise ModelFileError(path, f"the model has no {missing[0]!r} array")
    coef, intercept, classes = arrays["coef"], arrays["intercept"], arrays["classes"]
    if kind == "tfidf-logreg":
        n_features = len(arrays["words"])
    elif kind == "tfidf-svm":
        n_features = len(arrays["word_terms"]) + len(arrays["char_terms"])
    else:
        n_features = len(arrays["scale_mean"])
    rows = 1 if len(classes) == 2 else len(classes)
    if (
        coef.shape != (rows, n_features)
        or intercept.shape != (rows,)
        or classes.ndim != 1
        or len(classes) < 2
        or not np.issubdtype(classes.dtype, np.integer)
        or classes.min() < 0
        or classes.max() >= len(names)
    ):
        raise ModelFileError(
            path,
            f"the weights ({' x '.join(map(str, coef.shape))}) do not match the "
            f"{n_features} features and {len(classes)} of {len(names)} classes it lists",
        )
    return meta, arrays
