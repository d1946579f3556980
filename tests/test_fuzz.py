"""Every reader of a corpus, cases, codebook, codings or pool, fed hostile files.

The invariant: a result, or one NarrativesError (an InputError for files) whose message
names the file, one line per problem; never another exception, never a hang.
"""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from fuzzing import (
    BOM,
    LABELS,
    budget,
    clear,
    csv_text,
    damaged,
    field_values,
    json_values,
    outcome,
    table_bytes,
    within,
)
from hypothesis import given
from hypothesis import strategies as st

from classifier.codebook import Codebook, load_codebook
from classifier.coding.agreement import load_codings
from classifier.coding.next import read_pool
from classifier.corpus import load_cases, load_corpus
from classifier.errors import CodebookError, InputError, NarrativesError
from classifier.formats.records import iter_records

_names = itertools.count()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def place(folder: Path, suffix: str, data: bytes) -> Path:
    """A new file per example, so no example reads another's."""
    path = Path(tempfile.mkdtemp(dir=folder)) / f"f{next(_names)}{suffix}"
    path.write_bytes(data)
    return path


@budget(150)
@given(data=table_bytes, suffix=st.sampled_from([".jsonl", ".csv"]))
def test_the_record_reader_yields_objects_or_names_the_line(scratch, data, suffix):
    path = place(scratch, suffix, data)
    with within(10):
        found = outcome(lambda: list(iter_records(path)), path)
    if isinstance(found, list):
        assert all(isinstance(line, int) and isinstance(r, dict) for line, r in found)
    else:
        assert isinstance(found, InputError)


@budget(150)
@given(data=table_bytes, suffix=st.sampled_from([".jsonl", ".csv"]))
def test_the_corpus_reader_gives_a_valid_corpus_or_one_error(scratch, codebook, data, suffix):
    path = place(scratch, suffix, data)
    with within(10):
        corpus = outcome(lambda: load_corpus(path, codebook, require_case=False), path)
    if isinstance(corpus, pd.DataFrame):
        assert corpus["id"].is_unique and len(corpus) > 0
        assert all(isinstance(t, str) and t.strip() for t in corpus["text"])
        assert all(set(labels) <= set(LABELS) for labels in corpus["labels"])


@budget(100)
@given(data=table_bytes, suffix=st.sampled_from([".jsonl", ".csv"]))
def test_the_cases_reader_gives_years_or_one_error(scratch, data, suffix):
    path = place(scratch, suffix, data)
    with within(10):
        cases = outcome(lambda: load_cases(path), path)
    if isinstance(cases, pd.DataFrame):
        assert cases["case_id"].is_unique
        assert all(isinstance(y, int) for y in [*cases["joined"], *cases["left"]])


@budget(100)
@given(data=table_bytes, suffix=st.sampled_from([".jsonl", ".csv"]))
def test_the_pool_reader_gives_excerpts_or_one_error(scratch, data, suffix):
    path = place(scratch, suffix, data)
    with within(10):
        pool = outcome(lambda: read_pool(path), path)
    if isinstance(pool, pd.DataFrame):
        assert pool["id"].is_unique and all(t.strip() for t in pool["text"])


@st.composite
def codings(draw: st.DrawFn) -> tuple[str, bytes]:
    """Codings in the long form (id, coder, labels) or the wide one (coder_* columns),
    some rows dropped and some odd ones added."""
    label = st.sampled_from([*LABELS, ""]) | st.sampled_from(["bogus", "corruption;", " "])
    if draw(st.booleans()):
        long = [(q, c, draw(label)) for q in ("q1", "q2", "q3") for c in ("a", "b")]
        long = [r for r in long if draw(st.integers(0, 5))] + draw(st.lists(st.tuples(
            st.sampled_from(["q1", "q4", ""]),
            st.sampled_from(["a", "c", "id", "text", "", "coder_a"]), label), max_size=2))
        text = "id,coder,labels\n" + "".join(f"{i},{c},{lab}\n" for i, c, lab in long)
        return ".csv", draw(damaged(text.encode()))
    lists = st.lists(st.sampled_from(LABELS), max_size=2, unique=True)
    rows = draw(st.lists(st.fixed_dictionaries(
        {"text": st.just("words")},
        optional={"coder_a": lists | field_values, "coder_b": lists | field_values,
                  "labels": lists | field_values}), max_size=5))
    return ".jsonl", "".join(json.dumps({"id": f"q{i}", **r}) + "\n"
                             for i, r in enumerate(rows)).encode()


