import json
import random

import numpy as np
import pytest

from classifier import build_pipeline, label_matrix, load_corpus
from classifier.corpus import DEFAULT_CORPUS
from classifier.study.quantify import (
    METHODS,
    OutOfFold,
    corrected_prevalence,
    held_out_check,
    out_of_fold,
)
from conftest import PHRASES, make_corpus

LABELS = ["infighting", "brutality", "corruption", "quality_of_life"]


def biased_corpus(path, *, cases, share, seed):
    """Quotations of which ``share`` are coded brutality; a third of those are told in plain
    words the model cannot tell from the rest, so it misses about a third of brutality."""
    rng = random.Random(seed)
    rows = []
    for c in range(cases):
        for q in range(10):
            kind = "brutality" if rng.random() < share else rng.choice(
                ["infighting", "corruption", "quality_of_life", "none", "none"])
            hidden = kind == "brutality" and rng.random() < 1 / 3
            words = PHRASES["none" if hidden else kind]
            text = f"{rng.choice(words)}. {rng.choice(PHRASES['none'])}. Case {c} said so."
            rows.append({"id": f"{path.stem}-{c}-{q}", "case_id": f"{path.stem}{c:02d}",
                         "text": text, "labels": [] if kind == "none" else [kind]})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_corrected_estimate_beats_the_naive_count_of_a_biased_model(tmp_path, codebook):
    coded = load_corpus(biased_corpus(tmp_path / "coded.jsonl", cases=24, share=0.2, seed=1),
                        codebook)
    archive = load_corpus(biased_corpus(tmp_path / "arch.jsonl", cases=20, share=0.5, seed=2),
                          codebook)
    Y, groups = label_matrix(coded, codebook), coded["case_id"].to_numpy()
    oof = out_of_fold(list(coded["text"]), Y, groups, codebook.ids, folds=3)
    model = build_pipeline().fit(list(coded["text"]), Y, classifier__groups=groups)
    texts = list(archive["text"])
    table, _ = corrected_prevalence(oof, model.predict_proba(texts), model.predict(texts),
                                         archive["case_id"].to_numpy(), n_boot=100)
    truth = label_matrix(archive, codebook)[:, 1].mean()
    brutality = table[table["label"] == "brutality"].set_index("method")
    error = (brutality["estimate"] - truth).abs()
    assert brutality.loc["naive", "estimate"] < truth - 0.1  # the bias the correction removes
    for method in ("acc", "pacc", "em"):
        assert error[method] < error["naive"], (method, brutality, truth)
    assert (brutality["low"] <= brutality["estimate"]).all()
    assert (brutality["estimate"] <= brutality["high"]).all()


def _synthetic(n, share, rng):
    """Codes and the calibrated scores of a model that finds 60% of positives."""
    y = (rng.random(n) < share).astype(int)
    found = (y == 1) & (rng.random(n) < 0.6)
    proba = np.where(found, 0.8, np.where(y == 1, 0.3, 0.05))
    false_alarm = (y == 0) & (rng.random(n) < 0.03)
    predicted = (found | false_alarm).astype(int)
    return y[:, None], proba[:, None], predicted[:, None]


def test_every_method_corrects_a_model_that_misses_two_positives_in_five():
    rng = np.random.default_rng(0)
    Y, proba, predicted = _synthetic(2000, 0.2, rng)
    groups = np.repeat(np.arange(100), 20)
    oof = OutOfFold(proba, predicted, Y, groups, groups % 4, ["brutality"])
    y, p, s = _synthetic(1000, 0.45, rng)
    table, _ = corrected_prevalence(oof, p, s, np.repeat(np.arange(50), 20), n_boot=200)
    assert list(table["method"]) == list(METHODS)
    found = table.set_index("method")
    error = (found["estimate"] - y.mean()).abs()
    assert found.loc["naive", "high"] < y.mean()  # the count is biased, beyond its interval
    for method in ("acc", "pacc", "em"):
        assert error[method] < error["naive"] / 2, (method, found, y.mean())
    assert ((found["low"] <= found["estimate"]) & (found["estimate"] <= found["high"])).all()


def test_held_out_check_on_a_tiny_corpus(tmp_path, codebook):
    corpus = load_corpus(make_corpus(tmp_path / "c.jsonl", cases=9, per_case=8), codebook)
    oof = out_of_fold(list(corpus["text"]), label_matrix(corpus, codebook),
                      corpus["case_id"].to_numpy(), codebook.ids, folds=3)
    table, summary = held_out_check(oof, shifts=(0.5,))
    assert set(table["sample"]) == {"as dealt", "shifted to 0.5"}
    assert set(table["fold"]) == {0, 1, 2}
    assert set(summary["method"]) == set(METHODS)
    assert (summary["mean_absolute_error"] >= 0).all()


@pytest.mark.slow
def test_on_held_out_cases_of_the_shipped_corpus_the_corrections_beat_the_count(codebook):
    corpus = load_corpus(DEFAULT_CORPUS, codebook)
    oof = out_of_fold(list(corpus["text"]), label_matrix(corpus, codebook),
                      corpus["case_id"].to_numpy(), codebook.ids, folds=3)
    _, summary = held_out_check(oof)
    print("\nquantification on held-out cases of the shipped corpus (3 folds):")
    print(summary.to_string(index=False))
    error = summary.set_index(["sample", "method"])["mean_absolute_error"]
    for method in ("acc", "pacc", "em"):
        assert error["shifted", method] < error["shifted", "naive"]
    assert error.max() < 0.1
