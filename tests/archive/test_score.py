import json

import pytest

from classifier import InputError, score_file
from conftest import write_jsonl


def test_one_output_record_per_input_record_in_order(tmp_path, tiny_model):
    rows = [{"id": f"x{i}", "text": t} for i, t in enumerate(
        ["The emir stole the spoils and bought a villa.", "We prayed at dawn.",
         "They shot the hostages at random."] * 3)]
    out = tmp_path / "out.jsonl"
    summary = score_file(write_jsonl(tmp_path / "in.jsonl", rows), out, tiny_model,
                         batch_size=2)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == [r["id"] for r in rows]
    assert set(records[0]) == {"id", "labels", "scores"}
    assert list(records[0]["scores"]) == tiny_model.labels
    assert records[0]["labels"] == ["corruption"] and records[1]["labels"] == []
    assert summary["records"] == 9 and summary["suggested"]["corruption"] == 3


def test_explain_adds_the_terms(tmp_path, tiny_model):
    out = tmp_path / "out.jsonl"
    score_file(write_jsonl(tmp_path / "in.jsonl", [{"id": 1, "text": "They shot hostages."}]),
               out, tiny_model, explain=True)
    record = json.loads(out.read_text())
    assert record["id"] == 1
    assert record["reasons"]["brutality"][0]["term"] in {"shoot", "hostage", "shoot hostage"}


@pytest.mark.parametrize(("line", "message"), [
    ('{"id": "b", "text": ""}', "line 2, field 'text': text is empty"),
    ('{"id": "b"}', "line 2, field 'text': text is missing"),
    ('{"text": "hello"}', "line 2, field 'id': missing id"),
    ('{"id": "b", "text": "cut', "line 2: not valid JSON"),
])
def test_a_bad_record_stops_the_job_and_leaves_no_output(tmp_path, tiny_model, line, message):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "text": "fine"}\n' + line + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with pytest.raises(InputError, match=message):
        score_file(path, out, tiny_model, batch_size=1)
    assert list(tmp_path.iterdir()) == [path]


def test_an_existing_output_survives_a_failed_run(tmp_path, tiny_model):
    out = tmp_path / "out.jsonl"
    out.write_text("previous results\n")
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": "a", "text": "\xff"}\n')
    with pytest.raises(InputError, match="not valid UTF-8"):
        score_file(path, out, tiny_model)
    assert out.read_text() == "previous results\n"


def test_output_must_be_jsonl_and_not_the_input(tmp_path, tiny_model):
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": 1, "text": "x"}])
    with pytest.raises(InputError, match=r"output must end in one of \.jsonl, \.csv, \.parquet"):
        score_file(path, tmp_path / "out.txt", tiny_model)
    with pytest.raises(InputError, match="would overwrite an input"):
        score_file(path, path, tiny_model)
