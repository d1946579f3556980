"""The model: spaCy lemmas, TF-IDF features and a calibrated one-vs-rest linear classifier.

:func:`build_pipeline` returns one scikit-learn ``Pipeline``; its parameters
(``features__words__ngram_range``, ``classifier__C``, ...) are the model's whole
configuration, so cloning, grid search and the model card all read them from there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from .defaults import DEFAULT_SEED
from .features import CharNgramCounts
from .lexicon import CodebookLexicon, codebook_terms
from .text import GROUP, NEGATIONS, SpacyLemmatizer, lemma_stop_words

__all__ = ["DEFAULT_SEED", "NarrativeClassifier", "best_f1_threshold", "build_pipeline",
           "calibration_groups", "grouped_splits"]

TOKEN = r"[^ ]+"  # the lemmatizer already tokenised: split on its single spaces


def grouped_splits(y: np.ndarray, groups: np.ndarray | None, n_splits: int,
                   seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/validation index pairs in which no group (case) falls on both sides.

    Stratified on ``y`` when every fold can hold a positive; plain grouped folds otherwise.
    """
    index = np.zeros(len(y))
    if groups is None:
        return list(KFold(n_splits, shuffle=True, random_state=seed).split(index))
    n_groups = len(np.unique(groups))
    if n_groups < n_splits:
        raise ValueError(f"need at least {n_splits} cases for {n_splits}-fold "
                         f"cross-validation, found {n_groups}")
    if np.unique(groups[y == 1]).size >= n_splits:
        splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed)
        return list(splitter.split(index, y, groups))
    return list(GroupKFold(n_splits).split(index, y, groups))


def calibration_groups(hands: np.ndarray | None, cases: np.ndarray,
                       n_splits: int) -> np.ndarray:
    """The groups of the classifier's inner folds: writers' hands where there are enough.

    Calibration and thresholds are chosen on out-of-fold scores; when whole hands are held
    out, they are chosen on text by writers the inner model never saw, which is what a
    model meets on testimony from elsewhere. With fewer than ``n_splits`` hands (or none
    recorded) the folds are grouped by case.
    """
    if hands is not None and len(hands) == len(cases) and len(np.unique(hands)) >= n_splits:
        return hands
    return cases


def best_f1_threshold(y: np.ndarray, proba: np.ndarray, tolerance: float = 0.0) -> float:
    """The threshold in the middle of those whose F1 is within ``tolerance`` of the best.

    Out-of-fold F1 is flat near its top, over a wide range of thresholds; which of them
    is the very best moves with which groups happened to share a fold. The median of the
    near-best thresholds moves much less. ``tolerance=0`` is the plain arg-max.

    Examples
    --------
    F1 is 0.80 at 0.3 and 0.75 at 0.5, and lower elsewhere:

    >>> y = np.array([0, 1, 0, 1, 1, 0, 1])
    >>> scores = np.array([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.9])
    >>> best_f1_threshold(y, scores)
    0.3
    >>> round(best_f1_threshold(y, scores, tolerance=0.06), 2)
    0.4
    """
    if tolerance < 0:
        raise ValueError(f"threshold tolerance must be 0 or more, got {tolerance}")
    precision, recall, thresholds = precision_recall_curve(y, proba)
    f1 = (2 * precision * recall / np.maximum(precision + recall, 1e-12))[:-1]
    near = np.flatnonzero(f1 >= f1.max() - tolerance)
    return float(np.median(thresholds[near]))


