"""Baselines a model must beat: the label prior, a keyword matcher and plain TF-IDF + LR.

Both are pipelines with the same steps' names as the model (``lemmas`` first,
``classifier`` last), so the evaluation runs them on the very same folds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import Pipeline

from ..codebook import Codebook
from ..model.lexicon import CodebookLexicon
from ..model.pipeline import DEFAULT_SEED
from ..model.text import SpacyLemmatizer

__all__ = ["KeywordMatcher", "LabelPrior", "PlainTfidfLogistic", "keyword_pipeline",
           "prior_pipeline", "tfidf_pipeline"]


class LabelPrior(ClassifierMixin, BaseEstimator):
    """Guess each label at random with its training prevalence (scikit-learn's dummy).

    Scores are the prevalence itself, so average precision equals the prevalence.
    """

    def __init__(self, *, random_state: int = DEFAULT_SEED):
        self.random_state = random_state

    def fit(self, X: Any, y: Any, groups: Any = None) -> LabelPrior:
        Y = np.asarray(y)
        self.dummy_ = DummyClassifier(strategy="stratified", random_state=self.random_state)
        self.dummy_.fit(np.zeros((len(Y), 1)), Y)
        self.prevalence_ = Y.mean(axis=0)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.tile(self.prevalence_, (len(X), 1))

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.dummy_.predict(np.zeros((len(X), 1))), dtype=np.int8)


class KeywordMatcher(ClassifierMixin, BaseEstimator):
    """Suggest a label when its text contains one of the label's indicative terms.

    Works on lemmatised text; ``terms`` holds one list of lemmatised terms per label.
    The score is ``1 - 0.5 ** hits``: 0 without a match, rising with each matched term.
    """

    def __init__(self, *, terms: list[list[str]] | None = None):
        self.terms = terms

    def fit(self, X: Any, y: Any, groups: Any = None) -> KeywordMatcher:
        terms = tuple(tuple(ts) for ts in (self.terms or []))
        if len(terms) != np.asarray(y).shape[1]:
            raise ValueError("KeywordMatcher needs one list of terms per label")
        # the same matching as the model's codebook-lexicon block
        self.lexicon_ = CodebookLexicon(terms=terms,
                                        names=tuple(str(j) for j in range(len(terms)))).fit([])
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        hits = np.array([[len(found) for found in self.lexicon_.matches(text)] for text in X],
                        dtype=float).reshape(len(X), len(self.lexicon_.terms))
        return 1 - 0.5 ** hits

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X) > 0).astype(np.int8)


def prior_pipeline(seed: int = DEFAULT_SEED) -> Pipeline:
    return Pipeline([("lemmas", SpacyLemmatizer()), ("classifier", LabelPrior(random_state=seed))])


def keyword_pipeline(codebook: Codebook) -> Pipeline:
    """Match each label's ``indicative_terms``, lemmatised as the text is."""
    lemmatizer = SpacyLemmatizer().fit([])
    terms = [sorted({t for t in lemmatizer.transform(list(label.indicative_terms)) if t})
             for label in codebook.labels]
    return Pipeline([("lemmas", SpacyLemmatizer()), ("classifier", KeywordMatcher(terms=terms))])


class PlainTfidfLogistic(ClassifierMixin, BaseEstimator):
    """scikit-learn's defaults: ``TfidfVectorizer`` on the raw text, one logistic
    regression per label, suggestions at probability 0.5. What anyone would try first."""

    def fit(self, X: Any, y: Any, groups: Any = None) -> PlainTfidfLogistic:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        self.vectorizer_ = TfidfVectorizer().fit(list(X))
        self.linear_ = OneVsRestClassifier(LogisticRegression(max_iter=1000))
        self.linear_.fit(self.vectorizer_.transform(list(X)), np.asarray(y))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.asarray(self.linear_.predict_proba(self.vectorizer_.transform(list(X))))

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(np.int8)


def tfidf_pipeline() -> Pipeline:
    """Plain TF-IDF + logistic regression on the raw text (no lemmas, no thresholds)."""
    from sklearn.preprocessing import FunctionTransformer

    return Pipeline([("lemmas", FunctionTransformer()), ("classifier", PlainTfidfLogistic())])
