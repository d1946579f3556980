"""Train on a corpus the test builds, then check obvious excerpts come back right."""

import pytest

OBVIOUS = {
    "infighting": "Instead of the regime we fought the other rebels, brothers killing brothers.",
    "brutality": "They executed villagers in the square and shot the hostages at random.",
    "corruption": "The emir stole the spoils while the foreigners got double salary.",
    "quality_of_life": "The promised house and car never came, only boring guard duty.",
}


@pytest.mark.parametrize("label", list(OBVIOUS))
def test_an_obvious_excerpt_of_each_narrative_is_suggested(tiny_model, label):
    suggestion = tiny_model.suggest([OBVIOUS[label]])[0]
    assert label in suggestion.labels
    assert suggestion.reasons[label], "a suggested label comes with its reasons"


def test_a_neutral_excerpt_gets_no_suggestion(tiny_model):
    suggestion = tiny_model.suggest(["My mother cried on the phone when I called from Turkey."])[0]
    assert suggestion.labels == []
    assert all(0 <= s <= 1 for s in suggestion.scores.values())


def test_empty_text_is_refused(tiny_model):
    with pytest.raises(ValueError, match="text 1 is empty"):
        tiny_model.suggest(["fine", "   "])
