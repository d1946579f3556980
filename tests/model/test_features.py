import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer

from classifier.model.features import CharNgramCounts

TRAIN = ["emir steal car", "we guard checkpoint month", "emir emir amir", "fitna spy traitor"]
TEXTS = ["emir  steal\tthe car", "", "Ça va très\u00a0bien", "checkpoint\nspy", "unknownword"]


@pytest.mark.parametrize("ngram_range", [(3, 5), (2, 3), (4, 4)])
def test_counts_equal_the_parent_vectorizer(ngram_range):
    reference = CountVectorizer(analyzer="char_wb", ngram_range=ngram_range, lowercase=False)
    fast = CharNgramCounts(ngram_range=ngram_range)
    assert reference.fit(TRAIN).vocabulary_ == fast.fit(TRAIN).vocabulary_
    for texts in (TEXTS, TEXTS * 3, TEXTS[::-1]):
        assert np.array_equal(reference.transform(texts).toarray(),
                              fast.transform(texts).toarray())


def test_clone_and_pickle_keep_it_working():
    fast = CharNgramCounts(ngram_range=(3, 4), min_df=1).fit(TRAIN)
    assert clone(fast).get_params() == fast.get_params()
    fast.transform(TEXTS)
    restored = pickle.loads(pickle.dumps(fast))
    assert "_cache" not in restored.__dict__
    assert restored._saved_columns()["emir"] == fast._columns("emir")  # kept for a new process
    assert np.array_equal(restored.transform(TEXTS).toarray(), fast.transform(TEXTS).toarray())


def test_a_single_string_is_refused():
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        CharNgramCounts().fit(TRAIN).transform("emir")


def test_skipped_words_give_no_character_ngrams():
    from classifier.model.features import CharNgramCounts

    counts = CharNgramCounts(ngram_range=(3, 3), skip_words=("they", "them"))
    X = counts.fit_transform(["they kill them", "kill"])
    assert not any("the" in gram for gram in counts.vocabulary_)
    assert (X.toarray()[0] == X.toarray()[1]).all()
    assert counts.transform(["they them"]).sum() == 0
    assert clone_params(counts) == counts.get_params()


def clone_params(estimator):
    from sklearn.base import clone

    return clone(estimator).get_params()
