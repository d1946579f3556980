import json
import re

import pytest

from classifier.evaluation.report import ABLATIONS, evaluate_corpus, evaluate_model, write_report
from conftest import write_jsonl


@pytest.fixture(scope="module")
def results(tiny_corpus, tmp_path_factory):
    challenge = write_jsonl(tmp_path_factory.mktemp("challenge") / "ch.jsonl", [
        {"id": "c1", "text": "The emir stole the spoils and bought a villa.",
         "labels": ["corruption"], "hand": "x1"},
        {"id": "c2", "text": "We prayed at dawn and studied.", "labels": [], "hand": "x1"},
        {"id": "c3", "text": "They shot the hostages at random.", "labels": ["brutality"],
         "hand": "x2"},
        {"id": "c4", "text": "The promised car never came, only guard duty.",
         "labels": ["quality_of_life"], "hand": "x2"},
        {"id": "c5", "text": "We fought the other rebels instead of the regime.",
         "labels": ["infighting"], "hand": "x2"}])
    return evaluate_corpus(tiny_corpus, challenge=challenge, folds=3, repeats=2, seed=3)


@pytest.fixture(scope="module")
def written(results, tmp_path_factory):
    return write_report(results, tmp_path_factory.mktemp("report"))


def test_every_comparison_ran_on_the_same_design(results):
    m = results["metrics"]
    assert m["design"]["cases_on_both_sides"] == 0
    assert m["design"]["folds"] == 3 and m["design"]["repeats"] == 2
    assert set(m["compared"]) == {"full model", "label prior", "keyword matcher", *ABLATIONS}
    for summary in m["compared"].values():
        assert summary["repeats"] == 2 and 0 <= summary["challenge_macro_f1"] <= 1
    assert m["compared"]["full model"]["macro_f1"]["mean"] > \
        m["compared"]["label prior"]["macro_f1"]["mean"]
    assert set(m["leave_one_hand_out"]["hands"]) == {"h0", "h1"}
    assert set(m["challenge"]["hands"]) == {"x1", "x2"}


def test_the_report_and_metrics_json_agree(results, written):
    metrics = json.loads(written["metrics.json"].read_text())
    report = written["report.md"].read_text()
    macro = metrics["cross_validated"]["macro_f1"]
    assert f"| macro-F1 | {macro['mean']:.3f} ± {macro['sd']:.3f} |" in report
    for label, row in metrics["thresholds"].items():
        assert f"| {label} | {row['threshold']:.3f} |" in report
    assert f"within {metrics['design']['threshold_tolerance']:g} of the best" in report
    challenge = metrics["challenge"]["overall"]["macro_f1"]
    assert re.search(rf"\| held-out challenge set \|.*\| {challenge:.3f} \|", report)
    for png in re.findall(r"\]\(([^)]+\.png)\)", report):
        assert (written["report.md"].parent / png).exists()
    assert "<table>" in written["report.html"].read_text()


def test_the_evaluation_is_reproducible_with_a_seed(results, tiny_corpus):
    again = evaluate_corpus(tiny_corpus, folds=3, repeats=2, seed=3)
    assert again["metrics"]["compared"]["full model"] == \
        {k: v for k, v in results["metrics"]["compared"]["full model"].items()
         if k != "challenge_macro_f1"}
    assert again["metrics"]["learning_curve"] == results["metrics"]["learning_curve"]


def test_a_saved_model_on_an_external_file(tiny_model_path, tmp_path):
    test = write_jsonl(tmp_path / "other.jsonl", [
        {"id": 1, "text": "They shot the hostages.", "labels": ["brutality"], "source": "x"},
        {"id": 2, "text": "We prayed at dawn.", "labels": []},
        {"id": 3, "text": "The emir stole the spoils.", "labels": ["corruption"]}])
    results = evaluate_model(tiny_model_path, test)
    overall = results["metrics"]["test"]["overall"]
    assert overall["n"] == 3 and overall["labels"]["brutality"]["recall"] == 1.0
    written = write_report(results, tmp_path / "out")
    report = written["report.md"].read_text()
    assert "Evaluation of a saved model" in report
    m = results["metrics"]
    assert m["none_fpr"] == overall["none_fpr"] and overall["none"] == 1
    assert m["coded_suggested"]["brutality"]["none"] + \
        m["coded_suggested"]["brutality"]["brutality"] >= 1
    from classifier.model import semantic

    assert set(m["baselines"]) == {"keyword matcher", "TF-IDF + logistic regression"} | (
        {"MiniLM + logistic regression"} if semantic.available() else set())
    assert all(0 <= b["macro_f1"] <= 1 for b in m["baselines"].values())
    assert set(m["false_positive_terms"]) == set(overall["labels"])
    assert m["lengths"]["training"]["counts"] and sum(m["lengths"]["test"]["counts"]) == 3
    for section in ("The model beside the baselines", "Coded → suggested",
                    "Terms behind the false positives", "Vocabulary and length"):
        assert f"## {section}" in report
    assert (tmp_path / "out" / "lengths.png").exists()
    on_disk = json.loads(written["metrics.json"].read_text())
    assert on_disk["none_fpr"] == m["none_fpr"]
    low, high = m["test"]["macro_f1_interval"]
    assert low <= overall["macro_f1"] <= high
    assert "95% bootstrap interval" in report


def test_baselines_are_left_out_when_the_shipped_corpus_does_not_fit(tiny_model_path,
                                                                    tmp_path, monkeypatch):
    import classifier.evaluation.report as report

    other = write_jsonl(tmp_path / "theirs.jsonl", [
        {"id": 1, "case_id": "K1", "text": "Something else.", "labels": ["their_label"]}])
    monkeypatch.setattr(report, "DEFAULT_CORPUS", other)
    test = write_jsonl(tmp_path / "t.jsonl", [
        {"id": 1, "text": "They shot the hostages.", "labels": ["brutality"]}])
    results = evaluate_model(tiny_model_path, test)
    assert results["metrics"]["baselines"] is None
    written = write_report(results, tmp_path / "out")
    assert "No baselines here" in written["report.md"].read_text()
