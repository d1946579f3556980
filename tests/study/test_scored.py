import pandas as pd
import pytest

from classifier.errors import InputError
from classifier.study.scored import as_scores, assign_cases, load_scores, suggested_matrix
from conftest import write_jsonl

LABELS = ["infighting", "brutality", "corruption", "quality_of_life"]


def scored(row_id, labels=(), passage=None, **extra):
    row = {"id": row_id, "labels": list(labels),
           "scores": {lab: (0.9 if lab in labels else 0.1) for lab in LABELS}, **extra}
    if passage is not None:
        row.update(passage=passage, start=passage * 10, end=passage * 10 + 9)
    return row


def test_jsonl_passages_read_back_with_offsets(tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", [scored("C001/a.txt", ["brutality"], passage=0),
                                              scored("C001/a.txt", [], passage=1)])
    frame = load_scores(path, LABELS)
    assert frame.attrs["unit"] == "passage"
    assert list(frame["passage"]) == [0, 1] and list(frame["end"]) == [9, 19]
    assert frame["labels"][0] == ["brutality"] and frame["score_brutality"][0] == 0.9
    assert suggested_matrix(frame, LABELS).tolist() == [[0, 1, 0, 0], [0, 0, 0, 0]]


def test_csv_and_parquet_folders_read_the_same(tmp_path):
    rows = pd.DataFrame({"id": ["a", "b"], "labels": ["brutality;corruption", ""],
                         **{f"score_{lab}": [0.6, 0.2] for lab in LABELS}})
    rows.to_csv(tmp_path / "s.csv", index=False)
    (tmp_path / "parts").mkdir()
    rows.assign(labels=[["brutality", "corruption"], []]).to_parquet(
        tmp_path / "parts" / "part-000000.parquet")
    for path in (tmp_path / "s.csv", tmp_path / "parts"):
        frame = load_scores(path, LABELS)
        assert frame.attrs["unit"] == "record"
        assert list(frame["labels"]) == [["brutality", "corruption"], []]


def test_every_bad_row_is_named_with_its_line_and_field(tmp_path):
    bad_score = scored("b")
    bad_score["scores"]["corruption"] = 1.7
    path = write_jsonl(tmp_path / "s.jsonl", [scored("a", ["violence"]), bad_score,
                                              scored("a", ["violence"])])
    with pytest.raises(InputError) as caught:
        load_scores(path, LABELS)
    message = str(caught.value)
    assert "line 1, field 'labels': unknown label 'violence'" in message
    assert "line 2, field 'scores': no score in [0, 1] for 'corruption'" in message


def test_cases_come_from_a_column_the_coded_corpus_or_the_id(tmp_path):
    cases = pd.DataFrame({"case_id": ["C001", "C0010", "C002"]})
    path = write_jsonl(tmp_path / "s.jsonl", [scored("x", case_id="C002"), scored("q7"),
                                              scored("C0010/memoir.txt"), scored("C001-03")])
    frame = load_scores(path, LABELS)
    placed, counts = assign_cases(frame, cases=cases, coded_cases={"q7": "C001"})
    assert list(placed) == ["C002", "C001", "C0010", "C001"]
    assert counts == {"case column": 1, "coded quotation": 1, "id names the case": 2}


def test_a_row_in_no_case_stops_with_its_line(tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", [scored("C001/a.txt"), scored("stray.txt")])
    with pytest.raises(InputError, match=r"line 2, field 'id': row 'stray.txt' belongs to no "
                                         r"case"):
        assign_cases(load_scores(path, LABELS), cases=pd.DataFrame({"case_id": ["C001"]}))
    with pytest.raises(InputError, match="no column 'dossier'"):
        assign_cases(load_scores(path, LABELS), case_field="dossier")


def test_scores_made_in_python_take_the_same_shape():
    frame = as_scores(["q1", "q2"], [[0.9, 0.1, 0, 0], [0.2, 0.3, 0, 0]],
                      [[1, 0, 0, 0], [0, 0, 0, 0]], LABELS, case_ids=["C1", "C1"])
    assert list(frame["labels"]) == [["infighting"], []]
    assert list(frame["case_id"]) == ["C1", "C1"] and frame.attrs["unit"] == "record"
