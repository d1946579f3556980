"""Why the model scored a text as it did: exact term contributions of the linear model.

For label ``j`` the decision value of a text is ``sum_t x_t * coef_[j, t] + intercept_[j]``
where ``x_t`` is the text's TF-IDF value for term ``t``. Each product is a term's
contribution; they and the intercept add up to the decision value exactly, and the
calibrated score is a monotone function of that sum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.pipeline import Pipeline

__all__ = ["Contribution", "Explanation", "explain", "feature_names"]


@dataclass(frozen=True)
class Contribution:
    """One term's share of a decision value: its TF-IDF value times its coefficient."""

    term: str
    weight: float


@dataclass(frozen=True)
class Explanation:
    """All term contributions of one text for one label."""

    label: str
    intercept: float
    contributions: tuple[Contribution, ...]

    @property
    def decision(self) -> float:
        return self.intercept + sum(c.weight for c in self.contributions)

    def up(self, top: int = 5) -> list[Contribution]:
        """The terms that pushed the score up most, strongest first."""
        return [c for c in self.contributions if c.weight > 0][:top]

    def down(self, top: int = 5) -> list[Contribution]:
        """The terms that pushed the score down most, strongest first."""
        return sorted((c for c in self.contributions if c.weight < 0),
                      key=lambda c: c.weight)[:top]


def feature_names(pipeline: Pipeline) -> np.ndarray:
    """Readable names of the model's features: word n-grams as lemmas, characters in «»."""
    names = pipeline.named_steps["features"].get_feature_names_out()
    readable = []
    for name in names:
        kind, _, term = str(name).partition("__")
        readable.append(f"«{term}»" if kind == "chars" else term)
    return np.asarray(readable, dtype=object)


def explain(pipeline: Pipeline, texts: Sequence[str],
            labels: Sequence[str]) -> list[list[Explanation]]:
    """For each text, one :class:`Explanation` per label, contributions sorted high to low."""
    features = pipeline[:-1].transform(list(texts)).tocsr()
    classifier = pipeline.named_steps["classifier"]
    names = feature_names(pipeline)
    out = []
    for i in range(features.shape[0]):
        row = features.getrow(i)
        per_label = []
        for j, label in enumerate(labels):
            weights = row.data * classifier.coef_[j, row.indices]
            order = np.argsort(-weights, kind="stable")
            contributions = tuple(Contribution(str(names[row.indices[k]]), float(weights[k]))
                                  for k in order if weights[k] != 0)
            per_label.append(Explanation(label, float(classifier.intercept_[j]), contributions))
        out.append(per_label)
    return out
