"""The codebook-lexicon block: each label's indicative terms counted in lemmatised text."""

import numpy as np
import pytest
from sklearn.base import clone

from classifier.model.lexicon import CodebookLexicon, codebook_terms
from classifier.model.text import SpacyLemmatizer


def test_each_label_counts_its_own_terms_as_whole_words_and_phrases():
    lexicon = CodebookLexicon(terms=(("kill", "cannon fodder"), ("steal",)), names=("a", "b"))
    X = lexicon.fit_transform(["we be cannon fodder and they kill", "killer steal", ""])
    assert X.shape == (3, 2)
    assert np.allclose(X.toarray(), np.log1p([[2, 0], [0, 1], [0, 0]]))
    assert list(lexicon.get_feature_names_out()) == ["a", "b"]


def test_the_codebook_terms_are_lemmatised_as_texts_are(codebook):
    terms = codebook_terms(codebook, SpacyLemmatizer(normalise=True).fit([]))
    assert len(terms) == len(codebook.labels)
    quality = dict(zip(codebook.ids, terms, strict=True))["quality_of_life"]
    assert "fed up" in quality and "not allow to leave" in quality


def test_a_mismatch_of_terms_and_names_is_refused():
    with pytest.raises(ValueError, match="one list of terms per name"):
        CodebookLexicon(terms=(("a",),), names=("x", "y")).fit([])


def test_clone_keeps_the_parameters():
    lexicon = CodebookLexicon(terms=(("a",),), names=("x",), weight=2.0)
    assert clone(lexicon).get_params() == lexicon.get_params()


def test_a_pipeline_with_the_codebook_explains_by_codebook_terms(tiny_corpus, codebook):
    from classifier import build_pipeline, label_matrix, load_corpus
    from classifier.model.explain import explain

    frame = load_corpus(tiny_corpus, codebook)
    pipeline = build_pipeline(codebook=codebook).fit(
        list(frame["text"]), label_matrix(frame, codebook),
        classifier__groups=frame["case_id"].to_numpy())
    text = ["Civilians were whipped and killed in the square."]
    reasons = explain(pipeline, text, codebook.ids)[0]
    decision = pipeline.decision_function(text)[0]
    assert np.allclose([r.decision for r in reasons], decision)
    terms = {c.term for r in reasons for c in r.contributions}
    assert not any(t.startswith("‹") for t in terms)  # shared out among the matched terms
    assert "kill" in terms and "civilian" in terms


def test_matching_finds_what_each_labels_pattern_finds():
    """The word walk gives each label's regular expression's matches, overlaps and all."""
    import random
    import re

    from classifier.model.lexicon import CodebookLexicon

    terms = (("fed", "fed up", "up the", "tired"), ("c++ code", "a|b", "up"), ())
    lexicon = CodebookLexicon(terms=terms, names=("x", "y", "z")).fit([])
    patterns = [re.compile(p) if p else None for p in lexicon.patterns_]
    rng = random.Random(7)
    words = ["fed", "up", "the", "tired", "c++", "code", "a|b", "a", "b", "upthe"]
    for _ in range(500):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        expected = [p.findall(text) if p else [] for p in patterns]
        assert lexicon.matches(text) == expected, text
