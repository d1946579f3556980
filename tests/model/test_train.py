"""Training refuses a corpus whose labels are too rare to be learned, naming them."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier import CorpusError, train
from classifier.cli import app
from classifier.model.train import MIN_PER_LABEL
from conftest import make_corpus


def keep_label(source: Path, target: Path, label: str, keep: int, *, cases: int = 10) -> Path:
    """Copy ``source`` with ``label`` left on ``keep`` quotations, dealt over ``cases`` cases."""
    rows = [json.loads(line) for line in source.read_text().splitlines()]
    carrying = [r for r in rows if label in r["labels"]]
    by_case: dict[str, list[dict]] = {}
    for row in carrying:
        by_case.setdefault(row["case_id"], []).append(row)
    chosen = sorted(by_case, key=lambda case: (-len(by_case[case]), case))[:cases]
    kept: list[int] = []
    while len(kept) < keep:  # one from each chosen case in turn, so the cases stay spread
        before = len(kept)
        for case in chosen:
            if by_case[case] and len(kept) < keep:
                kept.append(id(by_case[case].pop(0)))
        assert len(kept) > before, f"only {len(kept)} quotations with {label} in {cases} cases"
    for row in carrying:
        if id(row) not in kept:
            row["labels"].remove(label)
    target.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return target


def test_the_stated_minimum_trains(tmp_path, tiny_corpus):
    corpus = keep_label(tiny_corpus, tmp_path / "c.jsonl", "corruption", MIN_PER_LABEL,
                        cases=5)
    card = train(corpus, out=tmp_path / "m.joblib")
    assert card["training_data"]["counts"]["corruption"] == MIN_PER_LABEL


def test_one_quotation_fewer_is_refused_naming_the_label(tmp_path, tiny_corpus):
    corpus = keep_label(tiny_corpus, tmp_path / "c.jsonl", "corruption", MIN_PER_LABEL - 1)
    with pytest.raises(CorpusError, match=rf"c\.jsonl, field 'labels': label 'corruption' is "
                                          rf"on {MIN_PER_LABEL - 1} quotations from \d+ cases; "
                                          rf"training needs at least {MIN_PER_LABEL} "
                                          "quotations with each label"):
        train(corpus, out=tmp_path / "m.joblib")
    assert not (tmp_path / "m.joblib").exists() and not (tmp_path / "m.json").exists()


def test_a_label_from_too_few_cases_is_refused(tmp_path, tiny_corpus):
    corpus = keep_label(tiny_corpus, tmp_path / "c.jsonl", "brutality", MIN_PER_LABEL, cases=4)
    with pytest.raises(CorpusError, match=r"label 'brutality' is on 10 quotations from 4 "
                                          "cases; .* from at least 5 cases"):
        train(corpus, out=tmp_path / "m.joblib")


def test_every_rare_label_is_named_at_once_on_the_command_line(tmp_path):
    corpus = make_corpus(tmp_path / "c.jsonl", cases=10)
    corpus = keep_label(corpus, corpus, "corruption", 2)
    corpus = keep_label(corpus, corpus, "infighting", 0)
    result = CliRunner().invoke(app, ["train", "--corpus", str(corpus),
                                      "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: 2 problems in {corpus}")
    assert "label 'infighting' is on 0 quotations" in result.output
    assert "label 'corruption' is on 2 quotations" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "m.joblib").exists()


def test_a_label_on_nearly_every_quotation_is_refused(tmp_path, tiny_corpus):
    rows = [json.loads(line) for line in tiny_corpus.read_text().splitlines()]
    for row in rows[5:]:
        row["labels"] = sorted({*row["labels"], "quality_of_life"})
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(CorpusError, match=r"label 'quality_of_life' is on all but \d "
                                          f"quotations; training needs at least "
                                          f"{MIN_PER_LABEL} without it"):
        train(corpus, out=tmp_path / "m.joblib")


@pytest.mark.parametrize("cases", [3, 6])
def test_a_corpus_of_too_few_cases_is_refused_before_training(tmp_path, cases):
    corpus = make_corpus(tmp_path / "c.jsonl", cases=cases, per_case=20)
    result = CliRunner().invoke(app, ["train", "--corpus", str(corpus),
                                      "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 2
    assert re.fullmatch(rf"Error: \S*c\.jsonl, field 'case_id': holds {cases} cases \(.*\); "
                        r"training needs at least 5 cases on the training side of every fold "
                        r"of the 5-fold case-grouped cross-validation: code quotations from "
                        r"more cases\n", result.output)


def test_real_statements_are_scored_into_the_card_first(tmp_path, tiny_corpus):
    from conftest import write_jsonl

    real = write_jsonl(tmp_path / "real.jsonl", [
        {"id": "r1", "text": "They shot the hostages at random.", "labels": ["brutality"]},
        {"id": "r2", "text": "I crossed the border at night.", "labels": []},
        {"id": "r3", "text": "The emir stole the spoils.", "labels": ["corruption"]}])
    result = CliRunner().invoke(app, ["train", "--corpus", str(tiny_corpus), "--out",
                                      str(tmp_path / "m.joblib"), "--real", str(real)])
    assert result.exit_code == 0, result.output
    assert "(real statements real.jsonl, 3 of them, measured only)" in result.output
    assert "95% interval" in result.output
    card = json.loads((tmp_path / "m.json").read_text())
    metrics = card["metrics"]
    assert next(iter(metrics)) == "real_statements"
    figures = metrics["real_statements"]
    assert figures["file"] == "real.jsonl" and figures["n"] == 3 and figures["none"] == 1
    assert 0 <= figures["none_fpr"] <= 1 and 0 <= figures["macro_f1"] <= 1
    assert card["training_data"]["lengths"]["counts"]


def test_a_broken_real_statements_file_is_refused_before_any_training(tmp_path, tiny_corpus):
    real = tmp_path / "real.jsonl"
    real.write_text('{"id": "r1", "text": "They shot the hostages.", "labels": ["greed"]}\n')
    result = CliRunner().invoke(app, ["train", "--corpus", str(tiny_corpus), "--out",
                                      str(tmp_path / "m.joblib"), "--real", str(real)])
    assert result.exit_code == 2
    assert "real.jsonl, line 1, field 'labels'" in result.output
    assert "cross-validating" not in result.output
    assert not (tmp_path / "m.joblib").exists()


def five_hands(source: Path, target: Path) -> Path:
    rows = [json.loads(line) for line in source.read_text().splitlines()]
    for row in rows:
        row["hand"] = f"h{int(row['case_id'][1:]) % 5}"
    target.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return target


def test_thresholds_are_chosen_on_the_named_hands_and_the_card_says_so(tmp_path, tiny_corpus):
    corpus = five_hands(tiny_corpus, tmp_path / "c.jsonl")
    result = CliRunner().invoke(app, ["train", "--corpus", str(corpus), "--out",
                                      str(tmp_path / "m.joblib"), "--threshold-hands",
                                      "h3, h1"])
    assert result.exit_code == 0, result.output
    card = json.loads((tmp_path / "m.json").read_text())
    assert card["threshold_rule"].endswith("grouped by hand (writer), on the hands h1, h3")


@pytest.mark.parametrize(("hands", "message"), [
    ("h1,h9", "no quotation is by the hand 'h9' named for the thresholds; known hands: "
              "h0, h1, h2, h3, h4"),
    (None, "thresholds can be chosen on named hands only when every quotation has a hand "
           "and there are at least 5 hands")])
def test_threshold_hands_that_cannot_be_used_are_refused_before_training(
        tmp_path, tiny_corpus, hands, message):
    corpus = five_hands(tiny_corpus, tmp_path / "c.jsonl") if hands else tiny_corpus
    result = CliRunner().invoke(app, ["train", "--corpus", str(corpus), "--out",
                                      str(tmp_path / "m.joblib"), "--threshold-hands",
                                      hands or "h1"])
    assert result.exit_code == 2
    assert f"field 'hand': {message}" in " ".join(result.output.split())
    assert "cross-validating" not in result.output
    assert not (tmp_path / "m.joblib").exists()
