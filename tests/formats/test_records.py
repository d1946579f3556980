import pytest

from classifier.errors import InputError
from classifier.formats.records import iter_records


def test_jsonl_records_carry_their_line_numbers(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1}\n\n{"id": 2}\n', encoding="utf-8")
    assert list(iter_records(path)) == [(1, {"id": 1}), (3, {"id": 2})]


def test_a_utf8_bom_is_ignored(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": 1}\n')
    assert list(iter_records(path)) == [(1, {"id": 1})]


def test_broken_utf8_names_the_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": 1}\n{"text": "\xff"}\n')
    with pytest.raises(InputError, match=r"a.jsonl, line 2: is not valid UTF-8"):
        list(iter_records(path))


def test_a_truncated_last_line_says_the_file_may_be_truncated(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1}\n{"id": 2, "te', encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: not valid JSON .*may be truncated"):
        list(iter_records(path))


def test_problems_are_collected_when_asked(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('[1]\n{"id": 1}\nnope\n', encoding="utf-8")
    problems = []
    assert [line for line, _ in iter_records(path, problems=problems)] == [2]
    assert [p.line for p in problems] == [1, 3]
    assert "expected a JSON object, found list" in problems[0].message


def test_csv_rows_drop_empty_cells(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,text,labels\nq1,hello,\nq2,\"a, b\",brutality\n", encoding="utf-8")
    assert list(iter_records(path)) == [(2, {"id": "q1", "text": "hello"}),
                                        (3, {"id": "q2", "text": "a, b", "labels": "brutality"})]


def test_missing_file_and_unknown_type(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(iter_records(tmp_path / "absent.jsonl"))
    (tmp_path / "a.xml").write_text("<a/>")
    with pytest.raises(InputError, match=r"unsupported file type '.xml'"):
        list(iter_records(tmp_path / "a.xml"))
