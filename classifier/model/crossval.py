"""Measuring a model: case-grouped cross-validation, held-out groups and metrics.

Every number comes from scikit-learn's metrics; this module only arranges the folds and
the figures. Functions return plain dicts and arrays; :mod:`classifier.report` turns
them into a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from iterstrat.ml_stratifiers import MultilabelStratifiedKFold
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    hamming_loss,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.pipeline import Pipeline

from ..codebook import Codebook
from ..corpus import file_sha256, label_matrix, load_corpus
from .pipeline import DEFAULT_SEED, calibration_groups

__all__ = [
    "CrossValidation",
    "case_folds",
    "cross_validate",
    "held_out_metrics",
    "label_metrics",
    "leave_one_group_out",
    "macro_f1_interval",
    "summarise",
]

Fold = tuple[np.ndarray, np.ndarray]


def case_folds(Y: np.ndarray, groups: np.ndarray, *, n_splits: int = 5,
               seed: int = DEFAULT_SEED) -> list[Fold]:
    """Folds in which no case falls on both sides, stratified by iterative stratification.

    Cases, not quotations, are dealt into folds: each case is described by which labels
    it leans to (a share of its quotations at or above the median case's), which labels
    it has at all, and whether it is a large case; ``MultilabelStratifiedKFold``
    (iterative stratification, Sechidis et al. 2011) spreads those evenly, so every fold
    gets a similar mix of labels and of quotations. Each seed gives other folds.
    """
    cases, index = np.unique(groups, return_inverse=True)
    if len(cases) < n_splits:
        raise ValueError(f"need at least {n_splits} cases for {n_splits}-fold "
                         f"cross-validation, found {len(cases)}")
    counts = np.zeros((len(cases), Y.shape[1]))
    np.add.at(counts, index, Y)
    sizes = np.bincount(index)
    share = counts / sizes[:, None]
    described = np.column_stack([share >= np.median(share, axis=0), counts > 0,
                                 sizes >= np.median(sizes)]).astype(int)
    splitter = MultilabelStratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [(np.flatnonzero(np.isin(index, train)), np.flatnonzero(np.isin(index, test)))
            for train, test in splitter.split(np.zeros(len(cases)), described)]


def label_metrics(Y: np.ndarray, proba: np.ndarray, predicted: np.ndarray,
                  labels: Sequence[str]) -> dict[str, Any]:
    """Per-label precision, recall, F1, average precision, ROC AUC and support, and totals.

    Totals: macro- and micro-F1, Hamming loss, exact match, and ``none_fpr``, the share of
    texts coded with no label that get at least one suggestion (``None`` if there are none).
    """
    precision, recall, f1, support = precision_recall_fscore_support(
        Y, predicted, average=None, zero_division=0)
    per_label = {}
    for j, label in enumerate(labels):
        both = 0 < Y[:, j].sum() < len(Y)
        per_label[label] = {
            "precision": float(precision[j]),
            "recall": float(recall[j]),
            "f1": float(f1[j]),
            "average_precision": float(average_precision_score(Y[:, j], proba[:, j]))
            if both else None,
            "roc_auc": float(roc_auc_score(Y[:, j], proba[:, j])) if both else None,
            "support": int(support[j]),
        }
    none = Y.sum(axis=1) == 0
    return {
        "labels": per_label,
        "macro_f1": float(f1_score(Y, predicted, average="macro", zero_division=0)),
        # Share of the texts coded none that get a suggestion: the false alarms a coder meets.
        "none_fpr": float((predicted[none].sum(axis=1) > 0).mean()) if none.any() else None,
        "none": int(none.sum()),
        "micro_f1": float(f1_score(Y, predicted, average="micro", zero_division=0)),
        "hamming_loss": float(hamming_loss(Y, predicted)),
        "exact_match": float((predicted == Y).all(axis=1).mean()),
        "n": len(Y),
    }


def summarise(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean and standard deviation of each metric over repeated runs."""

    def spread(values: list[Any]) -> dict[str, float] | None:
        present = [v for v in values if v is not None]
        if not present:
            return None
        return {"mean": float(np.mean(present)), "sd": float(np.std(present, ddof=0))}

    labels = runs[0]["labels"]
    return {
        "labels": {label: {key: spread([r["labels"][label][key] for r in runs])
                           for key in labels[label]} for label in labels},
        **{key: spread([r.get(key) for r in runs])
           for key in ("macro_f1", "micro_f1", "hamming_loss", "exact_match", "none_fpr")},
        "n": runs[0]["n"],
        "repeats": len(runs),
    }


class _Lemmas:
    """Lemmatise each text once per lemmatizer setting; every fold reuses the result."""

    def __init__(self, texts: Sequence[str]):
        self.texts = list(texts)
        self.done: dict[str, np.ndarray] = {}

    def of(self, pipeline: Pipeline) -> np.ndarray:
        lemmatizer = pipeline.steps[0][1]
        key = repr(lemmatizer.get_params())
        if key not in self.done:
            self.done[key] = np.asarray(clone(lemmatizer).fit_transform(self.texts), dtype=object)
        return self.done[key]


def _fit_fold(pipeline: Pipeline, lemmas: np.ndarray, Y: np.ndarray, groups: np.ndarray,
              train: np.ndarray, test: np.ndarray,
              hands: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, Pipeline]:
    rest = clone(pipeline[1:])
    inner = calibration_groups(None if hands is None else hands[train], groups[train],
                               rest.named_steps["classifier"].get_params().get("n_splits", 5))
    rest.fit(list(lemmas[train]), Y[train], classifier__groups=inner)
    docs = list(lemmas[test])
    fitted = Pipeline([(pipeline.steps[0][0], clone(pipeline.steps[0][1]).fit([])),
                       *rest.steps])
    return rest.predict_proba(docs), rest.predict(docs), fitted


@dataclass
class CrossValidation:
    """Out-of-fold results of one pipeline over repeated case-grouped folds."""

    runs: list[dict[str, Any]]
    proba: list[np.ndarray]
    predicted: list[np.ndarray]
    models: list[Pipeline] = field(default_factory=list)
    fold_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    @property
    def summary(self) -> dict[str, Any]:
        return summarise(self.runs)


def cross_validate(pipeline: Pipeline, texts: Sequence[str] | _Lemmas, Y: np.ndarray,
                   groups: np.ndarray, labels: Sequence[str], *,
                   folds: Sequence[Sequence[Fold]] | None = None, n_splits: int = 5,
                   repeats: int = 1, seed: int = DEFAULT_SEED, n_jobs: int = 1,
                   keep_models: bool = False, hands: np.ndarray | None = None
                   ) -> CrossValidation:
    """Out-of-fold scores and metrics of ``pipeline`` over case-grouped folds.

    Each fold fits a fresh clone on the other folds' cases (thresholds included, chosen
    inside the training side only) and scores the held-out cases. ``folds`` (one list of
    folds per repeat) lets several pipelines share the very same splits. The pipeline's
    first step must be a stateless text transformer (its output is computed once).
    With ``hands``, the classifier's own inner folds (calibration, thresholds) hold out
    whole hands of each training side, as the shipped model's do.
    """
    cache = texts if isinstance(texts, _Lemmas) else _Lemmas(texts)
    lemmas = cache.of(pipeline)
    if folds is None:
        folds = [case_folds(Y, groups, n_splits=n_splits, seed=seed + r) for r in range(repeats)]
    result = CrossValidation([], [], [])
    for r, split in enumerate(folds):
        outputs = Parallel(n_jobs=n_jobs)(delayed(_fit_fold)(pipeline, lemmas, Y, groups, tr, te,
                                                             hands) for tr, te in split)
        proba = np.zeros(Y.shape)
        predicted = np.zeros(Y.shape, dtype=np.int8)
        for (_, test), (p, y, model) in zip(split, outputs, strict=True):
            proba[test], predicted[test] = p, y
            if keep_models and r == 0:
                result.models.append(model)
        if r == 0:
            result.fold_of = np.zeros(len(Y), dtype=int)
            for k, (_, test) in enumerate(split):
                result.fold_of[test] = k
        run = label_metrics(Y, proba, predicted, labels)
        result.runs.append(run)
        result.proba.append(proba)
        result.predicted.append(predicted)
    return result


def leave_one_group_out(pipeline: Pipeline, texts: Sequence[str] | _Lemmas, Y: np.ndarray,
                        held: np.ndarray, cases: np.ndarray, labels: Sequence[str], *,
                        n_jobs: int = 1) -> dict[str, Any]:
    """Train on every group of ``held`` (e.g. writer hands) but one, test on that one.

    Returns the pooled metrics over all held-out groups and each group's own.
    """
    cache = texts if isinstance(texts, _Lemmas) else _Lemmas(texts)
    lemmas = cache.of(pipeline)
    names = sorted(set(held))
    splits = [(np.flatnonzero(held != g), np.flatnonzero(held == g)) for g in names]
    outputs = Parallel(n_jobs=n_jobs)(delayed(_fit_fold)(pipeline, lemmas, Y, cases, tr, te,
                                                         held) for tr, te in splits)
    proba = np.zeros(Y.shape)
    predicted = np.zeros(Y.shape, dtype=np.int8)
    per_group = {}
    for name, (_, test), (p, y, _) in zip(names, splits, outputs, strict=True):
        proba[test], predicted[test] = p, y
        per_group[str(name)] = label_metrics(Y[test], p, y, labels)
    return {"metrics": label_metrics(Y, proba, predicted, labels), "groups": per_group,
            "proba": proba, "predicted": predicted}


def macro_f1_interval(Y: np.ndarray, predicted: np.ndarray, *, confidence: float = 0.95,
                      resamples: int = 1000, seed: int = DEFAULT_SEED) -> list[float] | None:
    """A bootstrap percentile interval of macro-F1: the texts resampled with replacement.

    On a test set of a few hundred texts, with a label held by a handful of them, one text
    moves macro-F1 by several hundredths; the interval says how far the figure could move
    on another sample of the same kind of text. ``None`` for fewer than two texts.
    """
    from scipy.stats import bootstrap

    if len(Y) < 2:
        return None

    def macro_f1(rows: np.ndarray) -> float:
        return float(f1_score(Y[rows], predicted[rows], average="macro", zero_division=0))

    result = bootstrap((np.arange(len(Y)),), macro_f1, vectorized=False,
                       n_resamples=resamples, confidence_level=confidence,
                       method="percentile", rng=np.random.default_rng(seed))
    interval = result.confidence_interval
    return [float(interval.low), float(interval.high)]


def held_out_metrics(pipeline: Pipeline, path: str | Path, codebook: Codebook, *,
                     interval: bool = True, proba: np.ndarray | None = None) -> dict[str, Any]:
    """Metrics of a fitted pipeline on a labelled file it never saw, overall and per hand.

    The file needs ``id``, ``text`` and ``labels``; a ``hand`` column, if any, splits the
    figures by writer. ``macro_f1_interval`` is the 95% bootstrap interval of macro-F1
    (``None`` without ``interval``). ``proba``: the pipeline's scores of the file's texts,
    in file order, when the caller has them already, so the file is not scored again.
    """
    frame = load_corpus(path, codebook, require_case=False)
    Y = label_matrix(frame, codebook)
    texts = list(frame["text"])
    if proba is None:
        proba = pipeline.predict_proba(texts)
    thresholds = getattr(pipeline[-1], "thresholds_", None)
    predicted = pipeline.predict(texts) if thresholds is None \
        else (proba >= thresholds).astype(np.int8)
    out: dict[str, Any] = {"file": Path(path).name, "sha256": file_sha256(path),
                           "overall": label_metrics(Y, proba, predicted, codebook.ids),
                           "macro_f1_interval": macro_f1_interval(Y, predicted)
                           if interval else None,
                           "hands": {}}
    if "hand" in frame and frame["hand"].nunique() > 1:
        for hand, rows in frame.groupby("hand").indices.items():
            out["hands"][str(hand)] = label_metrics(Y[rows], proba[rows], predicted[rows],
                                                    codebook.ids)
    return out
