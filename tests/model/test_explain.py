import numpy as np

from classifier.model.explain import explain, feature_names


def test_contributions_plus_intercept_equal_the_decision_function(tiny_model):
    texts = ["The emir stole the spoils, the foreigners got villas.",
             "Nothing in this one at all.", "They shot hostages and the emir stole."]
    pipeline = tiny_model.pipeline
    decision = pipeline.decision_function(texts)
    for i, per_label in enumerate(explain(pipeline, texts, tiny_model.labels)):
        for j, explanation in enumerate(per_label):
            assert np.isclose(explanation.decision, decision[i, j])


def test_up_and_down_are_sorted_by_strength(tiny_model):
    explanation = explain(tiny_model.pipeline, ["the emir stole the spoils and prayed"],
                          tiny_model.labels)[0][2]
    up = [c.weight for c in explanation.up(10)]
    down = [c.weight for c in explanation.down(10)]
    assert up == sorted(up, reverse=True) and all(w > 0 for w in up)
    assert down == sorted(down) and all(w < 0 for w in down)
    assert explanation.up(1)[0].term in {"emir", "steal", "spoil", "emir steal", "steal spoil"}


def test_character_features_are_marked(tiny_corpus, codebook):
    from classifier import build_pipeline, label_matrix, load_corpus

    frame = load_corpus(tiny_corpus, codebook)
    pipeline = build_pipeline(char_ngrams=True).fit(list(frame["text"]),
                                                    label_matrix(frame, codebook))
    names = feature_names(pipeline)
    assert any(n.startswith("«") for n in names) and "emir" in set(names)
