import json

import pytest

from classifier.coding.consistency import check_consistency
from classifier.coding.render import reading, write_agreement_report
from conftest import make_corpus


@pytest.fixture(scope="module")
def flipped(tmp_path_factory):
    """The tiny corpus, double-coded, with one obvious brutality quotation coded as none."""
    path = make_corpus(tmp_path_factory.mktemp("c") / "coded.jsonl", cases=10)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    target = next(r for r in rows if r["labels"] == ["brutality"])
    for r in rows:
        r["coder_a"] = list(r["labels"])
        r["coder_b"] = list(r["labels"])
    target["labels"] = target["coder_a"] = []
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path, target["id"]


@pytest.fixture(scope="module")
def results(flipped):
    return check_consistency(flipped[0], n_boot=200, folds=3)


def test_a_deliberately_flipped_label_ranks_among_the_top_suspects(results, flipped):
    top = results["suspects"].head(5)
    assert flipped[1] in set(top["id"])
    row = top[top["id"] == flipped[1]].iloc[0]
    assert row["label"] == "brutality" and row["coded"] == "absent"
    assert row["coder_a"] == "" and row["coder_b"] == "brutality"
    assert row["terms"]


def test_the_model_is_compared_with_each_coder(results):
    for per_coder in results["model"].values():
        assert set(per_coder) == {"coder_a", "coder_b"}
        for stats in per_coder.values():
            assert 0 <= stats["percent_agreement"] <= 1
    assert results["matrix"]["names"] == ["coder_a", "coder_b", "model"]


def test_the_report_files(results, tmp_path):
    written = write_agreement_report(results, tmp_path)
    assert set(written) == {"agreement.json", "report.md", "report.html", "suspects.csv"}
    report = written["report.md"].read_text()
    assert "Krippendorff (2004" in report and "nan" not in report.lower()
    numbers = json.loads(written["agreement.json"].read_text())
    alpha = numbers["agreement"]["labels"]["brutality"]["alpha"]
    assert f"| {alpha:.3f} |" in report
    header = written["suspects.csv"].read_text().splitlines()[0]
    assert header.startswith("rank,id,case_id,label,coded,model_score") and "recoded" in header
    assert (tmp_path / "alpha.png").exists() and (tmp_path / "coders.png").exists()


def test_readings_follow_krippendorff():
    assert [reading(a) for a in (0.85, 0.7, 0.5)] == ["reliable", "tentative", "not reliable"]
    assert reading("undefined: one value") == "undefined: one value"
