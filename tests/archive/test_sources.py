import csv
import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from classifier.archive.sources import (
    Excerpt,
    Rejected,
    Unparsed,
    count_records,
    discover,
    kind_of,
    parse,
    read_sources,
)
from classifier.errors import InputError

ROWS = [{"id": "r1", "text": "The emir took the car."}, {"id": 2, "text": "We prayed."}]


def write(path, kind, rows=ROWS, gz=False):
    if kind == "jsonl":
        data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    elif kind == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["id", "text"])
        writer.writeheader()
        writer.writerows(rows)
        data = buffer.getvalue().encode()
    elif kind == "parquet":
        sink = io.BytesIO()
        pq.write_table(pa.Table.from_pylist([{**r, "id": str(r["id"])} for r in rows]), sink)
        data = sink.getvalue()
    else:
        data = rows.encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_every_table_format_with_and_without_gzip(tmp_path, kind, gz):
    path = write(tmp_path / (f"in.{kind}" + (".gz" if gz else "")), kind, gz=gz)
    found = list(read_sources(discover([path])))
    assert [type(e) for e in found] == [Excerpt, Excerpt]
    assert [str(e.id) for e in found] == ["r1", "2"]
    assert found[0].text == "The emir took the car." and found[0].kind == "record"


@pytest.mark.parametrize("name", ["a.txt", "b.md", "c.txt.gz"])
def test_text_files_are_one_excerpt_named_by_their_relative_path(tmp_path, name):
    folder = tmp_path / "archive" / "sub"
    folder.mkdir(parents=True)
    write(folder / name, "text", rows="Line one.\n\nLine two.", gz=name.endswith(".gz"))
    (folder / "ignored.bin").write_bytes(b"\0")
    [excerpt] = list(read_sources(discover([tmp_path / "archive"])))
    assert excerpt.id == f"sub/{name}" and excerpt.kind == "text"
    assert excerpt.text == "Line one.\n\nLine two."


def test_folders_are_read_recursively_in_sorted_order(tmp_path):
    for name in ("b.jsonl", "a/z.jsonl", "a/y.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        write(tmp_path / name, name.split(".")[-1])
    assert [p.relative_to(tmp_path).as_posix() for p, _ in discover([tmp_path])] == \
        ["a/y.csv", "a/z.jsonl", "b.jsonl"]
    assert count_records(discover([tmp_path])) == 6


def test_custom_fields(tmp_path):
    path = write(tmp_path / "in.jsonl", "jsonl", rows=[{"key": 7, "body": "hello"}])
    [excerpt] = read_sources(discover([path]), id_field="key", text_field="body")
    assert (excerpt.id, excerpt.text) == (7, "hello")


def test_bad_records_are_rejected_with_file_line_and_field(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": 1, "text": "fine"}\nnot json\n{"id": 2}\n{"text": "x"}\n'
                     b'{"id": 3, "text": "\xff"}\n[1]\n{"id": 4, "text": "  "}\n')
    found = list(read_sources(discover([path])))
    rejected = [(e.line, e.field, e.reason.split(" (")[0]) for e in found
                if isinstance(e, Rejected)]
    assert rejected == [(2, None, "not valid JSON"), (3, "text", "text is missing"),
                        (4, "id", "missing id"), (5, None, "not valid UTF-8"),
                        (6, None, "expected an object, found list"),
                        (7, "text", "text is empty or not a string")]


def test_a_truncated_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "in.jsonl.gz"
    data = "".join(json.dumps({"id": i, "text": f"text {i * 7919}"}) + "\n" for i in range(2000))
    whole = gzip.compress(data.encode())
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"in\.jsonl\.gz: the compressed file is truncated"):
        list(read_sources(discover([path])))


def test_missing_inputs_and_unknown_types_fail_before_any_work(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        discover([tmp_path / "absent"])
    (tmp_path / "x.docx").write_text("x")
    with pytest.raises(InputError, match="unsupported file type"):
        discover([tmp_path / "x.docx"])
    with pytest.raises(InputError, match="no files to score were found"):
        discover([tmp_path / "empty"] if (tmp_path / "empty").mkdir() is None else [])


def test_a_parquet_file_without_the_text_column(tmp_path):
    path = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": "1", "body": "x"}]), path)
    with pytest.raises(InputError, match="no column 'text'; columns are id, body"):
        list(read_sources(discover([path])))


def test_kinds():
    from pathlib import Path

    assert kind_of(Path("a.JSONL.GZ")) == ("jsonl", True)
    assert kind_of(Path("a.md")) == ("text", False)
    assert kind_of(Path("a.gz")) == ("", True)


def test_deferred_jsonl_lines_parse_to_the_same_records(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": 1, "text": "A."}\n\n{"id": 2}\n\xff\n'
                     b'{"id": 3, "text": "B."}\n')
    files = discover([path])
    direct = list(read_sources(files))
    deferred = list(read_sources(files, defer=True))
    assert all(isinstance(e, Unparsed) for e in deferred)
    assert [parse(e) for e in deferred] == direct
    assert [type(e) for e in direct] == [Excerpt, Rejected, Rejected, Excerpt]
    assert [e.line for e in direct] == [1, 3, 4, 5]


@pytest.mark.parametrize("kind", ["jsonl", "text", "text.gz", "parquet"])
def test_a_record_past_the_size_limit_is_rejected_by_name(tmp_path, monkeypatch, kind):
    import classifier.archive.sources as sources

    monkeypatch.setattr(sources, "MAX_RECORD_BYTES", 100)
    rows = [{"id": "small", "text": "We prayed."}, {"id": "big", "text": "word " * 50}]
    if kind == "jsonl":
        path = write(tmp_path / "in.jsonl", "jsonl", rows)
    elif kind == "parquet":
        path = write(tmp_path / "in.parquet", "parquet", rows)
    else:
        name = "big.txt.gz" if kind.endswith("gz") else "big.txt"
        path = write(tmp_path / name, "text", rows="word " * 50, gz=kind.endswith("gz"))
    found = list(read_sources(discover([path])))
    rejected = found[-1]
    assert isinstance(rejected, Rejected) and "above the limit of 100" in rejected.reason
    assert rejected.line == (1 if kind.startswith("text") else 2)
    if not kind.startswith("text"):
        assert isinstance(found[0], Excerpt)


def test_a_50_mb_record_is_rejected_without_being_held_in_memory(tmp_path):
    import tracemalloc

    from classifier.archive.sources import MAX_RECORD_BYTES

    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.write(b'{"id": "huge", "text": "')
        for _ in range(50):
            out.write(b"word " * (1024 * 1024 // 5))
        out.write(b'"}\n{"id": "next", "text": "We prayed."}\n')
    tracemalloc.start()
    found = list(read_sources(discover([path]), defer=True))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert isinstance(found[0], Rejected) and "52,428,7" in found[0].reason
    assert parse(found[1]).id == "next"
    assert peak < 2.5 * MAX_RECORD_BYTES  # a buffer or two of the limit, never the 50 MB
