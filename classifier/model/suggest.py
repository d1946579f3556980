"""A trained model ready to use: scores, suggested labels and the reasons behind them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from .explain import Contribution, explain
from .fastpath import FastFeatures, supports

__all__ = ["NarrativeModel", "Suggestion"]


@dataclass(frozen=True)
class Suggestion:
    """What the model suggests for one text."""

    text: str
    scores: dict[str, float]
    labels: list[str]
    reasons: dict[str, list[Contribution]] = field(default_factory=dict)
    against: dict[str, list[Contribution]] = field(default_factory=dict)

    def to_dict(self, digits: int = 4) -> dict[str, Any]:
        def terms(found: dict[str, list[Contribution]]) -> dict[str, list[dict[str, Any]]]:
            return {label: [{"term": c.term, "weight": round(c.weight, digits)} for c in cs]
                    for label, cs in found.items()}

        return {
            "labels": self.labels,
            "scores": {k: round(v, digits) for k, v in self.scores.items()},
            "reasons": terms(self.reasons),
            "against": terms(self.against),
        }


def _check_texts(texts: Sequence[str] | str) -> list[str]:
    if isinstance(texts, str):
        texts = [texts]
    checked = list(texts)
    for i, text in enumerate(checked):
        if not isinstance(text, str):
            raise TypeError(f"text {i} is {type(text).__name__}, expected str")
        if not text.strip():
            raise ValueError(f"text {i} is empty; give the excerpt's words")
    return checked


class NarrativeModel:
    """A fitted pipeline together with its model card.

    Get one with :func:`classifier.load_model`; the labels, thresholds and codebook
    come from the card, which was checked against the model file on loading.
    """

    def __init__(self, pipeline: Pipeline, card: dict[str, Any], path: Path | None = None):
        self.pipeline = pipeline
        self.card = card
        self.path = path  # where it was loaded from; worker processes load it again

    @property
    def labels(self) -> list[str]:
        return list(self.card["labels"])

    @property
    def thresholds(self) -> dict[str, float]:
        return dict(self.card["thresholds"])

    @property
    def version(self) -> str:
        return str(self.card.get("model_version", "unversioned"))

    def __repr__(self) -> str:
        return f"NarrativeModel({self.version!r}, labels={self.labels})"

    def _proba(self, texts: list[str]) -> np.ndarray:
        # The fast path computes the very same features in bulk (see classifier.fastpath).
        fast = self.__dict__.get("_fast")
        if fast is None and supports(self.pipeline):
            fast = self.__dict__["_fast"] = FastFeatures(self.pipeline)
        if fast is None:
            return np.asarray(self.pipeline.predict_proba(texts))
        return np.asarray(self.pipeline[-1].predict_proba(fast.transform(texts)))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_fast", None)
        return state

    def predict_proba(self, texts: Sequence[str] | str) -> np.ndarray:
        """Calibrated scores, one row per text, one column per label."""
        return self._proba(_check_texts(texts))

    def predict(self, texts: Sequence[str] | str) -> list[list[str]]:
        """The suggested labels of each text (score at or above the label's threshold)."""
        return [s.labels for s in self.suggest(texts, top=0)]

    def suggest(self, texts: Sequence[str] | str, *, top: int = 5) -> list[Suggestion]:
        """Scores, suggested labels and, for each suggested label, the terms behind it.

        ``top`` terms that pushed each suggested label up are kept in ``reasons``, and
        the strongest that pushed it down in ``against``; ``top=0`` skips explanations.

        Examples
        --------
        >>> from classifier import load_model
        >>> model = load_model()
        >>> model.suggest(["The emir kept the spoils for his own villa."])[0].labels
        ['corruption']
        """
        texts = _check_texts(texts)
        proba = self._proba(texts)
        cut = np.array([self.thresholds[label] for label in self.labels])
        chosen = proba >= cut
        explanations = explain(self.pipeline, texts, self.labels) if top > 0 else None
        names = self.labels
        out = []
        # Plain lists: indexing a NumPy array once per cell costs more than the scoring.
        for i, (text, row, picked) in enumerate(zip(texts, proba.tolist(), chosen.tolist(),
                                                    strict=True)):
            labels = [lab for lab, yes in zip(names, picked, strict=True) if yes]
            reasons: dict[str, list[Contribution]] = {}
            against: dict[str, list[Contribution]] = {}
            if explanations is not None:
                for j, label in enumerate(names):
                    if picked[j]:
                        reasons[label] = explanations[i][j].up(top)
                        against[label] = explanations[i][j].down(top)
            out.append(Suggestion(text, dict(zip(names, row, strict=True)), labels, reasons,
                                  against))
        return out
