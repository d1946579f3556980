import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier.cli import app
from conftest import ROOT, write_jsonl

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_suggest_prints_scores_labels_and_terms(tiny_model_path):
    result = run("suggest", "They shot the hostages at random.", "--model", tiny_model_path)
    assert result.exit_code == 0, result.output
    assert "brutality" in result.output and "suggested: brutality" in result.output
    assert "hostage (+" in result.output


def test_suggest_json_reads_stdin(tiny_model_path):
    result = run("suggest", "--json", "--model", tiny_model_path,
                 input="The emir stole the spoils.")
    data = json.loads(result.stdout)
    assert data["labels"] == ["corruption"]
    assert set(data["scores"]) == {"infighting", "brutality", "corruption", "quality_of_life"}
    assert data["reasons"]["corruption"]


def test_score_writes_the_contract(tmp_path, tiny_model_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "They shot hostages."}])
    result = run("score", source, "--out", tmp_path / "out.jsonl", "--model", tiny_model_path)
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "out.jsonl").read_text())
    assert set(record) == {"id", "labels", "scores"} and record["labels"] == ["brutality"]
    assert "scored 1 records" in result.stderr


def test_score_reads_folders_and_writes_passages_to_parquet(tmp_path, tiny_model_path):
    import pandas as pd

    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "a.txt").write_text("We prayed. They shot the hostages.")
    write_jsonl(tmp_path / "archive" / "b.jsonl", [{"key": "x", "body": "The emir stole."}])
    result = run("score", tmp_path / "archive", "--out", tmp_path / "o.parquet", "--model",
                 tiny_model_path, "--sentences", "1", "--id-field", "key", "--text-field",
                 "body", "--jobs", "1")
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(tmp_path / "o.parquet")
    assert frame["id"].tolist() == ["a.txt", "a.txt", "x"]
    assert frame["passage"].tolist()[:2] == [0, 1]
    assert "scored 2 records into 3 rows" in result.stderr


def test_score_skip_bad_reports_the_rejects(tmp_path, tiny_model_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "fine"}\n{"id": 2}\n')
    result = run("score", source, "--out", tmp_path / "o.jsonl", "--model", tiny_model_path,
                 "--skip-bad", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "1 rejected into" in result.stderr
    stopped = run("score", source, "--out", tmp_path / "p.jsonl", "--model", tiny_model_path,
                  "--jobs", "1")
    assert stopped.exit_code == 2
    assert stopped.stderr.strip().endswith("in.jsonl, line 2, field 'text': text is missing")
    assert not (tmp_path / "p.jsonl").exists()


def test_pretag_prints_each_account_and_a_summary(tmp_path, tiny_model_path):
    account = tmp_path / "a.txt"
    account.write_text("We prayed at dawn.\n\nThe emir stole the spoils and bought a villa.")
    result = run("pretag", account, "--model", tiny_model_path, "--sentences", "1")
    assert result.exit_code == 0, result.output
    assert "passage 2" in result.output and "suggested: corruption" in result.output
    assert "1 accounts, 2 passages, 1 with a suggestion" in result.output


def test_train_prints_cross_validated_figures(tmp_path, tiny_corpus):
    result = run("train", "--corpus", tiny_corpus, "--out", tmp_path / "m.joblib")
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and (tmp_path / "m.json").exists()


def test_evaluate_writes_a_report(tmp_path, tiny_corpus):
    result = run("evaluate", "--corpus", tiny_corpus, "--out", tmp_path / "r", "--folds", "3",
                 "--repeats", "1", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output
    assert {"report.md", "report.html", "metrics.json", "calibration.png"} <= \
        {p.name for p in (tmp_path / "r").iterdir()}


def test_evaluate_a_saved_model_on_a_labelled_file(tmp_path, tiny_model_path):
    test = write_jsonl(tmp_path / "t.jsonl", [{"id": 1, "text": "They shot hostages.",
                                                "labels": ["brutality"]}])
    result = run("evaluate", "--model", tiny_model_path, "--test", test, "--out", tmp_path / "r")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "report.md").exists()


def test_agreement_writes_its_report(tmp_path, tiny_corpus):
    rows = [json.loads(line) for line in tiny_corpus.read_text().splitlines()]
    for i, row in enumerate(rows):
        row["coder_a"] = row["labels"]
        row["coder_b"] = [] if i % 7 == 0 else row["labels"]
    corpus = write_jsonl(tmp_path / "coded.jsonl", rows)
    result = run("agreement", "--corpus", corpus, "--coders", "coder_a,coder_b",
                 "--out", tmp_path / "a", "--bootstrap", "100", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "Krippendorff's alpha, all labels pooled:" in result.output
    assert (tmp_path / "a" / "suspects.csv").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["suggest", "x", "--model", "absent.joblib"], "Error: absent.joblib: model file not found"),
    (["suggest", "   "], "Error: the excerpt is empty"),
    (["score", "absent.jsonl", "--out", "o.jsonl"], "Error: absent.jsonl: no such file"),
    (["pretag", "absent.txt"], "Error: absent.txt: no such file"),
    (["train", "--corpus", "absent.jsonl"], "Error: absent.jsonl: no such file"),
    (["evaluate", "--corpus", "absent.jsonl"], "Error: absent.jsonl: no such file"),
    (["score", "absent", "--out", "o.jsonl"], "Error: absent: no such file or folder"),
    (["score", ".", "--out", "o.xlsx"], "Error: o.xlsx: output must end in one of"),
    (["score", ".", "--out", "o.jsonl", "--unit", "page"], "Error: --unit: 'page' is not"),
    (["evaluate", "--model", "m.joblib"], "Error: m.joblib: --model evaluates on a file"),
    (["agreement", "--corpus", "absent.jsonl"], "Error: absent.jsonl: no such file"),
])
def test_bad_input_gives_one_error_line_and_status_2(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(message)


def test_an_unknown_label_in_the_corpus_names_line_and_field(tmp_path):
    bad = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "a", "case_id": "C1", "text": "x", "labels": ["greed"]}])
    result = run("train", "--corpus", bad, "--out", tmp_path / "m.joblib")
    assert result.exit_code == 2
    assert "c.jsonl, line 1, field 'labels': unknown label 'greed'" in result.stderr
    assert not (tmp_path / "m.joblib").exists()


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "classifier", "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "pretag" in result.stdout


