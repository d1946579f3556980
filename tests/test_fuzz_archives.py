"""The archive readers of ``score`` and the QDPX import, fed hostile files.

Scoring either writes the whole output or raises one InputError and leaves nothing: no
output, no parts folder, no temporary file. A QDPX import reads or refuses in one line,
a zip bomb and XML entities included.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import tempfile
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fuzzing import LABELS, budget, clear, damaged, jsonl_bytes, outcome, table_bytes, within
from hypothesis import given
from hypothesis import strategies as st

from classifier.archive.batch import ScoreOptions, score_archive
from classifier.archive.sources import (
    MAX_RECORD_BYTES,
    Excerpt,
    Rejected,
    Unparsed,
    discover,
    parse,
    read_sources,
)
from classifier.coding.qdpx_import import import_qdpx
from classifier.errors import InputError

_names = itertools.count()
SUFFIXES = [".jsonl", ".csv", ".txt", ".md", ".parquet"]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def folder(scratch: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=scratch, prefix=f"x{next(_names)}-"))


@st.composite
def archive_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A file to score: any kind, maybe gzipped (whole or cut short), of any content."""
    suffix = draw(st.sampled_from(SUFFIXES))
    if suffix == ".parquet":
        rows = draw(st.lists(st.fixed_dictionaries(
            {"id": st.text(max_size=5) | st.none(), "text": st.text(max_size=20) | st.none()}),
            max_size=4))
        sink = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(
            [("id", pa.string()), ("text", pa.string())])), sink)
        data = draw(st.just(sink.getvalue()) | damaged(sink.getvalue()))
    elif suffix in (".txt", ".md"):
        data = draw(damaged(draw(st.text(max_size=200)).encode()) | st.binary(max_size=100))
    else:
        data = draw(table_bytes)
    if draw(st.booleans()):
        packed = gzip.compress(data)
        data = packed[:draw(st.integers(0, len(packed)))] if draw(st.booleans()) else packed
        suffix += ".gz"
    return suffix, data


def _check_excerpts(found: list) -> None:
    for item in found:
        assert isinstance(item, Excerpt | Rejected)
        if isinstance(item, Excerpt):
            assert isinstance(item.text, str) and item.text.strip()
            assert isinstance(item.id, str | int | float) and item.id == item.id
            json.dumps({"id": item.id, "text": item.text}, ensure_ascii=False).encode("utf-8")
        else:
            assert "\n" not in str(item.problem()) and item.line >= 1


@budget(150)
@given(file=archive_files(), defer=st.booleans())
def test_every_archive_reader_yields_excerpts_or_rejects(scratch, file, defer):
    suffix, data = file
    path = folder(scratch) / f"in{suffix}"
    path.write_bytes(data)
    with within(10):
        found = outcome(lambda: list(read_sources(discover([path]), defer=defer)), path)
    if isinstance(found, list):
        _check_excerpts([parse(e) if isinstance(e, Unparsed) else e for e in found
                         if not isinstance(e, Unparsed) or parse(e) is not None])


@budget(80)
@given(file=archive_files(), out=st.sampled_from([".jsonl", ".csv", ".parquet"]),
       skip_bad=st.booleans(), unit=st.sampled_from([None, "record", "passage"]))
def test_scoring_a_hostile_archive_writes_all_or_nothing(scratch, tiny_model, file, out,
                                                         skip_bad, unit):
    suffix, data = file
    where = folder(scratch)
    path = where / f"in{suffix}"
    path.write_bytes(data)
    output = where / f"scores{out}"
    with within(20):
        summary = outcome(lambda: score_archive([path], output, model=tiny_model,
                                                options=ScoreOptions(unit=unit), jobs=1,
                                                skip_bad=skip_bad), path)
    left = sorted(p.name for p in where.iterdir())
    if isinstance(summary, dict):
        assert output.exists() and summary["records"] >= 1
        assert left == sorted(["in" + suffix, output.name]
                              + ([output.name + ".rejects.jsonl"] if skip_bad else []))
    else:
        assert isinstance(summary, InputError)
        assert left == [path.name], left  # no output, no parts, no lock, no temporary file


def test_a_record_past_the_limit_is_rejected_and_one_at_it_is_read(tmp_path):
    text = "x" * (MAX_RECORD_BYTES - 40)
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"id": 1, "text": text}) + "\n"
                    + json.dumps({"id": 2, "text": text + "x" * 80}) + "\n")
    with within(30):
        first, second = read_sources(discover([path]))
    assert isinstance(first, Excerpt) and len(first.text) == len(text)
    assert isinstance(second, Rejected) and "above the limit" in second.reason


