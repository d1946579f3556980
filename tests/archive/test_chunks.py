"""Byte ranges read where they are scored give what the streaming reader gives, and the
bulk JSONL lines are the bytes of ``json.dumps`` of each row."""

import itertools
import json

import pytest

from classifier.archive import chunks, sources
from classifier.archive.chunks import plan, read_chunk
from classifier.archive.rows import ScoreOptions, jsonl_rows, score_items
from classifier.archive.sources import Excerpt, read_sources

LINES = [
    b'\xef\xbb\xbf{"id": 1, "text": "The emir stole the spoils."}',
    b"",
    b'{"id": "a\\"b", "text": "They shot the hostages."}\r',
    b"   ",
    b'{"id": 1.5, "text": "We prayed."}',
    b'{"id": 123456789012345678901234567890, "text": "Very long id."}',
    b'{"id": NaN, "text": "x"}',
    b'{"id": 2, "text": "\\ud800"}',
    b'{"id": 3, "text": "   "}',
    b'{"text": "no id"}',
    b"[1, 2]",
    b'{"id": 4, "text": "bad \xff byte"}',
    b'{"id": 5, "text": 7}',
    b'{"id": true, "text": "A boolean id."}',
    b'{"id": "", "text": "empty id"}',
    b"{broken",
    b'{"id": "\xc3\xa9t\xc3\xa9", "text": "Un \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80."}',
    b'{"id": 6, "text": "The last line has no line end."}',
]


def expected(path):
    """What the streaming reader makes of the file, record by record."""
    out = []
    for found in read_sources([(path, path.parent)]):
        out.append((found.id, found.text, found.kind) if isinstance(found, Excerpt) else found)
    return out


@pytest.mark.parametrize("size", [1, 2, 5, 100])
def test_ranges_read_what_the_stream_reads(tmp_path, size):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(LINES))
    planned = list(plan([(path, tmp_path)], size, "id", "text"))
    assert [c.index for c in planned] == list(range(len(planned)))
    assert planned[0].start == 0 and planned[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in itertools.pairwise(planned))
    assert all(c.is_range for c in planned)
    got, records = [], 0
    for chunk in planned:
        ready, rejected, count = read_chunk(chunk, "id", "text")
        got += ready + rejected  # order within a chunk differs; compare per line below
        records += count
    want = expected(path)
    assert records == len(want)
    assert sorted(map(repr, got)) == sorted(map(repr, want))
    long_id = next(r for r in got if isinstance(r, tuple) and r[2] == "record" and r[1] ==
                   "Very long id.")
    assert long_id[0] == 123456789012345678901234567890  # an integer, not a float


def test_a_line_past_the_limit_is_rejected_without_being_read(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_RECORD_BYTES", 60)
    monkeypatch.setattr(chunks, "MAX_RECORD_BYTES", 60)
    path = tmp_path / "in.jsonl"
    long = b'{"id": 9, "text": "' + b"word " * 40 + b'"}'
    path.write_bytes(b"\n".join([LINES[0], long, LINES[4], long]) + b"\n")
    planned = list(plan([(path, tmp_path)], 3, "id", "text"))
    results = [read_chunk(c, "id", "text") for c in planned]
    rejected = [r for _, rs, _ in results for r in rs]
    assert [(r.line, "above the limit" in r.reason) for r in rejected] == [(2, True), (4, True)]
    assert [r for ready, _, _ in results for r in ready] == \
        [(1, "The emir stole the spoils.", "record"), (1.5, "We prayed.", "record")]


def test_gzipped_and_text_files_are_read_where_they_are_planned(tmp_path):
    import gzip

    (tmp_path / "a.txt").write_text("We prayed at dawn.", encoding="utf-8")
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(b"\n".join(LINES[:5])))
    files = [(tmp_path / "a.txt", tmp_path), (tmp_path / "b.jsonl.gz", tmp_path)]
    planned = list(plan(files, 2, "id", "text"))
    assert not any(c.is_range for c in planned)
    ready = [r for c in planned for r in read_chunk(c, "id", "text")[0]]
    assert ready[0] == ("a.txt", "We prayed at dawn.", "text")
    assert [r[0] for r in ready[1:]] == [1, 'a"b', 1.5]


