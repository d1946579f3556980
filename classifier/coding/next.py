"""What to code next: the uncoded excerpts whose coding would teach the model most.

**Informativeness** is margin sampling for a multi-label model with tuned thresholds. For
label ``j`` an excerpt's margin is the distance, in log-odds, between its calibrated score
``p_j`` and the label's threshold ``t_j`` from the model card::

    m_j = |logit(p_j) - logit(t_j)|

and the excerpt's margin is its smallest ``m_j``: the label whose suggestion a coder's
answer is most likely to overturn. Log-odds make the labels comparable whatever their
thresholds (0.41 against 0.42 is as close as 0.59 against 0.58), and, as the calibration
is a sigmoid of the linear decision value, ``m_j`` is the decision value's distance from
the threshold in the model's own units, rescaled per label. Informativeness is
``exp(-m)``, the smaller of the two odds ratios between score and threshold: 1 at the
threshold, near 0 for a confident score.

**Diversity**: picks are made greedily. Each step takes, among the candidates still
allowed, the one with the highest gain ``informativeness - diversity * s``, where ``s``
is its highest cosine similarity to an excerpt already picked, computed on the model's
own features (TF-IDF of lemma n-grams and character n-grams). A candidate is no longer
allowed once it is a near-copy of a pick (``s >= max_similarity``, or the same text up to
white space) or once its case holds ``per_case`` picks. Ties go to the smaller id.

Excerpts already in the training corpus (the same id, or the same text up to white space)
are skipped and counted.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.preprocessing import normalize

from ..errors import InputError, Problem
from ..formats.files import atomic_path
from ..model.fastpath import FastFeatures, supports
from ..model.suggest import NarrativeModel
from .pool import (
    TrainingSet,
    normalise,
    read_pool,
    read_training,
    skip_training,
    training_corpus_of,
)

__all__ = ["TrainingSet", "code_next", "rank_next", "read_pool", "read_training",
           "training_corpus_of", "write_next"]

EPSILON = 1e-9


def _features(model: NarrativeModel, texts: list[str]) -> tuple[np.ndarray, Any]:
    """Calibrated scores and the l2-normalised feature rows, from one pass over the texts."""
    pipeline = model.pipeline
    # The fast path computes the pipeline's very features (see classifier.fastpath).
    X = FastFeatures(pipeline).transform(texts) if supports(pipeline) \
        else pipeline[:-1].transform(texts)
    return np.asarray(pipeline[-1].predict_proba(X)), normalize(X.tocsr())


def _margins(model: NarrativeModel, proba: np.ndarray) -> np.ndarray:
    """Per excerpt and label, the log-odds distance of the score from the threshold."""
    cut = np.array([model.thresholds[label] for label in model.labels])
    clipped = np.clip(proba, EPSILON, 1 - EPSILON)
    return np.asarray(np.abs(logit(clipped) - logit(np.clip(cut, EPSILON, 1 - EPSILON))))


def _reason(labels: list[str], scores: np.ndarray, margins: np.ndarray,
            thresholds: dict[str, float]) -> str:
    # The closest label always; others too while their odds are within a factor e.
    order = np.argsort(margins, kind="stable")
    shown = [j for n, j in enumerate(order[:3]) if n == 0 or margins[j] < 1.0]
    parts = [f"{labels[j]} {scores[j]:.2f} vs {thresholds[labels[j]]:.2f}" for j in shown]
    parts[0] = parts[0].replace(" vs ", " vs threshold ")
    return "; ".join(parts)


@dataclass
class _Greedy:
    """The state of the greedy selection over the candidates, sorted by id."""

    gain: np.ndarray
    X: Any
    keys: np.ndarray
    cases: np.ndarray
    per_case: int
    similarity: np.ndarray = field(init=False)
    nearest: np.ndarray = field(init=False)
    allowed: np.ndarray = field(init=False)
    picked: list[tuple[int, int, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.similarity = np.zeros(len(self.gain))
        self.nearest = np.full(len(self.gain), -1)
        self.allowed = np.ones(len(self.gain), dtype=bool)

    def pick(self, diversity: float, max_similarity: float) -> int | None:
        allowed = self.allowed & (self.similarity < max_similarity)
        if not allowed.any():
            return None
        # argmax takes the first best, and the rows are sorted by id: ties go to the smaller id.
        return int(np.argmax(np.where(allowed, self.gain - diversity * self.similarity,
                                      -np.inf)))

    def take(self, i: int, taken: Counter[str]) -> None:
        self.picked.append((i, int(self.nearest[i]), float(self.similarity[i])))
        self.allowed[i] = False
        s = np.asarray(self.X @ self.X[i].toarray().ravel())  # sparse times dense: fast
        s[self.keys == self.keys[i]] = 1.0  # exact copies, even those with no known words
        closer = s > self.similarity
        self.nearest[closer] = i
        self.similarity[closer] = s[closer]
        taken[self.cases[i]] += 1
        if taken[self.cases[i]] >= self.per_case:
            self.allowed[self.cases == self.cases[i]] = False

    def near_copies(self, max_similarity: float) -> int:
        """Candidates left out because they are near-copies of a pick."""
        left = np.ones(len(self.gain), dtype=bool)
        left[[i for i, _, _ in self.picked]] = False
        return int((left & (self.similarity >= max_similarity)).sum())


def _check(k: int, per_case: int | None, max_similarity: float, diversity: float) -> None:
    if k < 1 or (per_case is not None and per_case < 1):
        raise ValueError("k and per_case must be at least 1")
    if not 0 < max_similarity <= 1 or diversity < 0:
        raise ValueError("max_similarity must be in (0, 1] and diversity at least 0")


def _case_keys(kept: pd.DataFrame) -> np.ndarray:
    # An excerpt with no case is a case of its own; the NUL keeps its key apart from names.
    return np.array([c if isinstance(c, str) else f"\0{i}"
                     for c, i in zip(kept["case_id"], kept["id"], strict=True)], dtype=object)


def _select(model: NarrativeModel, kept: pd.DataFrame, cases: np.ndarray, *, k: int, cap: int,
            max_similarity: float, diversity: float) -> tuple[pd.DataFrame, int]:
    texts = kept["text"].tolist()
    proba, X = _features(model, texts)
    margins = _margins(model, proba)
    greedy = _Greedy(np.exp(-margins.min(axis=1)), X,
                     np.array([normalise(t) for t in texts], dtype=object), cases, cap)
    taken: Counter[str] = Counter()
    while len(greedy.picked) < k and (i := greedy.pick(diversity, max_similarity)) is not None:
        greedy.take(i, taken)
    ids = kept["id"].tolist()
    rows = []
    for rank, (i, near, similarity) in enumerate(greedy.picked, start=1):
        case = kept["case_id"].iloc[i]
        rows.append({"rank": rank, "id": ids[i], "case_id": case if isinstance(case, str) else "",
                     "text": texts[i], "labels": "",
                     "reason": _reason(model.labels, proba[i], margins[i], model.thresholds),
                     "margin": round(float(margins[i].min()), 4),
                     "similar_to": ids[near] if near >= 0 else "",
                     "similarity": round(similarity, 4),
                     **{f"score_{lab}": round(float(proba[i, j]), 4)
                        for j, lab in enumerate(model.labels)}})
    return pd.DataFrame(rows, columns=_columns(model.labels)), greedy.near_copies(max_similarity)


def _columns(labels: list[str]) -> list[str]:
    return ["rank", "id", "case_id", "text", "labels", "reason", "margin", "similar_to",
            "similarity", *[f"score_{lab}" for lab in labels]]


def rank_next(model: NarrativeModel, pool: pd.DataFrame, *, k: int = 50,
              training: TrainingSet | None = None, per_case: int | None = None,
              max_similarity: float = 0.8, diversity: float = 0.5) -> pd.DataFrame:
    """The ``k`` excerpts of ``pool`` most worth coding next, best first, with the reasons.

    ``pool`` has ``id``, ``text`` and optionally ``case_id`` (see :func:`read_pool`).
    Without ``per_case`` no case gives more than twice its even share of ``k`` (``2k /
    cases``, rounded up); an excerpt with no case is a case of its own. The frame has the
    columns ``rank, id, case_id, text, labels`` (empty, for the coder), ``reason``,
    ``margin``, ``similar_to`` and ``similarity`` (the most similar earlier pick) and one
    ``score_<label>`` per label; ``frame.attrs["summary"]`` holds the counts.

    Examples
    --------
    >>> from classifier import load_model
    >>> pool = pd.DataFrame({"id": ["a", "b"], "case_id": ["C1", "C2"],
    ...                      "text": ["The emir kept the spoils for his own villa.",
    ...                               "They said the brothers next door were spies."]})
    >>> frame = rank_next(load_model(), pool, k=2)
    >>> frame.columns[:6].tolist()
    ['rank', 'id', 'case_id', 'text', 'labels', 'reason']
    >>> frame.attrs["summary"]["picked"]
    2
    """
    _check(k, per_case, max_similarity, diversity)
    training = training or TrainingSet()
    if "case_id" not in pool:
        pool = pool.assign(case_id=None)
    pool = pool.assign(id=pool["id"].astype(str))
    kept, same_id, same_text = skip_training(pool, training)
    kept = kept.sort_values("id", kind="stable")
    cases = _case_keys(kept)
    n_cases = len(set(cases.tolist()))
    cap = per_case or max(1, math.ceil(2 * k / max(n_cases, 1)))
    frame, near_copies = _select(model, kept, cases, k=k, cap=cap, max_similarity=max_similarity,
                                 diversity=diversity) if len(kept) \
        else (pd.DataFrame(columns=_columns(model.labels)), 0)
    frame.attrs["summary"] = {
        "pool": len(pool), "training": training.file, "skipped_same_id": same_id,
        "skipped_same_text": same_text, "candidates": len(kept), "cases": n_cases,
        "per_case": cap, "picked": len(frame), "near_copies": near_copies,
        "picked_cases": int(frame["case_id"].where(frame["case_id"] != "", frame["id"])
                            .nunique()) if len(frame) else 0,
        "picked_without_case": int((frame["case_id"] == "").sum()),
        "model_version": model.version}
    return frame


def _csv_path(path: str | Path) -> Path:
    if Path(path).suffix.lower() != ".csv":
        raise InputError(Problem(str(path), "the list to code is written as CSV; "
                                 "give a file name ending in .csv"))
    return Path(path)


def write_next(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the ranked excerpts as CSV, whole or not at all; ``load_corpus`` reads it back."""
    path = _csv_path(path)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    return path


def code_next(pool: str | Path, model: NarrativeModel, *, out: str | Path,
              corpus: str | Path | None = None, **options: Any) -> pd.DataFrame:
    """Read a pool, rank it with :func:`rank_next` and write the CSV; return the frame.

    ``corpus`` is the training corpus whose excerpts are skipped; by default the shipped
    corpus when the model was trained on it (see :func:`training_corpus_of`).
    """
    _csv_path(out)  # a wrong name is refused before any work
    excerpts = read_pool(pool)
    corpus = corpus if corpus is not None else training_corpus_of(model)
    training = read_training(corpus) if corpus is not None else None
    frame = rank_next(model, excerpts, training=training, **options)
    if not frame.attrs["summary"]["candidates"]:
        raise InputError(Problem(str(pool), f"every excerpt is already in the training corpus "
                                 f"{corpus}; nothing is left to rank"))
    write_next(frame, out)
    return frame