@pytest.mark.parametrize("kind", ["jsonl", "csv", "txt", "parquet"])
def test_a_truncated_gzip_of_each_kind_is_one_error(tmp_path, kind):
    rows = [{"id": str(i), "text": f"words {i * 7919}"} for i in range(3000)]
    if kind == "parquet":
        sink = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows), sink)
        data = sink.getvalue()
    elif kind == "csv":
        data = ("id,text\n" + "".join(f"{r['id']},{r['text']}\n" for r in rows)).encode()
    else:
        data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    packed = gzip.compress(data)
    path = tmp_path / f"in.{kind}.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(InputError) as caught:
        list(read_sources(discover([path])))
    clear(caught.value, path)


@pytest.mark.parametrize("value", [b"bytes", "2020-01-01", 1.5])
def test_parquet_ids_that_are_not_text_or_numbers_are_rejected(tmp_path, value):
    import datetime

    cell = datetime.date(2020, 1, 1) if value == "2020-01-01" else value
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": [cell], "text": ["the emir took the car"]}), path)
    [found] = read_sources(discover([path]))
    if isinstance(value, float):
        assert isinstance(found, Excerpt) and found.id == 1.5
    else:
        assert isinstance(found, Rejected) and "cast the column to text" in found.reason


# --- QDPX ------------------------------------------------------------------------------

NS = 'xmlns="urn:QDA-XML:project:1.0"'
USER, CODE, SOURCE = ("11111111-1111-1111-1111-111111111111",
                      "22222222-2222-2222-2222-222222222222",
                      "33333333-3333-3333-3333-333333333333")
attr_values = (st.sampled_from(["0", "4", "-1", "9" * 30, "", " 2 ", "x", USER, CODE,
                                "internal://s.txt", "internal://../s.txt", "file:///etc/passwd",
                                "Corruption", "corruption", "narratives model v1"])
               | st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
                         max_size=8))


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@st.composite
def projects(draw: st.DrawFn) -> bytes:
    """A project.qde shaped like a QDA tool's, with odd attribute values and elements."""
    v = lambda: _escape(draw(attr_values))  # noqa: E731
    codes = draw(st.sampled_from([CODE, v()]))
    selections = "".join(
        f'<PlainTextSelection guid="{v()}" startPosition="{draw(st.sampled_from(["0", v()]))}" '
        f'endPosition="{draw(st.sampled_from(["4", v()]))}" creatingUser="{v()}">'
        + draw(st.sampled_from(["", f'<Coding guid="{v()}" creatingUser="{USER}">'
                                f'<CodeRef targetGUID="{codes}"/></Coding>',
                                "<Coding/>", f'<Coding><CodeRef targetGUID="{v()}"/></Coding>']))
        + "</PlainTextSelection>" for _ in range(draw(st.integers(0, 3))))
    content = draw(st.sampled_from(["", f"<PlainTextContent>{v()}</PlainTextContent>"]))
    source = draw(st.sampled_from([
        f'<TextSource guid="{SOURCE}" name="{v()}" plainTextPath="{v()}">{content}'
        f'{selections}</TextSource>',
        f'<TextSource guid="{SOURCE}" name="s" plainTextPath="internal://s.txt">'
        f'{selections}</TextSource>',
        f'<PDFSource guid="{v()}"/>', ""]))
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["latin-1", "utf-16", "ttf-8", "hex"]))
    xml = (f'<?xml version="1.0" encoding="{encoding}"?><Project {NS} name="{v()}">'
           f'<Users><User guid="{draw(st.sampled_from([USER, v()]))}" name="{v()}"/></Users>'
           f'<CodeBook><Codes><Code guid="{CODE}" name="{draw(st.sampled_from(LABELS))}"/>'
           f'<Code guid="{v()}" name="{v()}"/></Codes></CodeBook>'
           f"<Sources>{source}</Sources></Project>")
    return draw(damaged(xml.encode()) | st.just(xml.encode()))


@st.composite
def qdpx_files(draw: st.DrawFn) -> bytes:
    sink = io.BytesIO()
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    with zipfile.ZipFile(sink, "w", method) as archive:
        if draw(st.integers(0, 5)):
            archive.writestr(draw(st.sampled_from(["project.qde", "other.qde", "p/project.qde"])),
                             draw(projects()))
        archive.writestr("sources/s.txt", draw(st.binary(max_size=40)
                                               | st.just(b"One. Two. Three.")))
    data = sink.getvalue()
    return draw(st.just(data) | damaged(data) | st.binary(max_size=60))


