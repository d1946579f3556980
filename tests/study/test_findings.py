import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.study.build import make_findings
from classifier.study.findings import case_profiles, cooccurrence, prevalence, timeline
from classifier.study.render import write_findings
from classifier.study.scored import as_scores
from conftest import make_corpus, write_jsonl

LABELS = ["infighting", "brutality", "corruption", "quality_of_life"]


def passages(case, suggested):
    """Scored passages of one account named after its case, one per list of labels."""
    return [{"id": f"{case}/account.txt", "passage": i, "start": i * 50, "end": i * 50 + 49,
             "labels": labels, "scores": {lab: 0.9 if lab in labels else 0.1 for lab in LABELS}}
            for i, labels in enumerate(suggested)]


@pytest.fixture
def archive(tmp_path):
    rows = (passages("K01", [[], ["brutality"], [], []])
            + passages("K02", [["corruption"], ["corruption", "infighting"]])
            + passages("K03", [[], []]))
    cases = pd.DataFrame({"case_id": ["K01", "K02", "K03"], "alias": ["a", "b", "c"],
                          "origin": ["Syria", "Iraq", "Syria"], "role": ["cook"] * 3,
                          "joined": [2014] * 3, "left": [2015, 2017, 2017],
                          "source": ["memoir", "court", "memoir"]})
    cases.to_csv(tmp_path / "cases.csv", index=False)
    return write_jsonl(tmp_path / "scores.jsonl", rows), tmp_path / "cases.csv"


def test_a_case_with_one_brutality_passage_expresses_brutality(archive):
    results = make_findings(archive[0], cases=archive[1], n_boot=200)
    k01 = results["profiles"].set_index("case_id").loc["K01"]
    assert k01["brutality"] and not k01["corruption"]
    assert k01["brutality_passages"] == 1 and k01["brutality_carried_by"] == ["K01/account.txt#1"]
    assert k01["passages"] == 4 and k01["origin"] == "Syria"
    stricter = make_findings(archive[0], cases=archive[1], min_share=0.5, n_boot=200)
    assert not stricter["profiles"].set_index("case_id").loc["K01", "brutality"]
    assert "at least 50% of its passages" in stricter["case_rule"]


def test_prevalence_counts_cases_and_passages_overall_and_by_field(archive):
    table = make_findings(archive[0], cases=archive[1], n_boot=200)["prevalence"]
    overall = table[table["by"] == "all"].set_index("label")
    assert overall.loc["corruption", "cases_expressing"] == 1
    assert overall.loc["corruption", "case_share"] == pytest.approx(1 / 3)
    assert overall.loc["corruption", "passage_share"] == pytest.approx(2 / 8)
    syria = table[(table["by"] == "origin") & (table["value"] == "Syria")].set_index("label")
    assert syria.loc["brutality", "cases"] == 2 and syria.loc["brutality", "passages"] == 6
    assert (table["case_low"] <= table["case_share"]).all()
    assert (table["case_share"] <= table["case_high"]).all()


def test_intervals_widen_as_cases_are_removed():
    rng = np.random.default_rng(0)
    ids = [f"C{c:03d}" for c in range(80) for _ in range(5)]
    predicted = (rng.random((400, 4)) < 0.15).astype(int)
    scores = as_scores(range(400), predicted * 0.8, predicted, LABELS, case_ids=ids)
    profiles = case_profiles(scores, LABELS)
    widths = []
    for kept in (80, 40, 10):
        table = prevalence(profiles.head(kept), LABELS, n_boot=500, seed=1)
        widths.append((table["case_high"] - table["case_low"]).mean())
    assert widths[0] < widths[1] < widths[2]


def test_cooccurrence_and_timeline(archive):
    results = make_findings(archive[0], cases=archive[1], n_boot=200)
    passages = results["cooccurrence"]["passages"]
    assert passages.loc["corruption", "infighting"] == 1
    assert passages.loc["corruption", "corruption"] == 2
    assert cooccurrence(pd.DataFrame({"a": [1, 1, 0], "b": [1, 0, 0]})).loc["a", "b"] == 1
    years = timeline(results["profiles"], LABELS, n_boot=200)
    assert list(years.index) == [2015, 2016, 2017] and list(years["cases"]) == [1, 0, 2]
    assert years.loc[2017, "corruption"] == 0.5 and np.isnan(years.loc[2016, "corruption"])


def test_the_report_files_without_a_coded_corpus(archive, tmp_path):
    results = make_findings(archive[0], cases=archive[1], n_boot=200)
    written = write_findings(results, tmp_path / "out")
    assert set(written) == {"findings.json", "profiles.csv", "prevalence.csv", "report.md",
                            "report.html"}
    for figure in ("prevalence.png", "cooccurrence.png", "timeline.png"):
        assert (tmp_path / "out" / figure).read_bytes()[:4] == b"\x89PNG"
    numbers = json.loads(written["findings.json"].read_text())
    assert numbers["profiles"][0]["narratives"]["brutality"]["carried_by"] == \
        ["K01/account.txt#1"]
    assert "corrected_prevalence" not in numbers
    report = written["report.md"].read_text()
    assert "| K01 | a | 2015 | Syria | memoir | 4 |" in report and "nan" not in report.lower()
    assert "No coded corpus (--coded)" in report


def test_the_command_with_a_coded_corpus(tmp_path):
    coded = make_corpus(tmp_path / "coded.jsonl", cases=10, per_case=8)
    rows = [json.loads(line) for line in coded.read_text().splitlines()]
    pd.DataFrame({"case_id": sorted({r["case_id"] for r in rows}), "alias": "x",
                  "origin": "Syria", "role": "cook", "joined": 2014, "left": 2016,
                  "source": "memoir"}).to_csv(tmp_path / "cases.csv", index=False)
    scores = write_jsonl(tmp_path / "scores.jsonl", [
        {"id": r["id"], "labels": r["labels"],
         "scores": {lab: 0.8 if lab in r["labels"] else 0.1 for lab in LABELS}} for r in rows])
    result = CliRunner().invoke(app, ["findings", "--scores", str(scores), "--cases",
                                      str(tmp_path / "cases.csv"), "--coded", str(coded),
                                      "--out", str(tmp_path / "out"), "--folds", "3",
                                      "--bootstrap", "100", "--quantify-bootstrap", "50",
                                      "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "share of passages, corrected (pacc)" in result.output
    numbers = json.loads((tmp_path / "out" / "findings.json").read_text())
    estimates = numbers["corrected_prevalence"]["estimates"]
    assert set(estimates) == set(LABELS)
    assert set(estimates["brutality"]) == {"naive", "acc", "pacc", "em"}
    assert {row["method"] for row in numbers["held_out"]["summary"]} == {"naive", "acc", "pacc",
                                                                         "em"}
    assert (tmp_path / "out" / "quantification.png").exists()


def test_a_row_in_no_known_case_is_one_error_line(archive, tmp_path):
    stray = write_jsonl(tmp_path / "stray.jsonl", passages("K09", [["brutality"]]))
    result = CliRunner().invoke(app, ["findings", "--scores", str(stray), "--cases",
                                      str(archive[1]), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "line 1, field 'id': row 'K09/account.txt' belongs to no case" in result.output
    assert not (tmp_path / "out").exists()
    result = CliRunner().invoke(app, ["findings", "--scores", str(archive[0]), "--cases",
                                      str(archive[1]), "--by", "height"])
    assert result.exit_code == 2 and "'height' is not a field of" in result.output