@budget(100)
@given(given_codings=codings(), coders=st.none() | st.none() | st.lists(
    st.sampled_from(["a", "b", "coder_a", "coder_b", "id", "labels", "x"]), max_size=3))
def test_the_codings_reader_gives_two_coders_or_one_error(scratch, codebook, given_codings,
                                                         coders):
    suffix, data = given_codings
    path = place(scratch, suffix, data)
    with within(10):
        found = outcome(lambda: load_codings(path, codebook, coders=coders), path)
    if isinstance(found, tuple):
        table, chosen = found
        assert len(chosen) >= 2 and all(c in table.columns for c in chosen)


# Codebooks: the shipped one's labels, some fields replaced by odd values, written as
# YAML, JSON or TOML, and damaged.
SHIPPED = yaml.safe_load((Path(__file__).resolve().parent.parent / "data"
                          / "codebook.yaml").read_text(encoding="utf-8"))
odd_values = {"id": st.sampled_from(["Bad Id", "a\n", "x1", "infighting"]),
              "colour": st.sampled_from(["#fff", "red", "#fff\n", "rgb(1,2,3)"]),
              "name": st.text(max_size=10), "definition": st.text(max_size=10),
              "examples": st.lists(st.text(max_size=5), max_size=2)}


@st.composite
def labels(draw: st.DrawFn) -> list:
    chosen = [dict(label) for label in draw(st.permutations(SHIPPED["labels"]))]
    chosen = chosen[:draw(st.integers(1, len(chosen)))]
    for label in draw(st.lists(st.sampled_from(chosen), max_size=2)):
        key = draw(st.sampled_from(sorted(odd_values)))
        label[key] = draw(odd_values[key] | field_values)
    return chosen


codebooks = st.fixed_dictionaries(
    {"labels": labels() | field_values},
    optional={"name": st.text(max_size=8) | field_values, "version": field_values,
              "description": st.text(max_size=8)})


def toml(book: dict) -> str:
    """A codebook as TOML, values quoted as JSON strings (TOML accepts their escapes)."""
    quote = lambda v: json.dumps(v if isinstance(v, str) else str(v))  # noqa: E731
    head = [f"{k} = {quote(v)}" for k, v in book.items() if k != "labels"]
    body = ["[[labels]]\n" + "\n".join(f"{k} = {quote(v)}" for k, v in label.items())
            for label in (book["labels"] if isinstance(book["labels"], list) else [])
            if isinstance(label, dict)]
    return "\n".join(head + body) + "\n"


@st.composite
def codebook_files(draw: st.DrawFn) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from([".yaml", ".json", ".toml"]))
    book = draw(codebooks)
    if draw(st.integers(0, 9)) == 0:
        return suffix, draw(st.binary(max_size=100) | st.text(max_size=60).map(str.encode))
    text = {".yaml": lambda: yaml.safe_dump(book, allow_unicode=draw(st.booleans())),
            ".json": lambda: json.dumps(book), ".toml": lambda: toml(book)}[suffix]()
    return suffix, draw(damaged(text.encode("utf-8")))


@budget(150)
@given(file=codebook_files())
def test_the_codebook_reader_gives_a_codebook_or_one_error(scratch, file):
    suffix, data = file
    path = place(scratch, suffix, data)
    with within(10):
        book = outcome(lambda: load_codebook(path), path)
    if isinstance(book, Codebook):
        assert book.ids and len(set(book.ids)) == len(book.ids)
        assert all("\n" not in label.id for label in book.labels)
    else:
        assert isinstance(book, CodebookError)


ALIAS_BOMB = "".join(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9)
                     + "]\n" for i in range(1, 12))
CODEBOOK_CASES = {
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "deep.yaml": "[" * 5000 + "]" * 5000,
    "deep.toml": "a = " + "[" * 5000 + "]" * 5000,
    "huge.json": '{"labels": [], "version": ' + "9" * 5000 + "}",
    "nan.json": '{"labels": [{"id": "a", "name": "A", "definition": NaN}]}',
    "bomb.yaml": "a: &a x\n" + ALIAS_BOMB + "labels: [{id: a, name: A, definition: d}]\n"
                 "name: *l\n",
    "date.yaml": "labels: [{id: a, name: A, definition: d}]\nversion: 2024-02-30\n",
    "dupe.yaml": "labels: []\nlabels: [{id: a, name: A, definition: d}]\n",
    "python.yaml": "labels: !!python/object/apply:os.system [echo owned]\n",
    "nul.toml": 'name = "a\x00"\n',
    "folder.yaml": None,
}


