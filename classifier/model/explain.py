"""Why the model scored a text as it did: exact term contributions of the linear model.

For label ``j`` the decision value of a text is ``sum_t x_t * coef_[j, t] + intercept_[j]``
where ``x_t`` is the text's TF-IDF value for term ``t``. Each product is a term's
contribution; they and the intercept add up to the decision value exactly, and the
calibrated score is a monotone function of that sum.

Character n-grams are hard to read, so by default each one's contribution is shared
equally among the words of the text it occurs in; the total stays exact, and the
reasons read as words and word pairs. Likewise a codebook-lexicon column (a label's
indicative terms counted, see :mod:`classifier.lexicon`) is shared among the codebook
terms the text contains.
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
    """Readable names: word n-grams as lemmas, characters in «», codebook columns in ‹›."""
    names = pipeline.named_steps["features"].get_feature_names_out()
    readable = []
    for name in names:
        kind, _, term = str(name).partition("__")
        readable.append(f"«{term}»" if kind == "chars" else
                        f"‹codebook terms: {term}›" if kind == "lexicon" else term)
    return np.asarray(readable, dtype=object)


def _owners(pipeline: Pipeline, lemmas: str) -> dict[str, list[str]]:
    """For one lemmatised text, the words each of its character n-grams comes from, and
    the codebook terms behind each codebook-lexicon column."""
    parts = pipeline.named_steps["features"].get_params()
    owners: dict[str, list[str]] = {}
    lexicon = parts.get("lexicon")
    if lexicon is not None and not isinstance(lexicon, str):
        for name, found in zip(lexicon.names, lexicon.matches(lemmas), strict=True):
            owners[f"‹codebook terms: {name}›"] = found
    chars = parts.get("chars")
    if chars is None or isinstance(chars, str):
        return owners
    counts = chars.named_steps["counts"]
    analyze = counts.build_analyzer()
    skip = frozenset(getattr(counts, "skip_words", ()))
    for word in lemmas.split():
        if word in skip:
            continue
        for gram in analyze(word):
            owners.setdefault(f"«{gram}»", []).append(word)
    return owners


def _merge(terms: list[str], weights: np.ndarray, owners: dict[str, list[str]]) -> dict[str, float]:
    merged: dict[str, float] = {}
    for term, weight in zip(terms, weights, strict=True):
        words = owners.get(term) if owners else None
        for word in words or [term]:
            merged[word] = merged.get(word, 0.0) + float(weight) / (len(words) if words else 1)
    return merged


def explain(pipeline: Pipeline, texts: Sequence[str], labels: Sequence[str], *,
            merge_characters: bool = True) -> list[list[Explanation]]:
    """For each text, one :class:`Explanation` per label, contributions sorted high to low.

    With ``merge_characters`` (the default) character n-gram contributions are shared
    among the words they occur in, so every reason is a word or word pair.
    """
    lemmas = pipeline.named_steps["lemmas"].transform(list(texts))
    features = pipeline.named_steps["features"].transform(lemmas).tocsr()
    classifier = pipeline.named_steps["classifier"]
    names = feature_names(pipeline)
    out = []
    for i in range(features.shape[0]):
        row = features.getrow(i)
        terms = [str(names[k]) for k in row.indices]
        owners = _owners(pipeline, lemmas[i]) if merge_characters else {}
        per_label = []
        for j, label in enumerate(labels):
            merged = _merge(terms, row.data * classifier.coef_[j, row.indices], owners)
            ranked = sorted(merged.items(), key=lambda item: -item[1])
            contributions = tuple(Contribution(t, w) for t, w in ranked if w != 0)
            per_label.append(Explanation(label, float(classifier.intercept_[j]), contributions))
        out.append(per_label)
    return out
