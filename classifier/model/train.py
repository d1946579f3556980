"""Training: from a corpus and a codebook to a saved model and its model card."""

from __future__ import annotations

import platform
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from ..codebook import load_codebook
from ..corpus import (
    DEFAULT_CORPUS,
    companions,
    file_sha256,
    label_matrix,
    length_histogram,
    load_cases,
    load_corpus,
    load_hands,
)
from ..errors import CorpusError, Problem
from .artifact import DEFAULT_MODEL, save_model
from .crossval import Fold, case_folds, cross_validate, held_out_metrics
from .pipeline import DEFAULT_SEED, build_pipeline, calibration_groups

__all__ = ["MIN_PER_LABEL", "check_label_support", "library_versions", "train"]

# Fewer quotations than this on either side of a label leave its folds with one or two
# examples each: the threshold and the metrics would be noise, and a training fold
# could hold none at all, which cannot be fitted.
MIN_PER_LABEL = 10

LIBRARIES = ("narratives", "scikit-learn", "spacy", "spacy-lookups-data", "numpy", "scipy",
             "joblib", "pandas")


def library_versions() -> dict[str, str]:
    """Versions of Python and of every library the model's behaviour depends on."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def _simple_params(pipeline: Pipeline) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in pipeline.get_params(deep=True).items():
        if isinstance(value, bool | int | float | str | type(None)):
            params[key] = value
        elif isinstance(value, tuple) and all(isinstance(v, int | float) for v in value):
            params[key] = list(value)
    return params


def check_label_support(Y: np.ndarray, groups: np.ndarray, labels: list[str], file: str, *,
                        folds: int = 5, minimum: int = MIN_PER_LABEL) -> None:
    """Refuse a corpus in which a label is too rare (or too common) to be learned.

    Each label needs ``minimum`` quotations with it, from at least ``folds`` cases so
    that every case-grouped fold can hold one, and ``minimum`` quotations without it.
    Raises :class:`~classifier.errors.CorpusError` naming every such label.
    """
    problems = []
    for j, label in enumerate(labels):
        has = Y[:, j] == 1
        with_it, cases, without = int(has.sum()), len(set(groups[has])), int((~has).sum())
        if with_it < minimum or cases < folds:
            problems.append(Problem(file, f"label '{label}' is on {with_it} quotations from "
                                    f"{cases} cases; training needs at least {minimum} "
                                    f"quotations with each label, from at least {folds} "
                                    "cases: code more, or leave the label out of the "
                                    "codebook", field="labels"))
        elif without < minimum:
            problems.append(Problem(file, f"label '{label}' is on all but {without} "
                                    f"quotations; training needs at least {minimum} "
                                    "without it", field="labels"))
    if problems:
        raise CorpusError(problems)


def _case_folds(Y: np.ndarray, groups: np.ndarray, file: str, *, folds: int, seed: int,
                inner: int) -> list[Fold]:
    """The case-grouped folds, each of whose training sides holds ``inner`` cases or more.

    The model chooses its thresholds on ``inner`` folds of its own training cases, so a
    corpus of too few cases is refused here, naming the count, instead of failing mid-way.
    """
    cases = len(set(groups))
    split = case_folds(Y, groups, n_splits=folds, seed=seed) if cases >= folds else []
    smallest = min((len(set(groups[train])) for train, _ in split), default=0)
    if smallest < inner:
        short = f"a fold trains on {smallest}" if split else "fewer than the folds"
        raise CorpusError(Problem(file, f"holds {cases} cases ({short}); training needs at "
                                  f"least {inner} cases on the training side of every fold "
                                  f"of the {folds}-fold case-grouped cross-validation: code "
                                  "quotations from more cases", field="case_id"))
    return split


def _counts(Y: np.ndarray, labels: list[str]) -> dict[str, int]:
    counts = {label: int(Y[:, j].sum()) for j, label in enumerate(labels)}
    counts["none"] = int((Y.sum(axis=1) == 0).sum())
    counts["two_or_more"] = int((Y.sum(axis=1) >= 2).sum())
    return counts


def train(corpus: str | Path = DEFAULT_CORPUS, *, codebook: str | Path | None = None,
          cases: str | Path | None = None, out: str | Path = DEFAULT_MODEL,
          challenge: str | Path | None = None, seed: int = DEFAULT_SEED,
          char_ngrams: bool = True, cv_folds: int = 5, real: str | Path | None = None,
          threshold_hands: Sequence[str] | None = None,
          progress: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """Validate the corpus, cross-validate by case, fit on everything and save; return the card.

    With the shipped corpus, the shipped cases and challenge files are used unless others
    are given.
    ``challenge`` is a labelled file never used for fitting or thresholds; its figures go
    into the card beside the cross-validated ones. ``real`` is a file of real statements
    (``id``, ``text``, ``labels``), scored only: its figures come first in the card, with
    the counts they rest on, and nothing is fitted on it. ``threshold_hands`` names the
    hands whose held-out scores choose the thresholds (default: every hand; with the
    shipped corpus, the hands ``data/hands.csv`` calls ``reporting``).
    """
    corpus, out = Path(corpus), Path(out)
    book = load_codebook(codebook)
    cases, challenge = companions(corpus, cases, challenge)
    case_table = load_cases(cases) if cases is not None else None
    frame = load_corpus(corpus, book, cases=case_table)
    for held_out in (real, challenge):  # a broken file is refused before any training
        if held_out is not None:
            load_corpus(held_out, book, require_case=False)
    Y = label_matrix(frame, book)
    groups = frame["case_id"].to_numpy()
    texts = list(frame["text"])
    pipeline = build_pipeline(char_ngrams=char_ngrams, seed=seed, codebook=book)
    split = _case_folds(Y, groups, str(corpus), folds=cv_folds, seed=seed,
                        inner=pipeline.named_steps["classifier"].n_splits)
    check_label_support(Y, groups, book.ids, str(corpus), folds=cv_folds)

    hands = frame["hand"].to_numpy() if "hand" in frame and frame["hand"].notna().all() \
        else None
    inner = calibration_groups(hands, groups, pipeline.named_steps["classifier"].n_splits)
    if threshold_hands is None and corpus.resolve() == DEFAULT_CORPUS.resolve():
        threshold_hands = [h for h, r in load_hands().items() if r == "reporting"]
    chosen = _threshold_hands(threshold_hands, hands, inner, str(corpus))
    pipeline.set_params(classifier__threshold_groups=chosen)
    progress(f"cross-validating on {len(texts)} quotations from {len(set(groups))} cases")
    cv = cross_validate(pipeline, texts, Y, groups, book.ids, folds=[split], seed=seed,
                        hands=hands)
    progress("fitting the final model on every quotation")
    pipeline.fit(texts, Y, classifier__groups=inner)
    metrics: dict[str, Any] = {}
    if real is not None:
        progress(f"scoring the real statements {real} (measured only, never fitted on)")
        held = held_out_metrics(pipeline, real, book)
        metrics["real_statements"] = {**held.pop("overall"), **held}
    metrics["cross_validated"] = {**cv.runs[0], "folds": cv_folds, "seed": seed,
                                  "grouped_by": "case"}
    if challenge is not None:
        progress(f"scoring the held-out file {challenge}")
        held = held_out_metrics(pipeline, challenge, book)
        metrics["challenge"] = {**held.pop("overall"), **held}

    data_sha = file_sha256(corpus)
    thresholds = pipeline.named_steps["classifier"].thresholds_
    tolerance = pipeline.named_steps["classifier"].threshold_tolerance
    card = {
        "model_version": f"narratives-{version_or('narratives')}+{data_sha[:8]}",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": book.ids,
        "thresholds": {label: round(float(t), 6) for label, t in zip(book.ids, thresholds,
                                                                      strict=True)},
        "threshold_rule": "per label, the middle of the calibrated scores whose "
                          f"out-of-fold F1 is within {tolerance:g} of the best, over folds "
                          "of the training data grouped by "
                          + ("hand (writer)" if inner is hands else "case")
                          + (f", on the hands {', '.join(chosen)}" if chosen else ""),
        "codebook": book.to_dict(),
        "training_data": {
            "file": corpus.name,
            "sha256": data_sha,
            "quotations": len(texts),
            "cases": len(set(groups)),
            "counts": _counts(Y, book.ids),
            "lengths": length_histogram(texts),
            "hands": sorted(frame["hand"].dropna().unique().tolist())
            if "hand" in frame else [],
        },
        "seed": seed,
        "parameters": _simple_params(pipeline),
        "metrics": metrics,
        "versions": library_versions(),
    }
    return save_model(pipeline, card, out)


def _threshold_hands(names: Sequence[str] | None, hands: np.ndarray | None,
                     inner: np.ndarray, file: str) -> tuple[str, ...]:
    if not names:
        return ()
    if hands is None or inner is not hands:
        raise CorpusError(Problem(file, "thresholds can be chosen on named hands only when "
                                  "every quotation has a hand and there are at least 5 "
                                  "hands: drop --threshold-hands or record the hands",
                                  field="hand"))
    known = set(hands.tolist())
    unknown = [name for name in names if name not in known]
    if unknown:
        raise CorpusError(Problem(file, f"no quotation is by the hand {unknown[0]!r} named for "
                                  f"the thresholds; known hands: {', '.join(sorted(known))}",
                                  field="hand"))
    return tuple(sorted(set(names)))


def version_or(name: str, default: str = "0") -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return default
