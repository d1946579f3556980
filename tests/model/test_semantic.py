"""The semantic baseline: sentence embeddings + logistic regression, with a stand-in encoder
in every run and the packaged MiniLM where the optional extra is installed."""

import zlib

import numpy as np
import pytest
from sklearn.base import clone

from classifier.model import semantic


class StandIn:
    """A tiny deterministic encoder: each word hashed into one of 32 dimensions."""

    def encode(self, texts, normalize_embeddings=True, show_progress_bar=False):
        out = np.zeros((len(texts), 32))
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, zlib.crc32(word.strip(".,").encode()) % 32] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms) if normalize_embeddings else out


def test_embeddings_and_logistic_regression_learn_and_suggest_at_one_half():
    texts = ["the emir stole money", "emir stole cars", "we prayed at dawn", "dawn prayer"] * 5
    Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1]] * 5)
    model = semantic.minilm_pipeline(encoder=StandIn()).fit(texts, Y)
    proba = model.predict_proba(["the emir stole", "dawn prayer"])
    assert proba.shape == (2, 2) and ((proba >= 0) & (proba <= 1)).all()
    assert proba[0, 0] > proba[1, 0] and proba[1, 1] > proba[0, 1]
    assert model.predict(["the emir stole"]).tolist() == [[int(p >= 0.5) for p in proba[0]]]
    assert clone(model).get_params().keys() == model.get_params().keys()


def test_the_report_adds_the_semantic_baseline_where_the_extra_is(monkeypatch, tiny_model_path,
                                                                   tmp_path):
    from classifier.evaluation.report import evaluate_model
    from conftest import write_jsonl

    monkeypatch.setattr(semantic, "available", lambda: True)
    monkeypatch.setattr(semantic, "packaged_encoder", lambda: StandIn())
    test = write_jsonl(tmp_path / "t.jsonl", [
        {"id": 1, "text": "They shot the hostages.", "labels": ["brutality"]},
        {"id": 2, "text": "We prayed at dawn.", "labels": []}])
    baselines = evaluate_model(tiny_model_path, test)["metrics"]["baselines"]
    assert "MiniLM + logistic regression" in baselines
    assert 0 <= baselines["MiniLM + logistic regression"]["macro_f1"] <= 1


@pytest.mark.skipif(not semantic.available(), reason="the semantic extra is not installed")
def test_the_packaged_minilm_encodes_offline():
    vectors = semantic.packaged_encoder().encode(
        ["The emir stole the money.", "The commander took the cash.", "We prayed at dawn."],
        normalize_embeddings=True, show_progress_bar=False)
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
