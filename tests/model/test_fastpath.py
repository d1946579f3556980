import json

import numpy as np

from classifier import build_pipeline, load_model
from classifier.corpus import DEFAULT_CHALLENGE, DEFAULT_CORPUS
from classifier.model.fastpath import FastFeatures, supports

ODD = ["", "   ", "a\nb  c\t d\u00a0e", "😀 3,000 dollars… [the emir]", "don't can't", "x " * 50]


def texts():
    found = [json.loads(line)["text"] for path in (DEFAULT_CORPUS, DEFAULT_CHALLENGE)
             for line in path.read_text(encoding="utf-8").splitlines()]
    return found + ODD


def test_the_fast_features_are_the_pipelines_own_on_the_shipped_model():
    pipeline = load_model().pipeline
    assert supports(pipeline)
    everything = texts()
    fast = FastFeatures(pipeline)
    for batch in (everything, everything[:50], ODD):
        expected = pipeline[:-1].transform(batch)
        got = fast.transform(batch)
        assert got.shape == expected.shape and (got != expected).nnz == 0


def test_without_character_ngrams_or_bigrams(tiny_corpus, codebook):
    from classifier import label_matrix, load_corpus

    frame = load_corpus(tiny_corpus, codebook)
    for params in ({"features__chars": "drop"}, {"features__words__ngram_range": (1, 1)}):
        pipeline = build_pipeline().set_params(**params)
        pipeline.fit(list(frame["text"]), label_matrix(frame, codebook))
        assert supports(pipeline)
        batch = [*frame["text"], *ODD]
        assert np.array_equal(FastFeatures(pipeline).transform(batch).toarray(),
                              pipeline[:-1].transform(batch).toarray())


def test_the_caches_start_again_past_their_bound(monkeypatch):
    import classifier.model.fastpath as fastpath

    pipeline = load_model().pipeline
    monkeypatch.setattr(fastpath, "MAX_LEMMAS", 10)
    fast = FastFeatures(pipeline)
    batch = texts()[:200]
    first = fast.transform(batch)
    assert (fast.transform(batch) != first).nnz == 0


def test_the_model_uses_it_and_scores_do_not_change():
    model = load_model()
    batch = texts()[:300]
    assert np.array_equal(model.predict_proba(batch), model.pipeline.predict_proba(batch))
    assert "_fast" in model.__dict__


def test_with_the_codebook_lexicon_and_skipped_words(tiny_corpus, codebook):
    from classifier import label_matrix, load_corpus

    frame = load_corpus(tiny_corpus, codebook)
    pipeline = build_pipeline(codebook=codebook)
    pipeline.fit(list(frame["text"]), label_matrix(frame, codebook))
    assert supports(pipeline)
    batch = [*frame["text"], *ODD, "ISIS killed anyone, I was fed up and trapped.", ""]
    assert np.array_equal(FastFeatures(pipeline).transform(batch).toarray(),
                          pipeline[:-1].transform(batch).toarray())