@pytest.mark.parametrize("name", sorted(CODEBOOK_CASES))
def test_hostile_codebooks_read_or_fail_in_one_line(tmp_path, name):
    path = tmp_path / name
    if CODEBOOK_CASES[name] is None:
        path.mkdir()
    else:
        path.write_text(CODEBOOK_CASES[name], encoding="utf-8")
    with within(10):
        found = outcome(lambda: load_codebook(path), path)
    assert isinstance(found, CodebookError) or name == "dupe.yaml", found


def test_a_bom_and_crlf_codebook_reads_as_the_plain_one(tmp_path):
    plain = (Path(__file__).resolve().parent.parent / "data" / "codebook.yaml").read_bytes()
    for suffix, data in ((".yaml", plain), (".json", json.dumps(yaml.safe_load(plain)).encode())):
        path = tmp_path / f"bom{suffix}"
        path.write_bytes(BOM + data.replace(b"\n", b"\r\n"))
        assert load_codebook(path).ids == LABELS


TEN_MB = 10_000_000


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_10_mb_record_is_read_whole_in_seconds(tmp_path, codebook, suffix):
    text = ("The emir kept the spoils. " * (TEN_MB // 26 + 1))[:TEN_MB]
    path = tmp_path / f"big{suffix}"
    if suffix == ".jsonl":
        path.write_text(json.dumps({"id": "q1", "text": text, "labels": ["corruption"]}) + "\n")
    else:
        path.write_text(f"id,text,labels\nq1,{text},corruption\n")
    with within(30):
        corpus = load_corpus(path, codebook, require_case=False)
    assert len(str(corpus.loc["q1", "text"])) == TEN_MB


@pytest.mark.parametrize("line", [
    "[" * 100_000 + "]" * 100_000, '{"id": 1, "text": "x", "case_id": ' + "1" * 5000 + "}",
    '{"id": "\\ud800", "text": "x"}', '{"id": NaN, "text": "x"}', '{"id": 1e400, "text": "x"}',
    '{"id": 1, "text": {"nested": ' * 400 + "1" + "}" * 400 + "}"])
def test_json_that_python_cannot_hold_is_one_error_naming_the_line(tmp_path, codebook, line):
    path = tmp_path / "odd.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    for read in (lambda: load_corpus(path, codebook, require_case=False),
                 lambda: load_cases(path), lambda: read_pool(path)):
        with pytest.raises(InputError) as caught:
            read()
        clear(caught.value, path)
        assert "line 1" in str(caught.value)


def test_values_of_every_json_type_where_text_is_expected(tmp_path, codebook):
    """Numbers, nulls, lists and objects in each field: one problem per field, no crash."""
    values = [None, 0, 1.5, True, [], {}, ["corruption"], {"a": 1}, ""]
    path = tmp_path / "types.jsonl"
    path.write_text("".join(json.dumps({"id": f"q{i}", "case_id": v, "text": v, "labels": v,
                                        "coder_a": v}) + "\n" for i, v in enumerate(values)))
    with pytest.raises(NarrativesError) as caught:
        load_corpus(path, codebook)
    clear(caught.value, path)


@budget(50)
@given(value=json_values)
def test_any_json_value_as_a_whole_line_is_a_record_or_an_error(scratch, codebook, value):
    path = place(scratch, ".jsonl", (json.dumps(value) + "\n").encode())
    found = outcome(lambda: load_corpus(path, codebook, require_case=False), path)
    assert isinstance(found, pd.DataFrame | InputError)


@budget(50)
@given(text=csv_text())
def test_csv_with_cr_line_ends_reads_as_with_lf(scratch, codebook, text):
    lf = outcome(lambda: load_corpus(place(scratch, ".csv", text.encode()), codebook,
                                     require_case=False), "")
    crlf = outcome(lambda: load_corpus(place(scratch, ".csv",
                                             text.replace("\n", "\r\n").encode()),
                                       codebook, require_case=False), "")
    assert type(lf) is type(crlf)
    if isinstance(lf, pd.DataFrame) and isinstance(crlf, pd.DataFrame):
        assert list(lf["id"]) == list(crlf["id"])
