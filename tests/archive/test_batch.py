import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from classifier.archive.batch import Interrupted, ScoreOptions, score_archive
from classifier.errors import InputError
from classifier.model.text import split_passages
from conftest import PHRASES, write_jsonl

SENTENCES = [p[0].upper() + p[1:] + "." for ps in PHRASES.values() for p in ps]


def archive(path, n):
    rows = [{"id": f"r{i}", "text": " ".join(SENTENCES[(i + k) % len(SENTENCES)]
                                            for k in range(1 + i % 3))} for i in range(n)]
    return write_jsonl(path, rows)


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_rows_keep_input_order_with_several_workers(tmp_path, tiny_model):
    source = archive(tmp_path / "in.jsonl", 120)
    one = score_archive([source], tmp_path / "one.jsonl", model=tiny_model, jobs=1,
                        options=ScoreOptions(chunk_size=7))
    two = score_archive([source], tmp_path / "two.jsonl", model=tiny_model, jobs=2,
                        options=ScoreOptions(chunk_size=7))
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert [r["id"] for r in read_jsonl(tmp_path / "two.jsonl")] == [f"r{i}" for i in range(120)]
    assert one["records"] == two["records"] == 120
    assert not (tmp_path / "two.jsonl.parts").exists()


def test_passages_carry_offsets_that_slice_back_to_the_passage(tmp_path, tiny_model):
    text = ("Ça commence. The emir stole the spoils. 😀 They shot the hostages.\r\n\r\n"
            "We prayed at dawn. The promised car never came.")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "acc.txt").write_text(text, encoding="utf-8")
    score_archive([tmp_path / "docs"], tmp_path / "out.jsonl", model=tiny_model,
                  options=ScoreOptions(sentences=2, stride=1))
    rows = read_jsonl(tmp_path / "out.jsonl")
    expected = split_passages(text, sentences=2, stride=1)
    assert [(r["passage"], r["start"], r["end"]) for r in rows] == \
        [(p.index, p.start, p.end) for p in expected]
    assert all(r["id"] == "acc.txt" for r in rows)
    for row, passage in zip(rows, expected, strict=True):
        assert text[row["start"]:row["end"]] == passage.text


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_tables_out_have_one_score_column_per_label(tmp_path, tiny_model, suffix):
    source = archive(tmp_path / "in.jsonl", 30)
    score_archive([source], tmp_path / f"out{suffix}", model=tiny_model,
                  options=ScoreOptions(chunk_size=8))
    frame = pd.read_csv(tmp_path / "out.csv") if suffix == ".csv" else \
        pd.read_parquet(tmp_path / "out.parquet")
    assert list(frame.columns) == ["id", "passage", "start", "end", "labels",
                                   *[f"score_{lab}" for lab in tiny_model.labels]]
    assert list(frame["id"]) == [f"r{i}" for i in range(30)]
    reference = read_jsonl(score_and_read(tmp_path, tiny_model, source))
    assert frame["score_brutality"].tolist() == [r["scores"]["brutality"] for r in reference]


def score_and_read(tmp_path, model, source):
    out = tmp_path / "reference.jsonl"
    if not out.exists():
        score_archive([source], out, model=model, options=ScoreOptions(unit="record"))
    return out


def test_filters_keep_only_rows_that_suggest_something(tmp_path, tiny_model):
    source = archive(tmp_path / "in.jsonl", 40)
    score_archive([source], tmp_path / "all.jsonl", model=tiny_model)
    score_archive([source], tmp_path / "some.jsonl", model=tiny_model,
                  options=ScoreOptions(labels_only=True))
    score_archive([source], tmp_path / "high.jsonl", model=tiny_model,
                  options=ScoreOptions(min_score=0.9))
    everything = read_jsonl(tmp_path / "all.jsonl")
    assert read_jsonl(tmp_path / "some.jsonl") == [r for r in everything if r["labels"]]
    assert read_jsonl(tmp_path / "high.jsonl") == \
        [r for r in everything if max(r["scores"].values()) >= 0.9]


