import pickle

import pytest
from sklearn.base import clone

from classifier.model.text import SpacyLemmatizer, lemma_stop_words, split_passages, split_sentences


def test_lemmas_are_lower_case_without_punctuation_or_brackets():
    out = SpacyLemmatizer().fit_transform(["He said [the emir] STOLE 300 cars, wallahi!"])
    assert out == ["he say the emir steal <num> car wallahi"]


def test_without_lemmatisation_tokens_are_only_lower_cased():
    assert SpacyLemmatizer(lemmatize=False).fit_transform(["The emirs stole"]) == \
        ["the emirs stole"]


def test_the_lemma_table_travels_inside_the_fitted_estimator():
    fitted = SpacyLemmatizer().fit([])
    restored = pickle.loads(pickle.dumps(fitted))
    assert "_cache" not in restored.__dict__
    assert restored.transform(["villagers were beaten"]) == ["villager be beat"]


@pytest.mark.parametrize("text", [
    "He didn't pay—300 dollars… [the emir] said \"no\"; U.S. e-mail (hisba)!",
    "a\nb  c\t d\u00a0e\r\n\r\nf", "don't can't won't", "  ", "Ça va? 3,000 😀 ok.",
])
def test_remembered_pieces_give_what_spacy_gives_on_the_whole_text(text):
    import spacy

    lemmatizer = SpacyLemmatizer().fit([])
    lemmatizer.transform(["warm the cache"])
    table = lemmatizer.__dict__["_lookup"]
    expected = []
    for token in spacy.blank("en")(text):
        if token.is_punct or token.is_space or token.is_quote or token.is_bracket:
            continue
        expected.append("<num>" if token.like_num else table.get(token.lower_, token.lower_))
    assert lemmatizer.transform([text, text]) == [" ".join(expected)] * 2


def test_clone_keeps_parameters():
    est = SpacyLemmatizer(lemmatize=False)
    assert clone(est).get_params() == est.get_params()


def test_unfitted_transform_is_refused():
    with pytest.raises(AttributeError, match="not fitted"):
        SpacyLemmatizer().transform(["x"])


def test_stop_words_keep_negations_and_we_they():
    stops = set(lemma_stop_words())
    assert {"the", "be", "and"} <= stops
    assert not {"not", "never", "we", "they", "nothing"} & stops


def test_sentences_do_not_cross_blank_lines():
    text = "First one. Second one\n\nThird one."
    assert [text[a:b] for a, b in split_sentences(text)] == \
        ["First one.", "Second one", "Third one."]


@pytest.mark.parametrize("text", [
    "Ça va. Très bien — merci! 😀 Fin.\r\n\r\nNew paragraph here. And more.",
    "  leading space. trailing   \n\n\n   ",
    "no punctuation at all",
])
def test_passage_offsets_slice_back_to_the_passage(text):
    passages = split_passages(text, sentences=2, stride=1)
    assert passages
    for p in passages:
        assert text[p.start:p.end] == p.text
        assert p.text == p.text.strip()


def test_stride_makes_overlapping_windows():
    text = "A one. B two. C three. D four."
    assert [p.text for p in split_passages(text, sentences=2, stride=1)] == \
        ["A one. B two.", "B two. C three.", "C three. D four."]
    assert [p.index for p in split_passages(text, sentences=2)] == [0, 1]


def test_bad_window_sizes_are_refused():
    with pytest.raises(ValueError, match="sentences must be at least 1"):
        split_passages("x", sentences=0)
    with pytest.raises(ValueError, match="stride must be at least 1"):
        split_passages("x", stride=0)


def test_the_training_texts_pieces_are_learned_and_saved_with_the_model(monkeypatch):
    fitted = SpacyLemmatizer().fit(["The emirs were stealing cars! \x1e"])
    # the piece holding the separator itself is left to be learned again
    assert fitted.pieces_.split("\x1e") == ["The", "emirs", "were", "stealing", "cars!"]
    restored = pickle.loads(pickle.dumps(fitted))
    assert restored._pieces()["emirs"] == ("emir",) and restored._pieces()["cars!"] == ("car",)
    import classifier.model.text as text

    monkeypatch.setattr(text, "_tokenizer_nlp", lambda: pytest.fail("spaCy was called"))
    assert restored.transform(["cars! emirs"]) == ["car emir"]


def test_a_paragraph_longer_than_a_block_is_read_in_blocks(monkeypatch):
    import classifier.model.text as text_module

    monkeypatch.setattr(text_module, "MAX_BLOCK", 50)
    text = "The emir took the car and kept it\n" * 10 + "word " * 40
    passages = split_passages(text, sentences=1)
    assert len(passages) > 5
    assert all(text[p.start:p.end] == p.text and len(p.text) <= 50 for p in passages)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_blank_line_breaks_paragraphs_whatever_the_line_endings(newline):
    text = f"One. Two.{newline}{newline}Three."
    assert [p.text for p in split_passages(text, sentences=3)] == ["One. Two.", "Three."]


def test_normalise_names_the_group_one_way_and_keeps_fed_up():
    from classifier.model.text import GROUP, SpacyLemmatizer

    lemmatizer = SpacyLemmatizer(normalise=True).fit([])
    out = lemmatizer.transform(["ISIS, Daesh, the dawla [IS] and the Islamic State.",
                                "I’m fed up, I don’t care.", "The state is a word; so is is."])
    assert out[0].split().count(GROUP) == 5 and "isis" not in out[0]
    assert out[1] == "i be fed up i do not care"
    assert GROUP not in out[2] and "state" in out[2]
    plain = SpacyLemmatizer().fit([]).transform(["I’m fed up with ISIS."])[0]
    assert "feed" in plain and "isis" in plain  # the default stays as it was