@budget(150)
@given(data=qdpx_files(), users=st.none() | st.lists(st.sampled_from([USER, "x", ""]),
                                                     max_size=2))
def test_the_qdpx_reader_gives_quotations_or_one_error(scratch, codebook, data, users):
    path = folder(scratch) / "p.qdpx"
    path.write_bytes(data)
    with within(10):
        found = outcome(lambda: import_qdpx(path, codebook, users=users, max_member=1 << 16),
                        path)
    if isinstance(found, tuple):
        records, summary = found
        assert records and all(r["text"].strip() and set(r["labels"]) <= set(LABELS)
                               for r in records)
        assert summary["quotations"] == len(records)


def _zip(path: Path, project: bytes, text: bytes = b"One. Two.") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project)
        archive.writestr("sources/s.txt", text)
    return path


def test_a_zip_bomb_in_a_qdpx_is_refused_past_the_limit(tmp_path, codebook):
    # 129 MiB of zeros packs into about 130 KB; the header gives it away before inflating.
    bomb = _zip(tmp_path / "bomb.qdpx", b"<Project/>", text=bytes(129 * 1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    xml = (f'<Project {NS}><Sources><TextSource guid="{SOURCE}" name="s" '
           'plainTextPath="internal://s.txt"/></Sources></Project>').encode()
    bomb = _zip(tmp_path / "bomb.qdpx", xml, text=bytes(129 * 1024 * 1024))
    with within(10), pytest.raises(InputError, match="over the limit of 134,217,728"):
        import_qdpx(bomb, codebook)
    # A header that understates the size is caught while inflating, at the limit.
    liar = _zip(tmp_path / "liar.qdpx", xml, text=bytes(1 << 20))
    data = bytearray(liar.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.rfind(sig)
        data[at + offset: at + offset + 4] = (10).to_bytes(4, "little")
    liar.write_bytes(bytes(data))
    with within(10), pytest.raises(InputError) as caught:
        import_qdpx(liar, codebook, max_member=1 << 16)
    clear(caught.value, liar)


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "ha">'
          + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">'
                    for i in range(9))
          + f']><Project {NS} name="&j;"/>')
EXTERNAL = ('<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            f'<Project {NS} name="&x;"/>')


@pytest.mark.parametrize("xml", [LAUGHS, EXTERNAL], ids=["entity-expansion", "external"])
def test_xml_entities_in_project_qde_are_refused(tmp_path, codebook, xml):
    path = _zip(tmp_path / "p.qdpx", xml.encode())
    with within(10), pytest.raises(InputError, match="forbidden XML feature") as caught:
        import_qdpx(path, codebook)
    clear(caught.value, path)


@pytest.mark.parametrize("encoding", ["ttf-8", "hex", "rot13", "utf-7", "idna", "cp037"])
def test_a_project_declaring_an_unreadable_encoding_is_one_error(tmp_path, codebook, encoding):
    """Found by the atheris run: an unknown encoding raised LookupError, a traceback."""
    xml = f'<?xml version="1.0" encoding="{encoding}"?><Project {NS} name="é"/>'
    path = _zip(tmp_path / "p.qdpx", xml.encode())
    with pytest.raises(InputError) as caught:
        import_qdpx(path, codebook)
    clear(caught.value, path)


def test_a_zip_of_a_later_version_is_one_error(tmp_path, codebook):
    """Found by the atheris run: "zip file version 14.8" raised NotImplementedError."""
    path = _zip(tmp_path / "p.qdpx", f"<Project {NS}/>".encode())
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    data[at + 6: at + 8] = (148).to_bytes(2, "little")  # version needed to extract: 14.8
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="is not a readable zip") as caught:
        import_qdpx(path, codebook)
    clear(caught.value, path)


@budget(60)
@given(data=jsonl_bytes())
def test_parsing_in_the_worker_gives_what_reading_in_one_process_does(scratch, data):
    path = folder(scratch) / "in.jsonl"
    path.write_bytes(data)
    direct = outcome(lambda: list(read_sources(discover([path]))), path)
    deferred = outcome(lambda: [parse(e) if isinstance(e, Unparsed) else e
                                for e in read_sources(discover([path]), defer=True)], path)
    if isinstance(direct, list):
        assert isinstance(deferred, list)
        assert direct == [e for e in deferred if e is not None]
