import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, precision_score

from classifier import build_pipeline, label_matrix, load_corpus
from classifier.model.crossval import (
    case_folds,
    cross_validate,
    held_out_metrics,
    label_metrics,
    leave_one_group_out,
    macro_f1_interval,
    summarise,
)


@pytest.fixture(scope="module")
def data(tiny_corpus, codebook):
    frame = load_corpus(tiny_corpus, codebook)
    return frame, label_matrix(frame, codebook), frame["case_id"].to_numpy()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_case_is_ever_on_both_sides(seed):
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 15, size=300).astype(str)
    Y = (rng.random((300, 3)) < 0.3).astype(int)
    folds = case_folds(Y, groups, n_splits=4, seed=seed)
    assert len(folds) == 4
    seen = np.concatenate([test for _, test in folds])
    assert sorted(seen) == list(range(300))
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])


def test_other_seeds_give_other_folds(data):
    _, Y, groups = data
    a = case_folds(Y, groups, n_splits=3, seed=1)
    b = case_folds(Y, groups, n_splits=3, seed=2)
    assert any(not np.array_equal(x[1], y[1]) for x, y in zip(a, b, strict=True))


def test_too_few_cases_is_a_clear_error():
    with pytest.raises(ValueError, match="need at least 5 cases"):
        case_folds(np.eye(4, dtype=int), np.array(["a", "a", "b", "b"]))


def test_metrics_match_scikit_learn_on_a_hand_built_example():
    Y = np.array([[1, 0], [1, 1], [0, 1], [0, 0], [1, 0]])
    proba = np.array([[0.9, 0.2], [0.4, 0.8], [0.6, 0.7], [0.1, 0.6], [0.8, 0.1]])
    predicted = (proba >= 0.5).astype(int)
    m = label_metrics(Y, proba, predicted, ["a", "b"])
    assert m["labels"]["a"]["precision"] == precision_score(Y[:, 0], predicted[:, 0])
    assert m["labels"]["a"]["precision"] == pytest.approx(2 / 3)
    assert m["labels"]["b"]["recall"] == 1.0
    assert m["labels"]["b"]["average_precision"] == average_precision_score(Y[:, 1], proba[:, 1])
    assert m["macro_f1"] == f1_score(Y, predicted, average="macro")
    assert m["hamming_loss"] == pytest.approx(3 / 10)
    assert m["exact_match"] == pytest.approx(2 / 5)
    assert m["labels"]["a"]["support"] == 3


def test_a_label_with_one_value_has_no_ranking_metrics():
    Y = np.array([[1], [1]])
    m = label_metrics(Y, np.array([[0.9], [0.2]]), np.array([[1], [0]]), ["a"])
    assert m["labels"]["a"]["roc_auc"] is None and m["labels"]["a"]["average_precision"] is None


def test_summarise_gives_mean_and_spread():
    runs = [{"labels": {"a": {"f1": f, "roc_auc": None}}, "macro_f1": f, "micro_f1": f,
             "hamming_loss": 0.1, "exact_match": 0.5, "n": 10} for f in (0.6, 0.8)]
    s = summarise(runs)
    assert s["macro_f1"] == {"mean": pytest.approx(0.7), "sd": pytest.approx(0.1)}
    assert s["labels"]["a"]["roc_auc"] is None and s["repeats"] == 2


def test_cross_validation_is_reproducible_with_a_seed(data, codebook):
    frame, Y, groups = data
    texts = list(frame["text"])
    a = cross_validate(build_pipeline(), texts, Y, groups, codebook.ids, n_splits=3, seed=4)
    b = cross_validate(build_pipeline(), texts, Y, groups, codebook.ids, n_splits=3, seed=4)
    assert a.runs == b.runs
    assert np.array_equal(a.proba[0], b.proba[0])
    assert ((a.proba[0] >= 0) & (a.proba[0] <= 1)).all()


def test_leave_one_group_out_reports_each_group(data, codebook):
    frame, Y, groups = data
    result = leave_one_group_out(build_pipeline(), list(frame["text"]), Y,
                                 frame["hand"].to_numpy(), groups, codebook.ids)
    assert set(result["groups"]) == {"h0", "h1"}
    assert result["metrics"]["n"] == len(frame)


def test_the_macro_f1_interval_holds_the_figure_and_narrows_with_more_texts():
    rng = np.random.default_rng(0)

    def interval(n: int) -> tuple[float, list[float]]:
        Y = (rng.random((n, 3)) < 0.3).astype(int)
        predicted = np.where(rng.random((n, 3)) < 0.8, Y, 1 - Y)  # 80% of cells right
        return f1_score(Y, predicted, average="macro"), macro_f1_interval(Y, predicted)

    figure, (low, high) = interval(200)
    assert low < figure < high
    _, (low_more, high_more) = interval(2000)
    assert high_more - low_more < (high - low) / 2
    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]] * 25)
    assert macro_f1_interval(Y, Y) == [1.0, 1.0]
    assert macro_f1_interval(Y, Y) == macro_f1_interval(Y, Y)  # seeded
    assert macro_f1_interval(Y[:1], Y[:1]) is None  # one text: no interval


def test_held_out_metrics_reuse_the_scores_they_are_given(tiny_model, tiny_corpus, codebook,
                                                          monkeypatch):
    pipeline = tiny_model.pipeline
    scored = held_out_metrics(pipeline, tiny_corpus, codebook)
    proba = pipeline.predict_proba(list(load_corpus(tiny_corpus, codebook)["text"]))

    def refuse(*args, **kwargs):
        raise AssertionError("the file was scored again")

    monkeypatch.setattr(pipeline, "predict_proba", refuse)
    monkeypatch.setattr(pipeline, "predict", refuse)
    given = held_out_metrics(pipeline, tiny_corpus, codebook, proba=proba)
    assert given == scored
    assert held_out_metrics(pipeline, tiny_corpus, codebook, proba=proba,
                            interval=False)["macro_f1_interval"] is None
