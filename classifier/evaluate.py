"""Measuring the model: case-grouped cross-validation and metrics on labelled files.

Every number comes from scikit-learn's metrics; this module only arranges them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    hamming_loss,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from .model import DEFAULT_SEED

__all__ = ["case_folds", "cross_validate", "label_metrics", "leave_one_group_out"]


def case_folds(Y: np.ndarray, groups: np.ndarray, *, n_splits: int = 5,
               seed: int = DEFAULT_SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds in which no case falls on both sides, balanced on each row's first label."""
    key = np.where(Y.any(axis=1), Y.argmax(axis=1), -1)
    splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(Y)), key, groups))


def label_metrics(Y: np.ndarray, proba: np.ndarray, predicted: np.ndarray,
                  labels: Sequence[str]) -> dict[str, Any]:
    """Per-label precision, recall, F1, average precision, ROC AUC and support, and totals."""
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
    return {
        "labels": per_label,
        "macro_f1": float(f1_score(Y, predicted, average="macro", zero_division=0)),
        "micro_f1": float(f1_score(Y, predicted, average="micro", zero_division=0)),
        "hamming_loss": float(hamming_loss(Y, predicted)),
        "exact_match": float((predicted == Y).all(axis=1).mean()),
        "n": len(Y),
    }


def cross_validate(pipeline: Pipeline, texts: Sequence[str], Y: np.ndarray,
                   groups: np.ndarray, labels: Sequence[str], *, n_splits: int = 5,
                   seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Out-of-fold scores and metrics of ``pipeline`` over case-grouped folds.

    Each fold fits a fresh clone on the other folds' cases (thresholds included, chosen
    inside the training side only) and scores the held-out cases.
    """
    docs = np.asarray(texts, dtype=object)
    proba = np.zeros(Y.shape)
    predicted = np.zeros(Y.shape, dtype=np.int8)
    for train, test in case_folds(Y, groups, n_splits=n_splits, seed=seed):
        model = clone(pipeline).fit(list(docs[train]), Y[train],
                                    classifier__groups=groups[train])
        proba[test] = model.predict_proba(list(docs[test]))
        predicted[test] = model.predict(list(docs[test]))
    metrics = label_metrics(Y, proba, predicted, labels)
    metrics.update({"folds": n_splits, "seed": seed, "grouped_by": "case"})
    return {"metrics": metrics, "proba": proba, "predicted": predicted}


def leave_one_group_out(pipeline: Pipeline, texts: Sequence[str], Y: np.ndarray,
                        held: np.ndarray, cases: np.ndarray,
                        labels: Sequence[str]) -> dict[str, Any]:
    """Train on every group of ``held`` (e.g. writer hands) but one, test on that one.

    Returns the pooled metrics over all held-out groups and each group's own.
    """
    docs = np.asarray(texts, dtype=object)
    proba = np.zeros(Y.shape)
    predicted = np.zeros(Y.shape, dtype=np.int8)
    per_group = {}
    for group in sorted(set(held)):
        test = held == group
        model = clone(pipeline).fit(list(docs[~test]), Y[~test],
                                    classifier__groups=cases[~test])
        proba[test] = model.predict_proba(list(docs[test]))
        predicted[test] = model.predict(list(docs[test]))
        per_group[str(group)] = label_metrics(Y[test], proba[test], predicted[test], labels)
    pooled = label_metrics(Y, proba, predicted, labels)
    return {"metrics": pooled, "groups": per_group, "proba": proba, "predicted": predicted}