def test_every_command_is_documented_in_the_reference_and_the_readme_leads_there():
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/commands.md)" in readme
    commands = [c.name for c in app.registered_commands]
    assert commands
    for name in commands:
        assert re.search(rf"^## `narratives {name}\b", reference, re.M), \
            f"docs/commands.md has no section 'narratives {name}'"
        assert re.search(rf"narratives {name}\b", readme), f"README lacks 'narratives {name}'"
        result = run(name, "--help")
        assert result.exit_code == 0 and "Example:" in result.output


def test_readme_shows_the_two_commands():
    readme = Path(ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_suggest_shows_the_terms_for_and_against(tiny_model_path):
    result = run("suggest", "The emir stole the spoils and we prayed.", "--model",
                 tiny_model_path)
    assert result.exit_code == 0, result.output
    assert "and down" in result.output and "(-0." in result.output


def test_pretag_exports_and_import_qdpx_reads_them_back(tmp_path, tiny_model_path):
    account = tmp_path / "a.txt"
    account.write_text("We prayed at dawn.\r\n\r\nThe emir stole the spoils 💰.", encoding="utf-8")
    result = run("pretag", account, "--model", tiny_model_path, "--sentences", "1",
                 "--html", tmp_path / "a.html", "--qdpx", tmp_path / "a.qdpx",
                 "--label-studio", tmp_path / "a.json", "--doccano", tmp_path / "a.jsonl",
                 "--qdpx-coder", "Jane Doe")
    assert result.exit_code == 0, result.output
    assert "qdpx: 1 accounts and 1 suggested passages in, 1 sources and 1 selections" \
        in result.output and "passage 1" not in result.output
    assert "users Jane Doe, narratives model" in result.output
    assert all((tmp_path / name).exists() for name in ("a.html", "a.json", "a.jsonl"))
    result = run("import-qdpx", tmp_path / "a.qdpx", "--out", tmp_path / "c.jsonl")
    assert result.exit_code == 2 and "choose users with --users" in result.stderr
    version = json.loads(tiny_model_path.with_suffix(".json").read_text())["model_version"]
    result = run("import-qdpx", tmp_path / "a.qdpx", "--out", tmp_path / "c.jsonl",
                 "--users", f"narratives model {version}")
    assert result.exit_code == 0, result.output
    assert "wrote 1 quotations from 1 cases" in result.output
    [record] = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text().splitlines()]
    assert record["text"] == "The emir stole the spoils 💰." and record["labels"] == ["corruption"]
    assert record["coders"] == [f"narratives model {version}"]
    assert record["coded_at"][f"narratives model {version}"].endswith("Z")


def test_codebook_writes_a_qdc(tmp_path):
    result = run("codebook", "--qdc", tmp_path / "c.qdc")
    assert result.exit_code == 0, result.output
    assert "quality_of_life" in result.output and "4 labels in, 4 codes out" in result.output
    bad = run("codebook", "--qdc", tmp_path / "c.xml")
    assert bad.exit_code == 2 and "c.xml: a codebook exchange file ends in .qdc" in bad.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["pretag", "a.txt", "--qdpx", "a.zip"], "Error: a.zip: --qdpx writes a .qdpx file"),
    (["import-qdpx", "absent.qdpx", "--out", "c.jsonl"], "Error: absent.qdpx: no such file"),
    (["import-qdpx", "a.txt", "--out", "c.jsonl"], "Error: a.txt: is not a readable zip"),
])
def test_exchange_commands_refuse_bad_input_in_one_line(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("The emir stole the spoils.")
    result = run(*args)
    assert result.exit_code == 2 and result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "c.jsonl").exists()


def test_score_refuses_more_workers_than_it_can_sensibly_start(tmp_path):
    result = run("score", "data/samples", "--out", str(tmp_path / "o.jsonl"), "--jobs", "100000")
    assert result.exit_code == 2 and "less than or equal to 128" in result.output
    assert list(tmp_path.iterdir()) == []