def test_a_bad_record_stops_the_run_with_no_output(tmp_path, tiny_model):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "text": "ok"}\n' * 30 + '{"id": 2, "text": ""}\n')
    with pytest.raises(InputError, match=r"in\.jsonl, line 31, field 'text'"):
        score_archive([path], tmp_path / "out.jsonl", model=tiny_model,
                      options=ScoreOptions(chunk_size=5))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_skip_bad_sends_bad_records_to_rejects(tmp_path, tiny_model):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": 1, "text": "ok"}\nbroken\n{"id": 3, "text": "\xff"}\n'
                     b'{"id": 4, "text": "They shot the hostages."}\n')
    summary = score_archive([path], tmp_path / "out.jsonl", model=tiny_model, skip_bad=True,
                            options=ScoreOptions(chunk_size=2))
    assert summary["records"] == 4 and summary["rows"] == 2 and summary["rejected"] == 2
    rejects = read_jsonl(tmp_path / "out.jsonl.rejects.jsonl")
    assert [(r["line"], r["reason"].split(" (")[0]) for r in rejects] == \
        [(2, "not valid JSON"), (3, "not valid UTF-8")]
    assert [r["id"] for r in read_jsonl(tmp_path / "out.jsonl")] == [1, 4]


def test_a_left_over_run_must_be_resumed_or_removed(tmp_path, tiny_model):
    source = archive(tmp_path / "in.jsonl", 10)
    (tmp_path / "out.jsonl.parts").mkdir()
    with pytest.raises(InputError, match="add --resume to finish it"):
        score_archive([source], tmp_path / "out.jsonl", model=tiny_model)


def test_resuming_with_other_options_is_refused(tmp_path, tiny_model):
    source = archive(tmp_path / "in.jsonl", 10)
    parts = tmp_path / "out.jsonl.parts"
    parts.mkdir()
    (parts / "manifest.json").write_text(json.dumps({"version": 1, "fingerprint": {},
                                                     "done": {}}))
    with pytest.raises(InputError, match="differ from the run being resumed"):
        score_archive([source], tmp_path / "out.jsonl", model=tiny_model, resume=True)


def test_ctrl_c_keeps_the_finished_chunks(tmp_path, tiny_model, monkeypatch):
    source = archive(tmp_path / "in.jsonl", 50)
    calls = {"n": 0}

    def stop_after_two(records):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted, match="--resume"):
        score_archive([source], tmp_path / "out.jsonl", model=tiny_model,
                      options=ScoreOptions(chunk_size=10), progress=stop_after_two)
    manifest = json.loads((tmp_path / "out.jsonl.parts" / "manifest.json").read_text())
    assert sorted(manifest["done"]) == ["0", "1"] and not (tmp_path / "out.jsonl").exists()
    score_archive([source], tmp_path / "out.jsonl", model=tiny_model, resume=True,
                  options=ScoreOptions(chunk_size=10))
    score_archive([source], tmp_path / "clean.jsonl", model=tiny_model,
                  options=ScoreOptions(chunk_size=10))
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "clean.jsonl").read_bytes()


def test_kill_9_mid_run_then_resume_gives_the_same_bytes(tmp_path, tiny_model_path):
    source = archive(tmp_path / "in.jsonl", 6000)
    command = [sys.executable, "-m", "classifier", "score", str(source), "--model",
               str(tiny_model_path), "--chunk-size", "100", "--jobs", "1", "--quiet"]
    out = tmp_path / "out.jsonl"
    manifest = tmp_path / "out.jsonl.parts" / "manifest.json"
    process = subprocess.Popen([*command, "--out", str(out)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if manifest.exists() and len(json.loads(manifest.read_text())["done"]) >= 3:
            break
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not out.exists(), "the run finished before it could be killed"
    done = len(json.loads(manifest.read_text())["done"])
    assert 3 <= done < 60
    resumed = subprocess.run([*command, "--out", str(out), "--resume"], capture_output=True,
                             text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    clean = subprocess.run([*command, "--out", str(tmp_path / "clean.jsonl")],
                           capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stderr
    assert out.read_bytes() == (tmp_path / "clean.jsonl").read_bytes()
    assert len(out.read_text().splitlines()) == 6000
    assert not (tmp_path / "out.jsonl.parts").exists()


def test_an_empty_input_is_refused_and_leaves_nothing(tmp_path, tiny_model):
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(InputError, match=r"empty\.jsonl: holds no records to score"):
        score_archive([tmp_path / "empty.jsonl"], tmp_path / "out.csv", model=tiny_model)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.jsonl"]
