"""Corrected prevalence: the share of an archive's passages that express each narrative,
once the model's own errors are taken out of the count.

Counting suggestions is biased: a model that misses a third of the corruption passages
under-counts corruption by about a third. Quantification methods correct the count with
the model's error rates, learnt from out-of-fold predictions on the coded corpus (folds
grouped by case, as :func:`classifier.model.crossval.case_folds` deals them). quapy does the
estimating, one binary problem per label:

- ``naive``: classify and count, the share of passages the model suggests the label for;
- ``acc``: adjusted classify and count (Forman 2008), the count corrected by the true and
  false positive rates;
- ``pacc``: probabilistic ACC (Bella et al. 2010), the same with calibrated scores;
- ``em``: the EM prior adjustment of Saerens, Latinne and Decaestecker (2002).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from ..model.crossval import cross_validate
from ..model.pipeline import DEFAULT_SEED, build_pipeline

__all__ = ["METHODS", "OutOfFold", "corrected_prevalence", "held_out_check", "out_of_fold"]

METHODS = {
    "naive": "classify and count (the raw share of suggestions)",
    "acc": "adjusted classify and count (Forman 2008)",
    "pacc": "probabilistic adjusted classify and count (Bella et al. 2010)",
    "em": "EM prior adjustment (Saerens, Latinne and Decaestecker 2002)",
}
SHIFTS = (0.05, 0.25, 0.5)


@dataclass
class OutOfFold:
    """Out-of-fold scores and suggestions of the coded corpus, with its codes and cases."""

    proba: np.ndarray
    predicted: np.ndarray
    Y: np.ndarray
    groups: np.ndarray
    fold_of: np.ndarray
    labels: list[str]


def out_of_fold(texts: Sequence[str], Y: np.ndarray, groups: np.ndarray, labels: Sequence[str],
                *, pipeline: Pipeline | None = None, folds: int = 5, seed: int = DEFAULT_SEED,
                n_jobs: int = 1) -> OutOfFold:
    """Score every coded quotation with a model that never saw its case.

    ``pipeline`` (unfitted; default :func:`~classifier.model.pipeline.build_pipeline`) should be the
    configuration of the model that scored the archive.
    """
    cv = cross_validate(pipeline if pipeline is not None else build_pipeline(seed=seed),
                        list(texts), Y, groups, labels, n_splits=folds, seed=seed, n_jobs=n_jobs)
    return OutOfFold(cv.proba[0], cv.predicted[0], np.asarray(Y), np.asarray(groups),
                     cv.fold_of, list(labels))


class _Given(BaseEstimator):
    """A classifier whose input already is the model's output for one label.

    Column 0 is the calibrated score, column 1 the suggestion (0/1), so quapy's aggregative
    methods learn and apply their corrections on predictions made beforehand.
    """

    def __init__(self) -> None:
        self.classes_ = np.array([0, 1])

    def fit(self, X: np.ndarray, y: np.ndarray) -> _Given:
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X)[:, 1].astype(int)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        score = np.asarray(X, dtype=float)[:, 0]
        return np.column_stack([1 - score, score])


def _quantifiers() -> dict[str, Any]:
    from quapy.method.aggregative import ACC, CC, EMQ, PACC

    given = dict(fit_classifier=False, val_split=None)
    # "exact-cc" solves the 2 x 2 system as Forman's formula does (no optimiser), and
    # falls back to the raw count when the error rates leave it singular.
    return {"naive": CC(_Given(), fit_classifier=False),
            "acc": ACC(_Given(), solver="exact-cc", **given),
            "pacc": PACC(_Given(), solver="exact-cc", **given),
            "em": EMQ(_Given(), **given)}


def _estimates(fit_proba: np.ndarray, fit_predicted: np.ndarray, fit_Y: np.ndarray,
               proba: np.ndarray, predicted: np.ndarray, caught: list[str]) -> np.ndarray:
    """Estimates, one row per label and one column per method, of the share of positives."""
    out = np.zeros((fit_Y.shape[1], len(METHODS)))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for j in range(fit_Y.shape[1]):
            train = np.column_stack([fit_proba[:, j], fit_predicted[:, j]])
            test = np.column_stack([proba[:, j], predicted[:, j]])
            for k, quantifier in enumerate(_quantifiers().values()):
                quantifier.fit(train, fit_Y[:, j])
                out[j, k] = quantifier.predict(test)[1]
    caught.extend(str(w.message) for w in seen)
    return out


def _case_rows(groups: np.ndarray) -> list[np.ndarray]:
    _, index = np.unique(groups, return_inverse=True)
    return [np.flatnonzero(index == c) for c in range(index.max() + 1)]


def _resample(rows: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    return np.concatenate([rows[c] for c in rng.integers(0, len(rows), len(rows))])


def corrected_prevalence(oof: OutOfFold, proba: np.ndarray, predicted: np.ndarray,
                         groups: np.ndarray, *, n_boot: int = 1000, seed: int = DEFAULT_SEED,
                         level: float = 0.95) -> tuple[pd.DataFrame, list[str]]:
    """Each method's estimate of the share of archive passages expressing each label.

    ``proba``/``predicted`` are the archive's scores and suggestions, ``groups`` its cases.
    The interval is a percentile bootstrap that resamples the cases of both the coded
    corpus (so the error rates vary) and the archive. Returns the table (``label``,
    ``method``, ``estimate``, ``low``, ``high``) and the warnings quapy gave, if any.
    """
    caught: list[str] = []
    point = _estimates(oof.proba, oof.predicted, oof.Y, proba, predicted, caught)
    rng = np.random.default_rng(seed)
    coded_rows, archive_rows = _case_rows(oof.groups), _case_rows(np.asarray(groups))
    draws = np.zeros((n_boot, *point.shape))
    for b in range(n_boot):
        fit, test = _resample(coded_rows, rng), _resample(archive_rows, rng)
        draws[b] = _estimates(oof.proba[fit], oof.predicted[fit], oof.Y[fit], proba[test],
                              predicted[test], caught)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, tail, axis=0), np.percentile(draws, 100 - tail, axis=0)
    rows = [{"label": label, "method": method, "estimate": point[j, k], "low": low[j, k],
             "high": high[j, k]} for j, label in enumerate(oof.labels)
            for k, method in enumerate(METHODS)]
    return pd.DataFrame(rows), sorted(set(caught))


def _shifted(Y: np.ndarray, j: int, share: float, rng: np.random.Generator) -> np.ndarray | None:
    positive, negative = np.flatnonzero(Y[:, j] == 1), np.flatnonzero(Y[:, j] == 0)
    if not len(positive) or not len(negative):
        return None
    n_pos = round(share * len(Y))
    return np.concatenate([rng.choice(positive, n_pos), rng.choice(negative, len(Y) - n_pos)])


def held_out_check(oof: OutOfFold, *, shifts: Sequence[float] = SHIFTS,
                   seed: int = DEFAULT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How close each method comes to the coded prevalence of cases it never saw.

    For each fold of the cross-validation, the methods learn the error rates from the other
    folds' out-of-fold predictions and estimate the held-out fold's prevalence, first as the
    fold was dealt (about the corpus's own prevalence), then with its passages resampled
    to each share in ``shifts`` for one label at a time (the archive differs from the corpus,
    as real archives do). Returns every estimate (``fold``, ``label``, ``sample``, ``truth``
    and one column per method) and a summary: mean absolute error and mean signed error
    (bias) of each method, for each kind of sample.
    """
    rng = np.random.default_rng(seed)
    caught: list[str] = []
    rows = []
    for fold in np.unique(oof.fold_of):
        fit, test = oof.fold_of != fold, oof.fold_of == fold
        args = (oof.proba[fit], oof.predicted[fit], oof.Y[fit])
        found = _estimates(*args, oof.proba[test], oof.predicted[test], caught)
        truth = oof.Y[test].mean(axis=0)
        for j, label in enumerate(oof.labels):
            rows.append({"fold": int(fold), "label": label, "sample": "as dealt",
                         "truth": truth[j], **dict(zip(METHODS, found[j], strict=True))})
        Yt, Pt, St = oof.Y[test], oof.proba[test], oof.predicted[test]
        for j, label in enumerate(oof.labels):
            for share in shifts:
                pick = _shifted(Yt, j, share, rng)
                if pick is None:
                    continue
                found = _estimates(*args, Pt[pick], St[pick], caught)
                rows.append({"fold": int(fold), "label": label, "sample": f"shifted to {share}",
                             "truth": Yt[pick, j].mean(), **dict(zip(METHODS, found[j],
                                                                     strict=True))})
    table = pd.DataFrame(rows)
    kind = np.where(table["sample"] == "as dealt", "as dealt", "shifted")
    summary = []
    for name, part in table.groupby(kind):
        for method in METHODS:
            error = part[method] - part["truth"]
            summary.append({"sample": name, "method": method, "estimates": len(part),
                            "mean_absolute_error": float(error.abs().mean()),
                            "bias": float(error.mean())})
    return table, pd.DataFrame(summary)
