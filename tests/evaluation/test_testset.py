"""A test set read closely: false alarms, the coded → suggested table, unseen words, lengths."""

import numpy as np

from classifier.corpus import LENGTH_BINS, length_histogram
from classifier.evaluation.testset import (
    coded_suggested,
    false_positive_terms,
    unseen_tokens,
)
from classifier.model.crossval import label_metrics

LABELS = ["infighting", "brutality", "corruption", "quality_of_life"]


def test_none_fpr_is_the_share_of_none_texts_that_get_a_suggestion():
    Y = np.array([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]])
    predicted = np.array([[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 1], [1, 0, 0, 0]])
    metrics = label_metrics(Y, predicted.astype(float), predicted, LABELS)
    assert metrics["none_fpr"] == 2 / 3 and metrics["none"] == 3
    assert label_metrics(Y[3:], predicted[3:].astype(float), predicted[3:],
                         LABELS)["none_fpr"] is None


def test_the_coded_suggested_table_counts_every_pair():
    Y = np.array([[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]])
    predicted = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]])
    table = coded_suggested(Y, predicted, LABELS)
    assert table["infighting"]["infighting"] == 1 and table["brutality"]["infighting"] == 1
    assert table["none"]["corruption"] == 1 and table["quality_of_life"]["none"] == 1
    assert sum(sum(row.values()) for row in table.values()) == 4
    assert set(table) == {*LABELS, "none"}


def test_false_positive_terms_name_the_cues_of_false_alarms(tiny_model):
    texts = ["The emir stole the spoils and bought a villa.", "We prayed at dawn.",
             "They shot the hostages at random."]
    pipeline = tiny_model.pipeline
    predicted = pipeline.predict(texts)
    Y = np.zeros_like(predicted)  # every suggestion is a false alarm here
    terms = false_positive_terms(pipeline, texts, Y, predicted, tiny_model.labels)
    assert set(terms) == set(tiny_model.labels)
    for label, items in terms.items():
        j = tiny_model.labels.index(label)
        assert bool(items) == bool(predicted[:, j].any())
        weights = [t["weight"] for t in items]
        assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
        assert all(1 <= t["texts"] <= predicted[:, j].sum() for t in items)
    assert any(t["term"] in {"emir", "steal", "spoil", "villa"} for t in terms["corruption"])


def test_unseen_tokens_counts_words_the_training_never_had(tiny_model):
    seen = unseen_tokens(tiny_model.pipeline, ["the emir stole the spoils"])
    assert seen["tokens"] == 5 and seen["unseen_in_training"] == 0.0
    fresh = unseen_tokens(tiny_model.pipeline, ["the zorblax quibbled"])
    assert fresh["unseen_in_training"] == 2 / 3
    assert fresh["most_frequent_unseen"] == ["quibble", "zorblax"] or \
        set(fresh["most_frequent_unseen"]) == {"zorblax", "quibbled"}
    assert 0 <= fresh["outside_word_features"] <= 1
    assert unseen_tokens(tiny_model.pipeline, ["!!!"])["unseen_in_training"] is None


def test_length_histogram_bins_every_text():
    hist = length_histogram(["one two three", "a " * 50, "word"])
    assert hist["bins"] == list(LENGTH_BINS) and sum(hist["counts"]) == 3
    assert hist["counts"][0] == 2 and hist["mean"] == (3 + 50 + 1) / 3
