"""What a test set says beyond the headline: false alarms, confusions and what is unknown.

Functions here take a fitted pipeline, a test set's texts and labels, and the model's
suggestions, and return plain dicts: the coded → suggested table, the terms behind the
false positives, how much of the test's vocabulary the training never saw, and the
lengths of both sides.
:mod:`classifier.report` puts them into the evaluation report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from ..model.explain import explain

__all__ = ["coded_suggested", "false_positive_terms", "unseen_tokens"]

NONE = "none"


def coded_suggested(Y: np.ndarray, predicted: np.ndarray,
                    labels: Sequence[str]) -> dict[str, dict[str, int]]:
    """Counts of each coded label (or none) against each suggested label (or none).

    A text coded with two labels and given one suggestion adds one to two cells, so a row
    sums to the texts with that coded label times the suggestions each got (at least one).

    Examples
    --------
    >>> table = coded_suggested(np.array([[1, 0], [0, 0]]), np.array([[1, 1], [0, 0]]),
    ...                         ["a", "b"])
    >>> table["a"], table["none"]
    ({'a': 1, 'b': 1, 'none': 0}, {'a': 0, 'b': 0, 'none': 1})
    """
    names = [*labels, NONE]
    table = {row: dict.fromkeys(names, 0) for row in names}
    for coded_row, suggested_row in zip(Y, predicted, strict=True):
        coded = [labels[j] for j in np.flatnonzero(coded_row).tolist()] or [NONE]
        suggested = [labels[j] for j in np.flatnonzero(suggested_row).tolist()] or [NONE]
        for row in coded:
            for column in suggested:
                table[row][column] += 1
    return table


def false_positive_terms(pipeline: Pipeline, texts: Sequence[str], Y: np.ndarray,
                         predicted: np.ndarray, labels: Sequence[str], *,
                         top: int = 10) -> dict[str, list[dict[str, Any]]]:
    """Per label, the terms that pushed the false positives up most, summed over the set.

    Each entry gives the term, its summed contribution to the decision values of the
    label's false positives, and in how many of them it occurs: the cues that mislead the
    model on this kind of text, and so the first candidates for hard negatives.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    wrong = np.flatnonzero(((predicted == 1) & (Y == 0)).any(axis=1)).tolist()
    reasons = explain(pipeline, [texts[i] for i in wrong], labels) if len(wrong) else []
    for j, label in enumerate(labels):
        total: dict[str, float] = {}
        count: dict[str, int] = {}
        for i, per_label in zip(wrong, reasons, strict=True):
            if not (predicted[i, j] == 1 and Y[i, j] == 0):
                continue
            for c in per_label[j].contributions:
                if c.weight > 0:
                    total[c.term] = total.get(c.term, 0.0) + c.weight
                    count[c.term] = count.get(c.term, 0) + 1
        ranked = sorted(total, key=lambda t: -total[t])[:top]
        out[label] = [{"term": t, "weight": round(total[t], 3), "texts": count[t]}
                      for t in ranked]
    return out


def unseen_tokens(pipeline: Pipeline, texts: Sequence[str]) -> dict[str, Any]:
    """How much of the test's wording the model met in training.

    ``unseen_in_training``: share of the test's tokens (lemmas) that no training text had;
    ``outside_word_features``: share that is not one of the model's word features (rare,
    stop words or unseen); ``most_frequent_unseen``: the commonest unseen lemmas.
    """
    lemmatizer = pipeline.named_steps["lemmas"]
    seen = {w for words in getattr(lemmatizer, "piece_words_", "").split("\x1e")
            for w in words.split(" ") if w}
    words = pipeline.named_steps["features"].get_params().get("words")
    vocabulary = set(getattr(words, "vocabulary_", {}))
    tokens = [w for text in lemmatizer.transform(list(texts)) for w in text.split()]
    if not tokens:
        return {"tokens": 0, "unseen_in_training": None, "outside_word_features": None,
                "most_frequent_unseen": []}
    unseen = [w for w in tokens if w not in seen]
    counts: dict[str, int] = {}
    for w in unseen:
        counts[w] = counts.get(w, 0) + 1
    return {"tokens": len(tokens),
            "unseen_in_training": len(unseen) / len(tokens) if seen else None,
            "outside_word_features": sum(w not in vocabulary for w in tokens) / len(tokens),
            "most_frequent_unseen": sorted(counts, key=lambda w: (-counts[w], w))[:15]}


