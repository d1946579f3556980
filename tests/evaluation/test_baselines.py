import numpy as np

from classifier.evaluation.baselines import keyword_pipeline, prior_pipeline


def test_the_prior_scores_every_text_at_the_label_prevalence():
    Y = np.array([[1, 0], [0, 0], [1, 1], [0, 0]])
    model = prior_pipeline(seed=0).fit(["a b", "c d", "e f", "g h"], Y)
    assert model.predict_proba(["x", "y"]).tolist() == [[0.5, 0.25], [0.5, 0.25]]
    assert set(np.unique(model.predict(["x"] * 20))) <= {0, 1}


def test_the_keyword_matcher_matches_lemmatised_terms(codebook):
    model = keyword_pipeline(codebook).fit(["x"] * 4, np.eye(4, dtype=int))
    texts = ["The emirs stole our salaries.", "We prayed at dawn."]
    predicted = model.predict(texts)
    assert predicted[0, codebook.ids.index("corruption")] == 1
    assert predicted[1].tolist() == [0, 0, 0, 0]
    assert (model.predict_proba(texts)[1] == 0).all()


def test_plain_tfidf_logistic_learns_words_and_suggests_at_one_half():
    from sklearn.base import clone

    from classifier.evaluation.baselines import tfidf_pipeline

    texts = ["the emir stole money", "emir stole cars", "we prayed at dawn", "dawn prayer"] * 5
    Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1]] * 5)
    model = tfidf_pipeline().fit(texts, Y)
    proba = model.predict_proba(["the emir stole", "dawn"])
    assert proba.shape == (2, 2) and ((proba >= 0) & (proba <= 1)).all()
    assert proba[0, 0] > 0.5 > proba[1, 0]
    assert model.predict(["the emir stole"]).tolist() == [[int(p >= 0.5) for p in proba[0]]]
    assert clone(tfidf_pipeline()).get_params().keys() == tfidf_pipeline().get_params().keys()
