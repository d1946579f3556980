"""What lies behind the headline figures: learning curve, errors, leakage and thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import precision_score, recall_score
from sklearn.pipeline import Pipeline

from ..corpus import near_duplicates
from ..model.crossval import Fold, _fit_fold, _Lemmas, label_metrics
from ..model.explain import explain

__all__ = ["error_analysis", "leakage", "learning_curve", "threshold_tradeoffs"]


def learning_curve(pipeline: Pipeline, texts: Sequence[str] | _Lemmas, Y: np.ndarray,
                   groups: np.ndarray, labels: Sequence[str], folds: Sequence[Fold], *,
                   sizes: Sequence[float] = (0.2, 0.4, 0.6, 0.8, 1.0),
                   seed: int = 0) -> list[dict[str, Any]]:
    """Macro-F1 on each held-out fold when training on a share of the other folds' cases.

    The cases kept are drawn at random (seeded) from each fold's training side, so a point
    answers: how good would the model be with this many coded cases?
    """
    cache = texts if isinstance(texts, _Lemmas) else _Lemmas(texts)
    lemmas = cache.of(pipeline)
    rng = np.random.default_rng(seed)
    # The classifier's own grouped folds need at least that many cases to train on.
    fewest = pipeline.named_steps["classifier"].get_params().get("n_splits", 2)
    points = []
    for share in sizes:
        scores, n_cases = [], []
        for train, test in folds:
            cases = np.unique(groups[train])
            keep = rng.permutation(cases)[: max(fewest, round(share * len(cases)))]
            subset = train[np.isin(groups[train], keep)]
            if (Y[subset].sum(axis=0) == 0).any() or (Y[subset].min(axis=0) == 1).any():
                continue
            proba, predicted, _ = _fit_fold(pipeline, lemmas, Y, groups, subset, test)
            scores.append(label_metrics(Y[test], proba, predicted, labels)["macro_f1"])
            n_cases.append(len(keep))
        if scores:
            points.append({"share": share, "cases": float(np.mean(n_cases)),
                           "macro_f1": float(np.mean(scores)), "sd": float(np.std(scores))})
    return points


def error_analysis(corpus: pd.DataFrame, Y: np.ndarray, proba: np.ndarray,
                   predicted: np.ndarray, labels: Sequence[str], models: Sequence[Pipeline],
                   fold_of: np.ndarray, *, top: int = 5) -> dict[str, dict[str, list]]:
    """The most confident false positives and false negatives per label, with reasons.

    Each error is explained by the fold model that scored it, out of fold.
    """
    out: dict[str, dict[str, list]] = {}
    for j, label in enumerate(labels):
        fp = np.flatnonzero((predicted[:, j] == 1) & (Y[:, j] == 0))
        fn = np.flatnonzero((predicted[:, j] == 0) & (Y[:, j] == 1))
        chosen = {"false_positives": fp[np.argsort(-proba[fp, j])][:top],
                  "false_negatives": fn[np.argsort(proba[fn, j])][:top]}
        out[label] = {}
        for kind, rows in chosen.items():
            items = []
            for i in rows:
                model = models[fold_of[i]]
                reason = explain(model, [corpus["text"].iloc[i]], labels)[0][j]
                terms = reason.up(5) if kind == "false_positives" else reason.down(5)
                items.append({
                    "id": str(corpus["id"].iloc[i]),
                    "case_id": corpus["case_id"].iloc[i] if "case_id" in corpus else None,
                    "text": corpus["text"].iloc[i],
                    "coded": [lab for k, lab in enumerate(labels) if Y[i, k]],
                    "scores": {lab: round(float(proba[i, k]), 3) for k, lab in enumerate(labels)},
                    "terms": [(c.term, round(c.weight, 3)) for c in terms],
                })
            out[label][kind] = items
    return out


def leakage(texts: Sequence[str], fold_of: np.ndarray, Y: np.ndarray, proba: np.ndarray,
            predicted: np.ndarray, labels: Sequence[str], *,
            threshold: float = 0.6) -> dict[str, Any]:
    """Near-duplicate quotations that fall in different folds, and the figures without them.

    A pair split across folds lets a model be tested on a text it nearly saw in training.
    """
    pairs = near_duplicates(texts, threshold=threshold)
    crossing = [(i, j, s) for i, j, s in pairs if fold_of[i] != fold_of[j]]
    involved = sorted({k for i, j, _ in crossing for k in (i, j)})
    keep = np.setdiff1d(np.arange(len(texts)), involved)
    without = label_metrics(Y[keep], proba[keep], predicted[keep], labels)
    return {
        "threshold": threshold,
        "pairs": [{"a": int(i), "b": int(j), "similarity": s, "text_a": texts[i],
                   "text_b": texts[j]} for i, j, s in crossing],
        "quotations_involved": len(involved),
        "macro_f1_without": without["macro_f1"],
    }


def threshold_tradeoffs(pipeline: Pipeline, Y: np.ndarray, proba: np.ndarray,
                        labels: Sequence[str]) -> dict[str, dict[str, float]]:
    """Each label's stored threshold, and the out-of-fold precision and recall at it and at 0.5."""
    thresholds = pipeline.named_steps["classifier"].thresholds_
    out = {}
    for j, label in enumerate(labels):
        row = {"threshold": float(thresholds[j])}
        for name, cut in (("tuned", thresholds[j]), ("at_0.5", 0.5)):
            guess = (proba[:, j] >= cut).astype(int)
            row[f"precision_{name}"] = float(precision_score(Y[:, j], guess, zero_division=0))
            row[f"recall_{name}"] = float(recall_score(Y[:, j], guess, zero_division=0))
        out[label] = row
    return out
