import numpy as np
import pytest

from classifier import build_pipeline, label_matrix, load_corpus
from classifier.evaluation.diagnostics import (
    error_analysis,
    leakage,
    learning_curve,
    threshold_tradeoffs,
)
from classifier.model.crossval import case_folds, cross_validate


@pytest.fixture(scope="module")
def cv(tiny_corpus, codebook):
    frame = load_corpus(tiny_corpus, codebook)
    Y, groups = label_matrix(frame, codebook), frame["case_id"].to_numpy()
    result = cross_validate(build_pipeline(), list(frame["text"]), Y, groups, codebook.ids,
                            n_splits=3, keep_models=True)
    return frame, Y, groups, result


def test_learning_curve_grows_in_cases(cv, codebook):
    frame, Y, groups, _ = cv
    folds = case_folds(Y, groups, n_splits=3)
    points = learning_curve(build_pipeline(), list(frame["text"]), Y, groups, codebook.ids,
                            folds, sizes=(0.5, 1.0))
    assert [p["share"] for p in points] == [0.5, 1.0]
    assert points[0]["cases"] < points[1]["cases"]
    assert all(0 <= p["macro_f1"] <= 1 for p in points)


def test_errors_are_the_most_confident_first_with_their_terms(cv, codebook):
    frame, Y, _, result = cv
    errors = error_analysis(frame, Y, result.proba[0], result.predicted[0], codebook.ids,
                            result.models, result.fold_of)
    for j, label in enumerate(codebook.ids):
        fp = [e["scores"][label] for e in errors[label]["false_positives"]]
        fn = [e["scores"][label] for e in errors[label]["false_negatives"]]
        assert fp == sorted(fp, reverse=True) and fn == sorted(fn)
        for e in errors[label]["false_positives"]:
            assert label not in e["coded"] and e["case_id"].startswith("K")
            assert all(weight > 0 for _, weight in e["terms"])
        del j


def test_leakage_finds_a_near_duplicate_split_across_folds():
    texts = ["the emir took my car and my house in raqqa last winter",
             "the emir took my gun and my house in raqqa last winter",
             "we prayed at dawn", "nothing else"]
    Y = np.array([[1], [1], [0], [0]])
    proba = np.array([[0.9], [0.8], [0.1], [0.2]])
    report = leakage(texts, np.array([0, 1, 0, 1]), Y, proba, (proba > 0.5).astype(int), ["a"])
    assert len(report["pairs"]) == 1 and report["quotations_involved"] == 2
    same_fold = leakage(texts, np.array([0, 0, 1, 1]), Y, proba, (proba > 0.5).astype(int),
                        ["a"])
    assert same_fold["pairs"] == []


def test_threshold_tradeoffs_report_precision_and_recall(cv, codebook):
    frame, Y, groups, result = cv
    model = build_pipeline().fit(list(frame["text"]), Y, classifier__groups=groups)
    table = threshold_tradeoffs(model, Y, result.proba[0], codebook.ids)
    for row in table.values():
        assert 0 < row["threshold"] < 1
        assert 0 <= row["precision_tuned"] <= 1 and 0 <= row["recall_at_0.5"] <= 1
