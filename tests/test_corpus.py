import pandas as pd
import pytest

from classifier.corpus import file_sha256, label_matrix, load_cases, load_corpus
from classifier.errors import CorpusError
from conftest import write_jsonl

GOOD = {"id": "q1", "case_id": "C1", "text": "The emir took everything.", "labels": ["corruption"]}


def test_a_valid_corpus_loads_with_labels_as_lists(tmp_path, codebook):
    path = write_jsonl(tmp_path / "c.jsonl", [GOOD, {**GOOD, "id": "q2", "labels": []}])
    frame = load_corpus(path, codebook)
    assert list(frame["id"]) == ["q1", "q2"]
    assert label_matrix(frame, codebook).tolist() == [[0, 0, 1, 0], [0, 0, 0, 0]]


def test_csv_labels_are_split_on_semicolons(tmp_path, codebook):
    path = tmp_path / "c.csv"
    path.write_text("id,case_id,text,labels\nq1,C1,hello there,brutality;corruption\n"
                    "q2,C1,nothing here,\n", encoding="utf-8")
    frame = load_corpus(path, codebook)
    assert frame.loc["q1", "labels"] == ["brutality", "corruption"]
    assert frame.loc["q2", "labels"] == []


def test_every_bad_record_is_reported_with_line_and_field(tmp_path, codebook):
    rows = [GOOD,
            {**GOOD, "id": "q2", "labels": ["greed"]},
            {**GOOD, "id": "q3", "text": "   "},
            {"id": "q4", "case_id": "C1", "labels": []},
            {**GOOD},
            {**GOOD, "id": "q6", "case_id": ""}]
    with pytest.raises(CorpusError) as caught:
        load_corpus(write_jsonl(tmp_path / "c.jsonl", rows), codebook)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"5 problems in {tmp_path / 'c.jsonl'}"
    text = "\n".join(lines)
    assert "line 2, field 'labels': unknown label 'greed'; the codebook" in text
    assert "knows infighting, brutality, corruption, quality_of_life" in text
    assert "line 3, field 'text': text is empty or not a string" in text
    assert "line 4, field 'text': text is missing" in text
    assert "line 5, field 'id': duplicate id 'q1' (first on line 1)" in text
    assert "line 6, field 'case_id': missing case_id" in text


def test_coder_columns_are_checked_like_labels(tmp_path, codebook):
    row = {**GOOD, "coder_a": ["corruption"], "coder_b": ["bribery"]}
    with pytest.raises(CorpusError, match="field 'coder_b': unknown label 'bribery'"):
        load_corpus(write_jsonl(tmp_path / "c.jsonl", [row]), codebook)


def test_quotations_must_belong_to_known_cases(tmp_path, codebook):
    cases = pd.DataFrame({"case_id": ["C9"]})
    with pytest.raises(CorpusError, match="case 'C1' is not in the cases file"):
        load_corpus(write_jsonl(tmp_path / "c.jsonl", [GOOD]), codebook, cases=cases)


def test_an_empty_corpus_is_refused(tmp_path, codebook):
    (tmp_path / "c.jsonl").write_text("\n")
    with pytest.raises(CorpusError, match="holds no quotations"):
        load_corpus(tmp_path / "c.jsonl", codebook)


def test_cases_need_every_field_and_real_years(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("case_id,alias,origin,role,joined,left,source\n"
                    "C1,Abu A,Syria,driver,2013,2014,interview\n"
                    "C2,Abu B,Iraq,,2013,2015,memoir\n"
                    "C3,Umm C,Tunisia,wife,soon,2016,memoir\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        load_cases(path)
    assert "line 3, field 'role': missing" in str(caught.value)
    assert "line 4, field 'joined': 'soon' is not a year" in str(caught.value)


def test_file_hash_is_the_sha256_of_the_bytes(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(b"abc")
    assert file_sha256(path) == \
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_hands_file_maps_each_hand_to_its_register(tmp_path):
    from classifier.corpus import load_hands

    path = tmp_path / "hands.csv"
    path.write_text("hand,register,note\nwire,reporting,short\nbook,narrative,\n")
    assert load_hands(path) == {"wire": "reporting", "book": "narrative"}


@pytest.mark.parametrize(("body", "problem"), [
    ("hand,register\nwire,\n", "hands.csv, line 2, field 'register': missing"),
    ("hand,register\nwire,reporting\nwire,narrative\n",
     "hands.csv, line 3, field 'hand': hand 'wire' is listed twice"),
    ("", "hands.csv, field 'hand': lists no hand"),
    ("hand,register\n", "hands.csv, field 'hand': lists no hand"),
])
def test_a_broken_hands_file_names_line_and_field(tmp_path, body, problem):
    from classifier.corpus import load_hands

    path = tmp_path / "hands.csv"
    path.write_text(body)
    with pytest.raises(CorpusError, match=problem):
        load_hands(path)
