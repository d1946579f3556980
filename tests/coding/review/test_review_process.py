"""``narratives review`` as a user runs it: bad input, kill -9 and restart, retraining."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import time
import warnings

import httpx
import pytest
from review_support import decision, free_port, page_state, review_server, write_accounts
from typer.testing import CliRunner

from classifier.cli import app
from classifier.codebook import codebook_from_dict
from classifier.coding.review import open_review, open_store
from classifier.coding.review.app import ReviewSettings, create_app

with warnings.catch_warnings():  # Starlette prefers httpx2, which this project does not pin
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["review", *map(str, args)])


def one_error(result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for part in parts:
        assert part in lines[0]


def test_missing_database_on_export(tmp_path):
    one_error(run("--db", tmp_path / "none.sqlite", "--export", tmp_path / "c.jsonl"),
              "none.sqlite", "no such review database")
    assert not (tmp_path / "c.jsonl").exists()


def test_unreadable_database(tmp_path, tiny_model_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"\x00garbage" * 500)
    one_error(run("--db", bad, "--export", tmp_path / "c.jsonl"), "cannot be read")
    one_error(run("--db", bad, "--model", tiny_model_path, "--trust-pickle", "--port",
                  free_port(), "--no-browser"), "bad.sqlite", "cannot be read")


def test_database_of_another_codebook(tmp_path, tiny_model_path, tiny_corpus, codebook):
    data = codebook.to_dict()
    other = codebook_from_dict({**data, "name": "Another", "labels": [
        {**dict(label), "id": f"other_{label['id']}", "apply_when": [],
         "do_not_apply_when": [], "indicative_terms": [], "examples": []}
        for label in data["labels"]]})
    open_store(tmp_path / "other.sqlite", other).close()
    accounts = write_accounts(tmp_path / "a", accounts=1)
    one_error(run(*accounts, "--db", tmp_path / "other.sqlite", "--model", tiny_model_path,
                  "--trust-pickle", "--port", free_port(), "--no-browser"),
              "other.sqlite", "was made with the codebook 'Another'")


def test_port_in_use(tmp_path, tiny_model_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        one_error(run(*write_accounts(tmp_path / "a", accounts=1), "--db", tmp_path / "r.sqlite",
                      "--model", tiny_model_path, "--trust-pickle", "--port", port,
                      "--no-browser"), f"port {port}", "in use", "--port")
    assert not (tmp_path / "r.sqlite").exists()


@pytest.mark.parametrize("name, content, message", [
    ("empty.txt", "", "the file is empty"),
    ("empty.jsonl", "", "holds no passages to review"),
    ("blank.jsonl", '{"id": "a", "text": "  "}\n', "field 'text': text is empty")])
def test_empty_input(tmp_path, tiny_model_path, name, content, message):
    (tmp_path / name).write_text(content, encoding="utf-8")
    one_error(run(tmp_path / name, "--db", tmp_path / "r.sqlite", "--model", tiny_model_path,
                  "--trust-pickle", "--port", free_port(), "--no-browser"), name, message)
    assert not (tmp_path / "r.sqlite").exists()


def test_bad_coder_name(tmp_path):
    one_error(run("--db", tmp_path / "r.sqlite", "--coder", "a b"), "--coder", "'a b'")


def answer(base: str, token: str, passage: dict, **change) -> dict:
    response = httpx.post(f"{base}/api/decide", json={**decision(passage), **change},
                          headers={"X-Review-Token": token}, timeout=30)
    response.raise_for_status()
    return response.json()


def test_kill_9_between_decisions_loses_nothing(tmp_path, tiny_model_path, tiny_corpus):
    db, port = tmp_path / "review.sqlite", free_port()
    base = f"http://127.0.0.1:{port}"
    accounts = write_accounts(tmp_path / "a")
    with review_server(db, tiny_model_path, accounts, port=port, corpus=tiny_corpus) as server:
        state = page_state(httpx.get(f"{base}/", timeout=30).text)
        passage, saved = state["passage"], []
        for n in range(4):
            result = answer(base, state["token"], passage, note=f"note {n}")
            saved.append((result["saved"], passage["id"]))
            passage = result["passage"]
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
    with sqlite3.connect(db) as check:
        rows = check.execute("SELECT id, passage_id FROM decisions WHERE undone = 0 "
                             "ORDER BY id").fetchall()
    assert rows == saved
    with review_server(db, tiny_model_path, [], port=port, corpus=tiny_corpus):
        status = httpx.get(f"{base}/api/status", timeout=30).json()
        assert status["progress"]["done"] == 4
        state = page_state(httpx.get(f"{base}/", timeout=30).text)
        assert state["passage"]["id"] not in {pid for _, pid in saved}
        answer(base, state["token"], state["passage"])
    store = open_store(db, create=False)
    assert len(store.decisions("ana")) == 5
    assert [d["note"] for d in store.decisions("ana")][:4] == [f"note {n}" for n in range(4)]
    store.close()


def test_retraining_in_the_background_while_answering(tmp_path, tiny_model_path, tiny_corpus):
    store, model, _ = open_review(tmp_path / "review.sqlite", write_accounts(tmp_path / "a"),
                                  model_path=tiny_model_path, corpus=tiny_corpus)
    client = TestClient(create_app(store, model, ReviewSettings("ana", 8765, every=5)),
                        base_url="http://127.0.0.1:8765")
    state = page_state(client.get("/").text)
    headers = {"X-Review-Token": state["token"]}
    passage, started, answered_while_training, answered = state["passage"], False, 0, 5
    for _ in range(5):
        result = client.post("/api/decide", json=decision(passage), headers=headers).json()
        started, passage = started or result["retraining_started"], result["passage"]
    assert started and result["training"]
    deadline = time.monotonic() + 180
    while True:
        if answered < 20:  # answer while it trains, then keep four passages to look at
            result = client.post("/api/decide", json=decision(passage), headers=headers).json()
            answered_while_training += result["training"]
            answered += 1
        else:
            result = client.get("/api/next").json()
        passage = result["passage"]
        ready = store.rows("SELECT version FROM models WHERE status = 'ready'")
        if ready and passage["suggestion"]["model_version"] == ready[0]["version"]:
            break
        assert time.monotonic() < deadline, store.meta("training_error")
        time.sleep(0.5)
    new = ready[0]["version"]
    assert new != model.version and new.startswith(model.version + "+review")
    assert answered_while_training >= 1
    decisions = store.decisions("ana")
    assert len(decisions) == answered
    assert decisions[-1]["model_version"] in (model.version, new)
    assert passage["ranked_by"] == new
    store.close()


def test_export_from_the_command_line(tmp_path, tiny_model_path, tiny_corpus):
    db = tmp_path / "review.sqlite"
    store, model, _ = open_review(db, write_accounts(tmp_path / "a", accounts=1),
                                  model_path=tiny_model_path, corpus=tiny_corpus)
    client = TestClient(create_app(store, model, ReviewSettings("ana", 8765)),
                        base_url="http://127.0.0.1:8765")
    state = page_state(client.get("/").text)
    client.post("/api/decide", json=decision(state["passage"], "none"),
                headers={"X-Review-Token": state["token"]})
    store.close()
    result = run("--db", db, "--export", tmp_path / "team.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote 1 quotations coded by ana to {tmp_path / 'team.jsonl'}"
    one_error(run("--db", db, "--export", tmp_path / "team.txt"), "team.txt",
              ".jsonl, .csv or .qdpx")