@pytest.mark.parametrize("options", [
    ScoreOptions(unit="record"),
    ScoreOptions(unit="passage", sentences=1),
    ScoreOptions(unit="record", labels_only=True),
    ScoreOptions(unit="record", min_score=0.5),
])
def test_bulk_lines_are_the_bytes_of_each_row(tiny_model, options):
    texts = ["The emir stole the spoils. They shot the hostages.", "We prayed at dawn.",
             "The foreigners got double salary. Bread was cheap."]
    ids = [1, 'quote " and \\ back\nslash', "été \u2028 😀", 2.5, True, -7, "\x1f"]
    items = [(i, texts[k % len(texts)], "record") for k, i in enumerate(ids)]
    text, rows, suggested = jsonl_rows(tiny_model, items, options)
    slow = score_items(tiny_model, items, options)
    assert text == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in slow)
    assert rows == len(slow)
    assert suggested == {k: v for k, v in
                         ((lab, sum(lab in r["labels"] for r in slow)) for lab in
                          tiny_model.labels) if v}


def test_mixed_inputs_give_the_same_bytes_on_one_or_two_workers(tmp_path, tiny_model):
    import gzip

    from classifier.archive.batch import score_archive

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("We prayed at dawn. The emir stole the spoils.\n\nThey shot "
                                  "the hostages.", encoding="utf-8")
    (folder / "b.jsonl").write_bytes(b"\n".join(LINES[:3]) + b"\n")
    (folder / "c.jsonl.gz").write_bytes(gzip.compress(b"\n".join(LINES[2:5])))
    (folder / "d.csv").write_text("id,text\nx,Bread was cheap.\ny,The commander lied.\n",
                                  encoding="utf-8")
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}.jsonl"
        summary = score_archive([folder], out, model=tiny_model, jobs=jobs,
                                options=ScoreOptions(chunk_size=2))
        outputs.append(out.read_bytes())
        assert summary["records"] == 1 + 2 + 2 + 2  # blank lines are not records
    assert outputs[0] == outputs[1]
    ids = [json.loads(line)["id"] for line in outputs[0].decode().splitlines()]
    assert ids == ["a.txt", "a.txt", 1, 'a"b', 'a"b', 1.5, "x", "y"]  # two paragraphs


def test_bytes_joined_after_the_last_recorded_chunk_are_cut_off_on_resume(tmp_path, tiny_model):
    from test_batch import archive

    from classifier.archive.batch import Interrupted, score_archive

    source = archive(tmp_path / "in.jsonl", 50)
    options = ScoreOptions(chunk_size=10)
    calls = []

    def stop_after_two(records):
        calls.append(records)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted):
        score_archive([source], tmp_path / "out.jsonl", model=tiny_model, options=options,
                      progress=stop_after_two)
    joined = tmp_path / "out.jsonl.parts" / "joined.jsonl"
    with joined.open("ab") as handle:  # as if killed while appending the third chunk
        handle.write(b'{"id": "r20", "labels": [')
    score_archive([source], tmp_path / "out.jsonl", model=tiny_model, options=options,
                  resume=True)
    score_archive([source], tmp_path / "clean.jsonl", model=tiny_model, options=options)
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "clean.jsonl").read_bytes()


class _ManyLabels:
    """A model whose codebook has 70 labels, more than a 64-bit code can hold."""

    def __init__(self):
        self.labels = [f"label_{j}" for j in range(70)]
        self.thresholds = dict.fromkeys(self.labels, 0.5)

    def predict_proba(self, texts):
        import numpy as np

        rng = np.random.default_rng(7)
        return rng.random((len(texts), len(self.labels)))


def test_bulk_lines_hold_for_a_codebook_of_many_labels():
    model = _ManyLabels()
    items = [(k, f"text {k}", "record") for k in range(20)]
    text, rows, _ = jsonl_rows(model, items, ScoreOptions(unit="record"))
    lines = [json.loads(line) for line in text.splitlines()]
    proba = model.predict_proba([t for _, t, _ in items])
    assert rows == 20 and [line["id"] for line in lines] == list(range(20))
    for line, row in zip(lines, proba, strict=True):
        assert line["labels"] == [lab for lab, p in zip(model.labels, row, strict=True)
                                  if p >= 0.5]