class NarrativeClassifier(ClassifierMixin, BaseEstimator):
    """One logistic regression per label, with Platt-calibrated scores and tuned thresholds.

    ``fit`` first predicts every training row out of fold (grouped by ``groups`` so that
    no case is on both sides), fits a sigmoid per label that turns decision values into
    probabilities, and picks each label's threshold as the one with the best out-of-fold
    F1. Then it fits the final models on all rows. The decision value of a row for a
    label is exactly ``X @ coef_[j] + intercept_[j]``, which the explanations rely on.

    Parameters
    ----------
    C : float, default=4.0
        Inverse regularisation strength of each logistic regression.
    class_weight : {"balanced"} or None, default="balanced"
        Re-weight the rarer side of each label.
    threshold : "tuned" or float, default="tuned"
        Per-label thresholds from out-of-fold F1, or one fixed probability for all.
    threshold_tolerance : float, default=0.02
        A tuned threshold is the median of the thresholds whose out-of-fold F1 is within
        this of the best (:func:`best_f1_threshold`), not the single best one, which
        moves with the fold assignment. 0 takes the single best.
    n_splits : int, default=5
        Folds of the inner, case-grouped cross-validation.
    random_state : int, default=13
        Seed of the fold assignment.
    threshold_groups : tuple of str, default=()
        The groups (writers' hands, with ``groups`` set to the hands) whose out-of-fold
        scores choose the thresholds; the calibration still uses every row. Empty: every
        row. Thresholds chosen on the writers whose text is most like the text the model
        will score carry over better than thresholds chosen on the whole corpus; where a
        label's positives or negatives are missing from those groups, every row is used.
    stability : float, default=0.0
        Keep only the features whose coefficient has the same sign in at least this share
        of the inner folds' models (0 keeps all). With ``groups`` set to the writers'
        hands, a term that means one thing for one writer and the opposite for another
        is dropped before the final fit, and the scores are calibrated without it.
    """

    def __init__(self, *, C: float = 4.0, class_weight: str | None = "balanced",
                 threshold: str | float = "tuned", n_splits: int = 5,
                 random_state: int = DEFAULT_SEED, max_iter: int = 1000,
                 stability: float = 0.0, threshold_groups: tuple[str, ...] = (),
                 threshold_tolerance: float = 0.02):
        self.threshold_tolerance = threshold_tolerance
        self.stability = stability
        self.threshold_groups = threshold_groups
        self.C = C
        self.class_weight = class_weight
        self.threshold = threshold
        self.n_splits = n_splits
        self.random_state = random_state
        self.max_iter = max_iter

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A model saved before these parameters existed chose its thresholds on every row
        # and took the single best: give it the values that say so, so that it can still
        # be cloned (review retraining) and described.
        state.setdefault("threshold_groups", ())
        state.setdefault("threshold_tolerance", 0.0)
        super().__setstate__(state)

    def _linear(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight=self.class_weight,
                                  max_iter=self.max_iter, solver="liblinear",
                                  random_state=self.random_state)

    def fit(self, X: Any, y: Any, groups: Any = None) -> NarrativeClassifier:
        Y = np.asarray(y)
        if Y.ndim != 2:
            raise ValueError("y must be a 2-D 0/1 label matrix, one column per label")
        groups = None if groups is None else np.asarray(groups)
        n_labels = Y.shape[1]
        self.n_labels_ = n_labels
        self.coef_ = np.zeros((n_labels, X.shape[1]))
        self.intercept_ = np.zeros(n_labels)
        self.calibration_ = np.zeros((n_labels, 2))
        self.thresholds_ = np.full(n_labels, 0.5)
        for j in range(n_labels):
            self._fit_label(X, Y[:, j], groups, j)
        return self

    def _fit_label(self, X: Any, y: np.ndarray, groups: np.ndarray | None, j: int) -> None:
        if y.min() == y.max():
            raise ValueError(f"label column {j} has only one value ({y[0]}); every label "
                             "needs positive and negative examples")
        splits = grouped_splits(y, groups, self.n_splits, self.random_state)
        oof, signs = self._out_of_fold(X, y, splits)
        if self.stability > 0:
            agree = np.maximum((signs > 0).mean(axis=0), (signs < 0).mean(axis=0))
            X = X @ sp.diags((agree >= self.stability).astype(float))
            oof, _ = self._out_of_fold(X, y, splits)
        platt = LogisticRegression(C=1e4, solver="lbfgs").fit(oof.reshape(-1, 1), y)
        self.calibration_[j] = platt.coef_[0, 0], platt.intercept_[0]
        if self.threshold == "tuned":
            rows = self._threshold_rows(y, groups)
            self.thresholds_[j] = best_f1_threshold(y[rows], self._calibrate(oof[rows], j),
                                                    self.threshold_tolerance)
        else:
            self.thresholds_[j] = float(self.threshold)
        final = self._linear().fit(X, y)
        self.coef_[j] = final.coef_[0]
        self.intercept_[j] = final.intercept_[0]

    def _threshold_rows(self, y: np.ndarray, groups: np.ndarray | None) -> np.ndarray:
        rows = np.ones(len(y), dtype=bool)
        if self.threshold_groups and groups is not None:
            chosen = np.isin(groups, list(self.threshold_groups))
            if y[chosen].min(initial=1) == 0 and y[chosen].max(initial=0) == 1:
                rows = chosen
        return rows

    def _out_of_fold(self, X: Any, y: np.ndarray,
                     splits: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """Out-of-fold decision values, and the sign of each fold model's coefficients."""
        oof = np.zeros(len(y))
        signs = np.zeros((len(splits), X.shape[1]))
        for k, (train, test) in enumerate(splits):
            if y[train].min() == y[train].max():
                continue
            fold = self._linear().fit(X[train], y[train])
            oof[test] = fold.decision_function(X[test])
            signs[k] = np.sign(fold.coef_[0])
        return oof, signs

    def _calibrate(self, decision: np.ndarray, j: int) -> np.ndarray:
        slope, offset = self.calibration_[j]
        return np.asarray(expit(slope * decision + offset))

    def decision_function(self, X: Any) -> np.ndarray:
        """Raw linear scores, shape (n_samples, n_labels)."""
        check_is_fitted(self, "coef_")
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probability of each label, shape (n_samples, n_labels)."""
        decision = self.decision_function(X)
        return np.column_stack([self._calibrate(decision[:, j], j)
                                for j in range(self.n_labels_)])

    def predict(self, X: Any) -> np.ndarray:
        """0/1 label matrix: probability at or above each label's threshold."""
        return (self.predict_proba(X) >= self.thresholds_).astype(np.int8)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        return tags


def build_pipeline(*, char_ngrams: bool = True, seed: int = DEFAULT_SEED,
                   normalise: bool = True, pronouns: bool = True, char_skip: bool = False,
                   codebook: Any = None, lexicon_weight: float = 1.0,
                   stability: float = 0.0, C: float = 4.0,
                   char_weight: float = 0.5) -> Pipeline:
    """The full model, unfitted: lemmas → TF-IDF of words and characters → classifier.

    The lemmatizer ``normalise``s (curly quotes, one token for every name of the group,
    no lemma that changes the meaning). Stop words are dropped from the word features,
    but negations and ``we``/``they`` are kept. Character n-grams (within words, 3 to 5
    characters, over the lemmas) carry spelling variants, transliterations and broken
    English that word features miss; they enter at ``char_weight`` (0.5) of the words'
    weight, because spelling habits are the features most particular to one writer and
    carry over least to another's. With a ``codebook`` (as ``narratives train`` does),
    a third block counts each label's indicative terms
    (:class:`~classifier.model.lexicon.CodebookLexicon`). Options measured and left off by
    default: ``char_skip`` (no character n-grams for stop words and pronouns),
    ``pronouns=False`` (pronouns are stop words too) and ``stability``.

    Examples
    --------
    >>> pipeline = build_pipeline()
    >>> pipeline.get_params()["features__words__ngram_range"]
    (1, 2)
    """
    stop = lemma_stop_words() if pronouns else lemma_stop_words(keep=NEGATIONS)
    words = TfidfVectorizer(token_pattern=TOKEN, lowercase=False, ngram_range=(1, 2),
                            min_df=2, max_df=0.5, sublinear_tf=True, stop_words=stop)
    skip = tuple(sorted({*lemma_stop_words(keep=NEGATIONS), "<num>", GROUP})) \
        if char_skip else ()
    chars = Pipeline([("counts", CharNgramCounts(ngram_range=(3, 5), min_df=3, max_df=0.5,
                                                 skip_words=skip)),
                      ("tfidf", TfidfTransformer(sublinear_tf=True))])
    blocks: list[tuple[str, Any]] = [("words", words),
                                     ("chars", chars if char_ngrams else "drop")]
    lemmatizer = SpacyLemmatizer(normalise=normalise)
    if codebook is not None:
        terms = codebook_terms(codebook, clone(lemmatizer).fit([]))
        blocks.append(("lexicon", CodebookLexicon(terms=terms, names=tuple(codebook.ids),
                                                  weight=lexicon_weight)))
    return Pipeline([
        ("lemmas", lemmatizer),
        ("features", FeatureUnion(
            blocks, transformer_weights=None if char_weight == 1 or not char_ngrams
            else {"chars": char_weight})),
        ("classifier", NarrativeClassifier(random_state=seed, stability=stability, C=C)),
    ])
