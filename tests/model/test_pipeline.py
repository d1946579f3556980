import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import f1_score

from classifier import NarrativeClassifier, build_pipeline, label_matrix, load_corpus
from classifier.model.pipeline import best_f1_threshold, grouped_splits


@pytest.fixture(scope="module")
def data(tiny_corpus, codebook):
    frame = load_corpus(tiny_corpus, codebook)
    return list(frame["text"]), label_matrix(frame, codebook), frame["case_id"].to_numpy()


def test_clone_gives_the_same_parameters():
    pipeline = build_pipeline(char_ngrams=True, seed=3)
    assert clone(pipeline).get_params().keys() == pipeline.get_params().keys()
    assert repr(clone(pipeline).get_params()) == repr(pipeline.get_params())


def test_grouped_splits_never_put_a_case_on_both_sides():
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 12, size=200)
    y = rng.integers(0, 2, size=200)
    for train, test in grouped_splits(y, groups, 4, seed=1):
        assert not set(groups[train]) & set(groups[test])


def test_too_few_cases_for_the_folds_is_a_clear_error():
    with pytest.raises(ValueError, match="need at least 5 cases"):
        grouped_splits(np.array([0, 1, 0, 1]), np.array([1, 1, 2, 2]), 5, seed=0)


def test_overfit_two_examples_then_predict_them_back():
    texts = ["they shot the hostages", "we prayed at dawn"] * 6
    Y = np.array([[1], [0]] * 6)
    pipeline = build_pipeline()
    pipeline.set_params(features__words__min_df=1, features__words__max_df=1.0,
                        classifier__n_splits=2)
    pipeline.fit(texts, Y)
    assert pipeline.predict(["they shot the hostages", "we prayed at dawn"]).tolist() == \
        [[1], [0]]


def test_scores_are_probabilities_and_thresholds_are_in_range(data):
    texts, Y, groups = data
    pipeline = build_pipeline().fit(texts, Y, classifier__groups=groups)
    proba = pipeline.predict_proba(texts)
    assert proba.shape == Y.shape
    assert ((proba >= 0) & (proba <= 1)).all()
    thresholds = pipeline.named_steps["classifier"].thresholds_
    assert ((thresholds > 0) & (thresholds < 1)).all()
    assert (pipeline.predict(texts) == (proba >= thresholds)).all()


def test_a_fixed_threshold_is_used_as_given(data):
    texts, Y, groups = data
    pipeline = build_pipeline().set_params(classifier__threshold=0.5)
    pipeline.fit(texts, Y, classifier__groups=groups)
    assert pipeline.named_steps["classifier"].thresholds_.tolist() == [0.5] * 4


def test_same_seed_same_model(data):
    texts, Y, groups = data
    a = build_pipeline(seed=5).fit(texts, Y, classifier__groups=groups)
    b = build_pipeline(seed=5).fit(texts, Y, classifier__groups=groups)
    assert np.array_equal(a.predict_proba(texts), b.predict_proba(texts))


def test_a_label_without_positives_is_refused():
    with pytest.raises(ValueError, match="label column 0 has only one value"):
        NarrativeClassifier().fit(np.eye(6), np.zeros((6, 1)))


