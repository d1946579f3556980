"""The suggestions on the page: the newest model of the review, its scores and its reasons.

The reasons are :func:`classifier.model.explain.explain`'s, computed from the same features as
the scores; the model's feature names are looked up once per model rather than once per
passage (they cost more than scoring the passage).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import NarrativesError
from ...model.explain import _merge, _owners, feature_names
from ...model.suggest import NarrativeModel
from .retrain import active_model_path
from .store import Store

__all__ = ["Models"]

TOP_TERMS = 5
CACHED = 256


def _terms(pairs: list[tuple[str, float]], top: int) -> list[list[Any]]:
    return [[term, round(weight, 3)] for term, weight in pairs[:top]]


class Models:
    """The model making the suggestions: the newest the review has, loaded in the background."""

    def __init__(self, store: Store, model: NarrativeModel):
        self.store = store
        self.model = model
        self._names: dict[str, np.ndarray] = {}
        self._loading = False
        self._refused: set[Path] = set()  # changed since written: never tried again
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()

    def refresh(self) -> None:
        """Start loading the review's newest model if it is not the one in use."""
        path, sha = active_model_path(self.store)
        if sha is None or self._loading or Path(self.model.path or "") == path \
                or path in self._refused:
            return
        self._loading = True
        threading.Thread(target=self._load, args=(path, sha), daemon=True).start()

    def _load(self, path: Path, sha: str) -> None:
        from .retrain import _load

        try:
            model = _load(path, sha)
            names = feature_names(model.pipeline)
            with self._lock:
                self.model, self._names[model.version] = model, names
        except NarrativesError as exc:
            self._refused.add(path)
            self.store.set_meta("training_error", str(exc).splitlines()[0])
        finally:
            self._loading = False

    def _score(self, model: NarrativeModel, text: str) -> dict[str, Any]:
        pipeline = model.pipeline
        if model.version not in self._names:
            self._names[model.version] = feature_names(pipeline)
        names = self._names[model.version]
        lemmas = pipeline.named_steps["lemmas"].transform([text])
        row = pipeline.named_steps["features"].transform(lemmas).tocsr().getrow(0)
        classifier = pipeline.named_steps["classifier"]
        scores = classifier.predict_proba(row)[0]
        terms = [str(names[k]) for k in row.indices]
        owners = _owners(pipeline, lemmas[0])
        up, down = {}, {}
        for j, label in enumerate(model.labels):
            merged = _merge(terms, row.data * classifier.coef_[j, row.indices], owners)
            ranked = sorted(((t, w) for t, w in merged.items() if w), key=lambda x: -x[1])
            up[label] = _terms([p for p in ranked if p[1] > 0], TOP_TERMS)
            down[label] = _terms(sorted((p for p in ranked if p[1] < 0), key=lambda x: x[1]),
                                 TOP_TERMS)
        return {"model_version": model.version,
                "scores": {lab: round(float(s), 4) for lab, s in zip(model.labels, scores,
                                                                      strict=True)},
                "labels": [lab for lab, s in zip(model.labels, scores, strict=True)
                           if s >= model.thresholds[lab]],
                "thresholds": model.thresholds, "up": up, "down": down}

    def suggestion(self, passage: dict[str, Any]) -> dict[str, Any]:
        """Scores, suggested labels, and the terms that raised and lowered every label."""
        with self._lock:
            model = self.model
        key = (passage["id"], model.version)
        if key not in self._cache:
            self._cache[key] = self._score(model, passage["text"])
            while len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return self._cache[key]
