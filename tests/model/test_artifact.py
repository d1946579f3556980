import hashlib
import json

import numpy as np
import pytest

from classifier import ModelError, load_model
from classifier.model.artifact import card_path
from conftest import copy_model


@pytest.fixture
def copy(tmp_path, tiny_model_path):
    return copy_model(tiny_model_path, tmp_path / "m.joblib")


def test_a_saved_model_predicts_the_same_after_loading(tiny_model, copy):
    texts = ["The emir stole the spoils.", "We prayed at dawn."]
    assert np.array_equal(load_model(copy).predict_proba(texts), tiny_model.predict_proba(texts))


def test_the_card_records_what_a_reviewer_needs(tiny_model):
    card = tiny_model.card
    assert card["labels"] == ["infighting", "brutality", "corruption", "quality_of_life"]
    assert set(card["thresholds"]) == set(card["labels"])
    assert len(card["training_data"]["sha256"]) == 64
    assert card["versions"]["scikit-learn"] and card["versions"]["spacy"]
    assert card["codebook"]["labels"][0]["id"] == "infighting"
    assert set(card["metrics"]["cross_validated"]["labels"]) == set(card["labels"])


def test_a_tampered_model_file_is_refused_before_unpickling(copy):
    with copy.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match=r"SHA-256 .* does not match its card"):
        load_model(copy)


def test_a_model_without_its_card_is_refused(copy):
    card_path(copy).unlink()
    with pytest.raises(ModelError, match="model card not found"):
        load_model(copy)


def test_an_unknown_format_version_is_refused(copy):
    card = json.loads(card_path(copy).read_text())
    card["format_version"] = 99
    card_path(copy).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="format_version 99 is not supported"):
        load_model(copy)


def test_a_missing_model_file(tmp_path):
    with pytest.raises(ModelError, match="model file not found"):
        load_model(tmp_path / "nothing.joblib")


def test_retraining_with_the_same_data_and_seed_gives_the_same_metrics(tiny_corpus, tmp_path,
                                                                       tiny_model):
    from classifier import train

    card = train(tiny_corpus, out=tmp_path / "again.joblib", cv_folds=3)
    assert card["metrics"] == tiny_model.card["metrics"]
    assert card["thresholds"] == tiny_model.card["thresholds"]


def test_a_model_saved_by_the_flat_layout_says_to_retrain(copy):
    # A pickle naming classifier.text.SpacyLemmatizer, as models saved before the package
    # was arranged by job do; the card is made to match, so only the layout is wrong.
    copy.write_bytes(b"\x80\x02cclassifier.text\nSpacyLemmatizer\n)\x81.")
    card = json.loads(card_path(copy).read_text())
    card["artifact_sha256"] = hashlib.sha256(copy.read_bytes()).hexdigest()
    card_path(copy).write_text(json.dumps(card))
    with pytest.raises(ModelError, match=r"saved by an older narratives.*retrain it"):
        load_model(copy, trust_pickle=True)