def test_stability_drops_a_feature_whose_sign_flips_between_groups():
    from classifier.model.pipeline import NarrativeClassifier

    rng = np.random.default_rng(0)
    n = 120
    y = rng.integers(0, 2, n)
    groups = np.repeat(np.arange(6), n // 6)
    steady = y + rng.normal(0, 0.3, n)
    flip = np.where(groups % 2 == 0, y, 1 - y) + rng.normal(0, 0.1, n)  # means opposite things
    X = np.column_stack([steady, flip])
    plain = NarrativeClassifier(n_splits=3).fit(X, y[:, None], groups=groups)
    stable = NarrativeClassifier(n_splits=3, stability=1.0).fit(X, y[:, None], groups=groups)
    assert plain.coef_[0, 1] != 0 and stable.coef_[0, 1] == 0
    assert stable.coef_[0, 0] > 0


def _two_registers(seed: int = 0):
    """Six writers: in 0-2 half the negatives look like 3-5's positives."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(6), 60).astype(str)
    y = rng.integers(0, 2, groups.size)
    noisy = np.isin(groups, ["0", "1", "2"])
    x = np.where(noisy, np.where(y == 1, 1.0, rng.choice([0.0, 0.6], groups.size)),
                 np.where(y == 1, 0.5, 0.0)) + rng.normal(0, 0.05, groups.size)
    return x[:, None], y[:, None], groups


def test_thresholds_are_chosen_on_the_named_groups_only():
    X, Y, groups = _two_registers()
    everyone = NarrativeClassifier(n_splits=3).fit(X, Y, groups=groups)
    chosen = NarrativeClassifier(n_splits=3, threshold_groups=("0", "1", "2")).fit(
        X, Y, groups=groups)
    # the same calibrated model; only the cut moves, up, to where the named writers'
    # look-alike negatives are left out
    assert np.allclose(everyone.coef_, chosen.coef_)
    assert np.allclose(everyone.calibration_, chosen.calibration_)
    assert chosen.thresholds_[0] > everyone.thresholds_[0]
    noisy_rows = np.isin(groups, ["0", "1", "2"])
    f1 = {name: f1_score(Y[noisy_rows, 0], model.predict(X[noisy_rows])[:, 0])
          for name, model in (("everyone", everyone), ("chosen", chosen))}
    assert f1["chosen"] >= f1["everyone"]


def test_named_groups_without_both_classes_fall_back_to_every_row():
    X, Y, groups = _two_registers()
    Y = Y.copy()
    Y[groups == "0", 0] = 1  # group 0 alone has no negative
    everyone = NarrativeClassifier(n_splits=3).fit(X, Y, groups=groups)
    alone = NarrativeClassifier(n_splits=3, threshold_groups=("0",)).fit(X, Y, groups=groups)
    assert alone.thresholds_[0] == everyone.thresholds_[0]


def test_the_threshold_is_the_middle_of_the_near_best_ones():
    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.3).astype(int)
    scores = np.clip(rng.normal(0.35 + 0.3 * y, 0.15), 0, 1)
    thresholds = np.unique(scores)
    f1 = np.array([f1_score(y, scores >= t) for t in thresholds])
    assert best_f1_threshold(y, scores) == pytest.approx(thresholds[np.argmax(f1)])
    near = thresholds[f1 >= f1.max() - 0.02]
    chosen = best_f1_threshold(y, scores, tolerance=0.02)
    assert near.min() <= chosen <= near.max()
    assert f1_score(y, scores >= chosen) >= f1.max() - 0.02
    with pytest.raises(ValueError, match="tolerance must be 0 or more"):
        best_f1_threshold(y, scores, tolerance=-0.1)


def test_the_tolerance_keeps_thresholds_steady_when_the_folds_change():
    rng = np.random.default_rng(0)
    y = (rng.random(600) < 0.3).astype(int)
    X = rng.normal(size=(600, 3)) + y[:, None] * np.array([1.0, 0.6, 0.3])
    groups = np.array([str(i % 12) for i in range(600)])

    def spread(tolerance: float) -> float:
        cuts = [NarrativeClassifier(n_splits=4, random_state=seed,
                                    threshold_tolerance=tolerance)
                .fit(X, y[:, None], groups=groups).thresholds_[0] for seed in range(8)]
        return float(np.std(cuts))

    assert spread(0.02) < spread(0.0) / 2


def test_a_model_saved_before_the_threshold_parameters_still_clones(data):
    import pickle

    texts, Y, groups = data
    fitted = build_pipeline().fit(texts, Y, classifier__groups=groups)
    state = fitted[-1].__getstate__()
    for name in ("threshold_groups", "threshold_tolerance"):  # as an older version saved it
        del state[name]
    older = NarrativeClassifier.__new__(NarrativeClassifier)
    older.__setstate__(state)
    again = pickle.loads(pickle.dumps(older))
    assert clone(again).get_params()["threshold_tolerance"] == 0.0
    assert clone(again).get_params()["threshold_groups"] == ()
    features = fitted[:-1].transform(texts)
    assert np.array_equal(again.predict(features), fitted[-1].predict(features))
